"""One account's page: its facts, score history with annotations, latest breakdown, timeline and contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.alerts.queries import alert_timeline
from dashapp.money import Money
from dashapp.tasks.queries import task_timeline
from models.account import Account, Contact, live
from models.activity import AccountDailyMetric
from models.billing import Invoice, Payment
from models.health import AccountHealth, HealthSnapshot
from models.support import SupportTicket
from models.survey import SurveyResponse
from models.user import User

TIMELINE_LIMIT = 60


@dataclass(frozen=True)
class AccountView:
    account: Account
    health: AccountHealth | None
    latest: HealthSnapshot | None
    # ARR in the reporting currency at today's rate (None, with a warning, when a rate is missing).
    arr_reporting: Decimal | None = None
    reporting_currency: str = "USD"
    fx_warnings: tuple[str, ...] = ()
    owner_name: str | None = None


def find_account(session: Session, external_id: str, today: date | None = None) -> AccountView | None:
    if not external_id or len(external_id) > 255:
        return None
    account = session.scalar(select(Account).where(Account.external_id == external_id, live(Account)))
    if account is None:
        return None
    health = session.get(AccountHealth, account.id)
    latest = session.scalar(
        select(HealthSnapshot)
        .where(HealthSnapshot.account_id == account.id)
        .order_by(HealthSnapshot.day.desc())
        .limit(1)
    )
    money = Money.of(session)
    arr = money.to_reporting(account.arr, account.currency, today or date.today())
    owner = session.get(User, account.owner_id) if account.owner_id is not None else None
    return AccountView(
        account,
        health,
        latest,
        arr,
        money.currency,
        tuple(money.warnings),
        owner.display_name if owner else None,
    )


def history(session: Session, account_id: int, start: date, end: date) -> list[dict[str, Any]]:
    stmt = (
        select(
            HealthSnapshot.day,
            HealthSnapshot.score,
            HealthSnapshot.band,
            HealthSnapshot.overridden,
            HealthSnapshot.explanation_text,
        )
        .where(HealthSnapshot.account_id == account_id, HealthSnapshot.day.between(start, end))
        .order_by(HealthSnapshot.day)
    )
    return [r._asdict() for r in session.execute(stmt)]


def _start_ts(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def annotations(session: Session, account_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """Events to mark on the score chart: high/urgent tickets, failed payments, overrides switched on."""
    lo, hi = _start_ts(start), _start_ts(end + timedelta(days=1))
    out: list[dict[str, Any]] = []
    tickets = session.execute(
        select(SupportTicket.opened_at, SupportTicket.subject, SupportTicket.priority).where(
            SupportTicket.account_id == account_id, SupportTicket.opened_at.between(lo, hi)
        )
    )
    for opened, subject, priority in tickets:
        out.append(
            {
                "day": opened.date(),
                "kind": "ticket",
                "label": f"{priority} ticket: {subject or '(no subject)'}",
            }
        )
    payments = session.execute(
        select(Payment.attempted_at, Payment.amount, Payment.currency, Payment.failure_reason)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(
            Invoice.account_id == account_id, Payment.status == "failed", Payment.attempted_at.between(lo, hi)
        )
    )
    for at, amount, currency, reason in payments:
        out.append(
            {
                "day": at.date(),
                "kind": "payment",
                "label": f"Payment of {amount:,.2f} {currency} failed: {reason or 'no reason given'}",
            }
        )
    previous = False
    for row in history(session, account_id, start, end):
        if row["overridden"] and not previous:
            out.append(
                {"day": row["day"], "kind": "override", "label": f"Score overridden to {row['score']:.0f}"}
            )
        previous = row["overridden"]
    return sorted(out, key=lambda a: a["day"])


def timeline(session: Session, account_id: int, limit: int = TIMELINE_LIMIT) -> list[dict[str, Any]]:
    """Usage (weekly), tickets, invoices, survey answers, alerts, notes and closed tasks, newest first."""
    events: list[dict[str, Any]] = []
    week = func.date_trunc("week", AccountDailyMetric.day)
    for start, users, logins, count in session.execute(
        select(
            week,
            func.max(AccountDailyMetric.active_users),
            func.sum(AccountDailyMetric.logins),
            func.sum(AccountDailyMetric.events),
        )
        .where(AccountDailyMetric.account_id == account_id)
        .group_by(week)
        .order_by(week.desc())
        .limit(12)
    ):
        events.append(
            {
                "at": start,
                "kind": "usage",
                "text": f"Week of {start:%d %b}: {users} active users (peak day), {logins} logins, {count} events",
            }
        )
    for t in session.scalars(
        select(SupportTicket)
        .where(SupportTicket.account_id == account_id)
        .order_by(SupportTicket.opened_at.desc())
        .limit(limit)
    ):
        csat = f", CSAT {t.csat}" if t.csat else ""
        events.append(
            {
                "at": t.opened_at,
                "kind": "ticket",
                "text": f"{t.priority.capitalize()} ticket ({t.status}{csat}): {t.subject or '(no subject)'}",
            }
        )
    for inv in session.scalars(
        select(Invoice)
        .where(Invoice.account_id == account_id)
        .order_by(Invoice.issued_at.desc())
        .limit(limit)
    ):
        events.append(
            {
                "at": inv.issued_at,
                "kind": "invoice",
                "text": f"Invoice {inv.external_id}: {inv.amount:,.2f} {inv.currency}, {inv.status}",
            }
        )
    for s in session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.account_id == account_id)
        .order_by(SurveyResponse.responded_at.desc())
        .limit(limit)
    ):
        comment = f": “{s.comment}”" if s.comment else ""
        events.append(
            {"at": s.responded_at, "kind": "survey", "text": f"{s.kind.upper()} {s.score}{comment}"}
        )

    events.extend(alert_timeline(session, account_id, limit))
    events.extend(task_timeline(session, account_id, limit))

    def key(e: dict[str, Any]) -> datetime:
        at = e["at"]
        return at if isinstance(at, datetime) else _start_ts(at)

    for e in events:
        e["at"] = key(e)
    return sorted(events, key=lambda e: e["at"], reverse=True)[:limit]


def contacts(session: Session, account_id: int) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact)
            .where(Contact.account_id == account_id, live(Contact))
            .order_by(Contact.last_seen_at.desc().nulls_last(), Contact.name)
            .limit(100)
        )
    )


def measure_changes(session: Session, latest: HealthSnapshot | None) -> dict[str, Any]:
    """Each measure of the latest snapshot beside the snapshot its explanation compares with (a month
    back, else the previous one): value and contribution before and after, and its cited effect."""
    if latest is None:
        return {"since": None, "rows": []}
    explanation = latest.explanation or {}
    which = "month" if explanation.get("month_day") else "previous"
    since = explanation.get(f"{which}_day")
    earlier = session.get(HealthSnapshot, (latest.account_id, date.fromisoformat(since))) if since else None
    before = {m.get("key"): m for m in (earlier.measures if earlier else [])}
    cited = {m["key"]: m.get("delta") for m in explanation.get(which, [])}
    rows = []
    for m in latest.measures or []:
        then = before.get(m.get("key"), {})
        rows.append(
            {
                "key": m.get("key"),
                "label": m.get("label") or m.get("key"),
                "before": then.get("raw"),
                "after": m.get("raw"),
                "contribution_before": then.get("contribution"),
                "contribution_after": m.get("contribution"),
                "effect": cited.get(m.get("key")),
            }
        )
    return {"since": date.fromisoformat(since) if since else None, "rows": rows}
