"""Scheduled reports: emailed to a real SMTP server (aiosmtpd on loopback) with the PDF attached, once per
period; a failing server gives a recorded, retried failure."""

from __future__ import annotations

import email
import shutil
import socket
import subprocess
from collections.abc import Iterator
from datetime import date
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from rq import Retry
from sqlalchemy import select

from components.format import format_count
from dashapp.filters import Filters
from dashapp.queries import overview as overview_q
from dashapp.reports import service
from dashapp.saved_views import save_view
from dashapp.settings import Settings
from dashapp.users import set_active
from jobs.reports import enqueue_delivery, send_due_reports
from models.db import Database
from models.export import ReportDelivery, ReportSchedule
from models.job import JobRun
from models.user import User
from tests.exports.conftest import seed, work
from tests.support.factories import make_user

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SENDER", "reports@example.test")
    yield inbox
    controller.stop()


def _schedule(db: Database, owner_id: int, **kw) -> int:
    with db.transaction() as session:
        kw.setdefault("allowed_domains", ("example.test",))
        schedule = service.create_schedule(session, session.get(User, owner_id), **kw)
        return schedule.id


@needs_poppler
def test_a_weekly_report_is_emailed_once_with_the_pdf(
    xsettings: Settings, xdb: Database, smtp: Inbox, tmp_path: Path
) -> None:
    book = seed(xdb, 30)
    with xdb.transaction() as session:
        view = save_view(
            session, session.get(User, book.owner.id), name="SMB book", page="/", query="segment=smb"
        )
        view_id = view.id
    schedule_id = _schedule(
        xdb,
        book.owner.id,
        name="SMB weekly",
        frequency="weekly",
        recipients="cs-lead@example.test, vp@example.test",
        view_id=view_id,
    )
    with xdb.transaction() as session:
        send_due_reports.__wrapped__()  # what the hourly periodic job does: enqueue what is due
        kpis = overview_q.kpis(session, Filters(segment=("smb",)))
    work(xsettings, "reports")
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "cs-lead@example.test, vp@example.test"
    assert message["From"] == "reports@example.test"
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert "https://health.example.test/?segment=smb" in body.decode()
    attachment = next(p for p in message.walk() if p.get_content_type() == "application/pdf")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(attachment.get_payload(decode=True))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "SMB weekly" in text and "Band migration since" in text and "Accounts at risk" in text
    assert "Revenue impact by band" in text
    assert format_count(kpis.accounts) in text and f"{kpis.avg_score:.1f}" in text
    with xdb.transaction() as session:
        delivery = session.scalar(select(ReportDelivery).where(ReportDelivery.schedule_id == schedule_id))
        assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at is not None
        period = delivery.period
    # Asking again for the same period (a retry, a second scheduler tick) sends nothing.
    with xdb.transaction():
        send_due_reports.__wrapped__()
    enqueue_delivery(xsettings, xdb, schedule_id, period)
    work(xsettings, "reports")
    assert len(smtp.messages) == 1


def test_a_failing_smtp_server_gives_a_recorded_retried_failure(
    xsettings: Settings, xdb: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = seed(xdb, 6)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(_free_port()))  # nothing listens there
    schedule_id = _schedule(
        xdb, book.owner.id, name="Whole book", frequency="monthly", recipients=["a@example.test"]
    )
    run = enqueue_delivery(xsettings, xdb, schedule_id, "2026-11", retry=Retry(max=1, interval=0))
    work(xsettings, "reports")
    with xdb.transaction() as session:
        delivery = session.scalar(select(ReportDelivery).where(ReportDelivery.schedule_id == schedule_id))
        assert delivery.status == "failed"
        assert delivery.attempts == 2  # the first try and one retry
        assert "attempt 2: ConnectionRefusedError" in (delivery.error or "")
        job = session.get(JobRun, run.id)
        assert job.status == "failed" and job.attempts == 2
        assert "ConnectionRefusedError" in (job.error or "")


def test_schedules_refuse_bad_input_and_can_be_paused(xsettings: Settings, xdb: Database) -> None:
    book = seed(xdb, 3)
    with xdb.transaction() as session:
        owner = session.get(User, book.owner.id)
        with pytest.raises(service.ReportError, match="'not-an-address' is not an email address"):
            service.create_schedule(session, owner, name="x", frequency="weekly", recipients="not-an-address")
        with pytest.raises(service.ReportError, match="frequency"):
            service.create_schedule(session, owner, name="x", frequency="daily", recipients="a@example.test")
        schedule = service.create_schedule(
            session,
            owner,
            name="x",
            frequency="weekly",
            recipients="a@example.test",
            allowed_domains=("example.test",),
        )
        service.set_paused(session, owner, schedule.id, True)
        other = session.get(User, book.other.id)
        with pytest.raises(service.ReportError, match="not yours"):
            service.set_paused(session, other, schedule.id, False)
    with xdb.transaction() as session:
        assert service.due(session, date.today()) == []
        assert session.get(ReportSchedule, schedule.id).paused


def test_recipients_are_users_or_in_an_allowed_domain(xsettings: Settings, xdb: Database) -> None:
    book = seed(xdb, 3)
    with xdb.transaction() as session:
        viewer = make_user(session, role="viewer")
        colleague = make_user(session, role="csm", email="colleague@elsewhere.test")
        with pytest.raises(service.ReportError, match=r"recipients: .*attacker@evil\.test"):
            service.create_schedule(
                session,
                viewer,
                name="Book",
                frequency="weekly",
                recipients="attacker@evil.test",
                allowed_domains=xsettings.report_recipient_domains,
            )
        schedule = service.create_schedule(
            session,
            viewer,
            name="Book",
            frequency="weekly",
            recipients=f"{colleague.email}, lead@example.test",
            allowed_domains=xsettings.report_recipient_domains,
        )
        assert schedule.recipients == [colleague.email, "lead@example.test"]
        owner = session.get(User, book.owner.id)
        assert owner is not None


def test_reports_stop_when_their_owner_is_deactivated(
    xsettings: Settings, xdb: Database, smtp: Inbox
) -> None:
    book = seed(xdb, 3)
    schedule_id = _schedule(
        xdb, book.owner.id, name="Whole book", frequency="monthly", recipients=["a@example.test"]
    )
    with xdb.transaction() as session:
        set_active(session, session.get(User, book.owner.id), False)
    with xdb.transaction() as session:
        assert all(sid != schedule_id for sid, _ in service.due(session, date.today()))
    enqueue_delivery(xsettings, xdb, schedule_id, "2026-11")
    work(xsettings, "reports")
    assert smtp.messages == []
