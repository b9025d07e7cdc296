"""The `healthdash` command. Each group lives in its own module; errors print one line and exit non-zero."""

from __future__ import annotations

import sys

import click

from dashapp.cli.context import CliError, pass_ctx


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="healthdash")
def cli() -> None:
    """healthdash: customer health for customer success teams."""


def _register() -> None:
    from dashapp.cli import (
        alerts,
        backup,
        churn,
        db,
        demo,
        forecasts,
        fx,
        ingest,
        notify,
        privacy,
        scorecards,
        scores,
        segments,
        serve,
        services,
        tokens,
        users,
    )

    for module in (
        db,
        demo,
        ingest,
        scorecards,
        scores,
        segments,
        serve,
        services,
        users,
        tokens,
        forecasts,
        churn,
        notify,
        backup,
        fx,
        alerts,
        privacy,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    _register()
    from dashapp.scoring.definition import ScorecardError
    from dashapp.scoring.service import OverrideError
    from dashapp.services import ServiceError
    from dashapp.settings import SettingsError
    from dashapp.users import UserError

    try:
        cli.main(args=argv, prog_name="healthdash", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (CliError, SettingsError, ServiceError, UserError, ScorecardError, OverrideError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


__all__ = ["cli", "main", "pass_ctx"]
