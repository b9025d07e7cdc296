"""Write keys for the Segment-compatible API: created and revoked by admins, stored hashed.

A key is 32 random bytes (URL-safe base64 with a `hdwk_` prefix). Only its SHA-256 is stored: a
high-entropy key needs no slow hash, and lookups stay a single indexed read per request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.ingest.fields import ACCOUNT_FIELDS
from dashapp.ingest.payload import Group
from models.audit import record
from models.ingest import DEFAULT_WRITE_KEY_FIELDS, WriteKey
from models.user import User

KEY_PREFIX = "hdwk_"
# last_used_at is refreshed at most this often, so busy keys do not turn every request into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


# What an allow-list may name: account fields a `group` call can carry, and `custom` (custom attributes).
ALLOWABLE_FIELDS = (*(f.name for f in ACCOUNT_FIELDS if f.name not in ("external_id", "owner")), "custom")
# Custom attributes that link billing data to an account: only with `custom.<name>` on the key's list.
PROTECTED_CUSTOM = ("stripe_customer_id",)


class WriteKeyError(ValueError):
    """A write key cannot be created or revoked as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class AuthenticatedKey:
    id: int
    name: str
    prefix: str
    account_fields: frozenset[str]

    @property
    def actor(self) -> str:
        return f"write_key:{self.name} ({self.prefix})"


def check_fields(fields: Iterable[str]) -> list[str]:
    """Validate an allow-list; `custom.<name>` allows one protected custom attribute."""
    out: list[str] = []
    for raw in fields:
        name = raw.strip()
        if not name:
            continue
        allowed = name in ALLOWABLE_FIELDS or name in (f"custom.{c}" for c in PROTECTED_CUSTOM)
        if not allowed:
            raise WriteKeyError(
                f"{name!r} is not an account field a write key can set; use: {', '.join(ALLOWABLE_FIELDS)}"
            )
        if name not in out:
            out.append(name)
    return out


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_write_key(
    session: Session,
    name: str,
    *,
    actor: User | None = None,
    account_fields: Iterable[str] | None = None,
) -> tuple[WriteKey, str]:
    """Create a key named `name`; returns the row and the key itself (the only time it is available).

    `account_fields`: what its `group` calls may change (default: DEFAULT_WRITE_KEY_FIELDS)."""
    fields = check_fields(DEFAULT_WRITE_KEY_FIELDS if account_fields is None else account_fields)
    name = (name or "").strip()
    if not name:
        raise WriteKeyError("a write key needs a name (e.g. the source that will use it)")
    if len(name) > 100:
        raise WriteKeyError("the name is too long (at most 100 characters)")
    if session.scalar(select(WriteKey).where(WriteKey.name == name, WriteKey.revoked_at.is_(None))):
        raise WriteKeyError(f"an active write key named {name!r} already exists")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = WriteKey(
        name=name,
        prefix=key[:12],
        key_hash=hash_key(key),
        created_by_id=actor.id if actor else None,
        account_fields=fields,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "write_key.create", row)
    return row, key


def set_account_fields(
    session: Session, ident: str | int, fields: Iterable[str], *, actor: User | None = None
) -> WriteKey:
    """Replace the allow-list of the active key with id or name `ident`."""
    row = _active(session, ident)
    before = list(row.account_fields)
    row.account_fields = check_fields(fields)
    _audit(session, actor, "write_key.fields", row, before=before, after=list(row.account_fields))
    return row


def _active(session: Session, ident: str | int) -> WriteKey:
    query = select(WriteKey).where(WriteKey.revoked_at.is_(None))
    if isinstance(ident, int) or str(ident).isdigit():
        query = query.where(WriteKey.id == int(ident))
    else:
        query = query.where(WriteKey.name == str(ident).strip())
    row = session.scalar(query)
    if row is None:
        raise WriteKeyError(f"no active write key {ident!r}")
    return row


def revoke_write_key(session: Session, ident: str | int, *, actor: User | None = None) -> WriteKey:
    """Revoke by id or by name; requests with the key are refused from then on."""
    row = _active(session, ident)
    row.revoked_at = datetime.now(UTC)
    _audit(session, actor, "write_key.revoke", row)
    return row


def list_write_keys(session: Session) -> list[WriteKey]:
    return list(session.scalars(select(WriteKey).order_by(WriteKey.revoked_at.is_not(None), WriteKey.name)))


def _audit(session: Session, actor: User | None, action: str, row: WriteKey, **extra: object) -> None:
    record(
        session,
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "cli",
        action=action,
        object_type="write_key",
        object_id=row.id,
        details={"name": row.name, "prefix": row.prefix, **extra},
    )


def authenticate_pg(pg: psycopg.Connection, key: str) -> AuthenticatedKey | None:
    """The active key for `key` (or None), marking it used at most once per `TOUCH_INTERVAL`.

    One statement on the caller's connection and transaction (the event API's hot path). An unknown key
    reads one index entry and locks nothing.
    """
    cur = pg.execute(
        """
        WITH k AS (SELECT id, name, prefix, account_fields, last_used_at FROM write_keys
                   WHERE key_hash = %s AND revoked_at IS NULL),
        touched AS (
            UPDATE write_keys w SET last_used_at = now() FROM k
            WHERE w.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - %s)
            RETURNING 1)
        SELECT id, name, prefix, account_fields FROM k
        """,
        (hash_key((key or "")[:200]), TOUCH_INTERVAL),
        prepare=True,
    )
    row = cur.fetchone()
    if row is None:
        return None
    return AuthenticatedKey(int(row[0]), row[1], row[2], frozenset(row[3] or ()))


def restrict(op: Group, allowed: frozenset[str]) -> list[str]:
    """Drop from a `group` call the traits its key may not set; returns the names of those dropped."""
    dropped = [name for name in op.columns if name not in allowed]
    for name in dropped:
        del op.columns[name]
    if op.parent is not None and "parent" not in allowed:
        op.parent = None
        dropped.append("parent")
    for name in list(op.custom):
        protected = name in PROTECTED_CUSTOM
        if (f"custom.{name}" not in allowed) if protected else ("custom" not in allowed):
            del op.custom[name]
            dropped.append(f"custom.{name}")
    return dropped
