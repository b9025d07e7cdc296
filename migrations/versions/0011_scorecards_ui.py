"""health_band_counts (per day and band, kept exact by triggers on health_snapshots); covering index for band history

Revision ID: 0011_scorecards_ui
Revises: 0010_churn
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_scorecards_ui"
down_revision: str | None = "0010_churn"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One upsert of (day, band) deltas per statement. Rows are taken in (day, band) order so concurrent
# writers lock the counters in the same order (no deadlocks). plpgsql resolves table names when a statement
# first runs, so each operation gets a function naming only the transition tables that operation has.
ADDED = "SELECT day, band, 1 AS n, score AS s FROM new_rows"
REMOVED = "SELECT day, band, -1 AS n, -score AS s FROM old_rows"


def _function(name: str, parts: list[str]) -> str:
    delta = "\n        UNION ALL\n        ".join(parts) if parts else "SELECT NULL::date, NULL::text, 0, 0.0"
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM health_band_counts;
        RETURN NULL;
    END IF;
    INSERT INTO health_band_counts AS c (day, band, accounts, score_sum)
    SELECT day, band, sum(n), sum(s) FROM (
        {delta}
    ) AS delta (day, band, n, s)
    GROUP BY day, band
    HAVING sum(n) <> 0 OR sum(s) <> 0
    ORDER BY day, band
    ON CONFLICT (day, band) DO UPDATE
        SET accounts = c.accounts + excluded.accounts, score_sum = c.score_sum + excluded.score_sum;
    RETURN NULL;
END $$;
"""


FUNCTIONS = {
    "health_band_counts_insert": [ADDED],
    "health_band_counts_update": [ADDED, REMOVED],
    "health_band_counts_delete": [REMOVED],
    "health_band_counts_truncate": [],
}

TRIGGERS = """
CREATE TRIGGER health_band_counts_ins AFTER INSERT ON health_snapshots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION health_band_counts_insert();
CREATE TRIGGER health_band_counts_upd AFTER UPDATE ON health_snapshots
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION health_band_counts_update();
CREATE TRIGGER health_band_counts_del AFTER DELETE ON health_snapshots
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION health_band_counts_delete();
CREATE TRIGGER health_band_counts_trunc AFTER TRUNCATE ON health_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION health_band_counts_truncate();
"""


def upgrade() -> None:
    op.create_table(
        "health_band_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("accounts", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("score_sum", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("day", "band", name=op.f("pk_health_band_counts")),
    )
    op.create_index(
        "ix_health_snapshots_account_day_band",
        "health_snapshots",
        ["account_id", "day"],
        postgresql_include=["band", "score"],
    )
    op.execute("LOCK TABLE health_snapshots IN SHARE MODE")
    op.execute(
        "INSERT INTO health_band_counts (day, band, accounts, score_sum) "
        "SELECT day, band, count(*), sum(score) FROM health_snapshots GROUP BY day, band"
    )
    for name, parts in FUNCTIONS.items():
        op.execute(_function(name, parts))
    op.execute(TRIGGERS)


def downgrade() -> None:
    for name in ("ins", "upd", "del", "trunc"):
        op.execute(f"DROP TRIGGER IF EXISTS health_band_counts_{name} ON health_snapshots")
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("health_band_counts")
    op.drop_index("ix_health_snapshots_account_day_band", table_name="health_snapshots")
