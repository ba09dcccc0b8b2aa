"""Config file, profiles and precedence (flag typed > env > profile > default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from psadmin.config import ConfigError, Overrides, Profile, load_profile, resolve_settings

CONFIG = """
[defaults]
refresh = 3.0

[profiles.prod]
dsn = "postgresql://psadmin@db.prod:5432/psscript"
redis_url = "redis://cache.prod:6379/0"
read_only = true
refresh = 5

check_state_file = "~/state/check.json"
skip_checks = ["query_time"]

[profiles.prod.thresholds]
connections_warn = 0.7
table_dead_ratio_warn = 0.25
idle_in_transaction_warn_s = 10

[profiles.prod.app_pools]
psscript-api = 25
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_profile_merges_over_defaults(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, CONFIG), "prod")
    assert profile.name == "prod"
    assert profile.read_only is True
    assert profile.refresh == 5.0
    assert profile.thresholds.connections_warn == 0.7
    assert profile.thresholds.cache_hit_warn == 0.9  # untouched default
    assert profile.thresholds.table_dead_ratio_warn == 0.25
    assert profile.thresholds.idle_in_transaction_warn_s == 10.0
    assert profile.skip_checks == ("query_time",)
    assert profile.check_state_path == Path("~/state/check.json").expanduser()
    assert profile.app_pools == {"psscript-api": 25}


def test_defaults_section_applies_without_profile(tmp_path: Path) -> None:
    assert load_profile(write(tmp_path, CONFIG), None).refresh == 3.0


def test_missing_default_file_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("psadmin.config.default_config_path", lambda: tmp_path / "none.toml")
    assert load_profile(None, None) == Profile()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[profiles.x]\ndsn = 'postgresql://u:pw@h/db'\n", "password"),
        ("[profiles.x]\nrefresh = -1\n", "refresh"),
        ("[profiles.x]\nbogus = 1\n", "unknown setting 'bogus'"),
        ("[profiles.x]\nread_only = 'yes'\n", "read_only"),
        ("[profiles.x.thresholds]\nnope = 1\n", "unknown threshold"),
        ("[profiles.x.thresholds]\nquery_warn_ms = -5\n", "query_warn_ms must be a number >= 0"),
        ("[profiles.x.thresholds]\nquery_warn_ms = nan\n", "query_warn_ms must be a number >= 0"),
        ("[profiles.x]\nskip_checks = 'query_time'\n", "skip_checks must be a list"),
        ("[other]\n", "unknown section"),
        ("[profiles.x\n", "invalid TOML"),
    ],
)
def test_bad_config_is_one_line_naming_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_profile(write(tmp_path, text), "x")
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert "pw@" not in str(info.value)


def test_unknown_profile_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="profiles: prod"):
        load_profile(write(tmp_path, CONFIG), "staging")


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_profile(tmp_path / "missing.toml", None)


def test_typed_flags_beat_profile(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, CONFIG), "prod")
    settings = resolve_settings(
        Overrides(dsn="postgresql://me@local/db", read_only=False, refresh=1.0), {}, profile
    )
    assert settings.postgres.source == "--dsn"
    assert settings.read_only is False
    assert settings.refresh == 1.0


def test_environment_beats_profile(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, CONFIG), "prod")
    settings = resolve_settings(
        Overrides(),
        {"DATABASE_URL": "postgresql://env@h/db", "REDIS_URL": "redis://e/0"},
        profile,
    )
    assert settings.postgres.source == "DATABASE_URL"
    assert settings.redis is not None and settings.redis.source == "REDIS_URL"
    assert settings.read_only is True  # nothing typed: the profile's value stands


def test_profile_used_when_nothing_else(tmp_path: Path) -> None:
    settings = resolve_settings(Overrides(), {}, load_profile(write(tmp_path, CONFIG), "prod"))
    assert settings.postgres.source == "profile prod"
    assert settings.redis is not None and settings.redis.source == "profile prod"
