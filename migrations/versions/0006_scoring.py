"""scoring: scorecards and their versions, manual overrides, backtests; snapshots name their version

Revision ID: 0006_scoring
Revises: 0005_views
Create Date: 2026-11-25 22:37:41.019664
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_scoring"
down_revision: str | None = "0005_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("priority", sa.Integer(), server_default="100", nullable=False),
        sa.Column(
            "match",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecards")),
        sa.UniqueConstraint("name", name=op.f("uq_scorecards_name")),
    )
    op.create_index(
        op.f("ix_scorecards_current_version_id"), "scorecards", ["current_version_id"], unique=False
    )
    op.create_index(
        "uq_scorecards_default",
        "scorecards",
        ["is_default"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "scorecard_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_scorecard_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_scorecard_versions_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_versions")),
        sa.UniqueConstraint(
            "scorecard_id", "version", name=op.f("uq_scorecard_versions_scorecard_id_version")
        ),
    )
    op.create_index(
        op.f("ix_scorecard_versions_created_by_id"), "scorecard_versions", ["created_by_id"], unique=False
    )
    # scorecards <-> scorecard_versions reference each other: this side is added once both tables exist.
    op.create_foreign_key(
        op.f("fk_scorecards_current_version_id_scorecard_versions"),
        "scorecards",
        "scorecard_versions",
        ["current_version_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_table(
        "health_overrides",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("cleared_reason", sa.Text(), nullable=True),
        sa.Column("cleared_by_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("expires_on > starts_on", name=op.f("ck_health_overrides_expires_after_start")),
        sa.CheckConstraint(
            "cleared_on IS NULL OR cleared_on >= starts_on",
            name=op.f("ck_health_overrides_cleared_after_start"),
        ),
        sa.CheckConstraint(
            "score IS NOT NULL OR band IS NOT NULL", name=op.f("ck_health_overrides_score_or_band")
        ),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 0 AND 100", name=op.f("ck_health_overrides_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_health_overrides_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cleared_by_id"],
            ["users.id"],
            name=op.f("fk_health_overrides_cleared_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_health_overrides_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_overrides")),
    )
    op.create_index(
        "ix_health_overrides_account_active", "health_overrides", ["account_id", "expires_on"], unique=False
    )
    op.create_index(
        op.f("ix_health_overrides_cleared_by_id"), "health_overrides", ["cleared_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_health_overrides_created_by_id"), "health_overrides", ["created_by_id"], unique=False
    )
    op.create_index(op.f("ix_health_overrides_expires_on"), "health_overrides", ["expires_on"], unique=False)
    op.create_table(
        "score_backtests",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("scorecard_version_id", sa.Integer(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("mean_auc", sa.Float(), nullable=True),
        sa.Column("requested_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_score_backtests_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_score_backtests_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_version_id"],
            ["scorecard_versions.id"],
            name=op.f("fk_score_backtests_scorecard_version_id_scorecard_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_backtests")),
    )
    op.create_index(op.f("ix_score_backtests_created_at"), "score_backtests", ["created_at"], unique=False)
    op.create_index(
        op.f("ix_score_backtests_requested_by_id"), "score_backtests", ["requested_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_score_backtests_scorecard_id"), "score_backtests", ["scorecard_id"], unique=False
    )
    op.create_index(
        op.f("ix_score_backtests_scorecard_version_id"),
        "score_backtests",
        ["scorecard_version_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_health_snapshots_scorecard_version_id"),
        "health_snapshots",
        ["scorecard_version_id"],
        unique=False,
    )
    op.create_foreign_key(
        op.f("fk_health_snapshots_scorecard_version_id_scorecard_versions"),
        "health_snapshots",
        "scorecard_versions",
        ["scorecard_version_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.add_column("health_snapshots", sa.Column("measure_keys", postgresql.ARRAY(sa.Text()), nullable=True))
    op.add_column(
        "health_snapshots", sa.Column("measure_contributions", postgresql.ARRAY(sa.Float()), nullable=True)
    )
    op.add_column("health_snapshots", sa.Column("measure_raw", postgresql.ARRAY(sa.Float()), nullable=True))
    # Snapshot JSON is written daily for every account: lz4 compresses it several times faster than pglz
    # (when the server is built with lz4; otherwise the default stays).
    op.execute(
        """
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_settings
                       WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
                ALTER TABLE health_snapshots ALTER COLUMN measures SET COMPRESSION lz4;
                ALTER TABLE health_snapshots ALTER COLUMN explanation SET COMPRESSION lz4;
            END IF;
        END $$
        """
    )


def downgrade() -> None:
    for column in ("measure_keys", "measure_contributions", "measure_raw"):
        op.drop_column("health_snapshots", column)
    op.execute("ALTER TABLE health_snapshots ALTER COLUMN measures SET COMPRESSION default")
    op.execute("ALTER TABLE health_snapshots ALTER COLUMN explanation SET COMPRESSION default")
    op.drop_constraint(
        op.f("fk_health_snapshots_scorecard_version_id_scorecard_versions"),
        "health_snapshots",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_health_snapshots_scorecard_version_id"), table_name="health_snapshots")
    op.drop_index(op.f("ix_score_backtests_scorecard_version_id"), table_name="score_backtests")
    op.drop_index(op.f("ix_score_backtests_scorecard_id"), table_name="score_backtests")
    op.drop_index(op.f("ix_score_backtests_requested_by_id"), table_name="score_backtests")
    op.drop_index(op.f("ix_score_backtests_created_at"), table_name="score_backtests")
    op.drop_table("score_backtests")
    op.drop_index(op.f("ix_health_overrides_expires_on"), table_name="health_overrides")
    op.drop_index(op.f("ix_health_overrides_created_by_id"), table_name="health_overrides")
    op.drop_index(op.f("ix_health_overrides_cleared_by_id"), table_name="health_overrides")
    op.drop_index("ix_health_overrides_account_active", table_name="health_overrides")
    op.drop_table("health_overrides")
    op.drop_index(op.f("ix_scorecard_versions_created_by_id"), table_name="scorecard_versions")
    op.drop_constraint(
        op.f("fk_scorecards_current_version_id_scorecard_versions"), "scorecards", type_="foreignkey"
    )
    op.drop_table("scorecard_versions")
    op.drop_index("uq_scorecards_default", table_name="scorecards", postgresql_where=sa.text("is_default"))
    op.drop_index(op.f("ix_scorecards_current_version_id"), table_name="scorecards")
    op.drop_table("scorecards")
