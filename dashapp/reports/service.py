"""Report schedules (create, pause, list) and their deliveries: one per schedule and period, so a retried
or re-enqueued job never sends the same period twice."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from dashapp.auth.permissions import can
from dashapp.exports.pdf import build_pdf
from dashapp.filters import Filters, describe
from dashapp.reports import mail
from dashapp.reports.summary import summary_sections
from dashapp.saved_views import ViewError, get_visible, state_of, view_url
from dashapp.settings import Settings
from models.export import FREQUENCIES, ReportDelivery, ReportSchedule
from models.user import User
from models.view import SavedView

MAX_RECIPIENTS = 50
MAX_ATTEMPTS = 8  # over all jobs for one period (each job retries a few times)
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class ReportError(ValueError):
    """A schedule that cannot be saved, with a message naming what is wrong."""


def parse_recipients(text: str | list[str]) -> list[str]:
    items = text if isinstance(text, list) else re.split(r"[,;\s]+", text or "")
    out: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if len(item) > 254 or not _EMAIL.match(item):
            raise ReportError(f"recipients: {item[:60]!r} is not an email address")
        if item.lower() not in (o.lower() for o in out):
            out.append(item)
    if not out:
        raise ReportError("recipients: give at least one email address")
    if len(out) > MAX_RECIPIENTS:
        raise ReportError(f"recipients: at most {MAX_RECIPIENTS}")
    return out


def allowed_recipients(
    session: Session, recipients: list[str], allowed_domains: tuple[str, ...]
) -> list[str]:
    """The recipients a report may go to: active healthdash users, and addresses in an allowed domain."""
    users = {
        e.lower()
        for e in session.scalars(
            select(User.email).where(
                func.lower(User.email).in_([r.lower() for r in recipients]), User.is_active
            )
        )
    }
    domains = {d.lower() for d in allowed_domains}
    return [r for r in recipients if r.lower() in users or r.rsplit("@", 1)[1].lower() in domains]


def owner_may_report(owner: User | None) -> bool:
    return owner is not None and owner.is_active and can(owner, "export")


def create_schedule(
    session: Session,
    user: User,
    *,
    name: str,
    frequency: str,
    recipients: str | list[str],
    view_id: int | None = None,
    allowed_domains: tuple[str, ...] = (),
) -> ReportSchedule:
    if not can(user, "export"):
        raise ReportError("Your role cannot schedule reports.")
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise ReportError("name: give the report a name (at most 120 characters)")
    if frequency not in FREQUENCIES:
        raise ReportError(f"frequency: {frequency!r} is not one of {', '.join(FREQUENCIES)}")
    if view_id is not None:
        try:
            get_visible(session, user, view_id)
        except ViewError as exc:
            raise ReportError(f"view: {exc}") from None
    addresses = parse_recipients(recipients)
    allowed = allowed_recipients(session, addresses, allowed_domains)
    outside = [a for a in addresses if a not in allowed]
    if outside:
        where = (
            f"healthdash users or addresses in {', '.join(allowed_domains)}"
            if allowed_domains
            else ("healthdash users")
        )
        raise ReportError(f"recipients: reports go only to {where}; not to {', '.join(outside[:5])}")
    schedule = ReportSchedule(
        owner_id=user.id,
        name=name,
        frequency=frequency,
        recipients=addresses,
        view_id=view_id,
    )
    session.add(schedule)
    session.flush()
    return schedule


def visible_schedules(session: Session, user: User) -> list[ReportSchedule]:
    stmt = select(ReportSchedule).order_by(ReportSchedule.name, ReportSchedule.id)
    if getattr(user, "role", "") != "admin":
        stmt = stmt.where(ReportSchedule.owner_id == user.id)
    return list(session.scalars(stmt))


def owned_schedule(session: Session, user: User, schedule_id: int) -> ReportSchedule:
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None or (schedule.owner_id != user.id and getattr(user, "role", "") != "admin"):
        raise ReportError("That report does not exist or is not yours.")
    return schedule


def set_paused(session: Session, user: User, schedule_id: int, paused: bool) -> ReportSchedule:
    schedule = owned_schedule(session, user, schedule_id)
    schedule.paused = paused
    return schedule


def deliveries(session: Session, schedule_id: int, limit: int = 20) -> list[ReportDelivery]:
    stmt = (
        select(ReportDelivery)
        .where(ReportDelivery.schedule_id == schedule_id)
        .order_by(ReportDelivery.created_at.desc(), ReportDelivery.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def period_of(frequency: str, day: date) -> str:
    if frequency == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def due(session: Session, today: date) -> list[tuple[int, str]]:
    """(schedule id, period) of every running schedule whose current period has not been sent yet."""
    out = []
    running = (
        select(ReportSchedule)
        .join(User, User.id == ReportSchedule.owner_id)
        .where(ReportSchedule.paused.is_(False), User.is_active)
    )
    for schedule in session.scalars(running):
        if not owner_may_report(session.get(User, schedule.owner_id)):
            continue
        period = period_of(schedule.frequency, today)
        delivery = session.scalar(
            select(ReportDelivery).where(
                ReportDelivery.schedule_id == schedule.id, ReportDelivery.period == period
            )
        )
        if delivery is None or (delivery.status != "sent" and delivery.attempts < MAX_ATTEMPTS):
            out.append((schedule.id, period))
    return out


def _view_and_filters(session: Session, schedule: ReportSchedule) -> tuple[SavedView | None, Filters]:
    view = session.get(SavedView, schedule.view_id) if schedule.view_id else None
    return view, (state_of(view).filters if view else Filters())


def report_pdf(
    session: Session, schedule: ReportSchedule, today: date | None = None
) -> tuple[bytes, list[str], str]:
    """The report's PDF, its summary lines (for the email body) and the view's path."""
    view, filters = _view_and_filters(session, schedule)
    now = datetime.now(UTC)
    sections = summary_sections(session, filters, schedule.frequency, today)
    scope = f"Saved view “{view.name}”" if view else "The whole book"
    lines = [
        f"{schedule.frequency.capitalize()} report · {scope}",
        f"Filters: {describe(filters)}",
        f"Made on {now:%Y-%m-%d %H:%M} UTC",
    ]
    buffer = io.BytesIO()
    build_pdf(sections, title=schedule.name, meta_lines=lines, out=buffer)
    kpis = next(s for s in sections if s["kind"] == "kpis")["items"]
    summary = [lines[0], lines[1], *(f"{label}: {value} ({note})" for label, value, note in kpis)]
    return buffer.getvalue(), summary, view_url(view) if view else "/"


def start_delivery(session: Session, schedule_id: int, period: str) -> ReportDelivery | None:
    """The delivery row for this period (created if new) with one more attempt counted, or None when it
    was already sent (so nothing is sent twice). The caller commits before sending."""
    session.execute(
        insert(ReportDelivery)
        .values(schedule_id=schedule_id, period=period, status="pending")
        .on_conflict_do_nothing(constraint="uq_report_deliveries_period")
    )
    delivery = session.scalar(
        select(ReportDelivery)
        .where(ReportDelivery.schedule_id == schedule_id, ReportDelivery.period == period)
        .with_for_update()
    )
    assert delivery is not None
    if delivery.status == "sent":
        return None
    delivery.attempts += 1
    return delivery


def deliver(
    session: Session, settings: Settings, schedule_id: int, period: str, today: date | None = None
) -> dict[str, Any]:
    """Build and email one period's report. Records success or the failure (then re-raises it)."""
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None:
        return {"skipped": "the report was deleted"}
    if schedule.paused:
        return {"skipped": "the report is paused"}
    if not owner_may_report(session.get(User, schedule.owner_id)):
        return {"skipped": "the report's owner is deactivated or may no longer export"}
    # Checked again at each sending: a recipient deactivated, or a domain removed, since it was scheduled.
    recipients = allowed_recipients(session, list(schedule.recipients), settings.report_recipient_domains)
    if not recipients:
        return {"skipped": "none of the recipients may receive reports any more"}
    delivery = start_delivery(session, schedule_id, period)
    if delivery is None:
        return {"skipped": f"{period} was already sent"}
    delivery.recipients = recipients
    session.commit()
    try:
        pdf, summary, path = report_pdf(session, schedule, today)
        filename = (
            f"{re.sub(r'[^A-Za-z0-9]+', '-', schedule.name).strip('-').lower() or 'report'}_{period}.pdf"
        )
        message = mail.report_message(
            settings,
            subject=f"{schedule.name} · {period}",
            recipients=recipients,
            link=settings.public_url + path,
            summary_lines=summary,
            pdf=pdf,
            filename=filename,
        )
        mail.send(settings, message)
    except Exception as exc:
        session.rollback()
        delivery = session.get(ReportDelivery, delivery.id)
        assert delivery is not None
        delivery.status = "failed"
        delivery.error = f"attempt {delivery.attempts}: {type(exc).__name__}: {exc}"
        session.commit()
        raise
    delivery.status = "sent"
    delivery.sent_at = datetime.now(UTC)
    delivery.error = None
    delivery.details = {"bytes": len(pdf), "filename": filename}
    session.commit()
    return {"delivery_id": delivery.id, "period": period, "recipients": len(recipients)}
