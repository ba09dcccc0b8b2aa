"""EXPLAIN of a statement recorded by pg_stat_statements, and the EXPLAIN ANALYZE executor.

The text explained is always the normalized statement read back from pg_stat_statements by
its key, never SQL a user typed; values a user typed for its ``$n`` parameters are bound with
the types the server describes. Everything runs in a transaction that is rolled back.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol, cast

from asyncpg import Record
from asyncpg.prepared_stmt import PreparedStatement

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.errors import BackendError
from psadmin.models.statement_actions import ANALYZE_TIMEOUT_MS
from psadmin.models.statement_params import ParameterError, coerce_parameters
from psadmin.models.statements import (
    GENERIC_PLAN_SINCE,
    ExplainMode,
    ExplainResult,
    StatementKey,
    explainable,
    parameter_count,
)
from queries import sql
from queries.actions import ActionContext, executor
from queries.executor import Executor
from queries.statements import statement_texts, statements_source

ANALYZE_OPTIONS = "(ANALYZE, BUFFERS)"
_EXECUTION_TIME = re.compile(r"Execution Time: ([\d.]+) ms")


class Describer(Executor, Protocol):
    """A connection that can prepare a statement, to learn its parameters' types."""

    async def prepare(
        self, query: str, *, timeout: float | None = None
    ) -> PreparedStatement[Record]: ...


def _describer(conn: Executor) -> Describer:
    if not hasattr(conn, "prepare"):
        raise BackendError("this connection cannot describe statements")
    return cast(Describer, conn)


def explain_text(options: str, statement: str) -> str:
    """``EXPLAIN <options> <statement>``, tagged as psadmin's own."""
    return (
        sql.load("explain").replace("/* options */", options).replace("/* statement */", statement)
    )


def shown(options: str, statement: str) -> str:
    """The EXPLAIN as a person reads it (without psadmin's tags)."""
    return f"EXPLAIN {options} {statement}".replace("  ", " ")


@contextlib.asynccontextmanager
async def rolled_back(conn: Executor, *, read_only: bool) -> AsyncIterator[None]:
    """A transaction that is always rolled back, whatever happens inside."""
    await conn.execute(sql.load("explain_begin_read_only" if read_only else "explain_begin"))
    try:
        yield
    finally:
        await conn.execute(sql.load("explain_rollback"))


async def recorded_text(conn: Executor, key: StatementKey) -> str:
    """The normalized text pg_stat_statements has for ``key``; BackendError when it cannot."""
    source = await statements_source(conn)
    availability = source.availability
    if not availability.available:
        raise BackendError(f"{availability.reason}: {availability.fix}")
    text = (await statement_texts(conn, source, [key])).get(key)
    if text is None:
        raise BackendError(f"statement {key.queryid} is no longer in pg_stat_statements")
    if not explainable(text):
        raise BackendError(
            "EXPLAIN covers SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES and WITH statements only"
        )
    return text


def _type_names(statement: PreparedStatement[Record]) -> tuple[str, ...]:
    return tuple(t.name for t in statement.get_parameters())


async def _bound_plan(conn: Describer, explain: str, parameters: Sequence[str]) -> str:
    prepared = await conn.prepare(explain)
    try:
        values = coerce_parameters(tuple(parameters), _type_names(prepared))
    except ParameterError as exc:
        raise BackendError(str(exc)) from None
    return "\n".join(row[0] for row in await prepared.fetch(*values))


async def statement_parameters(conn: Executor, key: StatementKey) -> tuple[str, ...]:
    """The server's type names for the statement's ``$n`` parameters (e.g. ``int4``)."""
    text = await recorded_text(conn, key)
    prepared = await _describer(conn).prepare(explain_text("", text))  # parsed, never run
    return _type_names(prepared)


async def explain_statement(
    conn: Executor,
    key: StatementKey,
    parameters: Sequence[str] | None,
    server_version_num: int,
) -> ExplainResult:
    """Plain EXPLAIN; with ``$n`` and no values, the generic plan (16+) or a clear refusal."""
    text = await recorded_text(conn, key)
    count = parameter_count(text)
    async with rolled_back(conn, read_only=True):
        if parameters is None and count:
            if server_version_num < GENERIC_PLAN_SINCE:
                raise BackendError(
                    f"this statement has {count} parameter(s): give their values "
                    "(EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16)"
                )
            await conn.fetchval(sql.load("explain_generic_statement"), text)
            await conn.execute(sql.load("explain_generic"))
            plan = str(await conn.fetchval(sql.load("explain_generic_plan"))).rstrip("\n")
            return ExplainResult(key, ExplainMode.GENERIC, shown("(GENERIC_PLAN)", text), plan)
        values = tuple(parameters or ())
        plan = await _bound_plan(_describer(conn), explain_text("", text), values)
    mode = ExplainMode.PARAMETERS if count else ExplainMode.PLAIN
    return ExplainResult(key, mode, shown("", text), plan, values)


# -- EXPLAIN ANALYZE: it executes the statement, so it takes the admin-action path ----------


def _timeout_ms(params: Mapping[str, Any]) -> int:
    """The request's statement_timeout, held between 100 ms and a minute."""
    return min(max(int(params.get("timeout_ms", ANALYZE_TIMEOUT_MS)), 100), 60_000)


@executor("explain_analyze")
async def explain_analyze(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """Run the statement once under EXPLAIN (ANALYZE, BUFFERS) and roll it back.

    ``params``: ``userid``, ``queryid``, ``toplevel`` (the statement), ``parameters`` (typed
    values, bound), ``timeout_ms``, ``read_only`` (true: BEGIN READ ONLY, so the server
    refuses any write; false only for statements that write, which policy refuses in
    read-only mode).
    """
    key = StatementKey(int(params["userid"]), int(params["queryid"]), bool(params["toplevel"]))
    values = tuple(str(v) for v in params.get("parameters") or ())
    text = await recorded_text(ctx.conn, key)
    timeout_ms = _timeout_ms(params)
    async with rolled_back(ctx.conn, read_only=bool(params.get("read_only", True))):
        await ctx.conn.fetchval(sql.load("explain_timeout"), str(timeout_ms))
        plan = await _bound_plan(_describer(ctx.conn), explain_text(ANALYZE_OPTIONS, text), values)
    took = _EXECUTION_TIME.search(plan)
    timing = f"ran {took.group(1)} ms" if took else "ran"
    return ActionOutcome(
        OutcomeStatus.OK,
        f"EXPLAIN ANALYZE of statement {key.queryid}: {timing}, rolled back",
        details={
            "mode": ExplainMode.ANALYZE.value,
            "statement": shown(ANALYZE_OPTIONS, text),
            "plan": plan,
            "parameters": list(values),
            "timeout_ms": timeout_ms,
        },
    )
