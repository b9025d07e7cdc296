"""`healthdash notify ...` with a controlled clock, and the periodic entries of notifications."""

from __future__ import annotations

from jobs import notify
from jobs.schedule import SCHEDULE
from tests.support.cli import healthdash, one_line_error


def test_the_sweep_and_digests_run_every_minute_and_hour() -> None:
    entries = {p.name: p for p in SCHEDULE}
    assert entries["notify-sweep"].func is notify.sweep and entries["notify-sweep"].cron == "* * * * *"
    assert (
        entries["notify-digests"].func is notify.send_digests and entries["notify-digests"].queue == "notify"
    )


def test_cli_send_due_and_digests_at_a_given_time(test_env: dict[str, str]) -> None:
    result = healthdash(test_env, "notify", "send-due", "--now", "2026-12-07T09:00:00+00:00")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Notifications: none. Webhook attempts: none."
    digests = healthdash(test_env, "notify", "digests", "--now", "2026-12-07T09:00:00")
    assert digests.returncode == 0 and digests.stdout.strip() == "0 digest(s) sent, 0 failed."
    assert "--now" in one_line_error(healthdash(test_env, "notify", "send-due", "--now", "tomorrow"))
