"""`healthdash services ...`: the embedded PostgreSQL and Redis used when no URL is configured."""

from __future__ import annotations

import click

from dashapp import services
from dashapp.settings import Settings


@click.group("services")
def services_group() -> None:
    """Start, stop or inspect the embedded PostgreSQL and Redis."""


@services_group.command("start")
def start() -> None:
    """Start the embedded servers (those not replaced by DATABASE_URL/REDIS_URL)."""
    settings = services.resolve(Settings.from_env())
    click.echo(f"PostgreSQL: {settings.database_url}")
    click.echo(f"Redis: {settings.redis_url}")


@services_group.command("stop")
def stop() -> None:
    """Stop the embedded servers of this data directory."""
    settings = Settings.from_env()
    pg = services.stop_embedded_postgres(settings.data_dir)
    rd = services.stop_embedded_redis(settings.data_dir)
    click.echo(
        f"PostgreSQL: {'stopped' if pg else 'was not running'}; Redis: {'stopped' if rd else 'was not running'}"
    )


@services_group.command("status")
def status() -> None:
    """Say which servers are in use and whether the embedded ones run."""
    settings = Settings.from_env()
    if settings.database_url:
        click.echo("PostgreSQL: external (DATABASE_URL)")
    else:
        running = services.embedded_postgres_running(settings.data_dir)
        click.echo(
            f"PostgreSQL: embedded in {settings.data_dir / 'postgres'}, {'running' if running else 'stopped'}"
        )
    if settings.redis_url:
        click.echo("Redis: external (REDIS_URL)")
    else:
        running = services.embedded_redis_running(settings.data_dir)
        click.echo(f"Redis: embedded in {settings.data_dir / 'redis'}, {'running' if running else 'stopped'}")
