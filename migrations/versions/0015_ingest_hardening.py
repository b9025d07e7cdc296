"""write_keys.account_fields (what a key's group calls may change) and account_changes (every account change,
with its source), kept by statement triggers on accounts

Revision ID: 0015_ingest_hardening
Revises: 0014_session_revocation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_ingest_hardening"
down_revision: str | None = "0014_session_revocation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_FIELDS = "'{name,domain,segment,plan,industry,region,custom}'::varchar(64)[]"
# Source and actor come from the writer's transaction (models.audit.set_change_source).
SOURCE = "coalesce(nullif(current_setting('healthdash.change_source', true), ''), 'system')"
ACTOR = "coalesce(nullif(current_setting('healthdash.change_actor', true), ''), 'system')"
SKIPPED = "('id', 'created_at', 'updated_at')"

INSERTED = f"""
CREATE FUNCTION account_changes_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_changes (account_id, field, old_value, new_value, source, actor)
    SELECT n.id, '(created)', NULL, to_jsonb(n) - 'created_at' - 'updated_at', {SOURCE}, {ACTOR}
    FROM new_rows n ORDER BY n.id;
    RETURN NULL;
END $$;
"""

UPDATED = f"""
CREATE FUNCTION account_changes_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_changes (account_id, field, old_value, new_value, source, actor)
    SELECT n.id, f.key, to_jsonb(o) -> f.key, f.value, {SOURCE}, {ACTOR}
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    CROSS JOIN LATERAL jsonb_each(to_jsonb(n)) AS f
    WHERE f.key NOT IN {SKIPPED} AND (to_jsonb(o) -> f.key) IS DISTINCT FROM f.value
    ORDER BY n.id, f.key;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.add_column(
        "write_keys",
        sa.Column(
            "account_fields",
            postgresql.ARRAY(sa.String(length=64)),
            server_default=sa.text(DEFAULT_FIELDS),
            nullable=False,
        ),
    )
    op.create_table(
        "account_changes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new_value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_changes_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_changes")),
    )
    op.create_index("ix_account_changes_account_at", "account_changes", ["account_id", "at"], unique=False)
    op.create_index(op.f("ix_account_changes_source"), "account_changes", ["source"], unique=False)
    op.execute(INSERTED)
    op.execute(UPDATED)
    op.execute(
        "CREATE TRIGGER accounts_changes_inserted AFTER INSERT ON accounts REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION account_changes_inserted()"
    )
    op.execute(
        "CREATE TRIGGER accounts_changes_updated AFTER UPDATE ON accounts "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION account_changes_updated()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS accounts_changes_updated ON accounts")
    op.execute("DROP TRIGGER IF EXISTS accounts_changes_inserted ON accounts")
    op.execute("DROP FUNCTION IF EXISTS account_changes_updated()")
    op.execute("DROP FUNCTION IF EXISTS account_changes_inserted()")
    op.drop_index(op.f("ix_account_changes_source"), table_name="account_changes")
    op.drop_index("ix_account_changes_account_at", table_name="account_changes")
    op.drop_table("account_changes")
    op.drop_column("write_keys", "account_fields")
