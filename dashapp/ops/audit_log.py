"""Reading the audit log: filtered by actor, action, object type and time, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, select
from sqlalchemy.orm import Session

from models.account import Account
from models.audit import AuditLog

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # part of the actor's name or email, any case
    action: str = ""  # an action, or a prefix ending in "." (e.g. "auth.")
    object_type: str = ""
    since: date | None = None  # from this day (UTC), inclusive
    until: date | None = None  # to this day (UTC), inclusive


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD day from a query string; ValueError naming the field when it is not one."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{name}: {value[:40]!r} is not a day like 2026-12-07") from None


def _where(flt: AuditFilter) -> list[Any]:
    clauses: list[Any] = []
    if flt.actor:
        like = flt.actor.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(func.lower(AuditLog.actor).like(f"%{like}%"))
    if flt.action:
        action = flt.action.strip()
        clauses.append(
            AuditLog.action.startswith(action) if action.endswith(".") else AuditLog.action == action
        )
    if flt.object_type:
        clauses.append(AuditLog.object_type == flt.object_type.strip())
    if flt.since:
        clauses.append(AuditLog.at >= datetime.combine(flt.since, time(), UTC))
    if flt.until:
        clauses.append(AuditLog.at < datetime.combine(flt.until + timedelta(days=1), time(), UTC))
    return clauses


def search(
    session: Session, flt: AuditFilter, page: int = 1, size: int = PAGE_SIZE
) -> tuple[list[dict], int]:
    """One page (1-based) of matching entries, newest first, and how many match in all."""
    return window(session, flt, max(page - 1, 0) * size, size)


def window(session: Session, flt: AuditFilter, offset: int, limit: int) -> tuple[list[dict], int]:
    """`limit` matching entries from `offset`, newest first, and how many match in all."""
    where = and_(True, *_where(flt))
    total = int(session.scalar(select(func.count()).select_from(AuditLog).where(where)) or 0)
    account = and_(AuditLog.object_type == "account", AuditLog.object_id == cast(Account.id, String))
    rows = session.execute(
        select(AuditLog, Account.external_id)
        .outerjoin(Account, account)
        .where(where)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [entry_dict(entry, external_id) for entry, external_id in rows], total


def entry_dict(entry: AuditLog, account_external_id: str | None = None) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_url": object_url(entry.object_type, entry.object_id, account_external_id),
        "details": entry.details or {},
        "ip": entry.ip,
    }


def object_url(object_type: str, object_id: str | None, account_external_id: str | None) -> str | None:
    """Where the object can be seen in the app, when it has a page."""
    if object_type == "account" and account_external_id:
        return f"/accounts/{account_external_id}"
    if object_type in ("user", "api_token", "write_key") and object_id:
        return {"user": "/admin/users", "api_token": "/settings/tokens", "write_key": "/admin/data"}[
            object_type
        ]
    return None


def choices(session: Session) -> tuple[list[str], list[str]]:
    """The actions and object types that occur, for the filter menus."""
    actions = session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    types = session.scalars(select(AuditLog.object_type).distinct().order_by(AuditLog.object_type)).all()
    return list(actions), list(types)
