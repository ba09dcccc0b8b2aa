"""The local hashing embedder: stable unit vectors where similar scripts sit close together."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections import defaultdict

import pytest

from psadmin.demo.corpus import ScriptDoc, generate_scripts
from psadmin.demo.embedder import DIMENSIONS, MODEL_NAME, embed, to_pgvector_text, tokenize

SAMPLE = "Get-Service -Name Spooler | Restart-Service -Force"


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(v * v for v in vector))


def cosine(a: dict[int, float], b: dict[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(index, 0.0) for index, value in a.items())


def sparse(vector: list[float]) -> dict[int, float]:
    return {index: value for index, value in enumerate(vector) if value}


@pytest.fixture(scope="module")
def corpus() -> list[ScriptDoc]:
    return list(generate_scripts(300, seed=11))


@pytest.fixture(scope="module")
def vectors(corpus: list[ScriptDoc]) -> list[dict[int, float]]:
    return [sparse(embed(s.content)) for s in corpus]


def test_model_identity() -> None:
    assert DIMENSIONS == 1536
    assert MODEL_NAME == "psadmin-hashing-v1"
    assert len(MODEL_NAME) <= 50  # script_embeddings.model_version is VARCHAR(50)


@pytest.mark.parametrize(
    "text",
    [SAMPLE, "", "   \n\t", "!!! ??? ***", "a b c 1 22", "Get-ADUser " * 500, "é ü 日本"],
)
def test_vectors_are_unit_length_and_full_size(text: str) -> None:
    vector = embed(text)
    assert len(vector) == DIMENSIONS
    assert all(isinstance(v, float) and math.isfinite(v) for v in vector)
    assert norm(vector) == pytest.approx(1.0, abs=1e-9)


def test_text_without_tokens_gets_one_fixed_vector() -> None:
    empty = embed("")
    assert any(empty)
    assert embed("   ") == empty
    assert embed("!!! - $ _") == empty
    assert embed(SAMPLE) != empty


def test_same_text_same_vector() -> None:
    assert embed(SAMPLE) == embed(SAMPLE)
    assert embed(SAMPLE) != embed(SAMPLE.replace("Spooler", "W3SVC"))


def test_vectors_do_not_change_between_releases() -> None:
    # Stored vectors are labelled psadmin-hashing-v1; changing the algorithm needs a new name.
    expected = {
        5: 0.274721,
        774: -0.549442,
        837: 0.274721,
        1001: -0.549442,
        1111: -0.274721,
        1488: 0.412082,
    }
    got = {i: round(v, 6) for i, v in enumerate(embed(SAMPLE)) if v}
    assert got == expected


def test_vectors_are_stable_across_processes() -> None:
    # Python's hash() is salted per process; the embedder must not depend on it.
    code = (
        "from psadmin.demo.embedder import embed, to_pgvector_text;"
        f"print(to_pgvector_text(embed({SAMPLE!r})))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == to_pgvector_text(embed(SAMPLE))


def test_tokenize_keeps_cmdlets_whole_and_drops_noise() -> None:
    tokens = tokenize(
        "Get-ADUser -Filter * -SearchBase $OU | Where-Object { $_.Enabled } # the 15 4625 x"
    )
    assert tokens == ["get-aduser", "filter", "searchbase", "ou", "where-object", "enabled", "4625"]


def test_tokenize_lowercases_and_splits_on_punctuation() -> None:
    assert tokenize("Win32_LogicalDisk;HKLM:\\SOFTWARE\\Contoso") == [
        "win32_logicaldisk",
        "hklm",
        "software",
        "contoso",
    ]


def test_nearest_neighbour_shares_the_category(
    corpus: list[ScriptDoc], vectors: list[dict[int, float]]
) -> None:
    hits = 0
    for i, vector in enumerate(vectors):
        nearest = max(
            (j for j in range(len(vectors)) if j != i), key=lambda j: cosine(vector, vectors[j])
        )
        hits += corpus[nearest].category == corpus[i].category
    assert hits / len(vectors) >= 0.95


def test_same_category_is_closer_than_other_categories(
    corpus: list[ScriptDoc], vectors: list[dict[int, float]]
) -> None:
    same: list[float] = []
    other: list[float] = []
    for i in range(0, len(vectors), 3):
        for j in range(i + 1, len(vectors), 7):
            (same if corpus[i].category == corpus[j].category else other).append(
                cosine(vectors[i], vectors[j])
            )
    assert sum(same) / len(same) > 2 * (sum(other) / len(other))


def test_each_category_has_a_tight_cluster(
    corpus: list[ScriptDoc], vectors: list[dict[int, float]]
) -> None:
    # Every script has at least one other script (its task family) far closer than average.
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(corpus):
        by_category[s.category].append(i)
    for members in by_category.values():
        for i in members:
            best = max(cosine(vectors[i], vectors[j]) for j in members if j != i)
            assert best > 0.5


def test_pgvector_text_is_compact_and_exact_enough() -> None:
    assert to_pgvector_text([0.0, 0.5, -0.25, 1.0]) == "[0,0.5,-0.25,1]"
    assert to_pgvector_text([1 / 3, -2 / 3]) == "[0.333333,-0.666667]"
    assert to_pgvector_text([]) == "[]"


def test_pgvector_text_round_trips() -> None:
    vector = embed(SAMPLE + " Get-ChildItem -Recurse")
    text = to_pgvector_text(vector)
    assert text.startswith("[") and text.endswith("]") and " " not in text
    parsed = [float(part) for part in text[1:-1].split(",")]
    assert len(parsed) == DIMENSIONS
    for original, back in zip(vector, parsed, strict=True):
        assert back == pytest.approx(original, rel=1e-5, abs=1e-12)
        assert (back == 0.0) == (original == 0.0)
