"""Raw usage events behind the last few days of daily metrics.

For each account-day the events are laid out so that the roll-up in `models/conventions.py` gives back the
day's metrics exactly: `active_users` distinct users each open at least one session, a session is a
distinct (user, hour) pair (a user's sessions take consecutive hours), every session has an event,
`logins` events are "Signed In", each feature gets its count of track events carrying
`properties.feature`, and page views make up the rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashapp.demo import vocab
from dashapp.demo.ragged import offsets, within
from dashapp.demo.usage import N_FEATURES, Usage

LOGIN = 0  # label codes: 0 login, 1..N_FEATURES features, then pages
FIRST_PAGE = 1 + N_FEATURES


def raw_events(
    rng: np.random.Generator, usage: Usage, seats: np.ndarray, first_day: int, day0: int
) -> pd.DataFrame:
    """Events for the usage rows on or after day index `first_day` (block-local `account`)."""
    keep = (usage.day >= first_day) & (usage.active_users > 0)
    account = usage.account[keep]
    day = usage.day[keep]
    active = usage.active_users[keep]
    sessions = usage.sessions[keep]
    logins = usage.logins[keep]
    features = usage.features[:, keep]
    events = logins + features.sum(axis=0) + usage.pages[keep]
    rows = len(account)

    # Users: the active ones are a run of the account's user pool starting at a random place.
    pool = np.maximum(seats[account], active)
    rotation = (rng.random(rows) * pool).astype(np.int64)
    start_hour = rng.integers(6, 17, int(active.sum()))  # per active user of each row

    # Sessions: the first `active` go one to each user; the others cycle over the users again.
    s_row = np.repeat(np.arange(rows), sessions)
    s_idx = within(sessions)
    s_user = s_idx % active[s_row]
    s_round = s_idx // active[s_row]
    s_hour = (start_hour[offsets(active)[s_row] + s_user] + s_round) % 24

    # Events: label by position (logins, then each feature, then pages); the first events open the
    # sessions in order, so logins start sessions, and the rest land in random sessions of the day.
    e_row = np.repeat(np.arange(rows), events)
    e_idx = within(events)
    bounds = np.cumsum(np.vstack([logins[None, :], features]), axis=0)  # (1 + F, rows)
    label = (e_idx[None, :] >= bounds[:, e_row]).sum(axis=0)
    pages = label == FIRST_PAGE
    label = np.where(pages, FIRST_PAGE + rng.integers(0, len(vocab.PAGES), len(e_row)), label)
    n_sessions = sessions[e_row]
    e_session = np.where(e_idx < n_sessions, e_idx, (rng.random(len(e_row)) * n_sessions).astype(np.int64))
    session = offsets(sessions)[e_row] + e_session
    minute = np.where(label == LOGIN, rng.integers(0, 120, len(e_row)), rng.integers(120, 3600, len(e_row)))
    occurred = (day0 + day[e_row]) * 86400 + s_hour[session] * 3600 + minute
    user = (rotation[e_row] + s_user[session]) % pool[e_row]
    return pd.DataFrame(
        {
            "account": account[e_row],
            "day": day[e_row],
            "seq": e_idx,
            "user": user,
            "label": label,
            "occurred_at": occurred,
            "received_at": occurred + rng.integers(1, 30, len(e_row)),
        }
    )


def label_names() -> tuple[list[str], list[str], list[str]]:
    """Per label code: event name, event type, properties JSON."""
    names = [vocab.LOGIN_EVENT, *vocab.FEATURE_ACTIONS, *vocab.PAGES]
    types = ["track"] * (1 + N_FEATURES) + ["page"] * len(vocab.PAGES)
    props = ["{}"] + [f'{{"feature": "{f}"}}' for f in vocab.FEATURES]
    props += [f'{{"path": "/{p.lower()}"}}' for p in vocab.PAGES]
    return names, types, props
