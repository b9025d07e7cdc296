"""segments: behaviour clustering runs and their account assignments

Revision ID: 0007_segments
Revises: 0006_scoring
Create Date: 2026-11-26 01:57:29.765291
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_segments"
down_revision: str | None = "0006_scoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "segment_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("k", sa.SmallInteger(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("silhouette", sa.Float(), nullable=False),
        sa.Column("stability", sa.Float(), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "clusters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_runs")),
    )
    op.create_index(op.f("ix_segment_runs_created_at"), "segment_runs", ["created_at"], unique=False)
    op.create_table(
        "segment_assignments",
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("cluster", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_segment_assignments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["segment_runs.id"],
            name=op.f("fk_segment_assignments_run_id_segment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "account_id", name=op.f("pk_segment_assignments")),
    )
    op.create_index(
        op.f("ix_segment_assignments_account_id"), "segment_assignments", ["account_id"], unique=False
    )
    op.create_index(
        "ix_segment_assignments_run_cluster", "segment_assignments", ["run_id", "cluster"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_segment_assignments_run_cluster", table_name="segment_assignments")
    op.drop_index(op.f("ix_segment_assignments_account_id"), table_name="segment_assignments")
    op.drop_table("segment_assignments")
    op.drop_index(op.f("ix_segment_runs_created_at"), table_name="segment_runs")
    op.drop_table("segment_runs")
