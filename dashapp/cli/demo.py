"""`healthdash demo ...`: a realistic book of business to explore, and `demo run` behind `make demo`."""

from __future__ import annotations

import os
from datetime import date

import click
from sqlalchemy import func, select

from dashapp import migrate, services
from dashapp.cache import bump_data_version
from dashapp.cli import processes
from dashapp.cli.context import CliContext, CliError, pass_ctx
from dashapp.settings import Settings
from dashapp.users import create_user, find_by_email
from models.account import Account
from models.health import AccountHealth

DEMO_USERS = (
    ("demo@healthdash.local", "admin", "Demo Admin"),
    ("manager@healthdash.local", "manager", "Morgan Manager"),
    ("csm@healthdash.local", "csm", "Casey CSM"),
    ("viewer@healthdash.local", "viewer", "Vic Viewer"),
)
DEMO_PASSWORD = "healthdash-demo"
# Days of health history scored for a freshly seeded demo book: trends and explanations need history, and
# revenue impact and the churn model need snapshots older than their 90-day horizon.
DEMO_SCORE_DAYS = 180


@click.group("demo")
def demo_group() -> None:
    """Demo data and the one-command demo."""


def ensure_demo_users(ctx: CliContext) -> None:
    with ctx.db.transaction() as session:
        for email, role, name in DEMO_USERS:
            if find_by_email(session, email) is None:
                create_user(session, email=email, password=DEMO_PASSWORD, role=role, name=name)


def _bounded(name: str, low: int, high: int):
    """A click callback turning the option's text into an int in [low, high], or one clear error line."""

    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise CliError(f"{name} must be a whole number, not {value!r}") from None
        if not low <= number <= high:
            raise CliError(f"{name} must be between {low:,} and {high:,} (got {number:,})")
        return number

    return parse


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--today must be a date as YYYY-MM-DD, not {value!r}") from None


@demo_group.command("seed")
@click.option(
    "--accounts",
    default="500",
    show_default=True,
    metavar="N",
    callback=_bounded("--accounts", 1, 1_000_000),
    help="How many customer accounts.",
)
@click.option(
    "--months",
    default="18",
    show_default=True,
    metavar="M",
    callback=_bounded("--months", 1, 60),
    help="Months of history up to today.",
)
@click.option(
    "--seed",
    default="42",
    show_default=True,
    metavar="S",
    callback=_bounded("--seed", 0, 2**32 - 1),
    help="Random seed: the same seed gives the same book.",
)
@click.option(
    "--today",
    default=None,
    metavar="YYYY-MM-DD",
    callback=_day,
    help="The book's today [default: the current date].",
)
@click.option(
    "--event-days",
    default=None,
    metavar="D",
    callback=_bounded("--event-days", 0, 31),
    help="Days of raw usage events to keep [default: up to 7, fewer for big books].",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Empty the customer data tables first (accounts and all that hangs off them).",
)
@pass_ctx
def seed(
    ctx: CliContext,
    accounts: int,
    months: int,
    seed: int,
    today: date | None,
    event_days: int | None,
    reset: bool,
) -> None:
    """Load a deterministic demo book of business (accounts, usage, tickets, billing, surveys)."""
    from dashapp.cli.seed import seed_demo

    seed_demo(
        ctx, accounts=accounts, months=months, seed=seed, today=today, reset=reset, event_days=event_days
    )


