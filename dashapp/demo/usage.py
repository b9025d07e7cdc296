"""Daily product usage of a block of accounts: one row per live account-day, computed on an accounts x days
grid with numpy (the only loops are over the ten features).

Expected daily active users = seats x engagement x weekday x onboarding ramp x growth x decline x slow
noise; the counts are Poisson draws around it. Sessions, logins, per-feature events and page views follow
from the active users, so the numbers obey the roll-up definitions in `models/conventions.py`: every
active user has a session, sessions <= 6 x active users, every session has an event, logins <= sessions,
events = logins + feature events + page views.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from dashapp.demo import vocab
from dashapp.demo.calendar import DAY
from dashapp.demo.plan import Window

N_FEATURES = len(vocab.FEATURES)
WEEKDAY = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.0, 0.0])  # Monday first; weekends per account


@dataclass
class Grid:
    """Per-account day indexes and the decline progress of every account-day of a block."""

    first: np.ndarray  # (B,) first live day index
    last: np.ndarray  # (B,) last live day index
    live: np.ndarray  # (B, T) bool
    progress: np.ndarray  # (B, T) 0 (healthy) .. 1 (at the bottom of a decline)
    weekday: np.ndarray  # (T,) 0 = Monday
    new: np.ndarray  # (B,) signed during the window (so onboarding shows)


def day_index(days: np.ndarray, window: Window) -> np.ndarray:
    """Day number within the window (NaT -> a large sentinel)."""
    idx = (np.asarray(days, "datetime64[D]") - window.start) / DAY
    return np.where(np.isnan(idx), 10**6, idx).astype(np.int64)


def make_grid(story: pd.DataFrame, window: Window) -> Grid:
    t = np.arange(window.days)
    first = day_index(story["first_day"].to_numpy(), window)
    last = day_index(story["last_day"].to_numpy(), window)
    live = (t >= first[:, None]) & (t <= last[:, None])
    d_start = day_index(story["decline_start"].to_numpy(), window)[:, None]
    d_end = day_index(story["decline_end"].to_numpy(), window)[:, None]
    span = np.maximum(d_end - d_start, 1)
    going_down = np.clip((t - d_start) / span, 0.0, 1.0)
    # Survivors who recover climb back over 30 days; churners never reach their decline_end alive.
    coming_back = np.clip(1.0 - (t - d_end) / 30.0, 0.0, 1.0)
    progress = np.where(t <= d_end, going_down, coming_back)
    weekday = ((window.start - np.datetime64("1970-01-05")) / DAY + t) % 7
    new = story["first_day"].to_numpy() > window.start
    return Grid(
        first=first, last=last, live=live, progress=progress, weekday=weekday.astype(np.int64), new=new
    )


@dataclass
class Usage:
    account: np.ndarray  # block-local account index per row
    day: np.ndarray  # day index within the window
    active_users: np.ndarray
    sessions: np.ndarray
    logins: np.ndarray
    pages: np.ndarray
    features: np.ndarray  # (N_FEATURES, rows)

    @property
    def events(self) -> np.ndarray:
        return self.logins + self.pages + self.features.sum(axis=0)


def daily_usage(
    rng: np.random.Generator, story: pd.DataFrame, plan_codes: np.ndarray, window: Window, grid: Grid
) -> Usage:
    b, days = grid.live.shape
    t = np.arange(days)
    seats = story["seats"].to_numpy().astype(float)

    weekend = story["weekend"].to_numpy()[:, None]
    weekday = np.where(grid.weekday >= 5, weekend, WEEKDAY[grid.weekday][None, :])
    age = np.maximum(t - grid.first[:, None], 0)
    ramp = np.where(
        grid.new[:, None], 0.15 + 0.85 * (1 - np.exp(-age / story["onboarding_tau"].to_numpy()[:, None])), 1.0
    )
    trend = np.exp(story["growth"].to_numpy()[:, None] * (t - (days - 1)) / 365.0)
    change = day_index(story["change_day"].to_numpy(), window)[:, None]
    before = story["mrr_before_cents"].to_numpy() / np.maximum(story["mrr_now_cents"].to_numpy(), 1)
    trend = trend * np.where(t < change, np.clip(before, 0.5, 2.0)[:, None], 1.0)
    depth = story["depth"].to_numpy()[:, None]
    decline = 1.0 - (1.0 - depth) * grid.progress
    wobble = np.exp(lfilter([1.0], [1.0, -0.85], rng.normal(0.0, 0.08, (b, days)), axis=1))

    base = seats[:, None] * story["engagement"].to_numpy()[:, None]
    expected = base * weekday * ramp * trend * decline * wobble
    live = grid.live
    active = np.where(live, rng.poisson(expected), 0)

    extra = rng.uniform(0.2, 1.0, b)[:, None] * np.sqrt(decline)
    sessions = active + np.minimum(rng.poisson(active * extra), 5 * active)
    logins = rng.binomial(sessions, rng.uniform(0.4, 0.9, b)[:, None])
    pages = rng.poisson(sessions * rng.uniform(0.8, 2.0, b)[:, None])

    using = _features_in_use(rng, story, plan_codes, window, grid)  # (F, B, T)
    weight = rng.gamma(2.0, 1.0, (N_FEATURES, b)) * np.linspace(1.6, 0.6, N_FEATURES)[:, None]
    per_session = rng.uniform(2.0, 6.0, b) / weight.sum(axis=0)
    using &= (sessions > 0)[None, :, :]
    rate = (weight * per_session)[:, :, None] * sessions[None, :, :]
    features = np.zeros(using.shape, dtype=np.int64)
    features[using] = rng.poisson(rate[using])
    # Every session has at least one event: top up page views where needed.
    short = sessions - (logins + pages + features.sum(axis=0))
    pages = pages + np.maximum(short, 0)

    rows_b, rows_t = np.nonzero(live)
    return Usage(
        account=rows_b,
        day=rows_t,
        active_users=active[live],
        sessions=sessions[live],
        logins=logins[live],
        pages=pages[live],
        features=features[:, live],
    )


def _features_in_use(rng, story, plan_codes, window, grid) -> np.ndarray:
    """(F, B, T): features adopted by that day and not (yet) abandoned in a decline."""
    b, days = grid.live.shape
    t = np.arange(days)
    reach = np.asarray(vocab.FEATURE_REACH)[:, None] * (0.6 + story["engagement"].to_numpy()[None, :])
    allowed = plan_codes[None, :] >= np.asarray(vocab.FEATURE_MIN_PLAN)[:, None]
    adopts = (rng.random((N_FEATURES, b)) < reach) & allowed
    adopts[0] = True
    contract = day_index(story["first_day"].to_numpy(), window)  # adoption counts from the first live day
    start_offset = np.where(
        story["first_day"].to_numpy() > window.start,
        0,
        -((window.start - _contract_start(story)) / DAY),
    ).astype(np.int64)
    delay = rng.exponential(1.0, (N_FEATURES, b)) * (10 + 25 * np.arange(N_FEATURES))[:, None]
    adopted_on = contract[None, :] + start_offset[None, :] + delay.astype(np.int64)
    adopted_on[0] = contract
    # In a decline, feature f (not the core one) is dropped once progress passes its threshold.
    threshold = rng.uniform(0.25, 1.3, (N_FEATURES, b))
    threshold[0] = 9.0
    in_use = adopts[:, :, None] & (t[None, None, :] >= adopted_on[:, :, None])
    return in_use & (grid.progress[None, :, :] < threshold[:, :, None])


def _contract_start(story: pd.DataFrame) -> np.ndarray:
    return story["contract_start"].to_numpy("datetime64[D]")
