"""Each rule kind as SQL over the whole book: `accounts LEFT JOIN account_health`, no per-account loop.

A kind gives two conditions: `opens` (when a new alert may open) and `holds` (while an open alert stays
open; when it stops holding the alert resolves itself). They differ only where "entering" a state matters
(a band change opens on entering the band and holds while the account stays in it). `details` are the
facts stored on the alert, as SQL expressions evaluated in the same statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Text, and_, cast, exists, func, literal, select, true

from dashapp.alerts import rules as r
from dashapp.filters import Filters
from dashapp.filters import conditions as filter_conditions
from models.account import Account
from models.activity import AccountDailyMetric
from models.billing import Invoice, Payment
from models.churn import ChurnModel, ChurnScore
from models.health import AccountHealth, HealthSnapshot
from models.support import SupportTicket
from models.survey import SurveyResponse

OPEN_TICKETS = ("new", "open", "pending")
UNPAID = ("open", "failed")


@dataclass(frozen=True)
class KindSql:
    opens: ColumnElement[bool]
    holds: ColumnElement[bool]
    details: dict[str, Any] = field(default_factory=dict)


def _same(condition: ColumnElement[bool], **details: Any) -> KindSql:
    return KindSql(condition, condition, details)


def _score_below(p: r.ScoreBelow, now: datetime, today: date) -> KindSql:
    return _same(
        AccountHealth.score < p.threshold,
        score=AccountHealth.score,
        threshold=cast(literal(p.threshold), Float),
    )


def _band_changed(p: r.BandChanged, now: datetime, today: date) -> KindSql:
    in_band = AccountHealth.band == p.to
    before = exists().where(
        HealthSnapshot.account_id == Account.id,
        HealthSnapshot.day < AccountHealth.day,
        HealthSnapshot.day >= AccountHealth.day - p.within_days,
        HealthSnapshot.band != p.to,
    )
    return KindSql(and_(in_band, before), in_band, {"band": AccountHealth.band, "score": AccountHealth.score})


def _score_drop(p: r.ScoreDrop, now: datetime, today: date) -> KindSql:
    past = (
        select(HealthSnapshot.score)
        .where(HealthSnapshot.account_id == Account.id, HealthSnapshot.day <= AccountHealth.day - p.days)
        .order_by(HealthSnapshot.day.desc())
        .limit(1)
        .scalar_subquery()
    )
    change = AccountHealth.score - past
    return _same(change <= -p.points, score=AccountHealth.score, previous=past, change=change)


def _churn_probability(p: r.ChurnProbability, now: datetime, today: date) -> KindSql:
    active = select(ChurnModel.id).where(ChurnModel.is_active).scalar_subquery()
    probability = (
        select(ChurnScore.probability)
        .where(ChurnScore.model_id == active, ChurnScore.account_id == Account.id)
        .scalar_subquery()
    )
    return _same(probability >= p.probability, probability=probability)


def _payment_failed(p: r.PaymentFailed, now: datetime, today: date) -> KindSql:
    failed = (
        select(Invoice.external_id)
        .join(Payment, Payment.invoice_id == Invoice.id)
        .where(
            Invoice.account_id == Account.id,
            Invoice.status.in_(UNPAID),
            Payment.status == "failed",
            Payment.attempted_at > now - timedelta(days=p.within_days),
            Payment.attempted_at <= now,
        )
        .order_by(Payment.attempted_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return _same(failed.is_not(None), invoice=failed)


def _invoice_overdue(p: r.InvoiceOverdue, now: datetime, today: date) -> KindSql:
    oldest_due = (
        select(func.min(Invoice.due_at))
        .where(
            Invoice.account_id == Account.id,
            Invoice.status.in_(UNPAID),
            Invoice.due_at <= now - timedelta(days=p.days),
        )
        .scalar_subquery()
    )
    return _same(oldest_due.is_not(None), oldest_due=oldest_due)


def _urgent_ticket(p: r.UrgentTicket, now: datetime, today: date) -> KindSql:
    ticket = (
        select(SupportTicket.external_id)
        .where(
            SupportTicket.account_id == Account.id,
            SupportTicket.priority == "urgent",
            SupportTicket.status.in_(OPEN_TICKETS),
            SupportTicket.opened_at <= now,
        )
        .order_by(SupportTicket.opened_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return _same(ticket.is_not(None), ticket=ticket)


def _ticket_volume(p: r.TicketVolume, now: datetime, today: date) -> KindSql:
    count = (
        select(func.count())
        .where(
            SupportTicket.account_id == Account.id,
            SupportTicket.opened_at > now - timedelta(days=p.days),
            SupportTicket.opened_at <= now,
        )
        .scalar_subquery()
    )
    return _same(count >= p.count, tickets=count)


def _events_between(start: date, end: date) -> Any:
    """Events on days in (start, end]."""
    return (
        select(func.coalesce(func.sum(AccountDailyMetric.events), 0))
        .where(
            AccountDailyMetric.account_id == Account.id,
            AccountDailyMetric.day > start,
            AccountDailyMetric.day <= end,
        )
        .scalar_subquery()
    )


def _usage_drop(p: r.UsageDrop, now: datetime, today: date) -> KindSql:
    current = _events_between(today - timedelta(days=p.days), today)
    previous = _events_between(today - timedelta(days=2 * p.days), today - timedelta(days=p.days))
    dropped = and_(previous > 0, current <= previous * (1 - p.percent / 100))
    return _same(dropped, events=current, previous_events=previous)


def _nps_detractor(p: r.NpsDetractor, now: datetime, today: date) -> KindSql:
    worst = (
        select(func.min(SurveyResponse.score))
        .where(
            SurveyResponse.account_id == Account.id,
            SurveyResponse.kind == "nps",
            SurveyResponse.score <= 6,
            SurveyResponse.responded_at > now - timedelta(days=p.within_days),
            SurveyResponse.responded_at <= now,
        )
        .scalar_subquery()
    )
    return _same(worst.is_not(None), nps=worst)


def _renewal_not_green(p: r.RenewalNotGreen, now: datetime, today: date) -> KindSql:
    soon = Account.renewal_date.between(today, today + timedelta(days=p.days))
    return _same(
        and_(soon, AccountHealth.band.is_not(None), AccountHealth.band != "green"),
        renewal_date=Account.renewal_date,
        band=AccountHealth.band,
    )


def _no_login(p: r.NoLogin, now: datetime, today: date) -> KindSql:
    logged = AccountDailyMetric.account_id == Account.id, AccountDailyMetric.logins > 0
    recent = exists().where(*logged, AccountDailyMetric.day > today - timedelta(days=p.days))
    last = select(func.max(AccountDailyMetric.day)).where(*logged).scalar_subquery()
    return _same(and_(~recent, last.is_not(None)), last_login_day=last)


def _enters_view(p: r.EntersView, now: datetime, today: date) -> KindSql:
    from dashapp.filters import parse

    where = filter_conditions(parse(p.query)[0], today)
    return _same(and_(true(), *where), query=cast(literal(p.query), Text))


BUILDERS: dict[str, Callable[[Any, datetime, date], KindSql]] = {
    "score_below": _score_below,
    "band_changed": _band_changed,
    "score_drop": _score_drop,
    "churn_probability": _churn_probability,
    "payment_failed": _payment_failed,
    "invoice_overdue": _invoice_overdue,
    "urgent_ticket": _urgent_ticket,
    "ticket_volume": _ticket_volume,
    "usage_drop": _usage_drop,
    "nps_detractor": _nps_detractor,
    "renewal_not_green": _renewal_not_green,
    "no_login": _no_login,
    "enters_view": _enters_view,
}
assert set(BUILDERS) == set(r.KINDS)


def kind_sql(spec: r.RuleSpec, now: datetime) -> KindSql:
    return BUILDERS[spec.kind](spec.typed_params(), now, now.date())


def scope_conditions(spec: r.RuleSpec, now: datetime, me: int | None) -> list[ColumnElement[bool]]:
    """The rule's scope (default: active accounts) as WHERE clauses; `me` is the rule's author."""
    scope: Filters = spec.scope_filters()
    return filter_conditions(scope, now.date(), me=me)
