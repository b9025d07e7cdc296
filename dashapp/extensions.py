"""Per-app runtime objects (settings, database, Redis) and the request-scoped database session."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import redis
from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from dashapp.alerts import live
from dashapp.settings import Settings
from models.db import Database

EXTENSION_KEY = "healthdash"


@dataclass
class Runtime:
    settings: Settings
    db: Database
    redis: redis.Redis

    def key(self, *parts: str) -> str:
        """A Redis key in this install's namespace."""
        return self.settings.redis_namespace + ":".join(parts)

    def tell_bells(self, user_ids: Iterable[int]) -> None:
        """Move these users' navbar bells (call after committing the change that moved their count)."""
        live.tell(self.redis, self.settings.redis_namespace, user_ids)


def init_runtime(app: Flask, settings: Settings) -> Runtime:
    assert settings.database_url and settings.redis_url, "resolve services before creating the app"
    runtime = Runtime(
        settings=settings,
        db=Database(settings.database_url, session_info=settings.money),
        redis=redis.Redis.from_url(settings.redis_url),
    )
    app.extensions[EXTENSION_KEY] = runtime
    app.teardown_appcontext(_close_session)
    return runtime


def runtime() -> Runtime:
    return current_app.extensions[EXTENSION_KEY]


def settings() -> Settings:
    return runtime().settings


def db_session() -> Session:
    """The session for this request; closed (and rolled back if uncommitted) when the request ends."""
    if "db_session" not in g:
        g.db_session = runtime().db.session()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
