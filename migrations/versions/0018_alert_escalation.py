"""alert escalation: a per-rule escalation policy, and what an alert event adds (an escalation's step)

Revision ID: 0018_alert_escalation
Revises: 0017_fx_rates
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_alert_escalation"
down_revision: str | None = "0017_fx_rates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alert_rules", sa.Column("escalation", postgresql.JSONB(), nullable=True))
    op.add_column(
        "alert_events",
        sa.Column("details", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("alert_events", "details")
    op.drop_column("alert_rules", "escalation")
