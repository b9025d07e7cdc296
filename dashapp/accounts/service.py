"""Changing accounts and contacts one at a time: create, change (merge-patch), delete (soft) and restore.

No Flask here. Values arrive checked by `dashapp.accounts.rows` (the CSV import's rules); references
(owner by email, parent and account by external id) are resolved here with the import's messages. Every
change names its source for the account-change trigger (`api` and the actor) and writes an audit entry;
rows only, in the caller's transaction: the caller commits. Refusals raise `RecordError` naming the field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.accounts.rows import RowError
from dashapp.ingest.importers import deleted_record, own_parent, unknown_reference
from models.account import Account, Contact, live
from models.audit import record, set_change_source
from models.health import AccountHealth
from models.user import User

SOURCE = "api"
# API field -> column, for the fields stored as they are.
ACCOUNT_COLUMNS = ("name", "domain", "segment", "plan", "industry", "region", "lifecycle_stage", "mrr",
                   "currency", "contract_start", "renewal_date", "churned_at", "churn_reason")  # fmt: skip
CONTACT_COLUMNS = ("email", "name", "title", "last_seen_at")
REQUIRED = frozenset({"name"})
# What a cleared (null) field becomes when the column always has a value (as the import's defaults).
CLEARED: dict[str, Any] = {"mrr": Decimal("0"), "currency": "USD"}


class RecordError(ValueError):
    """A change that cannot be made; `field` names the input at fault, `status` the HTTP answer."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the user, and the token they used (its name and prefix), if any."""

    user_id: int
    email: str
    token: str | None = None

    @property
    def label(self) -> str:
        return f"{self.email} via token {self.token}" if self.token else self.email


def begin(session: Session, actor: Actor) -> None:
    """Name `api` and the actor as the source of the account changes this transaction makes."""
    set_change_source(session.connection().connection.driver_connection, SOURCE, actor.label)


def audit(
    session: Session, actor: Actor, action: str, kind: str, key: str | int | None, **details: Any
) -> None:
    record(session, actor_id=actor.user_id, actor=actor.email, action=action, object_type=kind,
           object_id=key, details={"source": SOURCE, "token": actor.token, **details})  # fmt: skip


def version(*stamps: datetime | None) -> str:
    """An opaque version of a record from its change times (the ETag's value)."""
    text = "|".join(stamp.isoformat() if stamp else "-" for stamp in stamps)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def account_version(session: Session, account: Account) -> str:
    """The version of an account as the API shows it: its fields and its current score."""
    scored = session.scalar(select(AccountHealth.updated_at).where(AccountHealth.account_id == account.id))
    return version(account.updated_at, scored)


def find_account(session: Session, external_id: str, *, deleted: bool = False) -> Account | None:
    """The live account with this external id (or, with `deleted`, the deleted one)."""
    state = Account.deleted_at.is_not(None) if deleted else live(Account)
    return session.scalar(select(Account).where(Account.external_id == external_id, state))


def find_contact(session: Session, contact_id: int, *, deleted: bool = False) -> Contact | None:
    state = Contact.deleted_at.is_not(None) if deleted else live(Contact)
    return session.scalar(select(Contact).where(Contact.id == contact_id, state))


def refuse(errors: list[RowError]) -> None:
    """Raise the first of `errors` (the API names them all; see `dashapp.api.account_writes`)."""
    if errors:
        raise RecordError(errors[0].field, errors[0].message)


def _owner_id(session: Session, email: str | None) -> int | None:
    if email is None:
        return None
    found = session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
    if found is None:
        raise RecordError("owner", unknown_reference("users", email))
    return found


def _parent_id(session: Session, external_id: str | None, own: str) -> int | None:
    if external_id is None:
        return None
    if external_id == own:
        raise RecordError("parent", own_parent())
    parent = find_account(session, external_id)
    if parent is None:
        raise RecordError("parent", unknown_reference("accounts", external_id))
    return parent.id


