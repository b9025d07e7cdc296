"""Alembic environment: the URL comes from the caller (dashapp.migrate) or, for the alembic CLI, from settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import models
from models.db import Base

config = context.config
target_metadata = Base.metadata
assert models  # every model module is imported, so autogenerate sees every table


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from dashapp import services
    from dashapp.settings import Settings

    resolved = services.resolve(Settings.from_env())
    assert resolved.database_url is not None
    return resolved.database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
