"""The navbar bell in headless Chromium: a signed failed-payment webhook for a CSM's account makes their
unread count rise without a reload (server-sent events fed by Redis pub/sub), and the alert links to the
account; acknowledging an alert drops the bells of everyone it counted for, also without a reload."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe
from sqlalchemy import func, select

from models.alert import Alert, AlertEvent
from models.db import Database
from tests.alerts.support import make_rule
from tests.support.factories import make_account, make_user
from tests.support.live_server import LiveServer
from tests.ui.conftest import ARTIFACTS, DESKTOP, ui_login

STRIPE_SECRET = "whsec_bell_test_secret"


@pytest.fixture(scope="module")
def live_server(test_env: dict[str, str], browser: Any) -> Iterator[LiveServer]:
    """The app with Stripe webhooks configured, and one RQ worker (as `healthdash worker` runs it)."""
    env = {**test_env, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "alert-bell-worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli.entry", "worker", "--queue", "default"],
        env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with LiveServer(env, log_path=ARTIFACTS / "alert-bell-server.log", workers=1) as server:
            yield server
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


def _post_failed_payment(url: str) -> dict:
    event = {
        "id": "evt_bell_1", "object": "event", "type": "invoice.payment_failed", "created": int(time.time()),
        "data": {"object": {"id": "in_bell_1", "object": "invoice", "customer": "cus_bell", "currency": "usd",
                            "total": 9900, "attempt_count": 1, "metadata": {"account_external_id": "acct-bell"}}},
    }  # fmt: skip
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, STRIPE_SECRET)
    request = urllib.request.Request(
        f"{url}/webhooks/stripe",
        data=payload.encode(),
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_failed_payment_webhook_raises_the_bell_without_a_reload(
    page: Any, live_server: LiveServer, live_db: Database
) -> None:
    with live_db.transaction() as session:
        csm = make_user(session, role="csm")
        make_account(session, external_id="acct-bell", name="Bell Industries", owner_id=csm.id)
        make_rule(session, "payment_failed", {"within_days": 7}, name="Card declined")
        email = csm.email
    ui_login(page, email)
    badge = page.locator("#alert-bell-count")
    # The stream has said hello (count 0) before the payment fails.
    page.wait_for_function("document.getElementById('alert-bell-count')?.dataset.count === '0'")
    page.evaluate("window.__noReload = true")
    assert _post_failed_payment(live_server.url)["status"] == "processed"
    page.wait_for_function(
        "document.getElementById('alert-bell-count')?.dataset.count === '1'", timeout=5_000
    )
    assert badge.inner_text() == "1"
    assert page.evaluate("window.__noReload") is True  # the same page: no reload happened
    page.locator("#alert-bell").click()
    link = page.locator("#alerts-table a.alert-account")
    link.wait_for()
    assert link.inner_text() == "Bell Industries"
    link.click()
    page.wait_for_url("**/accounts/acct-bell")
    _wait_for_dispatch(live_db)


def _wait_for_dispatch(live_db: Database, seconds: float = 60.0) -> None:
    """Let the worker finish dispatching the alert's events before the test's rows are truncated (a job
    still reading them then deadlocks with the TRUNCATE)."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        with live_db.transaction() as session:
            waiting = session.scalar(select(func.count()).where(AlertEvent.processed_at.is_(None)))
        if not waiting:
            return
        time.sleep(0.5)


def _context_tab(browser: Any, live_server: LiveServer) -> Any:
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(120_000)
    return context.new_page()


def _count_is(tab: Any, count: int, timeout: int = 10_000) -> None:
    tab.wait_for_function(
        f"document.getElementById('alert-bell-count')?.dataset.count === '{count}'", timeout=timeout
    )


def test_acknowledging_drops_the_bells_of_everyone_it_concerned_without_a_reload(
    page: Any, browser: Any, live_server: LiveServer, live_db: Database
) -> None:
    """A manager acknowledges an alert that escalated to them: their bell and the CSM's (another browser)
    drop within seconds, neither page reloads."""
    now = datetime.now(UTC)
    with live_db.transaction() as session:
        manager = make_user(session, role="manager")
        csm = make_user(session, role="csm", manager_id=manager.id)
        account = make_account(session, external_id="acct-drop", name="Drop Ltd", owner_id=csm.id)
        rule = make_rule(session, "score_below", {"threshold": 40}, name="Low score", severity="critical")
        alert = Alert(rule_id=rule.id, account_id=account.id, state="open", severity="critical",
                      title="Score below 40", recipient_ids=[csm.id], opened_at=now - timedelta(hours=5))  # fmt: skip
        session.add(alert)
        session.flush()
        session.add(AlertEvent(alert_id=alert.id, kind="escalated", recipient_ids=[manager.id],
                               details={"step": 1, "target": "manager"}, created_at=now, processed_at=now))  # fmt: skip
        emails = (manager.email, csm.email)
    other = _context_tab(browser, live_server)
    try:
        ui_login(other, emails[1])
        _count_is(other, 1, timeout=30_000)
        other.evaluate("window.__noReload = true")
        ui_login(page, emails[0])
        _count_is(page, 1, timeout=30_000)  # escalated to the manager: it counts in their bell
        page.locator("#alert-bell").click()
        row = page.locator("#alerts-table .alert-row", has_text="Drop Ltd")
        row.wait_for()
        page.evaluate("window.__noReload = true")
        row.get_by_label("Select: Low score on Drop Ltd").check()
        page.get_by_role("button", name="Acknowledge selected").click()
        page.wait_for_selector("#alerts-action-result:has-text('1 alert(s) acknowledged')")
        _count_is(page, 0)
        _count_is(other, 0)
        assert page.locator("#alert-bell-count").is_hidden()
        assert page.evaluate("window.__noReload") is True
        assert other.evaluate("window.__noReload") is True
    finally:
        other.context.close()
