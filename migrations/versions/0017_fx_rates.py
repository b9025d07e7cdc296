"""fx_rates: daily reference rates per currency (units per EUR) for converting money to the reporting currency

Revision ID: 0017_fx_rates
Revises: 0015_ingest_hardening
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_fx_rates"
down_revision: str | None = "0015_ingest_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rate > 0", name=op.f("ck_fx_rates_rate_positive")),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_fx_rates_currency_code")),
        sa.CheckConstraint("source IN ('ecb', 'api', 'demo')", name=op.f("ck_fx_rates_source")),
        sa.PrimaryKeyConstraint("currency", "day", name=op.f("pk_fx_rates")),
    )
    op.create_index("ix_fx_rates_day", "fx_rates", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_fx_rates_day", table_name="fx_rates")
    op.drop_table("fx_rates")
