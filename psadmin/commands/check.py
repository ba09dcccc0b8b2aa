"""``psadmin check [--json]``: health checks for on-call and monitoring systems.

Text output is a Nagios plugin's: a one-line summary with perfdata, then one line per check.
Exit 0 ok, 1 warning (or a check that could not be evaluated), 2 critical, 3 cannot connect.
"""

from __future__ import annotations

import asyncio
import json

import click

from psadmin.cli import EXIT_USAGE, Failure, connection_options, fail_from, settings_from
from psadmin.models.checks import check_json, nagios_text
from psadmin.models.errors import BackendError


@click.command()
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON: every check with its value.")
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> int:
    """Judge the server's health against the profile's thresholds (Nagios-style exit code)."""
    from psadmin.check import CheckSetupError, run_checks

    settings = settings_from(ctx)
    try:
        report = asyncio.run(run_checks(settings))
    except BackendError as exc:
        raise fail_from(exc) from None
    except CheckSetupError as exc:
        raise Failure(str(exc), EXIT_USAGE) from None
    if as_json:
        click.echo(json.dumps(check_json(report), indent=2))
    else:
        click.echo(nagios_text(report))
    return report.exit_code
