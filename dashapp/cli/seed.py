"""Seeding the demo book: shared by `healthdash demo seed` and `healthdash demo run`."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import click
import psycopg

from dashapp.cache import bump_data_version
from dashapp.cli.context import CliContext, CliError
from dashapp.services import libpq_url
from dashapp.users import create_user, find_by_email

if TYPE_CHECKING:
    from dashapp.demo.plan import BookPlan
DEMO_CSM_LOGIN = "csm@healthdash.local"


def ensure_owners(ctx: CliContext, owners: tuple[tuple[str, str], ...]) -> list[int]:
    """The CSM users who own demo accounts (created with a random password nobody knows), each reporting to
    the first manager. When the demo CSM login exists it takes the first book of accounts, so logging in
    as a CSM shows "my accounts"."""
    from sqlalchemy import select

    from models.user import User

    ids = []
    with ctx.db.transaction() as session:
        manager_id = session.scalar(
            select(User.id).where(User.role == "manager", User.is_active).order_by(User.id).limit(1)
        )
        login = find_by_email(session, DEMO_CSM_LOGIN)
        for position, (email, name) in enumerate(owners):
            user = login if position == 0 and login is not None else find_by_email(session, email)
            if user is None:
                user = create_user(
                    session, email=email, password=secrets.token_urlsafe(32), role="csm", name=name
                )
            if user.manager_id is None and manager_id is not None:
                user.manager_id = manager_id
            ids.append(user.id)
    return ids


def _refuse_if_populated(ctx: CliContext) -> None:
    from sqlalchemy import exists, select

    from models.account import Account

    with ctx.db.transaction() as session:
        if session.scalar(select(exists().select_from(Account))):
            raise CliError(
                "the database already holds accounts; use --reset to replace them with the demo book"
            )


def seed_demo(
    ctx: CliContext,
    *,
    accounts: int,
    months: int,
    seed: int,
    today: date | None = None,
    reset: bool = False,
    event_days: int | None = None,
):
    """Generate and load the demo book; returns the load report. Raises CliError with one line on failure."""
    from dashapp.demo.loader import DemoLoadError, load
    from dashapp.demo.plan import plan_book

    ctx.require_migrated()
    if not reset:
        _refuse_if_populated(ctx)
    plan = plan_book(accounts, months, seed, today or datetime.now(UTC).date(), event_days)
    owner_ids = ensure_owners(ctx, plan.owners)
    url = libpq_url(ctx.settings.database_url or "")
    with click.progressbar(length=plan.n_accounts, label=f"Seeding {plan.n_accounts:,} demo accounts") as bar:
        done = 0

        def progress(written: int, _total: int) -> None:
            nonlocal done
            bar.update(written - done)
            done = written

        try:
            with psycopg.connect(url, autocommit=True) as conn:
                report = load(conn, plan, owner_ids, reset_first=reset, progress=progress)
        except DemoLoadError as exc:
            raise CliError(str(exc)) from None
    if report.emptied:
        click.echo(f"Emptied {', '.join(report.emptied)}.")
    click.echo(
        f"Loaded {report.total_rows:,} rows in {report.total_seconds:.1f} s "
        f"({report.total_rows / max(report.total_seconds, 1e-9):,.0f} rows/s); "
        f"raw events cover the last {plan.raw_event_days} day(s)."
    )
    for table, rows in report.rows.items():
        click.echo(f"  {table:<24} {rows:>12,}")
    _seed_demo_rates(ctx, plan)
    bump_data_version(ctx.settings, "demo seed")
    return report


def _seed_demo_rates(ctx: CliContext, plan: BookPlan) -> None:
    """The demo's own exchange rates (source 'demo'), over the book's history; stored rates are kept."""
    from datetime import timedelta

    from dashapp.demo.fx import demo_rates
    from dashapp.money.rates import upsert

    start = plan.window.start.astype("datetime64[D]").item() - timedelta(days=60)
    end = plan.window.today.astype("datetime64[D]").item()
    with ctx.db.transaction() as session:
        result = upsert(session, demo_rates(start, end, plan.seed), "demo", replace=False)
    click.echo(
        f"Demo exchange rates (source 'demo', generated, not ECB figures): {', '.join(result.currencies)} "
        f"per EUR from {result.first_day} to {result.last_day}."
    )
