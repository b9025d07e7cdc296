"""`healthdash tokens ...`: personal API tokens."""

from __future__ import annotations

import click

from dashapp.cli.context import CliContext, CliError, pass_ctx
from dashapp.tokens import TokenError, create_token, list_tokens, revoke_token, status
from dashapp.users import find_by_email
from models.api_token import SCOPES


@click.group("tokens")
def tokens_group() -> None:
    """Create, list and revoke personal API tokens."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for (shown in lists).")
@click.option(
    "--scope", type=click.Choice(SCOPES), default="read", show_default=True, help="write includes read."
)
@click.option(
    "--expires", "expires_days", type=int, default=None, help="Days until it expires [default: never]."
)
@pass_ctx
def create(ctx: CliContext, email: str, name: str, scope: str, expires_days: int | None) -> None:
    """Create a token acting as the user EMAIL. The token goes to standard output, alone, once."""
    ctx.require_migrated()
    with ctx.db.transaction() as session:
        owner = find_by_email(session, email)
        if owner is None:
            raise CliError(f"there is no user with email {email.strip().lower()}")
        try:
            new = create_token(session, owner, name=name, scope=scope, expires_days=expires_days)
        except TokenError as exc:
            raise CliError(str(exc)) from None
        expires = new.token.expires_at.strftime("%Y-%m-%d %H:%M UTC") if new.token.expires_at else "never"
        click.echo(
            f"Created token #{new.token.id} {new.token.name!r} for {owner.email} "
            f"(scope {scope}, expires {expires}). Store it now: it is not shown again.",
            err=True,
        )
        click.echo(new.secret)


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@tokens_group.command("list")
@click.argument("email", required=False)
@pass_ctx
def list_command(ctx: CliContext, email: str | None) -> None:
    """List tokens (of EMAIL, or everyone's): id, owner, name, prefix, scope, status, expiry, last use."""
    ctx.require_migrated()
    with ctx.db.transaction() as session:
        owner = None
        if email:
            owner = find_by_email(session, email)
            if owner is None:
                raise CliError(f"there is no user with email {email.strip().lower()}")
        tokens = list_tokens(session, owner)
        if not tokens:
            click.echo("No tokens.", err=True)
        for token in tokens:
            fields = [
                str(token.id),
                token.user.email,
                token.name,
                token.prefix + "…",
                token.scope,
                status(token),
                f"expires {_when(token.expires_at)}",
                f"last used {_when(token.last_used_at)}",
            ]
            click.echo("\t".join(fields))


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@pass_ctx
def revoke(ctx: CliContext, token_id: int) -> None:
    """Revoke token TOKEN_ID (see `healthdash tokens list`); it stops working at once."""
    ctx.require_migrated()
    with ctx.db.transaction() as session:
        try:
            token = revoke_token(session, token_id)
        except TokenError as exc:
            raise CliError(str(exc)) from None
        click.echo(f"Revoked token #{token.id} {token.name!r} ({token.prefix}…).")
