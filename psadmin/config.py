"""Settings: the optional TOML config with named profiles, merged with flags and environment.

File (``--config`` or ``<user config dir>/psadmin/config.toml``)::

    [defaults]                 # applies to every profile
    refresh = 2.0

    [profiles.prod]
    dsn = "postgresql://psadmin@db.internal:5432/psscript?sslmode=verify-full"
    redis_url = "redis://cache.internal:6379/0"
    read_only = true

    [profiles.prod.thresholds]
    connections_warn = 0.75

    [profiles.prod.app_pools]
    psscript-api = 25

Passwords never live in this file: a DSN or URL with a password is refused.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from psadmin.connect import (
    PgTarget,
    RedisTarget,
    TargetError,
    resolve_pg_target,
    resolve_redis_target,
    url_secrets,
)
from psadmin.models.health import Thresholds

DEFAULT_PROFILE = "default"


class ConfigError(ValueError):
    """A configuration problem, described in one line that names the file and the key."""


@dataclass(frozen=True)
class Profile:
    """A named set of defaults for one environment (prod, staging, …)."""

    name: str = DEFAULT_PROFILE
    dsn: str | None = None
    """PostgreSQL DSN without a password (use ~/.pgpass or PGPASSWORD for that)."""
    redis_url: str | None = None
    """Redis URL without a password."""
    read_only: bool = False
    """Refuse every admin action and run sessions with default_transaction_read_only."""
    refresh: float = 2.0
    """Seconds between refreshes of the visible screen."""
    statement_timeout_ms: int = 5000
    """statement_timeout of psadmin's monitoring sessions."""
    lock_timeout_ms: int = 1000
    """lock_timeout of psadmin's sessions (admin actions too)."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    """Where status lights change colour."""
    app_pools: Mapping[str, int] = field(default_factory=lambda: {"psscript-api": 10})
    """Configured pool size per application_name (seed: the API's pool max is 10)."""
    pgbouncer_dsn: str | None = None
    """PgBouncer admin console DSN, when the application connects through PgBouncer."""
    unlock_redis_keys: tuple[str, ...] = ("auth:attempts:{username}",)
    """Redis key templates deleted when a user is unlocked."""
    lockout_attempts: int = 5
    """Failed logins that lock an account (seed: 5)."""
    lockout_minutes: int = 30
    """How long an account stays locked (seed: 30 minutes)."""
    suppress: tuple[str, ...] = ()
    """Finding keys the audit should not report."""
    audit_file: Path | None = None
    """Local JSON Lines audit trail (default: psadmin's state dir, audit.jsonl)."""
    check_state_file: Path | None = None
    """Where ``psadmin check`` keeps the counters of its previous run, so deadlocks and
    evictions are rates between runs (default: psadmin's state dir, check-state.json)."""
    skip_checks: tuple[str, ...] = ()
    """Checks ``psadmin check`` leaves out (e.g. ``query_time`` without pg_stat_statements)."""

    @property
    def audit_path(self) -> Path:
        return self.audit_file or platformdirs.user_state_path("psadmin") / "audit.jsonl"

    @property
    def check_state_path(self) -> Path:
        return self.check_state_file or platformdirs.user_state_path("psadmin") / "check-state.json"


@dataclass(frozen=True)
class Settings:
    """Everything a run of psadmin needs, resolved once at start-up."""

    postgres: PgTarget
    redis: RedisTarget | None
    profile: Profile
    read_only: bool
    refresh: float

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.postgres.secrets + (self.redis.secrets if self.redis else ())


@dataclass(frozen=True)
class Overrides:
    """Values typed on the command line (None = not typed)."""

    dsn: str | None = None
    redis_url: str | None = None
    read_only: bool | None = None
    refresh: float | None = None


def default_config_path() -> Path:
    return platformdirs.user_config_path("psadmin") / "config.toml"


_PROFILE_FIELDS = {f.name: f for f in dataclasses.fields(Profile) if f.name != "name"}
_THRESHOLD_FIELDS = {f.name for f in dataclasses.fields(Thresholds)}


def _coerce(where: str, key: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool) or key == "read_only":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false")
        return value
    if key in {"dsn", "redis_url", "pgbouncer_dsn"}:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string")
        if url_secrets(value):
            raise ConfigError(
                f"{where}: {key} contains a password; keep passwords in ~/.pgpass, "
                "PGPASSWORD or the environment, never in the config file"
            )
        return value
    if key in {"refresh"}:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be a number")
        if not math.isfinite(value) or not 0.2 <= value <= 3600:
            raise ConfigError(f"{where}: {key} must be between 0.2 and 3600 seconds")
        return float(value)
    if key in {"statement_timeout_ms", "lock_timeout_ms", "lockout_attempts", "lockout_minutes"}:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{where}: {key} must be a positive integer")
        return value
    if key == "thresholds":
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: thresholds must be a table")
        unknown = set(value) - _THRESHOLD_FIELDS
        if unknown:
            raise ConfigError(f"{where}: unknown threshold {sorted(unknown)[0]!r}")
        for name, number in value.items():
            if not isinstance(number, int | float) or isinstance(number, bool):
                raise ConfigError(f"{where}: thresholds.{name} must be a number")
            if not math.isfinite(number) or number < 0:
                raise ConfigError(f"{where}: thresholds.{name} must be a number >= 0")
        return dataclasses.replace(Thresholds(), **{k: float(v) for k, v in value.items()})
    if key == "app_pools":
        if not isinstance(value, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value.values()
        ):
            raise ConfigError(f"{where}: app_pools must map application names to pool sizes")
        return dict(value)
    if key in {"audit_file", "check_state_file"}:
        if not isinstance(value, str) or not value or "\x00" in value:
            raise ConfigError(f"{where}: {key} must be a file path")
        return Path(value).expanduser()
    if key in {"unlock_redis_keys", "suppress", "skip_checks"}:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of strings")
        return tuple(value)
    raise ConfigError(f"{where}: unsupported key {key!r}")  # pragma: no cover - guarded above


def _apply(base: Profile, table: Mapping[str, Any], where: str) -> Profile:
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _PROFILE_FIELDS:
            raise ConfigError(f"{where}: unknown setting {key!r}")
        changes[key] = _coerce(where, key, value, getattr(base, key))
    return dataclasses.replace(base, **changes)


def load_profile(path: Path | None, name: str | None) -> Profile:
    """Read the profile ``name`` (``[defaults]`` merged under it) from the config file.

    A missing file is fine unless it was named explicitly or a profile was asked for.
    """
    explicit = path is not None
    config_path = path or default_config_path()
    try:
        exists = config_path.exists()
    except (ValueError, OSError):  # a NUL byte, or a name longer than the system allows
        raise ConfigError(f"config file {str(config_path)[:200]!r} is not a usable path") from None
    if not exists:
        if explicit:
            raise ConfigError(f"config file {str(config_path)!r} does not exist")
        if name and name != DEFAULT_PROFILE:
            raise ConfigError(f"profile {name!r} requested but {config_path} does not exist")
        return Profile()
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {config_path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: invalid TOML: {exc}") from None
    unknown = set(data) - {"defaults", "profiles"}
    if unknown:
        raise ConfigError(f"{config_path}: unknown section {sorted(unknown)[0]!r}")
    profile = _apply(Profile(), data.get("defaults", {}), f"{config_path} [defaults]")
    profiles = data.get("profiles", {})
    if name and name != DEFAULT_PROFILE:
        if name not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(f"{config_path}: no profile {name!r} (profiles: {known})")
        profile = _apply(profile, profiles[name], f"{config_path} [profiles.{name}]")
    return dataclasses.replace(profile, name=name or DEFAULT_PROFILE)


def resolve_settings(overrides: Overrides, env: Mapping[str, str], profile: Profile) -> Settings:
    """Merge typed flags > environment > profile > defaults into one Settings."""
    try:
        postgres = resolve_pg_target(overrides.dsn, env, profile.dsn, profile.name)
        redis = resolve_redis_target(overrides.redis_url, env, profile.redis_url, profile.name)
    except TargetError as exc:
        raise ConfigError(str(exc)) from None
    read_only = profile.read_only if overrides.read_only is None else overrides.read_only
    if env.get("PSADMIN_READ_ONLY") and overrides.read_only is None:
        try:
            read_only = read_only or _env_bool(env["PSADMIN_READ_ONLY"])
        except ValueError:
            raise ConfigError("PSADMIN_READ_ONLY must be true or false") from None
    refresh = profile.refresh if overrides.refresh is None else overrides.refresh
    if not math.isfinite(refresh) or not 0.2 <= refresh <= 3600:
        raise ConfigError("--refresh must be between 0.2 and 3600 seconds")
    return Settings(postgres, redis, profile, read_only, refresh)


def _env_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(value)