def _assign(session: Session, account: Account, values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """Set the `given` fields of `account` (None clears); returns field -> new value for the audit."""
    changed: dict[str, Any] = {}
    for name in given:
        value = values.get(name)
        if name in REQUIRED and value is None:
            raise RecordError(name, f"{name} is required")
        if name == "owner":
            account.owner_id = _owner_id(session, value)
        elif name == "parent":
            account.parent_id = _parent_id(session, value, account.external_id)
        elif name in ACCOUNT_COLUMNS:
            setattr(account, name, CLEARED.get(name) if value is None else value)
        else:
            continue
        changed[name] = value
    return changed


def create_account(
    session: Session, actor: Actor, values: dict[str, Any], attributes: dict[str, Any]
) -> Account:
    """A new account from checked `values`; 409 when the external id is taken (or deleted, not purged)."""
    external_id = values["external_id"]
    existing = session.execute(select(Account.deleted_at).where(Account.external_id == external_id)).first()
    if existing is not None:
        message = (deleted_record("accounts", external_id) if existing.deleted_at
                   else f"an account with external id {external_id!r} already exists")  # fmt: skip
        raise RecordError("external_id", message, 409)
    begin(session, actor)
    account = Account(external_id=external_id, custom_attributes=_without_nulls(attributes))
    given = {name for name in values if name != "external_id"}
    changed = _assign(session, account, values, given)
    session.add(account)
    session.flush()
    audit(session, actor, "account.create", "account", external_id, fields=sorted(changed))
    return account


def update_account(
    session: Session,
    actor: Actor,
    account: Account,
    values: dict[str, Any],
    attributes: dict[str, Any] | None,
) -> None:
    """Merge-patch `account`: the fields given are set (null clears one), `attributes` merge into the
    custom attributes (null removes a key)."""
    begin(session, actor)
    changed = _assign(session, account, values, set(values))
    if attributes:
        account.custom_attributes = _merge(account.custom_attributes or {}, attributes)
        changed["custom_attributes"] = sorted(attributes)
    session.flush()
    audit(session, actor, "account.update", "account", account.external_id, fields=sorted(changed))


def delete_account(session: Session, actor: Actor, account: Account, now: datetime) -> None:
    """Hide the account (and its contacts) from every read until it is restored or purged."""
    begin(session, actor)
    account.deleted_at = now
    contacts = session.scalars(select(Contact).where(Contact.account_id == account.id, live(Contact))).all()
    for contact in contacts:
        contact.deleted_at = now
    session.flush()
    audit(session, actor, "account.delete", "account", account.external_id, contacts=len(contacts))


def restore_account(session: Session, actor: Actor, account: Account, now: datetime, days: int) -> None:
    """Bring back an account deleted less than `days` ago, with the contacts deleted along with it."""
    deleted_at = account.deleted_at
    assert deleted_at is not None
    if deleted_at + timedelta(days=days) <= now:
        raise RecordError("external_id", f"the account was deleted more than {days} days ago", 410)
    begin(session, actor)
    contacts = session.scalars(
        select(Contact).where(Contact.account_id == account.id, Contact.deleted_at == deleted_at)
    ).all()
    for contact in contacts:
        contact.deleted_at = None
    account.deleted_at = None
    session.flush()
    audit(session, actor, "account.restore", "account", account.external_id, contacts=len(contacts))


def create_contact(
    session: Session, actor: Actor, account: Account, values: dict[str, Any], traits: dict[str, Any]
) -> Contact:
    external_id = values["external_id"]
    existing = session.execute(select(Contact.deleted_at).where(Contact.external_id == external_id)).first()
    if existing is not None:
        message = (deleted_record("contacts", external_id) if existing.deleted_at
                   else f"a contact with external id {external_id!r} already exists")  # fmt: skip
        raise RecordError("external_id", message, 409)
    contact = Contact(external_id=external_id, account_id=account.id, traits=_without_nulls(traits))
    for name in CONTACT_COLUMNS:
        setattr(contact, name, values.get(name))
    session.add(contact)
    session.flush()
    audit(session, actor, "contact.create", "contact", contact.id, external_id=external_id,
          account=account.external_id)  # fmt: skip
    return contact


def update_contact(
    session: Session, actor: Actor, contact: Contact, values: dict[str, Any], traits: dict[str, Any] | None
) -> None:
    """Merge-patch `contact`; `account` (an external id) moves it to another live account."""
    changed = sorted(values) + (["traits"] if traits else [])
    for name, value in values.items():
        if name == "account":
            target = find_account(session, value) if value is not None else None
            if value is not None and target is None:
                raise RecordError("account", unknown_reference("accounts", value))
            contact.account_id = target.id if target else None
        elif name in CONTACT_COLUMNS:
            setattr(contact, name, value)
    if traits:
        contact.traits = _merge(contact.traits or {}, traits)
    session.flush()
    audit(session, actor, "contact.update", "contact", contact.id, fields=changed)


def delete_contact(session: Session, actor: Actor, contact: Contact, now: datetime) -> None:
    contact.deleted_at = now
    session.flush()
    audit(session, actor, "contact.delete", "contact", contact.id, external_id=contact.external_id)


def restore_contact(session: Session, actor: Actor, contact: Contact, now: datetime, days: int) -> None:
    deleted_at = contact.deleted_at
    assert deleted_at is not None
    if deleted_at + timedelta(days=days) <= now:
        raise RecordError("contact_id", f"the contact was deleted more than {days} days ago", 410)
    owner = session.get(Account, contact.account_id) if contact.account_id else None
    if owner is not None and owner.deleted_at is not None:
        raise RecordError(
            "contact_id", f"its account {owner.external_id!r} is deleted; restore that first", 409
        )
    contact.deleted_at = None
    session.flush()
    audit(session, actor, "contact.restore", "contact", contact.id, external_id=contact.external_id)


def _merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge patch (RFC 7396) of a flat attribute object: null removes a key."""
    merged = {**current, **patch}
    return {key: value for key, value in merged.items() if value is not None}


def _without_nulls(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
