"""The console's start loads only what the Overview needs; everything else loads on first use
and must still be found then (subcommands, screens, action executors)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import click

import queries
from psadmin.backend import EXECUTOR_MODULES, action_executor
from psadmin.cli import LazyGroup, cli
from queries.actions import EXECUTORS
from screens.catalog import SCREENS, screen_class
from screens.registry import PANELS

START_PATH = """
import sys
import psadmin.cli, psadmin.backend, psadmin.app, screens.catalog
from screens.catalog import screen_class
screen_class("overview")
print("\\n".join(sorted(sys.modules)))
"""

NOT_AT_START = (
    "redis",  # read once the server's figures are painted
    "psycopg",  # only for a configured PgBouncer console
    "sqlalchemy",  # the index audit's expected schema
    "pgvector",
    "pygments",  # script detail's syntax highlighting
    "screens.connections",
    "screens.scripts",
    "queries.users",
    "queries.activity",
    "psadmin.commands",
    "psadmin.models.users",
    "psadmin.models.scripts",
)


def test_starting_the_console_loads_only_the_overview_path() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", START_PATH], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "screens.overview" in loaded and "asyncpg" in loaded  # the probe itself is sound
    early = [m for m in loaded if m.startswith(NOT_AT_START)]
    assert early == []


def every_executor_module() -> None:
    for info in pkgutil.iter_modules(queries.__path__, "queries."):
        importlib.import_module(info.name)
    importlib.import_module("psadmin.embedding")


def test_every_action_kind_names_the_module_that_registers_it() -> None:
    every_executor_module()
    registered = {kind: fn.__module__ for kind, fn in EXECUTORS.items()}
    assert registered == EXECUTOR_MODULES


def test_an_executor_loads_its_module_on_first_use() -> None:
    run = action_executor("unlock_user")
    assert run is not None and run.__module__ == "queries.users"
    assert action_executor("no_such_action") is None


def test_every_lazy_subcommand_loads() -> None:
    ctx = click.Context(cli)
    assert isinstance(cli, LazyGroup)
    for name in LazyGroup.lazy:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
    assert {"snapshot", "demo", *LazyGroup.lazy} <= set(cli.list_commands(ctx))


def test_every_panel_has_a_screen_class() -> None:
    assert {spec.mode for spec in PANELS} == set(SCREENS)
    for spec in PANELS:
        assert screen_class(spec.mode).__name__.lower().startswith(spec.mode)
