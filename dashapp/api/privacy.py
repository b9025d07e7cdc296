"""`/privacy/exports`, `/privacy/erasures` and `/audit` (administrators): GDPR requests and the audit log.

Subject exports answer synchronously with the zip archive: one subject's rows are few, and the page export
machinery (`dashapp/exports/`) is built around explore pages and their filters. A subject with more than
`MAX_EXPORT_ROWS` rows is refused with a pointer to `healthdash privacy export`, which has no bound.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Response
from pydantic import BaseModel, Field, model_validator

from dashapp.api.accounts import page_response
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, json_response
from dashapp.api.schemas import Strict
from dashapp.api.spec import operation
from dashapp.extensions import db_session, settings
from dashapp.ops.audit_log import AuditFilter, window
from dashapp.ops.privacy_erase import erase_contact
from dashapp.ops.privacy_export import PrivacyError, archive, count_rows, filename, read, subject_tables

ADMIN = "manage_users"  # held by administrators only
MAX_EXPORT_ROWS = 50_000


class SubjectExportRequest(Strict):
    contact: str | None = Field(
        None, min_length=1, max_length=320, description="A contact's email address, or its numeric id."
    )
    account_id: int | None = Field(None, ge=1, le=2**63 - 1, description="An account's id.")

    @model_validator(mode="after")
    def one_subject(self) -> SubjectExportRequest:
        if (self.contact is None) == (self.account_id is None):
            raise ValueError("give exactly one of contact and account_id")
        return self


class ErasureRequest(Strict):
    email: str = Field(min_length=3, max_length=320, description="The contact's email address.")


class ErasureBody(BaseModel):
    status: Literal["erased", "nothing_to_erase"]
    reference: str = Field(description="Opaque reference of the erasure (also in the audit log).")
    contacts: int
    events: int
    tickets: int
    surveys: int
    other_rows: int
    erased_at: str | None = Field(description="When it was erased, if it was already.")


class AuditQuery(Strict):
    limit: int = Field(50, ge=1, le=500, description="Entries per page.")
    cursor: str | None = Field(None, max_length=20, pattern=r"^[0-9]{1,18}$", description="`next_cursor`.")
    actor: str | None = Field(None, max_length=320, description="Part of the actor's email or name.")
    action: str | None = Field(None, max_length=64, description="An action, or a prefix ending in `.`.")
    object_type: str | None = Field(None, max_length=64, description="e.g. `account`, `user`, `contact`.")
    since: date | None = Field(None, description="From this day (UTC), inclusive.")
    until: date | None = Field(None, description="Up to this day (UTC), inclusive.")


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_id: int | None
    action: str
    object_type: str
    object_id: str | None
    object_url: str | None
    details: dict[str, Any]
    ip: str | None


class AuditPage(BaseModel):
    data: list[AuditEntry]
    next_cursor: str | None
    has_more: bool
    limit: int
    total: int


def _unprocessable(exc: PrivacyError) -> ApiError:
    message = str(exc)
    name = {"contact": "contact", "account": "account_id"}.get(message.partition(":")[0], "contact")
    message = message.replace("account:", "account_id:", 1) if name == "account_id" else message
    return ApiError(422, message, errors=[{"name": f"body.{name}", "message": message}])


@operation(
    bp,
    "POST",
    "/privacy/exports",
    summary="Export everything stored about a contact or an account",
    tag="Privacy",
    body=SubjectExportRequest,
    response=None,
    media={"application/zip": "manifest.json, subject.json and one CSV per table."},
    scope="read",
    permission=ADMIN,
)
def export_subject(caller: Any, body: SubjectExportRequest) -> Response:
    """A zip archive of every row about one subject (GDPR access request). Administrators only."""
    session = db_session()
    try:
        kind, ref, tables = subject_tables(session, contact=body.contact, account_id=body.account_id)
        size = count_rows(session, tables)
        if size > MAX_EXPORT_ROWS:
            raise PrivacyError(
                f"{kind}: {size} rows is more than {MAX_EXPORT_ROWS}; use `healthdash privacy export`"
            )
        data = read(session, kind, ref, tables)
    except PrivacyError as exc:
        raise _unprocessable(exc) from None
    response = Response(archive(data), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(data)}"'
    return response


@operation(
    bp,
    "POST",
    "/privacy/erasures",
    summary="Erase a contact's personal data",
    tag="Privacy",
    body=ErasureRequest,
    response=ErasureBody,
    scope="write",
    permission=ADMIN,
)
def erase_subject(caller: Any, body: ErasureRequest) -> Response:
    """Anonymise every contact with this email (GDPR erasure); events stay for the account's aggregates.
    Asking again answers `nothing_to_erase` with the first erasure's reference."""
    session = db_session()
    try:
        result = erase_contact(
            session, body.email, key=settings().secret_key, actor_id=caller.user.id, actor=caller.user.email
        )
    except PrivacyError as exc:
        session.rollback()
        message = str(exc)
        raise ApiError(422, message, errors=[{"name": "body.email", "message": message}]) from None
    session.commit()
    return json_response(result.as_dict())


@operation(
    bp,
    "GET",
    "/audit",
    summary="The audit log",
    tag="Privacy",
    query=AuditQuery,
    response=AuditPage,
    permission=ADMIN,
)
def list_audit(caller: Any, query: AuditQuery) -> Response:
    """Who did what to which object, newest first, filtered; follow `next_cursor` for more."""
    offset = int(query.cursor or 0)
    flt = AuditFilter(
        actor=query.actor or "",
        action=query.action or "",
        object_type=query.object_type or "",
        since=query.since,
        until=query.until,
    )
    rows, total = window(db_session(), flt, offset, query.limit)
    following = offset + len(rows)
    cursor = str(following) if following < total else None
    return page_response(rows, cursor, query.limit, total=total)
