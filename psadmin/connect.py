"""Where to connect: PostgreSQL and Redis targets resolved from flags, environment and profile.

Precedence (DESIGN.md §3): a flag the user typed, then the environment (``DATABASE_URL``, the
PSScript ``DB_*`` variables, libpq's ``PG*`` variables), then the profile, then libpq defaults.
Passwords are kept out of everything that can be displayed: use :meth:`PgTarget.display` and
:func:`scrub` for any text that might contain one.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

PG_ENV_VARS = ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGHOSTADDR")
_TRUE = {"1", "true", "yes", "on", "require"}
_FALSE = {"", "0", "false", "no", "off", "disable"}


class TargetError(ValueError):
    """A connection setting that cannot work; the message is one line and password-free."""


@dataclass(frozen=True)
class PgTarget:
    """A PostgreSQL server to connect to. ``dsn=None`` lets the driver use PG* and .pgpass."""

    dsn: str | None
    source: str
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)
    env_display: str = ""

    def display(self) -> str:
        """user@host:port/db without the password, for the status bar and audit records."""
        if self.dsn is None:
            return self.env_display or "libpq defaults"
        return describe_url(self.dsn)


@dataclass(frozen=True)
class RedisTarget:
    url: str
    source: str

    def display(self) -> str:
        return describe_url(self.url)

    @property
    def secrets(self) -> tuple[str, ...]:
        password = urlsplit(self.url).password
        return (unquote(password),) if password else ()


def describe_url(url: str) -> str:
    """``scheme://user@host:port/db`` with any password removed (also from the query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if not parts.scheme or not parts.netloc:
        # libpq key=value form: keep the useful keys only
        pairs = dict(re.findall(r"(\w+)\s*=\s*('[^']*'|\S+)", url))
        keys = ("user", "host", "port", "dbname")
        shown = " ".join(f"{k}={pairs[k]}" for k in keys if k in pairs)
        return shown or "<dsn>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    user = f"{unquote(parts.username)}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove passwords from arbitrary text (driver errors, tracebacks, URLs)."""
    text = re.sub(r"(://[^:/@\s]*):[^@\s]*@", r"\1:***@", text)
    text = re.sub(r"(?i)(password\s*=\s*)('[^']*'|\S+)", r"\1***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            quoted = quote(secret, safe="")
            if quoted != secret:
                text = text.replace(quoted, "***")
    return text


def parse_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise TargetError(f"{name} must be true or false, not {value!r}")


def ssl_context(ca_path: str | None) -> ssl.SSLContext:
    """TLS that verifies the certificate chain and the host name (libpq's verify-full)."""
    if ca_path:
        path = Path(ca_path).expanduser()
        if not path.is_file():
            raise TargetError(f"DB_SSL_CA_PATH {str(path)!r} is not a readable file")
        try:
            return ssl.create_default_context(cafile=str(path))
        except (ssl.SSLError, OSError) as exc:
            raise TargetError(f"cannot load CA certificate {str(path)!r}: {exc}") from None
    return ssl.create_default_context()


def _dsn_from_db_vars(env: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    host = env.get("DB_HOST") or "localhost"
    port = env.get("DB_PORT") or "5432"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise TargetError(f"DB_PORT must be a port number, not {port!r}")
    name = env.get("DB_NAME") or "psscript"
    user = env.get("DB_USER") or ""
    password = env.get("DB_PASSWORD") or ""
    credentials = quote(user, safe="")
    if password:
        credentials += ":" + quote(password, safe="")
    if credentials:
        credentials += "@"
    netloc = f"{credentials}[{host}]" if ":" in host else f"{credentials}{host}"
    dsn = urlunsplit(("postgresql", f"{netloc}:{port}", "/" + quote(name, safe=""), "", ""))
    return dsn, ((password,) if password else ())


def url_secrets(url: str) -> tuple[str, ...]:
    try:
        password = urlsplit(url).password
    except ValueError:
        return ()
    found = re.findall(r"(?i)password=([^&\s]+)", url)
    return tuple(unquote(p) for p in ([password] if password else []) + found)


def _check_url(url: str, what: str, schemes: tuple[str, ...]) -> None:
    if "\x00" in url:
        raise TargetError(f"{what} contains a NUL character")
    if "://" not in url and what.endswith("DSN") and "=" in url:
        return  # libpq key=value form
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as exc:
        raise TargetError(
            f"{what} is not a valid URL: {scrub(str(exc), url_secrets(url))}"
        ) from None
    if parts.scheme not in schemes:
        raise TargetError(f"{what} must start with {' or '.join(s + '://' for s in schemes)}")


def resolve_pg_target(
    flag_dsn: str | None, env: Mapping[str, str], profile_dsn: str | None, profile_name: str
) -> PgTarget:
    """Pick the PostgreSQL target by the documented precedence."""
    pg_schemes = ("postgresql", "postgres")
    if flag_dsn:
        _check_url(flag_dsn, "--dsn", pg_schemes)
        return PgTarget(flag_dsn, "--dsn", secrets=url_secrets(flag_dsn))
    if env.get("DATABASE_URL"):
        url = env["DATABASE_URL"]
        _check_url(url, "DATABASE_URL", pg_schemes)
        return PgTarget(url, "DATABASE_URL", secrets=url_secrets(url))
    if any(env.get(k) for k in ("DB_HOST", "DB_NAME", "DB_USER")):
        dsn, secrets = _dsn_from_db_vars(env)
        context = None
        if parse_bool(env.get("DB_SSL", ""), "DB_SSL"):
            context = ssl_context(env.get("DB_SSL_CA_PATH") or None)
        return PgTarget(dsn, "DB_* variables", ssl_context=context, secrets=secrets)
    if any(env.get(k) for k in PG_ENV_VARS):
        shown = "{}@{}:{}/{}".format(
            env.get("PGUSER", ""),
            env.get("PGHOST", "localhost"),
            env.get("PGPORT", "5432"),
            env.get("PGDATABASE", env.get("PGUSER", "")),
        )
        secret = env.get("PGPASSWORD", "")
        return PgTarget(
            None, "PG* variables", secrets=(secret,) if secret else (), env_display=shown
        )
    if profile_dsn:
        _check_url(profile_dsn, f"profile {profile_name!r} DSN", pg_schemes)
        return PgTarget(profile_dsn, f"profile {profile_name}")
    return PgTarget(None, "libpq defaults", env_display="libpq defaults (~/.pgpass, local socket)")


def resolve_redis_target(
    flag_url: str | None, env: Mapping[str, str], profile_url: str | None, profile_name: str
) -> RedisTarget | None:
    """Redis is optional: None means the Redis panels say it is not configured."""
    schemes = ("redis", "rediss", "unix")
    if flag_url:
        _check_url(flag_url, "--redis-url", schemes)
        return RedisTarget(flag_url, "--redis-url")
    if env.get("REDIS_URL"):
        _check_url(env["REDIS_URL"], "REDIS_URL", schemes)
        return RedisTarget(env["REDIS_URL"], "REDIS_URL")
    if env.get("REDIS_HOST") or env.get("REDIS_PORT"):
        host = env.get("REDIS_HOST") or "localhost"
        port = env.get("REDIS_PORT") or "6379"
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise TargetError(f"REDIS_PORT must be a port number, not {port!r}")
        return RedisTarget(f"redis://{host}:{port}/0", "REDIS_HOST/REDIS_PORT")
    if profile_url:
        _check_url(profile_url, f"profile {profile_name!r} Redis URL", schemes)
        return RedisTarget(profile_url, f"profile {profile_name}")
    return None
