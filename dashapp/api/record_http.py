"""What the account and contact writes share: who acts, body -> checked values, refusals as problem JSON,
and the stored-record bodies with their ETags."""

from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import BaseModel
from sqlalchemy import select

from dashapp.accounts.rows import check_record
from dashapp.accounts.service import Actor, RecordError, account_version, find_account, version
from dashapp.api.http import ApiError, invalid, json_response, with_etag
from dashapp.api.record_schemas import AccountOut, ContactOut
from dashapp.extensions import db_session
from dashapp.tokens import Authenticated
from models.account import Account, Contact
from models.user import User

PATH_FIELDS = ("external_id", "contact_id")
# Writes to accounts and contacts: a write token, and a role that may edit accounts.
EDIT: dict[str, Any] = {"scope": "write", "permission": "edit_accounts"}


def account_or_404(external_id: str, *, deleted: bool = False) -> Account:
    """The live account with this external id (or, with `deleted`, the deleted one); 404 when none."""
    found = find_account(db_session(), external_id, deleted=deleted)
    if found is None:
        what = "deleted account" if deleted else "account"
        raise ApiError(404, f"There is no {what} with external id {external_id!r}.")
    return found


def actor_of(caller: Authenticated) -> Actor:
    token = caller.token
    return Actor(caller.user.id, caller.user.email, f"{token.name} ({token.prefix})" if token else None)


def refused(exc: RecordError, *, path: bool = False) -> ApiError:
    """The domain's refusal as problem JSON naming the field (a path parameter by its own name)."""
    db_session().rollback()
    name = exc.field if path and exc.field in PATH_FIELDS else f"body.{exc.field}"
    return ApiError(exc.status, f"{exc.field}: {exc}", errors=[{"name": name, "message": str(exc)}])


def checked(kind: str, body: BaseModel, attributes: str, *, partial: bool) -> tuple[dict[str, Any], Any]:
    """The body's values as the CSV import reads them, and its attribute patch; 422 naming every bad one."""
    record = body.model_dump(exclude_unset=True)
    patch = record.pop(attributes, None)
    values, errors = check_record(kind, record, partial=partial)
    if errors:
        raise invalid(422, [{"name": f"body.{e.field}", "message": e.message} for e in errors], "body")
    # Keep only the fields given (the parsers add defaults, like a name from the external id).
    given = set(record) | ({"name"} if "name" in values.values and not partial else set())
    return {k: v for k, v in values.values.items() if k in given}, patch


def account_body(account: Account) -> dict[str, Any]:
    session = db_session()
    owner = (
        session.scalar(select(User.email).where(User.id == account.owner_id)) if account.owner_id else None
    )
    parent = (
        session.scalar(select(Account.external_id).where(Account.id == account.parent_id))
        if account.parent_id
        else None
    )
    fields = {name: getattr(account, name) for name in AccountOut.model_fields if hasattr(Account, name)}
    out = {**fields, "owner": owner, "parent": parent, "custom_attributes": account.custom_attributes or {}}
    return AccountOut.model_validate(out).model_dump()


def account_response(account: Account, status: int = 200) -> Response:
    session = db_session()
    session.refresh(account)
    return with_etag(json_response(account_body(account), status=status), account_version(session, account))


def contact_body(contact: Contact) -> dict[str, Any]:
    session = db_session()
    account = (
        session.scalar(select(Account.external_id).where(Account.id == contact.account_id))
        if contact.account_id
        else None
    )
    fields = {name: getattr(contact, name) for name in ContactOut.model_fields if hasattr(Contact, name)}
    out = {**fields, "account": account, "traits": contact.traits or {}}
    return ContactOut.model_validate(out).model_dump()


def contact_response(contact: Contact, status: int = 200) -> Response:
    db_session().refresh(contact)
    return with_etag(json_response(contact_body(contact), status=status), version(contact.updated_at))
