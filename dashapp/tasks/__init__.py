"""Tasks, playbooks and account notes: the work a CSM does on an account, and what they wrote down.

- `service`: create and close tasks, with who may (`dashapp.ownership.actable_accounts`); add notes.
- `queries`: the filtered task list (mine, team, overdue, account, status), notes, timeline entries.
- `playbooks`: the playbooks, and turning opened alerts into their steps as tasks (set-based, idempotent).
- `events`: the `task.created` webhook event.
No Flask, no Dash; everything writes in the caller's transaction.
"""
