"""`/accounts/{external_id}/contacts` (list, create), `/contacts/{contact_id}` (read, change, delete),
`/contacts/{contact_id}/restore` and `/contacts/bulk`: the people at an account, kept by another program.

The same rules as the account writes (`dashapp.api.account_writes`): a write token and `edit_accounts`,
the CSV import's checks, `If-Match` on changes, soft delete with a retention period.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response
from sqlalchemy import select

from dashapp.accounts import service
from dashapp.accounts.service import RecordError, version
from dashapp.api.accounts import EXTERNAL_ID
from dashapp.api.blueprint import bp
from dashapp.api.bulk import bulk_response
from dashapp.api.http import ApiError, check_if_match, id_param, json_response, path_id
from dashapp.api.record_http import (
    EDIT,
    account_or_404,
    actor_of,
    checked,
    contact_body,
    contact_response,
    refused,
)
from dashapp.api.record_schemas import (
    BulkResult,
    ContactBulk,
    ContactCreate,
    ContactList,
    ContactOut,
    ContactPatch,
)
from dashapp.api.spec import operation
from dashapp.extensions import db_session, settings
from models.account import Contact, live

CONTACT_ID = id_param("contact_id", "The contact's id (as healthdash numbers it).")
MAX_LISTED = 500


def _contact(contact_id: str, *, deleted: bool = False) -> Contact:
    pk = path_id(contact_id, "contact")
    found = service.find_contact(db_session(), pk, deleted=deleted)
    if found is None:
        raise ApiError(404, f"There is no {'deleted ' if deleted else ''}contact {contact_id}.")
    return found


def _current(contact_id: str, if_match: str) -> Contact:
    contact = _contact(contact_id)
    check_if_match(if_match, version(contact.updated_at))
    return contact


@operation(
    bp, "GET", "/accounts/{external_id}/contacts", summary="An account's contacts", tag="Contacts",
    response=ContactList, errors=(404,), path_params=EXTERNAL_ID,
)  # fmt: skip
def list_contacts(caller: Any, external_id: str) -> Response:
    """The account's contacts, oldest first (the first 500)."""
    account = account_or_404(external_id)
    contacts = db_session().scalars(
        select(Contact)
        .where(Contact.account_id == account.id, live(Contact))
        .order_by(Contact.id)
        .limit(MAX_LISTED)
    )
    return json_response({"data": [contact_body(c) for c in contacts]})


@operation(
    bp, "POST", "/accounts/{external_id}/contacts", summary="Add a contact to an account", tag="Contacts",
    body=ContactCreate, response=ContactOut, status=201, errors=(403, 404, 409), path_params=EXTERNAL_ID,
    etag=True, **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def create_contact(caller: Any, external_id: str, body: ContactCreate) -> Response:
    """A new contact of the account, checked as a CSV import row is. 409 when the external id is taken."""
    account = account_or_404(external_id)
    values, traits = checked("contacts", body, "traits", partial=False)
    session = db_session()
    try:
        contact = service.create_contact(session, actor_of(caller), account, values, traits or {})
        session.commit()
    except RecordError as exc:
        raise refused(exc) from None
    return contact_response(contact, 201)


@operation(
    bp, "GET", "/contacts/{contact_id}", summary="One contact", tag="Contacts", response=ContactOut,
    errors=(404,), path_params=CONTACT_ID,
)  # fmt: skip
def get_contact(caller: Any, contact_id: str) -> Response:
    """A contact with its account's external id; its `ETag` is what `If-Match` needs to change it."""
    return contact_response(_contact(contact_id))


@operation(
    bp, "PATCH", "/contacts/{contact_id}", summary="Change a contact", tag="Contacts", body=ContactPatch,
    response=ContactOut, errors=(403, 404), path_params=CONTACT_ID, if_match=True,
    **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def patch_contact(caller: Any, contact_id: str, if_match: str, body: ContactPatch) -> Response:
    """JSON merge patch of a contact (`traits` merge; `null` clears); `account` moves it to another
    account. Send `If-Match` with the `ETag` of your last read."""
    contact = _current(contact_id, if_match)
    values, traits = checked("contacts", body, "traits", partial=True)
    session = db_session()
    try:
        service.update_contact(session, actor_of(caller), contact, values, traits)
        session.commit()
    except RecordError as exc:
        raise refused(exc) from None
    return contact_response(contact)


@operation(
    bp, "DELETE", "/contacts/{contact_id}", summary="Delete a contact", tag="Contacts", response=None,
    status=204, errors=(403, 404), path_params=CONTACT_ID, if_match=True, **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def delete_contact(caller: Any, contact_id: str, if_match: str) -> Response:
    """Hide the contact; it can be restored for DELETED_RETENTION_DAYS, then it is purged."""
    contact = _current(contact_id, if_match)
    session = db_session()
    service.delete_contact(session, actor_of(caller), contact, datetime.now(UTC))
    session.commit()
    return Response(status=204)


@operation(
    bp, "POST", "/contacts/{contact_id}/restore", summary="Restore a deleted contact", tag="Contacts",
    response=ContactOut, errors=(403, 404, 409, 410), path_params=CONTACT_ID, etag=True,
    **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def restore_contact(caller: Any, contact_id: str) -> Response:
    """Bring back a contact deleted within the retention period (409 while its account is deleted)."""
    contact = _contact(contact_id, deleted=True)
    session = db_session()
    try:
        days = settings().deleted_retention_days
        service.restore_contact(session, actor_of(caller), contact, datetime.now(UTC), days)
        session.commit()
    except RecordError as exc:
        raise refused(exc, path=True) from None
    return contact_response(contact)


@operation(
    bp, "POST", "/contacts/bulk", summary="Create or update many contacts", tag="Contacts",
    body=ContactBulk, response=BulkResult, errors=(403,), **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def bulk_contacts(caller: Any, body: ContactBulk) -> Response:
    """Upsert up to 1000 contacts by external id, exactly as a CSV import of the same rows (`account` is
    the account's external id). Valid rows are saved; when some are refused the answer is 422 naming each
    (`index`, `name`, `message`), with the counts of what was saved."""
    return bulk_response(caller, "contacts", body.rows)
