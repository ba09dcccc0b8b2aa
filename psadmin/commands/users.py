"""``psadmin users``: list accounts, unlock and lock them through the audited action path.

Every change is confirmed (``--yes``, or a prompt on a terminal that defaults to No), audited
before and after, and refused in read-only mode. Names are all checked before anything changes:
one unknown name and nothing is touched.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import click

from psadmin.actions import ActionRunner
from psadmin.cli import EXIT_USAGE, Failure, connection_options, fail_from, settings_from
from psadmin.config import Settings
from psadmin.models.actions import ActionRequest, OutcomeStatus, Risk
from psadmin.models.errors import BackendError
from psadmin.models.user_actions import (
    bulk_unlock_request,
    lock_request,
    unlock_all_locked_request,
    unlock_request,
)
from psadmin.models.users import (
    MAX_LOCK_MINUTES,
    UserFilter,
    UserQuery,
    UserRow,
    UserSort,
    UsersSummary,
    cursor_of,
    validate_reason,
)
from psadmin.snapshot_users import counts_json, iso, policy_json, user_json, user_line

if TYPE_CHECKING:  # loading the drivers waits until a command runs
    from psadmin.backend import LiveBackend

CLI_PAGE = 1000


def _shown(name: str) -> str:
    """A name as it can be printed on one line, however hostile (quotes, NUL, 10 KB)."""
    return repr(name if len(name) <= 60 else name[:57] + "…")


def _reason(text: str) -> str:
    try:
        return validate_reason(text)
    except ValueError as exc:
        raise Failure(f"--reason: {exc}", EXIT_USAGE) from None


def _run(settings: Settings, work: Callable[[LiveBackend], Awaitable[int]]) -> int:
    from psadmin.backend import LiveBackend

    async def connected() -> int:
        backend = LiveBackend(settings)
        try:
            await backend.connect()
            return await work(backend)
        finally:
            await backend.close()

    try:
        return asyncio.run(connected())
    except BackendError as exc:
        raise fail_from(exc) from None


async def _summary(backend: LiveBackend) -> UsersSummary:
    summary = await backend.users_summary()
    if not summary.available:
        raise Failure(f"{summary.reason}; {summary.fix}", 1)
    return summary


async def _known_users(backend: LiveBackend, names: Sequence[str]) -> list[UserRow]:
    """The accounts named, in the order given; fails naming the unknown ones."""
    rows = {row.username: row for row in await backend.users_by_name(names)}
    missing = [name for name in names if name not in rows]
    if missing:
        listed = ", ".join(_shown(n) for n in missing[:3])
        more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
        plural = "users" if len(missing) > 1 else "user"
        raise Failure(f"no {plural} named {listed}{more}; nothing changed", 1)
    return [rows[name] for name in names]


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


async def _execute(backend: LiveBackend, request: ActionRequest, yes: bool) -> int:
    runner = ActionRunner(backend)
    why = runner.refusal(request)
    if why is not None:
        await runner.refuse(request, why)
        raise Failure(f"{why}; nothing changed", 1)
    if not yes and not _confirmed(request):
        await runner.decline(request)
        raise Failure("declined; nothing changed", 1)
    outcome = await runner.run(request)
    if outcome.status is OutcomeStatus.ERROR:
        raise Failure(outcome.message, 1)
    click.echo(outcome.message)
    return 0


@click.group()
@connection_options
def users() -> None:
    """List PSScript accounts; unlock or lock them (confirmed, audited)."""


@users.command("list")
@connection_options
@click.option("--locked", is_flag=True, help="Only accounts locked now.")
@click.option("--at-risk", is_flag=True, help="Only unlocked accounts close to the lock.")
@click.option("--admins", is_flag=True, help="Only accounts with the admin role.")
@click.option("--search", default="", help="Text anywhere in the username or email (literal).")
@click.option(
    "--sort",
    type=click.Choice([s.value for s in UserSort]),
    default=UserSort.USERNAME.value,
    show_default=True,
)
@click.option("--limit", type=click.IntRange(1, None), help="At most this many accounts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (documented keys).")
@click.pass_context
def list_users(
    ctx: click.Context,
    locked: bool,
    at_risk: bool,
    admins: bool,
    search: str,
    sort: str,
    limit: int | None,
    as_json: bool,
) -> int:
    """List accounts with their failed logins and lock state."""
    chosen = [f for f, on in ((UserFilter.LOCKED, locked), (UserFilter.AT_RISK, at_risk)) if on]
    chosen += [UserFilter.ADMINS] if admins else []
    if len(chosen) > 1:
        raise Failure("choose one of --locked, --at-risk, --admins", EXIT_USAGE)
    query = UserQuery(
        chosen[0] if chosen else UserFilter.ALL, search, UserSort(sort), limit=CLI_PAGE
    )

    async def work(backend: LiveBackend) -> int:
        summary = await _summary(backend)
        rows: list[UserRow] = []
        page = await backend.users_page(query)
        rows.extend(page.rows)
        while page.has_next and (limit is None or len(rows) < limit):
            page = await backend.users_page(replace(query, after=cursor_of(rows[-1], query.sort)))
            rows.extend(page.rows)
        rows = rows[:limit] if limit else rows
        now = page.as_of
        if as_json:
            document = {
                "as_of": iso(now),
                "policy": policy_json(summary.policy),
                "counts": None if summary.counts is None else counts_json(summary.counts),
                "users": [user_json(row, now) for row in rows],
            }
            click.echo(json.dumps(document, indent=2))
        else:
            counts = summary.counts
            if counts is not None:
                click.echo(
                    f"# {counts.total} users, {counts.locked} locked, {counts.at_risk} at risk; "
                    f"policy: {summary.policy.max_attempts} failed logins lock for "
                    f"{summary.policy.lock_minutes} min"
                )
            click.echo(f"{'id':>7}  {'username':<32}  {'role':<8}  {'attempts':>8}  lock")
            for row in rows:
                click.echo(user_line(row, now))
        return 0

    return _run(settings_from(ctx), work)


@users.command("unlock")
@connection_options
@click.argument("usernames", nargs=-1)
@click.option("--all-locked", is_flag=True, help="Every account locked right now.")
@click.option("--reason", required=True, help="Why (recorded in the audit trail).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def unlock(
    ctx: click.Context, usernames: tuple[str, ...], all_locked: bool, reason: str, yes: bool
) -> int:
    """Clear the lock and failed-login count of USER... (and their Redis counters)."""
    if all_locked == bool(usernames):
        raise Failure("name the users to unlock, or pass --all-locked (not both)", EXIT_USAGE)
    why = _reason(reason)
    names = list(dict.fromkeys(usernames))

    async def work(backend: LiveBackend) -> int:
        summary = await _summary(backend)
        keys = summary.unlock_redis_keys
        if all_locked:
            locked = summary.counts.locked if summary.counts else 0
            if locked == 0:
                click.echo("no account is locked: nothing to unlock")
                return 0
            request = unlock_all_locked_request(locked, keys, why)
        else:
            rows = await _known_users(backend, names)
            if len(rows) == 1:
                request = unlock_request(rows[0], summary.as_of, keys, why)
            else:
                request = bulk_unlock_request(rows, keys, why)
        return await _execute(backend, request, yes)

    return _run(settings_from(ctx), work)


@users.command("lock")
@connection_options
@click.argument("username")
@click.option(
    "--minutes",
    type=click.IntRange(1, MAX_LOCK_MINUTES),
    required=True,
    help=f"How long, 1 to {MAX_LOCK_MINUTES}.",
)
@click.option("--reason", required=True, help="Why (recorded in the audit trail).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def lock(ctx: click.Context, username: str, minutes: int, reason: str, yes: bool) -> int:
    """Refuse logins to USER for N minutes from now."""
    why = _reason(reason)

    async def work(backend: LiveBackend) -> int:
        summary = await _summary(backend)
        (row,) = await _known_users(backend, [username])
        return await _execute(backend, lock_request(row, minutes, summary.as_of, why), yes)

    return _run(settings_from(ctx), work)
