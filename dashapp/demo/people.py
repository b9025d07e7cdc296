"""Contacts: the people at each customer a CS team deals with (champion, sponsor, admins, users).

They are also the first product users of their account: user k of an account is contact k when k is below
the number of contacts, so raw usage events link to contacts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashapp.demo import vocab
from dashapp.demo.ragged import sequence


def contact_counts(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    low, high = (np.asarray(col)[segment] for col in zip(*vocab.CONTACTS, strict=True))
    return rng.integers(low, high + 1)


def contacts(rng: np.random.Generator, n_contacts: np.ndarray, last_active: np.ndarray) -> pd.DataFrame:
    """`last_active`: epoch second of each account's last day with activity (-1: none)."""
    account = np.repeat(np.arange(len(n_contacts)), n_contacts)
    seq = sequence(account)
    n = len(account)
    seen = (last_active[account] >= 0) & (rng.random(n) < 0.85)
    return pd.DataFrame(
        {
            "account": account,
            "seq": seq,
            "first_name": rng.integers(0, len(vocab.PERSON_FIRST), n),
            "last_name": rng.integers(0, len(vocab.PERSON_LAST), n),
            "title": rng.integers(0, len(vocab.TITLES), n),
            "role": np.minimum(seq, len(vocab.CONTACT_ROLES) - 1),
            "last_seen_at": np.where(seen, last_active[account] + rng.integers(8 * 3600, 18 * 3600, n), -1),
        }
    )
