"""Fan-out of N alerts (default 1,000) to email and webhooks, with local receivers (aiosmtpd and an HTTP
server on loopback): time from recording the notifications to the last delivery, against a baseline of the
same number of bare sends (smtplib and urllib3, no database, no signing).

    python -m benchmarks.notify_fanout [--alerts N] [--quick]

Each alert goes to its own user by email and, as `alert.opened`, to one webhook endpoint. The scratch
database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import smtplib
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import urllib3

from benchmarks import figure, ratio
from dashapp import migrate
from dashapp.notify import dispatch, runner, webhooks
from dashapp.notify.endpoints import create_endpoint
from dashapp.notify.message import Item, Notification
from dashapp.settings import Settings
from dashapp.users import create_user
from models.db import Database
from tests.notify.servers import recording_server, smtp_server
from tests.support.database import create_test_database, drop_database


def _baseline(n: int, smtp_port: int, url: str) -> float:
    started = time.perf_counter()
    http = urllib3.PoolManager()
    for i in range(n):
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = f"Alert {i}", "a@example.test", "b@example.test"
        message.set_content("x")
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            smtp.send_message(message)
        http.request("POST", url, body=b"{}", headers={"Content-Type": "application/json"})
    return time.perf_counter() - started


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="notify_fanout")
    parser.add_argument("--alerts", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="100 alerts")
    args = parser.parse_args(argv)
    n = 100 if args.quick else args.alerts
    server_url = Settings.from_env().database_url
    if not server_url:
        raise SystemExit("set DATABASE_URL to a PostgreSQL server for this benchmark")
    url = create_test_database(server_url, prefix="hd_bench_notify")
    try:
        migrate.upgrade(url)
        db = Database(url)
        with smtp_server() as (inbox, port), recording_server() as receiver:
            settings = Settings.from_env().with_overrides(
                database_url=url, smtp_host="127.0.0.1", smtp_port=port, outbound_allow_loopback=True
            )
            with db.transaction() as session:
                users = [
                    create_user(session, email=f"u{i}@example.test", password="benchmark-pass", role="csm")
                    for i in range(n)
                ]
                create_endpoint(session, users[0], url=receiver.url + "/hooks", events=["alert.opened"])
                user_ids = [u.id for u in users]
            started = time.perf_counter()
            now = datetime.now(UTC)
            with db.transaction() as session:
                email_ids: list[int] = []
                hook_ids: list[int] = []
                for i, user_id in enumerate(user_ids):
                    note = Notification(
                        kind="alert.opened",
                        title=f"Alert {i}",
                        severity="critical",
                        items=(Item(i, f"Account {i}", "payment failed"),),
                    )
                    email_ids += dispatch.notify(session, [user_id], note, now=now)
                    hook_ids += webhooks.emit_webhook_event(session, "alert.opened", {"alert_id": i}, now=now)
            recorded = time.perf_counter() - started
            summary = runner.send_notifications(db, settings, email_ids, now=now)
            runner.send_webhooks(db, settings, hook_ids, now=now, summary=summary)
            total = time.perf_counter() - started
            delivered = (len(inbox.messages), len(receiver.requests))
            baseline = _baseline(n, port, receiver.url + "/baseline")
        db.engine.dispose()
    finally:
        drop_database(url)
    return {
        "alerts": n,
        "delivered (emails, webhooks)": f"{delivered[0]}, {delivered[1]}",
        "record notifications and events": figure(round(recorded, 3), "s"),
        "time to last delivery": figure(round(total, 3), "s", "recording included"),
        "per alert (email + webhook)": figure(round(total / n * 1000, 2), "ms"),
        "bare sends (baseline)": figure(round(baseline, 3), "s"),
        "against bare sends": ratio(total, baseline),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
