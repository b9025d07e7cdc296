"""`healthdash users ...`: people who log in."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from dashapp.cli.context import CliContext, CliError, pass_ctx
from dashapp.users import create_user
from models.user import ROLES, User


@click.group("users")
def users_group() -> None:
    """Create and list users."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@pass_ctx
def create(ctx: CliContext, email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a user who can log in with EMAIL."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("no password on standard input")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    ctx.require_migrated()
    with ctx.db.transaction() as session:
        user = create_user(session, email=email, password=password, role=role, name=name)
        click.echo(f"Created {user.email} ({user.role}).")


@users_group.command("list")
@pass_ctx
def list_users(ctx: CliContext) -> None:
    """List users with their roles."""
    ctx.require_migrated()
    with ctx.db.transaction() as session:
        for user in session.scalars(select(User).order_by(User.email)):
            state = "active" if user.is_active else "inactive"
            click.echo(f"{user.email}\t{user.role}\t{state}")