@demo_group.command("run")
@click.option("--accounts", type=click.IntRange(1, 1_000_000), default=500, show_default=True)
@click.option("--months", type=click.IntRange(1, 60), default=18, show_default=True)
@pass_ctx
def run(ctx: CliContext, accounts: int, months: int) -> None:
    """Migrate, seed and score the demo book once, start the web app, a worker and the scheduler, and print
    the URL and login."""
    plain = Settings.from_env()
    # Embedded servers this command starts are stopped again when it ends; ones already running stay up.
    ours_pg = plain.uses_embedded_database and not services.embedded_postgres_running(plain.data_dir)
    ours_redis = plain.uses_embedded_redis and not services.embedded_redis_running(plain.data_dir)
    if processes.port_in_use(plain.host, plain.port):
        raise CliError(
            f"port {plain.port} is already in use; stop what runs there "
            f"or choose another, e.g. PORT={plain.port + 1} make demo"
        )
    settings = ctx.settings
    try:
        _prepare(ctx, accounts=accounts, months=months)
        _serve(settings)
    finally:
        stopped = []
        if ours_pg and services.stop_embedded_postgres(settings.data_dir):
            stopped.append("PostgreSQL")
        if ours_redis and services.stop_embedded_redis(settings.data_dir):
            stopped.append("Redis")
        if stopped:
            click.echo(
                f"Stopped the embedded {' and '.join(stopped)} (the next healthdash command starts them again)."
            )


def _prepare(ctx: CliContext, *, accounts: int, months: int) -> None:
    click.echo("Preparing the database...")
    migrate.upgrade(ctx.settings.database_url or "")
    ensure_demo_users(ctx)
    with ctx.db.transaction() as session:
        has_accounts = session.scalar(select(func.count()).select_from(Account)) > 0
    if not has_accounts:
        from dashapp.cli.seed import seed_demo

        seed_demo(ctx, accounts=accounts, months=months, seed=42)
        _score(ctx, days=DEMO_SCORE_DAYS)
        _first_churn_model(ctx)
    else:
        with ctx.db.transaction() as session:
            scored = session.scalar(select(func.count()).select_from(AccountHealth)) > 0
        if not scored:
            _score(ctx, days=1)
    ctx.db.dispose()  # the children open their own connections


def _first_churn_model(ctx: CliContext) -> None:
    """Queue the first churn model's training: the demo's worker runs it (later ones follow the schedule)."""
    from jobs.churn import enqueue_train

    run = enqueue_train(ctx.settings, ctx.db)
    click.echo(
        f"Queued the first churn model training (run {run.id}); the worker runs it in a minute or two."
    )


def _score(ctx: CliContext, *, days: int) -> None:
    """Health scores for the pages to show: `days` of history (the scheduler keeps them fresh after)."""
    from dashapp.scoring import engine

    with click.progressbar(length=days, label="Scoring health", show_pos=True) as bar:
        done = 0

        def progress(fraction: float, _message: str) -> None:
            nonlocal done
            step = round(fraction * days) - done
            bar.update(step)
            done += step

        result = engine.recompute(ctx.db, days=days, progress=progress)
    bump_data_version(ctx.settings, "demo scoring")
    click.echo(f"Wrote {result.snapshots:,} health snapshots.")


def _serve(settings: Settings) -> None:
    env = dict(os.environ)  # DATABASE_URL and REDIS_URL point at the servers resolved above
    worker = processes.start(["worker"], env)
    scheduler = processes.start(["scheduler"], env)
    web = processes.start(["serve"], env)
    children = [web, worker, scheduler]
    probe = f"http://{processes.local_address(settings.host)}:{settings.port}/healthz"
    if not processes.wait_until_serving(probe, children):
        processes.stop(children)
        raise CliError("the web app, the worker or the scheduler did not start; see the messages above")
    click.echo("")
    click.echo(f"healthdash is running at {settings.public_url}")
    click.echo(f"Log in as {DEMO_USERS[0][0]} with password {DEMO_PASSWORD}")
    click.echo("(other roles: " + ", ".join(f"{e} ({r})" for e, r, _ in DEMO_USERS[1:]) + ", same password)")
    click.echo("Press Ctrl-C to stop.")
    if processes.supervise(children):
        click.echo("Stopped the web app, the worker and the scheduler.")
    else:
        raise CliError("a demo process stopped unexpectedly; see the messages above")
