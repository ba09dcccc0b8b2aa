"""The command line: the TUI by default, plus demo and snapshot (DESIGN.md §7).

Connection options are accepted before and after the subcommand; a value typed after it wins.
Every error is one line on stderr with a non-zero exit code: 2 usage/config, 3 cannot connect,
1 a panel failed.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import math
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from psadmin import __version__
from psadmin.config import ConfigError, Overrides, Settings, load_profile, resolve_settings
from psadmin.models.errors import BackendError, FailureKind
from screens.registry import PANELS

if TYPE_CHECKING:
    from psadmin.app import PsadminApp

EXIT_USAGE = 2
EXIT_CANNOT_CONNECT = 3
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

F = TypeVar("F", bound=Callable[..., Any])


class Failure(Exception):
    """A one-line error for the user, with the exit code to leave with."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class FiniteRange(click.FloatRange):
    """A float range that also refuses nan (which slips past every comparison) and inf."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class FilePath(click.Path):
    """A file path; a NUL byte is a usage error here instead of a ValueError inside os.stat."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if "\x00" in str(value):
            self.fail("the path contains a NUL byte.", param, ctx)
        return super().convert(value, param, ctx)


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None and param.name is not None:
        ctx.ensure_object(dict)[param.name] = value
    return value


def connection_options(command: F) -> F:
    """Add the shared connection options; values are collected in ``ctx.obj``."""
    shared: dict[str, Any] = {"expose_value": False, "callback": _remember}
    options = [
        click.option(
            "--dsn", help="PostgreSQL DSN (else DATABASE_URL, DB_*, PG*, profile).", **shared
        ),
        click.option(
            "--redis-url", help="Redis URL (else REDIS_URL, REDIS_HOST/REDIS_PORT).", **shared
        ),
        click.option("--profile", help="Profile name in the config file.", **shared),
        click.option(
            "--config",
            type=FilePath(path_type=Path, dir_okay=False),
            help="Config file (default: the user config dir's psadmin/config.toml).",
            **shared,
        ),
        click.option(
            "--read-only", is_flag=True, default=None, help="Refuse every admin action.", **shared
        ),
        click.option(
            "--refresh",
            type=FiniteRange(0.2, 3600),
            metavar="SECONDS",
            help="Refresh interval (default 2).",
            **shared,
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_from(ctx: click.Context) -> Settings:
    given: dict[str, Any] = ctx.ensure_object(dict)
    try:
        profile = load_profile(given.get("config"), given.get("profile"))
        return resolve_settings(
            Overrides(
                dsn=given.get("dsn"),
                redis_url=given.get("redis_url"),
                read_only=given.get("read_only"),
                refresh=given.get("refresh"),
            ),
            os.environ,
            profile,
        )
    except ConfigError as exc:
        raise Failure(str(exc), EXIT_USAGE) from None


def fail_from(error: BackendError) -> Failure:
    if error.kind in (FailureKind.DISCONNECTED, FailureKind.UNSUPPORTED):
        return Failure(error.message, EXIT_CANNOT_CONNECT)
    return Failure(error.message, 1)


class LazyGroup(click.Group):
    """Loads a subcommand's module only when that subcommand runs (or help lists it), so the
    console's start does not pay for every command's imports."""

    lazy: dict[str, str] = {
        "users": "psadmin.commands.users",
        "similar": "psadmin.commands.similar",
        "vacuum": "psadmin.commands.vacuum",
        "check": "psadmin.commands.check",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module = importlib.import_module(self.lazy[cmd_name])
            self.add_command(getattr(module, cmd_name))
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@connection_options
@click.option(
    "--screen",
    type=click.Choice([spec.mode for spec in PANELS], case_sensitive=False),
    default="overview",
    show_default=True,
    help="The screen the console opens on.",
)
@click.version_option(__version__, prog_name="psadmin")
@click.pass_context
def cli(ctx: click.Context, screen: str) -> int:
    """psadmin: the PSScript database console (PostgreSQL + pgvector, Redis)."""
    if ctx.invoked_subcommand is None:
        run_tui(settings_from(ctx), screen.lower())
    return 0


def run_tui(settings: Settings, screen: str = "overview") -> None:
    try:
        asyncio.run(_console(settings, screen))
    except asyncio.CancelledError:  # a signal while starting: nothing was left open
        pass
    except BackendError as exc:
        raise fail_from(exc) from None


async def _console(settings: Settings, screen: str) -> None:
    # Connect before the UI imports: a dead server fails fast with one line instead of opening
    # a dead console, and the connection made here is the one the console then uses.
    from psadmin.backend import LiveBackend

    app: PsadminApp | None = None
    starting = asyncio.current_task()

    def leave() -> None:
        # SIGTERM, or SIGHUP when SSH drops: leave cleanly so the server sees sessions close
        if app is not None and app.is_running:
            app.exit()
        elif starting is not None:
            starting.cancel()

    loop = asyncio.get_running_loop()
    for sig in EXIT_SIGNALS:
        loop.add_signal_handler(sig, leave)
    backend = LiveBackend(settings)
    try:
        await backend.connect()
        from psadmin.app import PsadminApp

        app = PsadminApp(
            backend,
            thresholds=settings.profile.thresholds,
            refresh_s=settings.refresh,
            screen=screen,
        )
        await app.run_async()
    finally:
        await backend.close()  # already closed when the app unmounted; this covers the rest
        for sig in EXIT_SIGNALS:
            loop.remove_signal_handler(sig)


@cli.command()
@connection_options
@click.argument("panels", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (documented keys).")
@click.option(
    "--interval",
    type=FiniteRange(0.1, 60),
    default=1.0,
    show_default=True,
    help="Seconds between the two samples that rates are computed from.",
)
@click.pass_context
def snapshot(ctx: click.Context, panels: tuple[str, ...], as_json: bool, interval: float) -> int:
    """Read every panel (or PANEL...) once and print it."""
    from psadmin.snapshot import PANEL_NAMES, public, render_text, take_snapshot

    unknown = [p for p in panels if p not in PANEL_NAMES]
    if unknown:
        raise Failure(
            f"unknown panel {unknown[0]!r} (panels: {', '.join(PANEL_NAMES)})", EXIT_USAGE
        )
    settings = settings_from(ctx)
    try:
        document, code = asyncio.run(take_snapshot(settings, panels or PANEL_NAMES, interval))
    except BackendError as exc:
        raise fail_from(exc) from None
    if as_json:
        click.echo(json.dumps(public(document), indent=2))
    else:
        click.echo(render_text(document))
    return code


@cli.command()
@connection_options
@click.option("--scripts", type=click.IntRange(1, 2_000_000), default=3000, show_default=True)
@click.option("--users", type=click.IntRange(1, 1_000_000), default=500, show_default=True)
@click.option("--no-workload", is_flag=True, help="Seed the data but generate no live traffic.")
@click.option(
    "--serve", is_flag=True, help="No TUI: print DATABASE_URL/REDIS_URL and keep running."
)
@click.pass_context
def demo(ctx: click.Context, scripts: int, users: int, no_workload: bool, serve: bool) -> int:
    """Start an embedded PostgreSQL + Redis with PSScript data and live traffic."""
    from psadmin.demo.run import DemoOptions, run_demo

    given = ctx.ensure_object(dict)
    options = DemoOptions(
        scripts=scripts,
        users=users,
        workload=not no_workload,
        serve=serve,
        read_only=bool(given.get("read_only")),
        refresh=given.get("refresh") or 2.0,
    )
    return run_demo(options)


def _known_secrets() -> list[str]:
    return [os.environ.get(k, "") for k in ("PGPASSWORD", "DB_PASSWORD")]


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="psadmin", standalone_mode=False)
    except Failure as exc:
        click.echo(f"psadmin: {exc}", err=True)
        sys.exit(exc.code)
    except click.exceptions.Abort:
        click.echo("psadmin: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        click.echo(f"psadmin: {exc.format_message()} (see psadmin --help)", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        click.echo(f"psadmin: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # last resort: one line, never a traceback
        from psadmin.connect import scrub

        detail = scrub(f"{type(exc).__name__}: {exc}", _known_secrets()).splitlines()[0]
        click.echo(f"psadmin: internal error: {detail}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
