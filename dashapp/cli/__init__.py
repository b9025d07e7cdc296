"""The `healthdash` command. Each group lives in its own module; errors print one line and exit non-zero."""

from __future__ import annotations

import importlib
import sys

import click

from dashapp.cli.context import CliError, pass_ctx

# Each command's home, as (module, attribute): a module is imported only when its command runs (or for
# --help), so `healthdash users create` does not pay for scikit-learn.
COMMANDS: dict[str, tuple[str, str]] = {
    "accounts": ("dashapp.cli.accounts", "accounts_group"),
    "alerts": ("dashapp.cli.alerts", "alerts_group"),
    "backup": ("dashapp.cli.backup", "backup"),
    "churn": ("dashapp.cli.churn", "churn_group"),
    "db": ("dashapp.cli.db", "db_group"),
    "demo": ("dashapp.cli.demo", "demo_group"),
    "forecasts": ("dashapp.cli.forecasts", "forecasts_group"),
    "fx": ("dashapp.cli.fx", "fx_group"),
    "import": ("dashapp.cli.ingest", "import_group"),
    "notify": ("dashapp.cli.notify", "notify_group"),
    "privacy": ("dashapp.cli.privacy", "privacy"),
    "rollup": ("dashapp.cli.ingest", "rollup_group"),
    "scheduler": ("dashapp.cli.serve", "scheduler"),
    "scorecards": ("dashapp.cli.scorecards", "scorecards_group"),
    "scores": ("dashapp.cli.scores", "scores_group"),
    "segments": ("dashapp.cli.segments", "segments_group"),
    "serve": ("dashapp.cli.serve", "serve"),
    "services": ("dashapp.cli.services", "services_group"),
    "tokens": ("dashapp.cli.tokens", "tokens_group"),
    "users": ("dashapp.cli.users", "users_group"),
    "worker": ("dashapp.cli.serve", "worker"),
    "write-keys": ("dashapp.cli.ingest", "write_keys_group"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, from `COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise RuntimeError(f"COMMANDS[{cmd_name!r}] does not name the {cmd_name!r} command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="healthdash")
def cli() -> None:
    """healthdash: customer health for customer success teams."""


def _user_errors() -> tuple[type[Exception], ...]:
    """The errors a command reports in one line; imported only once one is being handled."""
    from dashapp.scoring.definition import ScorecardError
    from dashapp.scoring.service import OverrideError
    from dashapp.services import ServiceError
    from dashapp.settings import SettingsError
    from dashapp.users import UserError

    return (CliError, SettingsError, ServiceError, UserError, ScorecardError, OverrideError)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="healthdash", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:
        if not isinstance(exc, _user_errors()):
            raise
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


__all__ = ["cli", "main", "pass_ctx"]
