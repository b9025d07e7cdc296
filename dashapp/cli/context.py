"""Shared state for CLI commands: settings resolved once, servers reached, the database handle."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cached_property

import click

from dashapp import services
from dashapp.settings import Settings
from models.db import Database


class CliError(RuntimeError):
    """A command cannot do what was asked; printed as one line."""


class CliContext:
    @cached_property
    def settings(self) -> Settings:
        """Settings with running servers (embedded ones started if needed), exported for child processes."""
        settings = services.resolve(Settings.from_env())
        assert settings.database_url and settings.redis_url
        services.check_database(settings.database_url)
        services.check_redis(settings.redis_url)
        os.environ["DATABASE_URL"] = settings.database_url
        os.environ["REDIS_URL"] = settings.redis_url
        from dashapp import auth_changes

        auth_changes.install(settings)  # revocations and role changes reach the web processes at once
        return settings

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url or "", session_info=self.settings.money)

    def require_migrated(self) -> None:
        from dashapp import migrate

        if not migrate.is_up_to_date(self.settings.database_url or ""):
            raise CliError(
                "the database is not migrated to the latest version; run `healthdash db upgrade` first"
            )


pass_ctx = click.make_pass_decorator(CliContext, ensure=True)


def _parse_now(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--now: {value!r} is not a time like 2026-12-07T09:00:00+00:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# `--now TIME`: commands that act on the clock (alerts, notifications) can be run as of another time.
now_option = click.option(
    "--now",
    callback=_parse_now,
    default=None,
    metavar="TIME",
    help="Act as if it were this time (ISO 8601, UTC when no zone is given) [default: now].",
)
