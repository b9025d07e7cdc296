"""Creating and changing users: the rules shared by the CLI, the admin page and the API.

There is always an active administrator: demoting or deactivating the last one is refused. `via` adds
where a change came from (the API's source and token) to its audit entry."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, is_common
from dashapp.auth_changes import changed
from models.audit import record
from models.user import ROLES, THEMES, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$")


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password is too short: use at least {MIN_PASSWORD_LENGTH} characters")
    if is_common(password):
        raise UserError(
            "password is too commonly used (it appears in lists of breached passwords): choose another"
        )
    return password


def revoke_sessions(user: User) -> None:
    """End every session and remember cookie of `user` (see dashapp.auth.sessions) once committed."""
    user.session_generation = (user.session_generation or 0) + 1


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    name: str = "",
    actor: User | None = None,
    via: dict[str, Any] | None = None,
) -> User:
    """Validate and add a user (flushed, not committed). Raises `UserError` on bad input or a duplicate."""
    email = normalise_email(email)
    check_role(role)
    check_password(password)
    if find_by_email(session, email) is not None:
        raise UserError(f"a user with email {email} already exists")
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    _audit(session, actor, "user.create", user, {"role": role, **(via or {})})
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse a change that would leave no active administrator (nobody could manage users any more)."""
    if user.role != "admin" or not user.is_active:
        return
    others = session.scalar(
        select(func.count()).where(User.role == "admin", User.is_active.is_(True), User.id != user.id)
    )
    if not others:
        raise UserError(f"{user.email} is the last active admin; make another user admin first")


def set_role(
    session: Session, user: User, role: str, *, actor: User | None = None, via: dict[str, Any] | None = None
) -> None:
    check_role(role)
    previous = user.role
    if role == previous:
        return
    _keep_an_admin(session, user)
    user.role = role
    revoke_sessions(user)
    changed(session)
    _audit(session, actor, "user.set_role", user, {"from": previous, "to": role, **(via or {})})


def set_active(
    session: Session,
    user: User,
    active: bool,
    *,
    actor: User | None = None,
    via: dict[str, Any] | None = None,
) -> None:
    if actor is not None and actor.id == user.id and not active:
        raise UserError("you cannot deactivate your own account")
    if user.is_active == active:
        return
    if not active:
        _keep_an_admin(session, user)
    user.is_active = active
    if not active:
        revoke_sessions(user)
    changed(session)
    _audit(session, actor, "user.activate" if active else "user.deactivate", user, dict(via or {}))


def set_manager(
    session: Session,
    user: User,
    manager_id: int | None,
    *,
    actor: User | None = None,
    via: dict[str, Any] | None = None,
) -> None:
    """Who `user` reports to (None: nobody); not themselves, and not someone who reports to them."""
    if manager_id == user.manager_id:
        return
    if manager_id is not None:
        if manager_id == user.id:
            raise UserError("a user cannot be their own manager")
        seen, current = {user.id}, session.get(User, manager_id)
        if current is None:
            raise UserError(f"there is no user {manager_id}")
        while current is not None:  # walk up from the new manager: meeting `user` would make a loop
            if current.id in seen:
                raise UserError(f"user {manager_id} reports to {user.email}; that would make a loop")
            seen.add(current.id)
            current = session.get(User, current.manager_id) if current.manager_id else None
    previous, user.manager_id = user.manager_id, manager_id
    changed(session)
    _audit(session, actor, "user.set_manager", user, {"from": previous, "to": manager_id, **(via or {})})


def set_password(session: Session, user: User, password: str, *, actor: User | None = None) -> None:
    user.password_hash = hash_password(check_password(password))
    revoke_sessions(user)
    changed(session)
    _audit(session, actor, "user.set_password", user, {})


def set_theme(session: Session, user: User, theme: str) -> None:
    if theme not in THEMES:
        raise UserError(f"theme {theme!r} is not one of {', '.join(THEMES)}")
    user.theme = theme


def _audit(session: Session, actor: User | None, action: str, user: User, details: dict) -> None:
    record(
        session,
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "cli",
        action=action,
        object_type="user",
        object_id=user.id,
        details={"email": user.email, **details},
    )
