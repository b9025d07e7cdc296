"""Personal API tokens: the rules shared by the CLI, the settings page and the API's authentication.

A token is `hd_` followed by 43 random URL-safe characters. It is shown once, when created; only its
SHA-256 is stored. No Flask here: callers pass the acting user, and every change is audit-logged.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dashapp.auth_changes import changed
from models.api_token import SCOPES, ApiToken
from models.audit import record
from models.user import User

TOKEN_PREFIX = "hd_"
PREFIX_LENGTH = 11  # characters kept in clear: "hd_" and 8 more
MAX_NAME = 100
MAX_EXPIRY_DAYS = 3650
MAX_ACTIVE_TOKENS = 50  # per user
LAST_USED_RESOLUTION = timedelta(minutes=1)  # `last_used_at` is written at most this often


class TokenError(ValueError):
    """A token cannot be created or changed as asked; the message says why."""


def _now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and 20 <= len(value) <= 200 and value.isascii()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the full token: shown once, never stored


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise TokenError("name: give the token a name (what will use it?)")
    if len(name) > MAX_NAME:
        raise TokenError(f"name: at most {MAX_NAME} characters")
    return name


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise TokenError(f"scope: {scope!r} is not one of {', '.join(SCOPES)}")
    return scope


def check_expiry_days(days: int | None) -> int | None:
    if days is None:
        return None
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise TokenError(f"expires: {days} days is outside 1 to {MAX_EXPIRY_DAYS}")
    return days


def status(token: ApiToken, now: datetime | None = None) -> str:
    """active, expired or revoked."""
    now = now or _now()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def create_token(
    session: Session,
    owner: User,
    *,
    name: str,
    scope: str = "read",
    expires_days: int | None = None,
    actor: User | None = None,
) -> NewToken:
    """Validate and add a token for `owner` (flushed, not committed). Raises `TokenError` on bad input."""
    name = check_name(name)
    check_scope(scope)
    days = check_expiry_days(expires_days)
    if not owner.is_active:
        raise TokenError(f"{owner.email} is deactivated; tokens cannot be created for them")
    active = [t for t in list_tokens(session, owner) if status(t) == "active"]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise TokenError(f"{owner.email} already has {MAX_ACTIVE_TOKENS} active tokens; revoke some first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=owner.id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_token(secret),
        scope=scope,
        expires_at=_now() + timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    _audit(session, actor, "token.create", token, owner, {"name": name, "scope": scope, "expires_days": days})
    return NewToken(token=token, secret=secret)


def list_tokens(session: Session, owner: User | None = None) -> list[ApiToken]:
    """A user's tokens (everyone's with no owner), newest first."""
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if owner is not None:
        stmt = stmt.where(ApiToken.user_id == owner.id)
    return list(session.scalars(stmt))


def revoke_token(session: Session, token_id: int, *, actor: User | None = None) -> ApiToken:
    """Revoke a token. With an `actor`, only their own tokens (or any, for user managers)."""
    from dashapp.auth.permissions import can

    token = session.get(ApiToken, token_id)
    if token is None or (actor is not None and token.user_id != actor.id and not can(actor, "manage_users")):
        raise TokenError(f"there is no token #{token_id}" + ("" if actor is None else " of yours"))
    if token.revoked_at is None:
        token.revoked_at = _now()
        changed(session)
        owner = session.get(User, token.user_id)
        _audit(session, actor, "token.revoke", token, owner, {"name": token.name})
    return token


def own_token(session: Session, owner: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != owner.id:
        raise TokenError(f"there is no token #{token_id} of yours")
    return token


def rename_token(session: Session, owner: User, token_id: int, name: str) -> ApiToken:
    """Rename one of `owner`'s tokens (revoked ones too: the name is how people recognise them)."""
    token = own_token(session, owner, token_id)
    previous, token.name = token.name, check_name(name)
    changed(session)
    _audit(session, owner, "token.rename", token, owner, {"from": previous, "to": token.name})
    return token


@dataclass(frozen=True)
class Authenticated:
    """Who a request acts for: the token (None for a browser session) and its owner."""

    user: User
    token: ApiToken | None

    def allows(self, scope: str) -> bool:
        return self.token.allows(scope) if self.token is not None else scope == "read"


def authenticate(
    session: Session, secret: str, now: datetime | None = None
) -> tuple[Authenticated | None, str]:
    """The token and its owner for `secret`, or None and why not (for the 401 detail).

    One query; `last_used_at` is written at most once per `LAST_USED_RESOLUTION`, so reads stay cheap.
    """
    now = now or _now()
    if not looks_like_token(secret):
        return None, "The bearer token is malformed; API tokens start with 'hd_'."
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(secret))
    ).first()
    if row is None:
        return None, "The bearer token is not valid."
    token, user = row
    state = status(token, now)
    if state != "active":
        return None, f"The bearer token is {state}."
    if not user.is_active:
        return None, "The token's owner is deactivated."
    touch(session, token, now)
    return Authenticated(user=user, token=token), ""


def touch(session: Session, token: ApiToken, now: datetime) -> None:
    """Record a use of `token`: at most one write per `LAST_USED_RESOLUTION` (committed at once)."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    set_committed_value(token, "last_used_at", now)  # as stored; not a pending change


def _audit(
    session: Session, actor: User | None, action: str, token: ApiToken, owner: User | None, details: dict
) -> None:
    record(
        session,
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "cli",
        action=action,
        object_type="api_token",
        object_id=token.id,
        details={"owner": owner.email if owner else None, "prefix": token.prefix, **details},
    )
