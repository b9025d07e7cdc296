"""A book with churn history and custom attributes only (the shape of a CSV import), quick to train on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from models.account import Account

TIERS = ("bronze", "silver", "gold")


def seed_attribute_book(
    session: Session, *, accounts: int = 400, seed: int = 3, prefix: str = "cb"
) -> list[str]:
    """Accounts whose churn depends on their `tier` and `seats` attributes and their segment. Returns the
    external ids of the accounts still open."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    open_ids = []
    for i in range(accounts):
        tier = TIERS[i % 3]
        seats = int(rng.integers(1, 200))
        segment = ("smb", "mid-market", "enterprise")[int(rng.integers(0, 3))]
        risk = {"bronze": 0.55, "silver": 0.3, "gold": 0.1}[tier] * (1.6 if seats < 20 else 0.6)
        churned = rng.random() < min(0.95, risk)
        external_id = f"{prefix}-{i:04d}"
        session.add(
            Account(
                external_id=external_id,
                name=f"Attribute account {i:04d}",
                segment=segment,
                custom_attributes={"tier": tier, "seats": str(seats)},
                churned_at=now - timedelta(days=int(rng.integers(1, 300))) if churned else None,
            )
        )
        if not churned:
            open_ids.append(external_id)
    session.flush()
    return open_ids
