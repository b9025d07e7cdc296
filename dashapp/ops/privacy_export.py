"""GDPR subject export: everything stored about one contact or one account, as a zip archive.

The archive holds `subject.json` (every table's rows in one document), one CSV per table (written through
the formula-injection guard) and `manifest.json` (what was exported, when, and how many rows per table).
The tables read are declared once in `contact_tables` / `account_tables`; adding a table is one line.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import String, Table, and_, cast, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from dashapp.csvsafe import neutralise_row
from models.account import Account, Contact
from models.activity import UsageEvent
from models.audit import AccountChange, AuditLog
from models.billing import Invoice, Payment
from models.support import SupportTicket
from models.survey import SurveyResponse

FORMAT_VERSION = 1


class PrivacyError(ValueError):
    """A subject that cannot be found or a request that cannot be served; names the field at fault."""


@dataclass
class SubjectData:
    """The rows stored about one subject, table by table (tables with no rows are still listed)."""

    kind: str  # "contact" or "account"
    reference: str  # what the subject was asked for by (an email, a contact id or an account id)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def find_contacts(session: Session, contact: str) -> list[Contact]:
    """The contacts a reference names: a numeric id, or every contact with that email (any case)."""
    value = contact.strip()
    if not value:
        raise PrivacyError("contact: give an email address or a contact id")
    if value.isdigit():
        found = session.get(Contact, int(value)) if int(value) < 2**63 else None
        return [found] if found else []
    return list(
        session.scalars(
            select(Contact).where(func.lower(Contact.email) == value.lower()).order_by(Contact.id)
        )
    )


def _audit_about(object_type: str, ids: Sequence[int]) -> ColumnElement[bool]:
    if not ids:
        return false()
    return and_(AuditLog.object_type == object_type, AuditLog.object_id.in_([str(i) for i in ids]))


def contact_tables(contact_ids: Sequence[int]) -> dict[str, tuple[Table, ColumnElement[bool]]]:
    """Table name -> (table, which rows) for a contact export."""
    ids = list(contact_ids)
    return {
        "contacts": (Contact.__table__, Contact.id.in_(ids)),
        "usage_events": (UsageEvent.__table__, UsageEvent.contact_id.in_(ids)),
        "support_tickets": (SupportTicket.__table__, SupportTicket.contact_id.in_(ids)),
        "survey_responses": (SurveyResponse.__table__, SurveyResponse.contact_id.in_(ids)),
        "audit_log": (AuditLog.__table__, _audit_about("contact", ids)),
    }  # type: ignore[dict-item]


def account_tables(account_id: int) -> dict[str, tuple[Table, ColumnElement[bool]]]:
    """Table name -> (table, which rows) for an account export."""
    invoices = select(Invoice.id).where(Invoice.account_id == account_id)
    contacts = select(cast(Contact.id, String)).where(Contact.account_id == account_id)
    return {
        "accounts": (Account.__table__, Account.id == account_id),
        "contacts": (Contact.__table__, Contact.account_id == account_id),
        "usage_events": (UsageEvent.__table__, UsageEvent.account_id == account_id),
        "support_tickets": (SupportTicket.__table__, SupportTicket.account_id == account_id),
        "survey_responses": (SurveyResponse.__table__, SurveyResponse.account_id == account_id),
        "invoices": (Invoice.__table__, Invoice.account_id == account_id),
        "payments": (Payment.__table__, Payment.invoice_id.in_(invoices)),
        "account_changes": (AccountChange.__table__, AccountChange.account_id == account_id),
        "audit_log": (
            AuditLog.__table__,
            or_(
                _audit_about("account", [account_id]),
                and_(AuditLog.object_type == "contact", AuditLog.object_id.in_(contacts.scalar_subquery())),
            ),
        ),
    }  # type: ignore[dict-item]


def count_rows(session: Session, tables: dict[str, tuple[Table, ColumnElement[bool]]]) -> int:
    """How many rows an export would hold (to refuse an oversized one before reading it)."""
    return sum(
        int(session.scalar(select(func.count()).select_from(table).where(where)) or 0)
        for table, where in tables.values()
    )


def read(session: Session, kind: str, reference: str, tables: dict[str, tuple[Table, Any]]) -> SubjectData:
    data = SubjectData(kind, reference)
    for name, (table, where) in tables.items():
        data.columns[name] = [c.name for c in table.columns]
        order = table.primary_key.columns.values()
        rows = session.execute(select(table).where(where).order_by(*order)).mappings()
        data.tables[name] = [dict(row) for row in rows]
    return data


def subject_tables(
    session: Session, contact: str | None = None, account_id: int | None = None
) -> tuple[str, str, dict[str, tuple[Table, Any]]]:
    """(kind, reference, tables) of the subject asked for; PrivacyError naming the field when it is unknown."""
    if contact is not None:
        contacts = find_contacts(session, contact)
        if not contacts:
            raise PrivacyError(f"contact: there is no contact {contact.strip()[:320]!r}")
        return "contact", contact.strip(), contact_tables([c.id for c in contacts])
    if account_id is None or session.get(Account, account_id) is None:
        raise PrivacyError(f"account: there is no account with id {account_id}")
    return "account", str(account_id), account_tables(account_id)


def collect_contact(session: Session, contact: str) -> SubjectData:
    return read(session, *subject_tables(session, contact=contact))


def collect_account(session: Session, account_id: int) -> SubjectData:
    return read(session, *subject_tables(session, account_id=account_id))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json(data: Any) -> bytes:
    return orjson.dumps(data, default=_plain, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


def _cell(value: Any) -> Any:
    """A CSV cell: JSON for structures, ISO 8601 for times, plain text otherwise."""
    if isinstance(value, dict | list):
        return orjson.dumps(value, default=_plain).decode()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else value


def table_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(neutralise_row([_cell(row[c]) for c in columns]))
    return out.getvalue()


def manifest(data: SubjectData, now: datetime | None = None) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "subject": {"kind": data.kind, "reference": data.reference},
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "files": ["subject.json", *(f"{name}.csv" for name in data.tables)],
        "tables": {name: len(rows) for name, rows in data.tables.items()},
        "rows": data.row_count,
    }


def archive(data: SubjectData, now: datetime | None = None) -> bytes:
    """The zip archive: manifest.json, subject.json and one CSV per table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", _json(manifest(data, now)))
        zf.writestr("subject.json", _json({"subject": {"kind": data.kind}, "tables": data.tables}))
        for name, rows in data.tables.items():
            zf.writestr(f"{name}.csv", table_csv(data.columns[name], rows))
    return buffer.getvalue()


def filename(data: SubjectData, now: datetime | None = None) -> str:
    """A download name without personal data: the kind, the account id (for accounts) and the time."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    middle = f"account-{data.reference}" if data.kind == "account" else "contact"
    return f"subject-{middle}-{stamp}.zip"
