"""``psadmin vacuum TABLE``: VACUUM one table through the audited admin-action path.

The table is resolved by the server (``to_regclass`` with the name as a bound parameter); the
VACUUM runs like the TUI's (privilege checked first, lock_timeout, every notice kept) with its
progress on stderr (stdout keeps only the result). Without ``--yes`` it asks on a terminal
(default No; ``--full`` asks for the table name) and refuses without one.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

import click

from psadmin.actions import ActionRunner
from psadmin.cli import (
    EXIT_USAGE,
    Failure,
    FiniteRange,
    connection_options,
    fail_from,
    settings_from,
)
from psadmin.commands.vacuum_progress import ProgressPrinter, watch
from psadmin.config import Settings
from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus, Risk
from psadmin.models.errors import BackendError
from psadmin.models.overview import format_bytes
from psadmin.models.users import validate_reason
from psadmin.models.vacuum import (
    DEFAULT_LOCK_TIMEOUT_MS,
    VacuumComparison,
    VacuumOptions,
    vacuum_request,
)

if TYPE_CHECKING:  # loading the drivers waits until the command runs
    from psadmin.backend import LiveBackend

TABLE_KINDS = {"r": "table", "m": "materialized view", "p": "partitioned table", "t": "TOAST table"}


def _shown(name: str) -> str:
    """A name as it can be printed on one line, however hostile (quotes, NUL, 10 KB)."""
    return repr(name if len(name) <= 60 else name[:57] + "…")


def _confirmed(request: ActionRequest) -> bool:
    if not sys.stdin.isatty():
        raise Failure(
            "confirmation needed but stdin is not a terminal: re-run with --yes", EXIT_USAGE
        )
    click.echo(f"{request.target}\n  {request.effect}\n  {request.statement}", err=True)
    try:
        if request.risk is Risk.HIGH:
            typed = click.prompt(
                f"Type {request.challenge} to confirm", default="", show_default=False, err=True
            )
            return bool(typed.strip() == request.challenge)
        return click.confirm("Go ahead?", default=False, err=True)
    except click.Abort:
        return False


def _report(outcome_message: str, details: dict[str, object]) -> None:
    click.echo(outcome_message)
    comparison = VacuumComparison.from_details(details)
    if comparison is not None:
        b, a = comparison.before, comparison.after
        click.echo(f"  dead tuples   {b.dead_tuples:>14,} → {a.dead_tuples:,}")
        click.echo(f"  live tuples   {b.live_tuples:>14,} → {a.live_tuples:,}")
        click.echo(
            f"  total size    {format_bytes(b.total_bytes):>14} → {format_bytes(a.total_bytes)}"
        )
        for notice in comparison.notices:
            if not notice.startswith("INFO"):
                click.echo(f"  {notice}", err=True)


async def _run_with_progress(
    backend: LiveBackend, runner: ActionRunner, request: ActionRequest
) -> ActionOutcome:
    printer = ProgressPrinter(sys.stderr)
    watcher = asyncio.create_task(watch(backend, printer))
    try:
        return await runner.run(request)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        printer.close()


async def _vacuum(
    backend: LiveBackend, table: str, options: VacuumOptions, yes: bool, reason: str | None
) -> int:
    found = await backend.resolve_table(table)
    if found is None:
        raise Failure(f"no table named {_shown(table)} (as the server resolves it)", 1)
    relid, schema, name, kind = found
    if kind not in TABLE_KINDS:
        raise Failure(f"{_shown(table)} is not a table (relkind {kind!r})", 1)
    request = vacuum_request(schema, name, relid, options, reason)
    runner = ActionRunner(backend)
    why = runner.refusal(request)
    if why is not None:
        await runner.refuse(request, why)
        raise Failure(f"{why}; nothing changed", 1)
    if not yes and not _confirmed(request):
        await runner.decline(request)
        raise Failure("declined; nothing changed", 1)
    outcome = await _run_with_progress(backend, runner, request)
    if outcome.status is OutcomeStatus.ERROR:
        raise Failure(outcome.message, 1)
    _report(outcome.message, dict(outcome.details))
    return 0


def _run(
    settings: Settings, table: str, options: VacuumOptions, yes: bool, reason: str | None
) -> int:
    from psadmin.backend import LiveBackend

    async def connected() -> int:
        backend = LiveBackend(settings)
        try:
            await backend.connect()
            return await _vacuum(backend, table, options, yes, reason)
        finally:
            await backend.close()

    try:
        return asyncio.run(connected())
    except BackendError as exc:
        raise fail_from(exc) from None


@click.command()
@connection_options
@click.argument("table")
@click.option("--analyze", is_flag=True, help="Also refresh the planner statistics.")
@click.option(
    "--full",
    is_flag=True,
    help="VACUUM FULL: rewrite the table under an ACCESS EXCLUSIVE lock (blocks all access).",
)
@click.option(
    "--lock-timeout",
    type=FiniteRange(0.001, 3600),
    default=DEFAULT_LOCK_TIMEOUT_MS / 1000,
    show_default=True,
    metavar="SECONDS",
    help="Give up when the table's lock is not granted within this time.",
)
@click.option("--reason", help="Why, for the audit trail.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def vacuum(
    ctx: click.Context,
    table: str,
    analyze: bool,
    full: bool,
    lock_timeout: float,
    reason: str | None,
    yes: bool,
) -> int:
    """VACUUM one TABLE (e.g. public.script_versions): confirmed, audited, with before/after."""
    options = VacuumOptions(
        analyze=analyze, full=full, lock_timeout_ms=max(round(lock_timeout * 1000), 1)
    )
    if reason is not None:
        try:
            reason = validate_reason(reason)
        except ValueError as exc:
            raise Failure(f"--reason: {exc}", EXIT_USAGE) from None
    settings = settings_from(ctx)
    return _run(settings, table, options, yes, reason)
