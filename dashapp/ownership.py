"""Who owns accounts: assign (or clear) the owner of some accounts, validated and audited; the people an
owner can be; which accounts a user may act on. Shared by the API, the pages and scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true, update
from sqlalchemy.orm import Session

from models.account import Account
from models.audit import record
from models.user import User

OWNER_ROLES = ("csm", "manager", "admin")
MAX_ASSIGN = 10_000


class OwnershipError(ValueError):
    """Bad input; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def actable_accounts(user: Any) -> ColumnElement[bool]:
    """Accounts `user` may act on (alerts, tasks, notes): admins all; managers their team (their reports'
    accounts and their own); CSMs their own; viewers none. A condition on `Account`."""
    role = getattr(user, "role", None)
    if role == "admin":
        return true()
    if role == "manager":
        reports = select(User.id).where(User.manager_id == user.id)
        return or_(Account.owner_id == user.id, Account.owner_id.in_(reports))
    if role == "csm":
        return Account.owner_id == user.id
    return false()


def possible_owners(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.is_active, User.role.in_(OWNER_ROLES)).order_by(User.name, User.email)
        )
    )


def assign_owner(session: Session, account_ids: Sequence[int], owner_id: int | None, actor: Any) -> int:
    """Set the owner of `account_ids` (None clears it) in one statement; returns how many changed.
    Flushes, never commits."""
    ids = sorted({int(i) for i in account_ids})
    if not ids:
        raise OwnershipError("accounts", "choose at least one account")
    if len(ids) > MAX_ASSIGN:
        raise OwnershipError("accounts", f"at most {MAX_ASSIGN:,} accounts at once")
    if owner_id is not None:
        owner = session.get(User, owner_id)
        if owner is None:
            raise OwnershipError("owner_id", f"there is no user {owner_id}")
        if not owner.is_active or owner.role not in OWNER_ROLES:
            raise OwnershipError(
                "owner_id", f"{owner.email} cannot own accounts (an active {', '.join(OWNER_ROLES)})"
            )
    found = set(session.scalars(select(Account.id).where(Account.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise OwnershipError("accounts", f"there is no account {missing[0]}")
    changed = session.execute(
        update(Account)
        .where(Account.id.in_(ids), Account.owner_id.is_distinct_from(owner_id))
        .values(owner_id=owner_id)
    ).rowcount
    record(
        session,
        actor_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", "cli"),
        action="accounts.assign_owner",
        object_type="account",
        object_id=str(ids[0]) if len(ids) == 1 else None,
        details={"owner_id": owner_id, "accounts": len(ids), "changed": changed},
    )
    session.flush()
    return changed
