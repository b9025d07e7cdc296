"""health snapshots

Revision ID: 0002_health
Revises: 0001_foundation
Create Date: 2026-11-25 22:27:16.088010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_health"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_health",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("computed_score", sa.Float(), nullable=False),
        sa.Column("computed_band", sa.String(length=16), nullable=False),
        sa.Column("overridden", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("delta_7", sa.Float(), nullable=True),
        sa.Column("delta_30", sa.Float(), nullable=True),
        sa.Column("delta_90", sa.Float(), nullable=True),
        sa.Column("explanation_text", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_health_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_health")),
    )
    op.create_index(op.f("ix_account_health_band"), "account_health", ["band"], unique=False)
    op.create_index(op.f("ix_account_health_delta_30"), "account_health", ["delta_30"], unique=False)
    op.create_index(op.f("ix_account_health_delta_7"), "account_health", ["delta_7"], unique=False)
    op.create_index(op.f("ix_account_health_delta_90"), "account_health", ["delta_90"], unique=False)
    op.create_index(op.f("ix_account_health_score"), "account_health", ["score"], unique=False)
    op.create_table(
        "health_snapshots",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("computed_score", sa.Float(), nullable=False),
        sa.Column("computed_band", sa.String(length=16), nullable=False),
        sa.Column("overridden", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("scorecard_version_id", sa.Integer(), nullable=True),
        sa.Column(
            "measures",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "explanation",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("explanation_text", sa.Text(), server_default="", nullable=False),
        sa.Column("delta_7", sa.Float(), nullable=True),
        sa.Column("delta_30", sa.Float(), nullable=True),
        sa.Column("delta_90", sa.Float(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_health_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_health_snapshots")),
    )
    op.create_index("ix_health_snapshots_day_band", "health_snapshots", ["day", "band"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_health_snapshots_day_band", table_name="health_snapshots")
    op.drop_table("health_snapshots")
    op.drop_index(op.f("ix_account_health_score"), table_name="account_health")
    op.drop_index(op.f("ix_account_health_delta_90"), table_name="account_health")
    op.drop_index(op.f("ix_account_health_delta_7"), table_name="account_health")
    op.drop_index(op.f("ix_account_health_delta_30"), table_name="account_health")
    op.drop_index(op.f("ix_account_health_band"), table_name="account_health")
    op.drop_table("account_health")
