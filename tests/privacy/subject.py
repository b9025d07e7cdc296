"""A contact with a bit of everything stored about them (and a colleague who must be left alone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from models.account import Contact
from models.activity import AccountDailyMetric, UsageEvent
from models.audit import record
from models.billing import Invoice, Payment
from models.ingest import WebhookEvent
from models.support import SupportTicket
from models.survey import SurveyResponse
from tests.support.factories import make_account

EMAIL = "Ada.Quillzent@Example.org"
NAME = "Ada Quillzent"
EXTERNAL = "user-ada-1815"


@dataclass
class Subject:
    account_id: int
    account_external_id: str
    contact_id: int
    colleague_id: int


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 9, 0, tzinfo=UTC)


def make_subject(session: Session, prefix: str = "p") -> Subject:
    account = make_account(session, external_id=f"{prefix}-acct", name="Analytical Engines Ltd")
    ada = Contact(
        account_id=account.id,
        external_id=EXTERNAL if prefix == "p" else f"{prefix}-{EXTERNAL}",
        email=EMAIL,
        name=NAME,
        title="=Countess",
        traits={"phone": "+44 20 7946 0000", "plan_role": "owner", "nickname": "Ada"},
    )
    colleague = Contact(
        account_id=account.id, external_id=f"{prefix}-babbage", email="charles@example.org", name="Charles B"
    )
    session.add_all([ada, colleague])
    session.flush()
    for n in range(3):
        session.add(
            UsageEvent(
                message_id=f"{prefix}-ada-{n}",
                account_id=account.id,
                account_external_id=account.external_id,
                contact_id=ada.id,
                user_external_id=ada.external_id,
                event="report.viewed",
                occurred_at=at(n + 1),
                properties={"email": EMAIL, "report": "weekly", "note": f"shared by {NAME}", "n": n},
            )
        )
    session.add(
        UsageEvent(
            message_id=f"{prefix}-charles-0",
            account_id=account.id,
            contact_id=colleague.id,
            user_external_id=colleague.external_id,
            event="login",
            occurred_at=at(2),
            properties={"email": "charles@example.org"},
        )
    )
    session.add(AccountDailyMetric(account_id=account.id, day=at(1).date(), active_users=2, events=4))
    session.add(
        SupportTicket(
            external_id=f"{prefix}-t1",
            account_id=account.id,
            contact_id=ada.id,
            subject=f"Invoice question from {NAME}",
            opened_at=at(3),
            csat=4,
        )
    )
    session.add(
        SurveyResponse(
            external_id=f"{prefix}-s1",
            account_id=account.id,
            contact_id=ada.id,
            kind="nps",
            score=9,
            comment="Love it. Write to me at ada.quillzent@example.org",
            responded_at=at(4),
        )
    )
    invoice = Invoice(
        external_id=f"{prefix}-inv1",
        account_id=account.id,
        amount=Decimal("120.50"),
        status="paid",
        issued_at=at(5),
    )
    session.add(invoice)
    session.flush()
    session.add(
        Payment(
            external_id=f"{prefix}-pay1",
            invoice_id=invoice.id,
            amount=Decimal("120.50"),
            status="succeeded",
            attempted_at=at(5),
        )
    )
    session.add(
        WebhookEvent(
            source="zendesk",
            event_id=f"{prefix}-wh1",
            type="ticket.created",
            status="processed",
            account_ref=account.external_id,
            payload={"requester": {"email": EMAIL.lower(), "name": NAME}, "ticket": {"priority": "high"}},
        )
    )
    record(
        session,
        actor_id=None,
        actor="system",
        action="contacts.update",
        object_type="contact",
        object_id=ada.id,
        details={"email": EMAIL, "field": "title"},
    )
    session.flush()
    return Subject(account.id, account.external_id, ada.id, colleague.id)
