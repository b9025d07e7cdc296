"""tasks and playbooks: playbooks and their steps, tasks, account notes, alert_rules.playbook_id

Revision ID: 0019_tasks_playbooks
Revises: 0018_alert_escalation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_tasks_playbooks"
down_revision: str | None = "0018_alert_escalation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The shipped playbooks: (name, description, the default alert rule that runs it, [(title, due days)]).
PLAYBOOKS = [
    (
        "Payment failed",
        "Recover a failed payment before it becomes churn.",
        "Payment failed",
        [("Email the billing contact", 1), ("Call the sponsor", 2)],
    ),
    (
        "Account turned red",
        "Find out why health fell and agree what happens next.",
        "Band changed to red",
        [("Review usage and recent tickets", 1), ("Call the sponsor", 3), ("Agree a recovery plan", 7)],
    ),
]


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "playbooks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbooks")),
        sa.UniqueConstraint("name", name=op.f("uq_playbooks_name")),
    )
    op.create_table(
        "playbook_steps",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("playbook_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "due_days >= 0 AND due_days <= 365", name=op.f("ck_playbook_steps_due_days_range")
        ),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbooks.id"],
            name=op.f("fk_playbook_steps_playbook_id_playbooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_steps")),
        sa.UniqueConstraint("playbook_id", "position", name=op.f("uq_playbook_steps_playbook_id_position")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=16), server_default="manual", nullable=False),
        sa.Column("alert_id", sa.BigInteger(), nullable=True),
        sa.Column("playbook_step_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by_id", sa.BigInteger(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f("ck_tasks_status")),
        sa.CheckConstraint("source IN ('manual', 'playbook')", name=op.f("ck_tasks_source")),
        sa.CheckConstraint(
            "(status = 'open') = (closed_at IS NULL)", name=op.f("ck_tasks_closed_when_not_open")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tasks_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_tasks_alert_id_alerts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_tasks_assignee_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_tasks_closed_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_tasks_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["playbook_step_id"],
            ["playbook_steps.id"],
            name=op.f("fk_tasks_playbook_step_id_playbook_steps"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("alert_id", "playbook_step_id", name=op.f("uq_tasks_alert_id_playbook_step_id")),
    )
    op.create_index("ix_tasks_account_status", "tasks", ["account_id", "status"], unique=False)
    op.create_index(
        "ix_tasks_assignee_status_due", "tasks", ["assignee_id", "status", "due_date"], unique=False
    )
    op.create_index(op.f("ix_tasks_closed_by_id"), "tasks", ["closed_by_id"], unique=False)
    op.create_index(op.f("ix_tasks_created_by_id"), "tasks", ["created_by_id"], unique=False)
    op.create_index(
        "ix_tasks_open_due", "tasks", ["due_date"], unique=False, postgresql_where=sa.text("status = 'open'")
    )
    op.create_index(op.f("ix_tasks_playbook_step_id"), "tasks", ["playbook_step_id"], unique=False)
    op.create_table(
        "account_notes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_notes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_account_notes_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_notes")),
    )
    op.create_index(
        "ix_account_notes_account_created", "account_notes", ["account_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_account_notes_author_id"), "account_notes", ["author_id"], unique=False)
    op.add_column("alert_rules", sa.Column("playbook_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_alert_rules_playbook_id"), "alert_rules", ["playbook_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_alert_rules_playbook_id_playbooks"),
        "alert_rules",
        "playbooks",
        ["playbook_id"],
        ["id"],
        ondelete="SET NULL",
    )
    _seed()


def _seed() -> None:
    """The shipped playbooks, each run by its shipped default rule (edit or detach them through the API)."""
    conn = op.get_bind()
    for name, description, rule, steps in PLAYBOOKS:
        playbook_id = conn.execute(
            sa.text(
                "INSERT INTO playbooks (name, description, is_default) VALUES (:name, :description, true) "
                "RETURNING id"
            ),
            {"name": name, "description": description},
        ).scalar_one()
        for position, (title, days) in enumerate(steps, start=1):
            conn.execute(
                sa.text(
                    "INSERT INTO playbook_steps (playbook_id, position, title, due_days) "
                    "VALUES (:playbook_id, :position, :title, :days)"
                ),
                {"playbook_id": playbook_id, "position": position, "title": title, "days": days},
            )
        conn.execute(
            sa.text(
                "UPDATE alert_rules SET playbook_id = :playbook_id "
                "WHERE is_default AND name = :rule AND playbook_id IS NULL"
            ),
            {"playbook_id": playbook_id, "rule": rule},
        )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_alert_rules_playbook_id_playbooks"), "alert_rules", type_="foreignkey")
    op.drop_index(op.f("ix_alert_rules_playbook_id"), table_name="alert_rules")
    op.drop_column("alert_rules", "playbook_id")
    op.drop_index(op.f("ix_account_notes_author_id"), table_name="account_notes")
    op.drop_index("ix_account_notes_account_created", table_name="account_notes")
    op.drop_table("account_notes")
    op.drop_index(op.f("ix_tasks_playbook_step_id"), table_name="tasks")
    op.drop_index("ix_tasks_open_due", table_name="tasks", postgresql_where=sa.text("status = 'open'"))
    op.drop_index(op.f("ix_tasks_created_by_id"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_closed_by_id"), table_name="tasks")
    op.drop_index("ix_tasks_assignee_status_due", table_name="tasks")
    op.drop_index("ix_tasks_account_status", table_name="tasks")
    op.drop_table("tasks")
    op.drop_table("playbook_steps")
    op.drop_table("playbooks")
