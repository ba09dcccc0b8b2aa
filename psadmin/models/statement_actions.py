"""The admin actions of the Queries screen as values: EXPLAIN ANALYZE and the statistics reset.

EXPLAIN ANALYZE executes the statement. It always runs inside a transaction that is rolled
back, with its own statement_timeout, and is confirmed by typing. A statement that only reads
runs in a READ ONLY transaction, where the server itself refuses any write, so it is allowed in
read-only mode (``needs_write=False``); a statement that may write (or that psadmin cannot tell
is a plain read) takes row locks, fires triggers and consumes sequence values even when rolled
back, so it counts as a write and read-only mode refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psadmin.models.actions import ActionRequest, Risk
from psadmin.models.statement_availability import extension_version
from psadmin.models.statements import (
    ExplainMode,
    ExplainResult,
    StatementKey,
    one_line,
    statement_writes,
)

ANALYZE_CONFIRM = "ANALYZE"
"""What the user types to confirm an EXPLAIN ANALYZE."""
ANALYZE_TIMEOUT_MS = 10_000
"""statement_timeout of an EXPLAIN ANALYZE: long enough for a slow query, short for an incident."""


def explain_analyze_request(
    key: StatementKey,
    text: str,
    parameters: Sequence[str] = (),
    timeout_ms: int = ANALYZE_TIMEOUT_MS,
) -> ActionRequest:
    writes = statement_writes(text)
    begin = "BEGIN" if writes else "BEGIN READ ONLY"
    bound = "".join(f"\n-- ${i} = {v!r}" for i, v in enumerate(parameters, 1))
    effect = (
        f"Runs the statement once, measures it, and rolls it back "
        f"(statement_timeout {timeout_ms / 1000:g} s)."
    )
    if writes:
        effect += (
            " It may write: rows are locked and triggers fire until the rollback; "
            "sequence values it takes are not given back."
        )
    return ActionRequest(
        kind="explain_analyze",
        target=f"statement {key.queryid}: {one_line(text, 60)}",
        effect=effect,
        statement=(
            f"{begin}; SET LOCAL statement_timeout = {timeout_ms};\n"
            f"EXPLAIN (ANALYZE, BUFFERS) {text};{bound}\nROLLBACK;"
        ),
        params={
            "userid": key.userid,
            "queryid": key.queryid,
            "toplevel": key.toplevel,
            "parameters": list(parameters),
            "timeout_ms": timeout_ms,
            "read_only": not writes,
        },
        risk=Risk.HIGH,
        confirm_text=ANALYZE_CONFIRM,
        needs_write=writes,
    )


def analyze_result(request: ActionRequest, details: Mapping[str, Any]) -> ExplainResult:
    """The plan an ``explain_analyze`` outcome carries, as the screens show plans."""
    params = request.params
    return ExplainResult(
        key=StatementKey(int(params["userid"]), int(params["queryid"]), bool(params["toplevel"])),
        mode=ExplainMode.ANALYZE,
        statement=str(details.get("statement", "")),
        plan=str(details.get("plan", "")),
        parameters=tuple(str(v) for v in details.get("parameters", ())),
    )


def reset_request(database: str, version: str | None) -> ActionRequest:
    """Reset pg_stat_statements for this database (every database before extension 1.7)."""
    whole_cluster = extension_version(version or "0.0") < (1, 7)
    if whole_cluster:
        effect = (
            f"Clears the statistics of every statement in EVERY database (extension {version} "
            "cannot reset one database); totals start again from zero."
        )
        statement = "SELECT pg_stat_statements_reset()"
    else:
        effect = (
            f"Clears the statistics of every statement of database {database}; "
            "totals start again from zero. Other databases keep theirs."
        )
        statement = (
            "SELECT pg_stat_statements_reset(0, "
            "(SELECT oid FROM pg_database WHERE datname = current_database()), 0)"
        )
    return ActionRequest(
        kind="reset_statement_stats",
        target=f"pg_stat_statements of {'every database' if whole_cluster else database}",
        effect=effect,
        statement=statement,
        params={"scope": "cluster" if whole_cluster else "database", "database": database},
    )
