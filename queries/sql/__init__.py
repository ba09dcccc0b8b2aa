"""SQL files, one per statement and per server-version boundary.

``name.sql`` serves every supported server; ``name@pg17.sql`` replaces it from PostgreSQL 17 on.
The one rule that picks a variant lives in :func:`load`.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

_VARIANT = re.compile(r"^(?P<name>[a-z_]+)@pg(?P<major>\d+)\.sql$")


@functools.cache
def _variants(name: str) -> tuple[tuple[int, str], ...]:
    found: list[tuple[int, str]] = []
    for entry in resources.files(__package__).iterdir():
        match = _VARIANT.match(entry.name)
        if match and match["name"] == name:
            found.append((int(match["major"]), entry.name))
    return tuple(sorted(found, reverse=True))


@functools.cache
def load(name: str, server_version_num: int = 0) -> str:
    """The text of ``name`` for this server: the newest variant not newer than the server."""
    major = server_version_num // 10000
    filename = f"{name}.sql"
    for variant_major, variant_file in _variants(name):
        if variant_major <= major:
            filename = variant_file
            break
    text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    # Tag every statement so psadmin's own queries can be recognised and excluded. The tag is
    # repeated at the end because PostgreSQL 18's pg_stat_statements drops leading comments
    # from the texts it records (after a newline, so a closing ``--`` comment cannot hide it).
    tag = f"/* psadmin:{name} */"
    return f"{tag} {text.strip()}\n{tag}"
