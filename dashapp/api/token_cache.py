"""Who a bearer token acts for, remembered for a few seconds per process, so a read costs no database
query for authentication.

An entry is trusted only while (a) it is younger than `TTL_SECONDS`, (b) the install's change counter in
Redis (`dashapp.auth_changes`) still has the value read *before* the entry was loaded from the database,
and (c) the token has not expired since. Revoking or renaming a token, or deactivating its owner or
changing their role, moves the counter after the commit, so every process forgets its entries at once.
When Redis cannot be read, nothing is cached or trusted: every request asks the database.

Cached users and tokens are detached copies: no request's session can expire or change them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from flask import g
from sqlalchemy.orm import Session

from dashapp.auth_changes import epoch_key
from dashapp.extensions import runtime
from dashapp.tokens import Authenticated, authenticate, hash_token, looks_like_token, status, touch

TTL_SECONDS = 30.0
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    who: Authenticated
    epoch: bytes
    until: float  # time.monotonic() deadline


_entries: dict[str, _Entry] = {}
_lock = threading.Lock()


def _epoch() -> bytes | None:
    """The change counter: as read with the rate-limit counts (same round trip), else read now."""
    if "api_epoch" in g:
        return g.api_epoch
    rt = runtime()
    try:
        return rt.redis.get(epoch_key(rt.settings)) or b"0"
    except redis.RedisError:
        return None


def lookup(session: Session, secret: str) -> tuple[Authenticated | None, str]:
    """As `dashapp.tokens.authenticate` (the token and its owner, or None and why not), cached."""
    if not looks_like_token(secret):
        return authenticate(session, secret)
    digest = hash_token(secret)
    epoch = _epoch()
    now = datetime.now(UTC)
    entry = _entries.get(digest)
    if entry is not None and epoch is not None and entry.epoch == epoch and time.monotonic() < entry.until:
        state = status(entry.who.token, now)  # type: ignore[arg-type]
        if state != "active":
            return None, f"The bearer token is {state}."
        touch(session, entry.who.token, now)  # type: ignore[arg-type]
        return entry.who, ""
    who, why = authenticate(session, secret, now)
    if who is not None and epoch is not None:
        session.expunge(who.token)
        session.expunge(who.user)
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[digest] = _Entry(who, epoch, time.monotonic() + TTL_SECONDS)
    return who, why
