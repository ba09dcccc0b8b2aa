"""The demo corpus: deterministic, realistic PowerShell scripts with analyses that match them."""

from __future__ import annotations

import itertools
import re

import pytest

from psadmin.demo.corpus import CATEGORIES, TAGS, ScriptDoc, generate_scripts

# Enough scripts for every family to appear many times, so titles have to be qualified.
COUNT = 1500
CATEGORY_NAMES = {name for name, _ in CATEGORIES}

# What each security finding must point at, written independently of the generator's rules.
ISSUE_EVIDENCE = {
    "plaintext-securestring": r"ConvertTo-SecureString.*-AsPlainText",
    "hardcoded-secret": r"'[^'$]{4,}'",
    "remote-code-download": r"DownloadString\(",
    "invoke-expression": r"(?i)\biex\b|Invoke-Expression",
    "certificate-validation-disabled": r"ServerCertificateValidationCallback|SkipCertificateCheck",
    "execution-policy-bypass": r"Set-ExecutionPolicy\s+(Bypass|Unrestricted)",
    "plaintext-http": r"http://",
}


@pytest.fixture(scope="module")
def scripts() -> list[ScriptDoc]:
    return list(generate_scripts(COUNT, seed=7))


def code_of(script: ScriptDoc) -> str:
    """The script after its comment-based help."""
    return script.content.split("#>\n", 1)[1]


def test_same_seed_gives_identical_scripts() -> None:
    assert list(generate_scripts(60, seed=3)) == list(generate_scripts(60, seed=3))


def test_different_seeds_give_different_scripts() -> None:
    first = [s.content for s in generate_scripts(60, seed=3)]
    second = [s.content for s in generate_scripts(60, seed=4)]
    assert sum(a != b for a, b in zip(first, second, strict=True)) > 50


def test_a_shorter_run_is_a_prefix_of_a_longer_one() -> None:
    assert list(generate_scripts(20, seed=5)) == list(generate_scripts(80, seed=5))[:20]


def test_generation_is_lazy() -> None:
    # Materialising a trillion scripts would never finish; a generator hands out the first few.
    first = list(itertools.islice(generate_scripts(10**12, seed=1), 3))
    assert len(first) == 3


def test_count_is_respected() -> None:
    assert list(generate_scripts(0)) == []
    assert len(list(generate_scripts(7))) == 7
    with pytest.raises(ValueError):
        list(generate_scripts(-1))


def test_titles_are_unique(scripts: list[ScriptDoc]) -> None:
    titles = [s.title for s in scripts]
    assert len(set(titles)) == len(titles)
    assert all(t.strip() == t and len(t) <= 255 for t in titles)  # scripts.title is VARCHAR(255)


def test_categories_and_tags_come_from_the_vocabulary(scripts: list[ScriptDoc]) -> None:
    assert len(CATEGORIES) >= 10 and len(TAGS) >= 40
    assert {s.category for s in scripts} == CATEGORY_NAMES
    for s in scripts:
        assert 1 <= len(s.tags) <= 5
        assert len(set(s.tags)) == len(s.tags)
        assert set(s.tags) <= set(TAGS)


def test_tags_follow_the_content(scripts: list[ScriptDoc]) -> None:
    evidence = {
        "csv": "csv",
        "email": "send-mailmessage",
        "html-report": "convertto-html",
        "remoting": "-computername",
        "azure": "-az",
        "exchange-online": "exchange",
    }
    for s in scripts:
        for tag in s.tags:
            assert evidence.get(tag, "") in s.content.lower(), (s.title, tag)


def test_content_has_help_cmdletbinding_and_a_param_block(scripts: list[ScriptDoc]) -> None:
    for s in scripts:
        help_block = s.content.split("#>", 1)[0]
        for keyword in (".SYNOPSIS", ".DESCRIPTION", ".EXAMPLE", ".NOTES"):
            assert keyword in help_block, (s.title, keyword)
        assert s.content.startswith("<#")
        assert "[CmdletBinding(" in s.content
        assert re.search(r"^param\(", s.content, re.MULTILINE)
        for name in s.analysis.parameter_docs:
            assert f".PARAMETER {name}\n" in help_block
            assert re.search(rf"\]\${name}\b", s.content), (s.title, name)


def test_scripts_use_the_practices_the_brief_asks_for(scripts: list[ScriptDoc]) -> None:
    def share(needle: str) -> float:
        return sum(needle in s.content for s in scripts) / len(scripts)

    assert share("try {") > 0.8
    assert share("Write-Verbose") > 0.7
    assert share("[Parameter(Mandatory)]") > 0.3
    assert share("[ValidateRange(") > 0.4
    splatted = sum(bool(re.search(r"[ (]@[A-Za-z]", s.content)) for s in scripts)
    assert splatted / len(scripts) > 0.1
    assert share("function Write-Log") > 0.05
    assert share("SupportsShouldProcess") > 0.3


