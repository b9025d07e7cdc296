"""saved views and share links

Revision ID: 0005_views
Revises: 0004_api
Create Date: 2026-11-25 22:36:05.731662
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_views"
down_revision: str | None = "0004_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_accounts_name", "accounts", ["name"], unique=False)
    op.create_table(
        "saved_views",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("page", sa.String(length=255), nullable=False),
        sa.Column("query", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "filters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "columns",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("sort", sa.String(length=255), server_default="", nullable=False),
        sa.Column(
            "options",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("visibility", sa.String(length=8), server_default="private", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("visibility IN ('private', 'team')", name=op.f("ck_saved_views_visibility")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_saved_views_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    op.create_index(
        "ix_saved_views_team",
        "saved_views",
        ["page"],
        unique=False,
        postgresql_where=sa.text("visibility = 'team'"),
    )
    op.create_index(
        "uq_saved_views_default",
        "saved_views",
        ["owner_id", "page"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_index(
        "uq_saved_views_owner_page_name",
        "saved_views",
        ["owner_id", "page", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "share_links",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("view_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uses", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_share_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["view_id"],
            ["saved_views.id"],
            name=op.f("fk_share_links_view_id_saved_views"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_links_token_hash")),
    )
    op.create_index(op.f("ix_share_links_created_by_id"), "share_links", ["created_by_id"], unique=False)
    op.create_index(op.f("ix_share_links_view_id"), "share_links", ["view_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_share_links_view_id"), table_name="share_links")
    op.drop_index(op.f("ix_share_links_created_by_id"), table_name="share_links")
    op.drop_table("share_links")
    op.drop_index("uq_saved_views_owner_page_name", table_name="saved_views")
    op.drop_index("uq_saved_views_default", table_name="saved_views", postgresql_where=sa.text("is_default"))
    op.drop_index(
        "ix_saved_views_team", table_name="saved_views", postgresql_where=sa.text("visibility = 'team'")
    )
    op.drop_table("saved_views")
    op.drop_index("ix_accounts_name", table_name="accounts")
