"""account soft delete: deleted_at on accounts and contacts, with partial indexes

Revision ID: 0020_account_soft_delete
Revises: 0019_tasks_playbooks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_account_soft_delete"
down_revision: str | None = "0019_tasks_playbooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("accounts", "contacts"):
        op.add_column(table, sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        op.create_index(
            f"ix_{table}_deleted_at",
            table,
            ["deleted_at"],
            postgresql_where=sa.text("deleted_at IS NOT NULL"),
        )
    op.create_index(
        "ix_accounts_live_name", "accounts", ["name", "id"], postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.create_index(
        "ix_contacts_live_account",
        "contacts",
        ["account_id", "id"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_live_account", table_name="contacts")
    op.drop_index("ix_accounts_live_name", table_name="accounts")
    for table in ("contacts", "accounts"):
        op.drop_index(f"ix_{table}_deleted_at", table_name=table)
        op.drop_column(table, "deleted_at")
