"""Write keys for the Segment-compatible API: created and revoked by admins, stored hashed.

A key is 32 random bytes (URL-safe base64 with a `hdwk_` prefix). Only its SHA-256 is stored: a
high-entropy key needs no slow hash, and lookups stay a single indexed read per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import record
from models.ingest import WriteKey
from models.user import User

KEY_PREFIX = "hdwk_"
# last_used_at is refreshed at most this often, so busy keys do not turn every request into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


class WriteKeyError(ValueError):
    """A write key cannot be created or revoked as asked; the message says why."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_write_key(session: Session, name: str, *, actor: User | None = None) -> tuple[WriteKey, str]:
    """Create a key named `name`; returns the row and the key itself (the only time it is available)."""
    name = (name or "").strip()
    if not name:
        raise WriteKeyError("a write key needs a name (e.g. the source that will use it)")
    if len(name) > 100:
        raise WriteKeyError("the name is too long (at most 100 characters)")
    if session.scalar(select(WriteKey).where(WriteKey.name == name, WriteKey.revoked_at.is_(None))):
        raise WriteKeyError(f"an active write key named {name!r} already exists")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = WriteKey(
        name=name, prefix=key[:12], key_hash=hash_key(key), created_by_id=actor.id if actor else None
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "write_key.create", row)
    return row, key


def revoke_write_key(session: Session, ident: str | int, *, actor: User | None = None) -> WriteKey:
    """Revoke by id or by name; requests with the key are refused from then on."""
    query = select(WriteKey).where(WriteKey.revoked_at.is_(None))
    if isinstance(ident, int) or str(ident).isdigit():
        query = query.where(WriteKey.id == int(ident))
    else:
        query = query.where(WriteKey.name == str(ident).strip())
    row = session.scalar(query)
    if row is None:
        raise WriteKeyError(f"no active write key {ident!r}")
    row.revoked_at = datetime.now(UTC)
    _audit(session, actor, "write_key.revoke", row)
    return row


def list_write_keys(session: Session) -> list[WriteKey]:
    return list(session.scalars(select(WriteKey).order_by(WriteKey.revoked_at.is_not(None), WriteKey.name)))


def _audit(session: Session, actor: User | None, action: str, row: WriteKey) -> None:
    record(
        session,
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "cli",
        action=action,
        object_type="write_key",
        object_id=row.id,
        details={"name": row.name, "prefix": row.prefix},
    )


def authenticate_pg(pg: psycopg.Connection, key: str, *, fetch: bool = True):
    """The active key's id for `key` (or None), marking it used at most once per `TOUCH_INTERVAL`.

    One statement on the caller's connection and transaction (the event API's hot path); with
    `fetch=False` it returns the cursor, so a pipeline can send the writes before waiting.
    """
    cur = pg.execute(
        """
        WITH k AS (SELECT id, last_used_at FROM write_keys WHERE key_hash = %s AND revoked_at IS NULL),
        touched AS (
            UPDATE write_keys w SET last_used_at = now() FROM k
            WHERE w.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - %s)
            RETURNING 1)
        SELECT id FROM k
        """,
        (hash_key((key or "")[:200]), TOUCH_INTERVAL),
        prepare=True,
    )
    if not fetch:
        return cur
    row = cur.fetchone()
    return int(row[0]) if row else None
