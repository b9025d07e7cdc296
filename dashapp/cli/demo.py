"""`healthdash demo ...`: a realistic book of business to explore, and `demo run` behind `make demo`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from sqlalchemy import func, select

from dashapp import migrate
from dashapp.cli.context import CliContext, pass_ctx
from dashapp.users import create_user, find_by_email
from models.account import Account

DEMO_USERS = (
    ("demo@healthdash.local", "admin", "Demo Admin"),
    ("manager@healthdash.local", "manager", "Morgan Manager"),
    ("csm@healthdash.local", "csm", "Casey CSM"),
    ("viewer@healthdash.local", "viewer", "Vic Viewer"),
)
DEMO_PASSWORD = "healthdash-demo"


@click.group("demo")
def demo_group() -> None:
    """Demo data and the one-command demo."""


def ensure_demo_users(ctx: CliContext) -> None:
    with ctx.db.transaction() as session:
        for email, role, name in DEMO_USERS:
            if find_by_email(session, email) is None:
                create_user(session, email=email, password=DEMO_PASSWORD, role=role, name=name)


@demo_group.command("run")
@click.option("--accounts", type=click.IntRange(1, 1_000_000), default=500, show_default=True)
@click.option("--months", type=click.IntRange(1, 60), default=18, show_default=True)
@pass_ctx
def run(ctx: CliContext, accounts: int, months: int) -> None:
    """Migrate, seed the demo book once, start the web app and a worker, and print the URL and login."""
    settings = ctx.settings
    click.echo("Preparing the database...")
    migrate.upgrade(settings.database_url or "")
    ensure_demo_users(ctx)
    with ctx.db.transaction() as session:
        has_accounts = session.scalar(select(func.count()).select_from(Account)) > 0
    if not has_accounts:
        from dashapp.cli.seed import seed_demo

        seed_demo(ctx, accounts=accounts, months=months, seed=42)
    exe = [sys.executable, "-m", "dashapp.cli.entry"]
    env = dict(os.environ)
    worker = subprocess.Popen([*exe, "worker"], env=env)
    web = subprocess.Popen([*exe, "serve"], env=env)
    time.sleep(1.0)
    click.echo("")
    click.echo(f"healthdash is running at {settings.public_url}")
    click.echo(f"Log in as {DEMO_USERS[0][0]} with password {DEMO_PASSWORD}")
    click.echo("(other roles: " + ", ".join(f"{e} ({r})" for e, r, _ in DEMO_USERS[1:]) + ", same password)")
    click.echo("Press Ctrl-C to stop.")
    _wait(web, worker)


def _wait(*procs: subprocess.Popen) -> None:
    """Run until Ctrl-C/SIGTERM or until a child exits on its own (then stop the rest and fail)."""
    interrupted = False

    def on_signal(*_args: object) -> None:
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not interrupted and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        interrupted = True
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    if not interrupted:
        raise click.ClickException("a demo process stopped unexpectedly; see the messages above")


COMMANDS = [demo_group]
