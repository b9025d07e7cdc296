"""BRIN indexes on when events and webhooks arrived (the Data in page's freshness table reads recent days)

Revision ID: 0021_received_at_brin
Revises: 0020_account_soft_delete
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_received_at_brin"
down_revision: str | None = "0020_account_soft_delete"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows arrive in time order, so a BRIN index stays a few pages however large the table grows.
    op.create_index("ix_usage_events_received_at", "usage_events", ["received_at"], postgresql_using="brin")
    op.create_index(
        "ix_webhook_events_received_at", "webhook_events", ["received_at"], postgresql_using="brin"
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_events_received_at", table_name="webhook_events")
    op.drop_index("ix_usage_events_received_at", table_name="usage_events")
