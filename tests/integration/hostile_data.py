"""Hostile values and a database fingerprint shared by the CLI and TUI hostile-input tests."""

from __future__ import annotations

import psycopg
from psycopg import sql

HOSTILE_TEXT = {
    "quote": "o'quote",
    "double quote": 'dq"uote',
    "injection": "'; DROP TABLE users; --",
    "comment open": "/* x",
    "line comment": "-- x",
    "percent": "%",
    "underscore": "_",
    "backslash": "back\\slash",
    "like mix": "a%b_c\\",
    "unicode": "zoë ZOË",
    "emoji": "💥",
    "escape sequence": "\x1b[31mred\x1b[0m",
    "newline": "line\r\nbreak",
    "tab": "a\tb",
    "nul": "a\x00b",
    "very long": "x" * 20_000,
    "empty": "",
}


def fingerprint(dsn: str) -> list[object]:
    """A digest of every row of the tables a CLI command could write, and the table list."""
    with psycopg.connect(dsn) as conn:
        rows: list[object] = []
        for table in ("users", "scripts", "script_embeddings"):
            digest = sql.SQL("SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {} t")
            rows.append(conn.execute(digest.format(sql.Identifier(table))).fetchone())
        tables = (
            "SELECT array_agg(relname ORDER BY relname) FROM pg_class"
            " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
        rows.append(conn.execute(tables).fetchone())
        return rows
