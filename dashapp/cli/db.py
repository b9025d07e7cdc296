"""`healthdash db ...`: migrations."""

from __future__ import annotations

import click

from dashapp import migrate
from dashapp.cli.context import CliContext, CliError, pass_ctx


@click.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_ctx
def upgrade(ctx: CliContext, revision: str) -> None:
    """Migrate the database to the latest schema (or --revision)."""
    migrate.upgrade(ctx.settings.database_url or "", revision)
    click.echo(f"Database at revision {migrate.current_revision(ctx.settings.database_url or '')}.")


@db_group.command("current")
@pass_ctx
def current(ctx: CliContext) -> None:
    """Print the database's current revision."""
    click.echo(migrate.current_revision(ctx.settings.database_url or "") or "(empty database)")


@db_group.command("check")
@pass_ctx
def check(ctx: CliContext) -> None:
    """Exit non-zero unless the database is at the latest revision."""
    if not migrate.is_up_to_date(ctx.settings.database_url or ""):
        raise CliError("database is behind the code; run `healthdash db upgrade`")
    click.echo("Database is up to date.")
