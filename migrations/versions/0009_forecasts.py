"""forecasts: series with their input fingerprint, results per horizon with backtest

Revision ID: 0009_forecasts
Revises: 0008_exports
Create Date: 2026-11-26 01:58:24.268720
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_forecasts"
down_revision: str | None = "0008_exports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast_series",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_value", sa.String(length=128), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=400), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column(
            "history",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("history_start", sa.Date(), nullable=True),
        sa.Column("history_end", sa.Date(), nullable=True),
        sa.Column("points", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fit_seconds", sa.Float(), server_default="0", nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_forecast_series_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_series")),
        sa.UniqueConstraint("key", name=op.f("uq_forecast_series_key")),
    )
    op.create_index(op.f("ix_forecast_series_account_id"), "forecast_series", ["account_id"], unique=False)
    op.create_index(op.f("ix_forecast_series_scope"), "forecast_series", ["scope"], unique=False)
    op.create_table(
        "forecast_results",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("points", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("mase", sa.Float(), nullable=True),
        sa.Column("beats_naive", sa.Boolean(), nullable=True),
        sa.Column("model_mae", sa.Float(), nullable=True),
        sa.Column("naive_mae", sa.Float(), nullable=True),
        sa.Column("scaled_mase", sa.Float(), nullable=True),
        sa.Column("naive_scaled_mase", sa.Float(), nullable=True),
        sa.Column(
            "folds",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("evaluation_note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["forecast_series.id"],
            name=op.f("fk_forecast_results_series_id_forecast_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "horizon", name=op.f("pk_forecast_results")),
    )


def downgrade() -> None:
    op.drop_table("forecast_results")
    op.drop_index(op.f("ix_forecast_series_scope"), table_name="forecast_series")
    op.drop_index(op.f("ix_forecast_series_account_id"), table_name="forecast_series")
    op.drop_table("forecast_series")
