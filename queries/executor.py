"""The small part of asyncpg's connection interface that query functions use.

Accepting this protocol lets one function run on a pooled connection, a plain connection, or
inside a transaction, whichever the backend hands it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from asyncpg import Record


class Executor(Protocol):
    async def fetch(self, query: str, *args: Any, timeout: float | None = None) -> list[Record]: ...

    async def fetchrow(
        self, query: str, *args: Any, timeout: float | None = None
    ) -> Record | None: ...

    async def fetchval(
        self, query: str, *args: Any, column: int = 0, timeout: float | None = None
    ) -> Any: ...

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str: ...

    async def executemany(
        self, command: str, args: Sequence[Sequence[Any]], *, timeout: float | None = None
    ) -> None: ...