def test_versions_build_up_to_the_content(scripts: list[ScriptDoc]) -> None:
    counts = {len(s.versions) for s in scripts}
    assert counts == {1, 2, 3, 4, 5, 6}
    for s in scripts:
        assert s.versions[-1][0] == s.content
        assert all(message.strip() for _, message in s.versions)
        texts = [text for text, _ in s.versions]
        assert all(a != b for a, b in itertools.pairwise(texts))
        for number, text in enumerate(texts):
            if text.startswith("<#"):
                assert f"Version:  1.{number}\n" in text


def test_early_drafts_lack_later_features(scripts: list[ScriptDoc]) -> None:
    drafts = [s.versions[0][0] for s in scripts if len(s.versions) >= 3]
    assert drafts
    features = ("<#", "try {", "Write-Verbose", "[Validate", "SupportsShouldProcess")
    missing = [sum(f not in d for f in features) for d in drafts]
    assert sum(m > 0 for m in missing) / len(drafts) > 0.9


def test_scores_are_percentages(scripts: list[ScriptDoc]) -> None:
    for s in scripts:
        a = s.analysis
        for score in (a.security_score, a.quality_score, a.risk_score):
            assert 0.0 <= score <= 100.0


def test_security_issues_point_at_real_lines(scripts: list[ScriptDoc]) -> None:
    flagged = [s for s in scripts if s.analysis.security_issues]
    assert 0 < len(flagged) < len(scripts) / 2
    for s in flagged:
        lines = s.content.split("\n")
        for issue in s.analysis.security_issues:
            assert issue["severity"] in {"critical", "high", "medium", "low"}
            assert lines[issue["line"] - 1].strip() == issue["evidence"]
            assert re.search(ISSUE_EVIDENCE[issue["id"]], issue["evidence"]), issue


def test_insecure_content_is_always_reported(scripts: list[ScriptDoc]) -> None:
    signs = {
        "plaintext-securestring": r"ConvertTo-SecureString .*-AsPlainText",
        "remote-code-download": r"DownloadString\(",
        "certificate-validation-disabled": r"ServerCertificateValidationCallback = ",
        "hardcoded-secret": r"-SecretKey '",
    }
    for s in scripts:
        found = {issue["id"] for issue in s.analysis.security_issues}
        for rule, sign in signs.items():
            if re.search(sign, code_of(s)):
                assert rule in found, (s.title, rule)
            elif rule != "hardcoded-secret":  # secrets also hide in other assignments
                assert rule not in found, (s.title, rule)


def test_security_score_drops_with_serious_issues(scripts: list[ScriptDoc]) -> None:
    def serious(s: ScriptDoc) -> bool:
        return any(i["severity"] in {"critical", "high"} for i in s.analysis.security_issues)

    clean = [s.analysis.security_score for s in scripts if not s.analysis.security_issues]
    risky = [s.analysis.security_score for s in scripts if serious(s)]
    assert clean and risky
    assert max(risky) < min(clean)


def test_command_details_count_the_cmdlets_in_the_code(scripts: list[ScriptDoc]) -> None:
    for s in scripts[:300]:
        code = code_of(s)
        details = s.analysis.command_details
        assert details
        for detail in details:
            found = re.findall(rf"(?<![\w-]){re.escape(detail['name'])}(?![\w-])", code)
            assert len(found) == detail["occurrences"], (s.title, detail["name"])
            assert detail["module"] and detail["description"]
        refs = s.analysis.ms_docs_references
        assert [r["title"].split(" ")[0] for r in refs] == [d["name"] for d in details]
        for ref in refs:
            assert ref["url"].startswith("https://")
            if "learn.microsoft.com" in ref["url"]:
                assert ref["url"].endswith("/" + ref["title"].split(" ")[0].lower())


def test_best_practice_violations_match_the_code(scripts: list[ScriptDoc]) -> None:
    for s in scripts:
        rules = {v["rule"] for v in s.analysis.best_practice_violations}
        code = code_of(s)
        assert ("PSAvoidUsingWriteHost" in rules) == ("Write-Host" in code)
        assert ("PSAvoidUsingWMICmdlet" in rules) == ("Get-WmiObject" in code)
        if "PSUseShouldProcessForStateChangingFunctions" in rules:
            assert "SupportsShouldProcess" not in code


def test_analysis_fields_are_filled(scripts: list[ScriptDoc]) -> None:
    for s in scripts[:200]:
        a = s.analysis
        assert a.purpose and a.suggestions and a.performance_insights and a.potential_risks
        assert a.compatibility_notes
        assert a.code_complexity_metrics["lines"] == s.content.count("\n")
        assert a.code_complexity_metrics["parameters"] == len(a.parameter_docs)
        assert a.execution_summary["risk_level"] in {"low", "medium", "high"}
        for doc in a.parameter_docs.values():
            assert {"type", "description", "mandatory"} <= doc.keys()
