"""Saved views (a page with its filters, columns and sort) and the read-only share links to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, BigId, TimestampMixin

VISIBILITIES = ("private", "team")


class SavedView(TimestampMixin, Base):
    __tablename__ = "saved_views"
    __table_args__ = (
        CheckConstraint(f"visibility IN ({', '.join(repr(v) for v in VISIBILITIES)})", name="visibility"),
        Index("uq_saved_views_owner_page_name", "owner_id", "page", func.lower(text("name")), unique=True),
        # At most one default view per user and page.
        Index(
            "uq_saved_views_default",
            "owner_id",
            "page",
            unique=True,
            postgresql_where=text("is_default"),
        ),
        Index("ix_saved_views_team", "page", postgresql_where=text("visibility = 'team'")),
    )

    id: Mapped[BigId]
    owner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    # The page's path ("/accounts"; "/accounts/<external_id>" for one account).
    page: Mapped[str] = mapped_column(String(255))
    # The canonical filter query string (dashapp.filters.to_query) and the same filters as JSON.
    query: Mapped[str] = mapped_column(Text, default="", server_default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    columns: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    sort: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Page-specific settings that are not filters (e.g. the cohort date, the compare sets).
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    visibility: Mapped[str] = mapped_column(String(8), default="private", server_default="private")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    share_links: Mapped[list[ShareLink]] = relationship(back_populates="view", cascade="all, delete-orphan")


class ShareLink(Base):
    """A read-only link to one saved view. Only the SHA-256 of the token is stored."""

    __tablename__ = "share_links"

    id: Mapped[BigId]
    view_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("saved_views.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    view: Mapped[SavedView] = relationship(back_populates="share_links")
