"""`/privacy/exports`, `/privacy/erasures` and `/audit` (administrators): GDPR requests and the audit log.

Subject exports answer synchronously with the zip archive: one subject's rows are few, and the page export
machinery (`dashapp/exports/`) is built around explore pages and their filters. A subject with more than
`MAX_EXPORT_ROWS` rows is refused with a pointer to `healthdash privacy export`, which has no bound.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dashapp.api.accounts import page_response
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, json_response
from dashapp.api.schemas import _DAY, IsoDay, Strict
from dashapp.api.spec import operation
from dashapp.cache import data_changed
from dashapp.extensions import db_session, settings
from dashapp.ops.audit_log import AuditFilter, window
from dashapp.ops.privacy_erase import erase_contact
from dashapp.ops.privacy_export import PrivacyError, archive, count_rows, filename, read, subject_tables

ADMIN = "manage_users"  # held by administrators only
MAX_EXPORT_ROWS = 50_000
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"


class SubjectExportRequest(Strict):
    """Exactly one of `contact` and `account_id` (the schema says so with `oneOf`)."""

    model_config = ConfigDict(
        **Strict.model_config,
        json_schema_extra={"oneOf": [{"required": ["contact"]}, {"required": ["account_id"]}]},
    )

    # Not nullable: leave the other one out.
    contact: str = Field(  # type: ignore[assignment]
        None, min_length=1, max_length=320, description="A contact's email address, or its numeric id."
    )
    account_id: int = Field(None, ge=1, le=2**63 - 1, description="An account's id.")  # type: ignore[assignment]

    @model_validator(mode="after")
    def one_subject(self) -> SubjectExportRequest:
        if (self.contact is None) == (self.account_id is None):
            raise ValueError("give exactly one of contact and account_id")
        return self


class ErasureRequest(Strict):
    email: str = Field(
        min_length=3, max_length=320, pattern=EMAIL_PATTERN, description="The contact's email address."
    )


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
    since: IsoDay | None = Field(None, description="From this day (UTC), inclusive.", **_DAY)
    until: IsoDay | None = Field(None, description="Up to this day (UTC), inclusive.", **_DAY)


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


def _refusal(exc: PrivacyError) -> ApiError:
    """404 for a subject that does not exist, 422 for one the API will not export; both name the field."""
    message = str(exc)
    status = 422 if "rows is more than" in message else 404
    name = {"contact": "contact", "account": "account_id"}.get(message.partition(":")[0], "contact")
    message = message.replace("account:", "account_id:", 1) if name == "account_id" else message
    return ApiError(status, message, errors=[{"name": f"body.{name}", "message": message}])


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
    errors=(404,),
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
        raise _refusal(exc) from None
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
    errors=(404,),
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
        message = str(exc).replace("contact:", "email:", 1)
        status = 404 if "there is no" in message else 422
        raise ApiError(status, message, errors=[{"name": "body.email", "message": message}]) from None
    session.commit()
    data_changed("privacy erasure")
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
