"""The schema comes from one line of migrations, and the migrations match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import models
from dashapp import migrate
from models.db import Base, Database


def test_there_is_exactly_one_head() -> None:
    assert len(migrate.heads()) == 1


def test_database_is_at_head_after_upgrade(database_url: str) -> None:
    assert migrate.is_up_to_date(database_url)


def test_autogenerate_finds_no_difference_between_models_and_migrations(db: Database) -> None:
    assert models  # all model modules imported
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_foreign_key_is_indexed(db: Database) -> None:
    inspector = inspect(db.engine)
    missing = []
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        indexed = [tuple(ix["column_names"]) for ix in inspector.get_indexes(table)]
        pk = inspector.get_pk_constraint(table)["constrained_columns"]
        indexed.append(tuple(pk))
        indexed += [tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)]
        for fk in inspector.get_foreign_keys(table):
            cols = tuple(fk["constrained_columns"])
            if not any(ix[: len(cols)] == cols for ix in indexed):
                missing.append(f"{table}.{','.join(cols)}")
    assert missing == [], f"foreign keys without an index: {missing}"


def test_timestamps_are_timezone_aware(db: Database) -> None:
    inspector = inspect(db.engine)
    naive = [
        f"{table}.{col['name']}"
        for table in inspector.get_table_names()
        for col in inspector.get_columns(table)
        if col["type"].__class__.__name__ in ("DATETIME", "TIMESTAMP")
        and not getattr(col["type"], "timezone", False)
    ]
    assert naive == []


def test_downgrade_to_base_and_back_up(server_settings) -> None:
    from alembic import command

    from tests.support.database import create_test_database, drop_database

    url = create_test_database(server_settings.database_url, prefix="hd_migr")
    try:
        migrate.upgrade(url)
        command.downgrade(migrate.alembic_config(url), "base")
        assert migrate.current_revision(url) is None
        migrate.upgrade(url)
        assert migrate.is_up_to_date(url)
    finally:
        drop_database(url)
