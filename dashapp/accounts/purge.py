"""Purging accounts and contacts deleted longer ago than the retention period (DELETED_RETENTION_DAYS).

Until then a deleted account can be restored; after, it is removed for good, with everything that hangs
off it (the foreign keys cascade or clear). One audit entry per purge run names what went.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models.account import Account, Contact
from models.audit import record

MAX_LISTED = 100  # external ids named in the audit entry; the counts are always complete


def purge_deleted(session: Session, now: datetime, days: int) -> dict[str, int]:
    """Remove the accounts and contacts deleted `days` or more before `now`; returns the counts."""
    cutoff = now - timedelta(days=days)
    contacts = session.scalars(
        delete(Contact).where(Contact.deleted_at <= cutoff).returning(Contact.external_id)
    ).all()
    accounts = session.scalars(
        delete(Account).where(Account.deleted_at <= cutoff).returning(Account.external_id)
    ).all()
    counts = {"accounts": len(accounts), "contacts": len(contacts)}
    if accounts or contacts:
        details = {**counts, "retention_days": days, "accounts_purged": sorted(accounts)[:MAX_LISTED]}
        record(session, actor_id=None, actor="system", action="account.purge", object_type="account",
               details=details)  # fmt: skip
    return counts
