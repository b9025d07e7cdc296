"""`healthdash serve` (the web app under gunicorn) and `healthdash worker` (RQ)."""

from __future__ import annotations

import os
import sys
from datetime import datetime

import click

from dashapp.cli.context import CliContext, now_option, pass_ctx
from dashapp.settings import WEB_THREADS


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on [default: HOST or 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port [default: PORT or 8050].")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Web processes [default: WEB_CONCURRENCY or 2].",
)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@pass_ctx
def serve(ctx: CliContext, host: str | None, port: int | None, workers: int | None, reload: bool) -> None:
    """Serve the web app with gunicorn."""
    settings = ctx.settings
    ctx.require_migrated()
    bind = f"{host or settings.host}:{port or settings.port}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        # Log format, request ids in the access log, Prometheus multiprocess hooks.
        "--config",
        "python:dashapp.ops.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers or settings.web_workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(WEB_THREADS),
        "--timeout",
        "120",
        "--graceful-timeout",
        "20",
        "--access-logfile",
        "-",
        # Write keys (the HTTP Basic user name) and credential query parameters never reach the logs.
        "--logger-class",
        "dashapp.logredact.RedactingGunicornLogger",
        "--forwarded-allow-ips",
        settings.forwarded_allow_ips,
        # Every gunicorn would otherwise share one ~/.gunicorn/gunicorn.ctl (and a container user may have no home).
        "--no-control-socket",
    ]
    if reload:
        argv.append("--reload")
    argv.append("dashapp:create_app()")
    sys.stdout.flush()
    os.execv(sys.executable, argv)


@click.command("worker")
@click.option("--queue", "queues", multiple=True, help="Queue to listen on (repeatable) [default: all].")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--name", default=None, help="Worker name (unique per host).")
@pass_ctx
def worker(ctx: CliContext, queues: tuple[str, ...], burst: bool, name: str | None) -> None:
    """Run an RQ worker (with the scheduler for delayed and retried jobs).

    On start it first recovers jobs left running by workers that died (see `jobs.recovery`).
    """
    from dashapp.ops.errors import init_error_reporting
    from dashapp.ops.logs import configure_logging
    from jobs.queues import QUEUES, all_queues, redis_connection
    from jobs.recovery import recover_abandoned
    from jobs.runtime import work_horse_killed
    from jobs.workers import Worker

    settings = ctx.settings
    ctx.require_migrated()
    configure_logging(settings)
    init_error_reporting(settings, component="worker")
    unknown = [q for q in queues if q not in QUEUES]
    if unknown:
        raise click.BadParameter(
            f"unknown queue(s) {', '.join(unknown)}; known: {', '.join(QUEUES)}", param_hint="--queue"
        )
    from dashapp.ingest.uploads import remove_abandoned_uploads

    removed = remove_abandoned_uploads(settings)
    if removed:
        click.echo(
            f"Removed {removed} uploaded file(s) never imported (older than {settings.upload_retention_hours} h)"
        )
    recovered = recover_abandoned(settings)
    if recovered:
        click.echo(f"Recovered {len(recovered)} job(s) left by dead workers: {', '.join(recovered)}")
    if not queues or "analytics" in queues:
        from jobs.forecasts import preload

        preload()  # once here, not in every forked job
    import logging

    from dashapp.logredact import RedactFilter, install

    install()
    logging.getLogger("rq.worker").addFilter(RedactFilter())  # its own handler comes with work()
    rq_worker = Worker(
        all_queues(settings, list(queues) or None),
        connection=redis_connection(settings.redis_url or ""),
        name=name,
        work_horse_killed_handler=work_horse_killed,
        # An idle worker beats every worker_ttl - 15 s: often enough for /readyz's limit.
        worker_ttl=max(30, settings.ready_worker_max_age_seconds // 2),
    )
    rq_worker.work(with_scheduler=True, burst=burst, logging_level=settings.log_level)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Enqueue what is due now, then exit (for cron or tests).")
@click.option(
    "--interval",
    type=click.FloatRange(1, 3600),
    default=30.0,
    show_default=True,
    help="Seconds between checks.",
)
@now_option
@pass_ctx
def scheduler(ctx: CliContext, once: bool, interval: float, now: datetime) -> None:
    """Enqueue the periodic jobs declared in jobs/schedule.py (nightly and hourly recomputes, ...).

    Run one or several: each period of each job is enqueued exactly once. `--now` sets the moment of a
    `--once` tick; a running scheduler follows the clock.
    """
    import signal
    import threading

    from dashapp.ops.logs import configure_logging
    from jobs.schedule import SCHEDULE
    from jobs.scheduler import run_forever, tick

    settings = ctx.settings
    ctx.require_migrated()
    configure_logging(settings)
    if once:
        runs = tick(settings, ctx.db, now=now)
        click.echo(f"Enqueued {len(runs)} job(s)" + "".join(f"\n  {r.title} (run {r.id})" for r in runs))
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("Scheduler running (UTC): " + "; ".join(f"{p.name} at '{p.cron}'" for p in SCHEDULE))
    run_forever(settings, ctx.db, interval=interval, stop=stop)
    click.echo("Scheduler stopped.")
