"""Declarative base, shared column types and the `Database` handle (engine + session factory).

No Flask here: the web app, the CLI and the RQ jobs each build a `Database` from settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import BigInteger, DateTime, Engine, MetaData, create_engine, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column type shorthands used across the models.
BigId = Annotated[int, mapped_column(BigInteger, primary_key=True, autoincrement=True)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
    }


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=utcnow, nullable=False
    )


class Database:
    """An engine and its session factory. Tests rebind it to a connection inside a rolled-back transaction."""

    def __init__(
        self, url: str, *, pool_size: int = 5, echo: bool = False, session_info: dict[str, Any] | None = None
    ) -> None:
        self.url = url
        # Copied into every session's `info` (e.g. the reporting currency that money queries convert to).
        self.session_info = dict(session_info or {})
        self.engine: Engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=10,
            pool_pre_ping=True,
            echo=echo,
            connect_args={"options": "-c timezone=UTC"},
        )
        self._engine_factory = sessionmaker(bind=self.engine, expire_on_commit=False, info=self.session_info)
        self._factory = self._engine_factory

    def session(self) -> Session:
        return self._factory()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back on error."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def bind_to(self, connection: Connection) -> None:
        """Make every session join `connection`'s transaction (savepoints instead of commits)."""
        self._factory = sessionmaker(
            bind=connection,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
            info=self.session_info,
        )

    def unbind(self) -> None:
        self._factory = self._engine_factory

    def dispose(self) -> None:
        """Drop pooled connections; call after fork so a child never shares its parent's sockets."""
        self.engine.dispose(close=False)
