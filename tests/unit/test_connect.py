"""Connection target resolution and password redaction."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from psadmin.connect import (
    TargetError,
    describe_url,
    resolve_pg_target,
    resolve_redis_target,
    scrub,
)


def test_flag_beats_environment_and_profile() -> None:
    env = {"DATABASE_URL": "postgresql://env@h/db", "DB_HOST": "dbhost"}
    target = resolve_pg_target("postgresql://flag@h/db", env, "postgresql://prof@h/db", "p")
    assert (target.dsn, target.source) == ("postgresql://flag@h/db", "--dsn")


def test_database_url_beats_db_vars_and_profile() -> None:
    env = {"DATABASE_URL": "postgresql://env@h/db", "DB_HOST": "dbhost"}
    target = resolve_pg_target(None, env, "postgresql://prof@h/db", "p")
    assert target.source == "DATABASE_URL"


def test_db_vars_build_a_dsn_with_escaped_credentials() -> None:
    env = {
        "DB_HOST": "db.internal",
        "DB_PORT": "6543",
        "DB_NAME": "psscript",
        "DB_USER": "app user",
        "DB_PASSWORD": "p@ss:w/rd",
    }
    target = resolve_pg_target(None, env, None, "default")
    assert target.dsn == "postgresql://app%20user:p%40ss%3Aw%2Frd@db.internal:6543/psscript"
    assert target.display() == "postgresql://app user@db.internal:6543/psscript"
    assert "p@ss:w/rd" in target.secrets


def test_db_ssl_true_verifies_certificate_and_host(tmp_path: Path) -> None:
    target = resolve_pg_target(None, {"DB_HOST": "h", "DB_SSL": "true"}, None, "d")
    assert target.ssl_context is not None
    assert target.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert target.ssl_context.check_hostname


def test_db_ssl_missing_ca_file_is_a_clear_error(tmp_path: Path) -> None:
    env = {"DB_HOST": "h", "DB_SSL": "true", "DB_SSL_CA_PATH": str(tmp_path / "nope.pem")}
    with pytest.raises(TargetError, match="DB_SSL_CA_PATH"):
        resolve_pg_target(None, env, None, "d")


def test_db_ssl_false_means_no_tls_context() -> None:
    target = resolve_pg_target(None, {"DB_HOST": "h", "DB_SSL": "false"}, None, "d")
    assert target.ssl_context is None


@pytest.mark.parametrize("bad", ["maybe", "2", "tru"])
def test_db_ssl_garbage_is_rejected(bad: str) -> None:
    with pytest.raises(TargetError, match="DB_SSL"):
        resolve_pg_target(None, {"DB_HOST": "h", "DB_SSL": bad}, None, "d")


def test_pg_variables_leave_dsn_to_libpq_and_beat_profile() -> None:
    env = {"PGHOST": "pghost", "PGUSER": "me", "PGPASSWORD": "hunter2"}
    target = resolve_pg_target(None, env, "postgresql://prof@h/db", "p")
    assert target.dsn is None
    assert target.source == "PG* variables"
    assert "hunter2" not in target.display()
    assert target.secrets == ("hunter2",)


def test_profile_used_when_environment_is_silent() -> None:
    target = resolve_pg_target(None, {}, "postgresql://prof@h/db", "prod")
    assert target.source == "profile prod"


def test_libpq_defaults_last() -> None:
    assert resolve_pg_target(None, {}, None, "d").dsn is None


@pytest.mark.parametrize(
    "dsn", ["mysql://x@h/db", "postgresql://h:notaport/db", "postgresql://h/db\x00"]
)
def test_bad_dsn_is_rejected_in_one_line(dsn: str) -> None:
    with pytest.raises(TargetError) as info:
        resolve_pg_target(dsn, {}, None, "d")
    assert "\n" not in str(info.value)


def test_redis_precedence() -> None:
    env = {"REDIS_URL": "redis://env:6379/0", "REDIS_HOST": "rh"}
    assert resolve_redis_target("redis://flag/0", env, None, "d").source == "--redis-url"
    assert resolve_redis_target(None, env, None, "d").source == "REDIS_URL"
    only_host = resolve_redis_target(None, {"REDIS_HOST": "rh"}, None, "d")
    assert only_host is not None and only_host.url == "redis://rh:6379/0"
    assert resolve_redis_target(None, {}, "redis://p/0", "prod").source == "profile prod"
    assert resolve_redis_target(None, {}, None, "d") is None


def test_redis_bad_port() -> None:
    with pytest.raises(TargetError, match="REDIS_PORT"):
        resolve_redis_target(None, {"REDIS_PORT": "http"}, None, "d")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("failed for postgresql://u:s3cret@h/db", "s3cret"),
        ("host=h password=s3cret user=u", "s3cret"),
        ("error near 's3cret' in options", "s3cret"),
        ("quoted p%40ss here", "p@ss"),
    ],
)
def test_scrub_removes_passwords(text: str, secret: str) -> None:
    cleaned = scrub(text, [secret])
    assert secret not in cleaned
    assert "%40ss" not in cleaned


def test_describe_url_never_shows_password() -> None:
    shown = describe_url("postgresql://u:topsecret@db:5433/ps?password=other")
    assert shown == "postgresql://u@db:5433/ps"
    assert "secret" not in describe_url("host=h password=topsecret user=u dbname=d")
