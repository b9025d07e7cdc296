"""`POST /accounts`, `PATCH` and `DELETE /accounts/{external_id}`, `POST /accounts/{external_id}/restore`
and `POST /accounts/bulk`: accounts kept by another program.

Writes need a write token and `edit_accounts`. Values are checked by the CSV import's rules; a change
must name the version it was made from (`If-Match` with the `ETag` of a read). A delete hides the account
(and its contacts) everywhere; it can be restored for DELETED_RETENTION_DAYS, then it is purged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response

from dashapp.accounts import service
from dashapp.accounts.service import RecordError, account_version
from dashapp.api.accounts import EXTERNAL_ID
from dashapp.api.blueprint import bp
from dashapp.api.bulk import bulk_response
from dashapp.api.http import check_if_match
from dashapp.api.record_http import EDIT, account_or_404, account_response, actor_of, checked, refused
from dashapp.api.record_schemas import AccountBulk, AccountCreate, AccountOut, AccountPatch, BulkResult
from dashapp.api.spec import operation
from dashapp.extensions import db_session, settings
from models.account import Account


def _now() -> datetime:
    return datetime.now(UTC)


def _current(external_id: str, if_match: str) -> Account:
    account = account_or_404(external_id)
    check_if_match(if_match, account_version(db_session(), account))
    return account


@operation(
    bp, "POST", "/accounts", summary="Create an account", tag="Accounts", body=AccountCreate,
    response=AccountOut, status=201, errors=(403, 409), etag=True, **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def create_account(caller: Any, body: AccountCreate) -> Response:
    """A new account, checked as a CSV import row is (same fields, same messages). `owner` is a user's
    email, `parent` another account's external id. 409 when the external id is taken, or belongs to a
    deleted account (restore that instead)."""
    values, attributes = checked("accounts", body, "custom_attributes", partial=False)
    session = db_session()
    try:
        account = service.create_account(session, actor_of(caller), values, attributes or {})
        session.commit()
    except RecordError as exc:
        raise refused(exc) from None
    return account_response(account, 201)


@operation(
    bp, "PATCH", "/accounts/{external_id}", summary="Change an account", tag="Accounts", body=AccountPatch,
    response=AccountOut, errors=(403, 404), path_params=EXTERNAL_ID, if_match=True,
    **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def patch_account(caller: Any, external_id: str, if_match: str, body: AccountPatch) -> Response:
    """JSON merge patch: the fields given are set, `null` clears one; `custom_attributes` merge into the
    stored ones (`null` removes a key). Send `If-Match` with the `ETag` of your last read: 412 when the
    account changed since."""
    account = _current(external_id, if_match)
    values, attributes = checked("accounts", body, "custom_attributes", partial=True)
    session = db_session()
    try:
        service.update_account(session, actor_of(caller), account, values, attributes)
        session.commit()
    except RecordError as exc:
        raise refused(exc) from None
    return account_response(account)


@operation(
    bp, "DELETE", "/accounts/{external_id}", summary="Delete an account", tag="Accounts", response=None,
    status=204, errors=(403, 404), path_params=EXTERNAL_ID, if_match=True, **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def delete_account(caller: Any, external_id: str, if_match: str) -> Response:
    """Hide the account and its contacts from every list, page, score, alert and export. It can be
    restored (`POST /accounts/{external_id}/restore`) for DELETED_RETENTION_DAYS (30 by default); then it
    is purged for good."""
    account = _current(external_id, if_match)
    session = db_session()
    service.delete_account(session, actor_of(caller), account, _now())
    session.commit()
    return Response(status=204)


@operation(
    bp, "POST", "/accounts/{external_id}/restore", summary="Restore a deleted account", tag="Accounts",
    response=AccountOut, errors=(403, 404, 410), path_params=EXTERNAL_ID, etag=True,
    **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def restore_account(caller: Any, external_id: str) -> Response:
    """Bring back an account deleted within the retention period, with the contacts deleted along with
    it. 404 when no deleted account has this id; 410 once its retention period has ended."""
    account = account_or_404(external_id, deleted=True)
    session = db_session()
    try:
        days = settings().deleted_retention_days
        service.restore_account(session, actor_of(caller), account, _now(), days)
        session.commit()
    except RecordError as exc:
        raise refused(exc, path=True) from None
    return account_response(account)


@operation(
    bp, "POST", "/accounts/bulk", summary="Create or update many accounts", tag="Accounts",
    body=AccountBulk, response=BulkResult, errors=(403,), **EDIT,  # type: ignore[arg-type]
)  # fmt: skip
def bulk_accounts(caller: Any, body: AccountBulk) -> Response:
    """Upsert up to 1000 accounts by external id, exactly as a CSV import of the same rows: a field left
    out keeps its stored value, a row that changes nothing changes nothing (a replay is harmless). Valid
    rows are saved; when some are refused the answer is 422 naming each (`index`, `name`, `message`),
    with the counts of what was saved."""
    return bulk_response(caller, "accounts", body.rows)
