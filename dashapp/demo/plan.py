"""The book of business: every account's attributes and the hidden story behind its numbers.

`plan_book` draws, for all accounts at once, what is public (segment, plan, MRR, dates, owner, ...) and what
drives the activity generated later (seats, engagement, growth, the churn story). Churn happens at a
contract renewal (monthly contracts renew every month), 10-20% of accounts over 18 months, more often for
riskier accounts; most churners decline over their last 60-120 days, some leave suddenly while healthy,
and some survivors go through a rough patch of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dashapp.demo import vocab
from dashapp.demo.calendar import DAY, add_months, anniversaries_between, as_day, next_anniversary
from dashapp.demo.names import add_identity, subsidiary_names

ANNUAL_LOGO_CHURN = 0.10
# Raw usage events: daily metrics cover every live day of the history, but the raw events behind them are
# kept only for the last few days, and only while their estimated number stays within a budget. A day of
# raw events for 100,000 accounts is about 20 million rows, more than the whole rest of the book loads in
# the same time, so the window is 7 days for a book of a few hundred accounts, a day or two for ~5,000
# and none from ~10,000 accounts up (`healthdash demo seed --event-days` overrides this).
RAW_EVENT_MAX_DAYS = 7
RAW_EVENT_BUDGET = 2_000_000


@dataclass(frozen=True)
class Window:
    """Days with metrics: `start` up to and including `end` (yesterday: today is not over yet)."""

    start: np.datetime64
    end: np.datetime64
    today: np.datetime64

    @property
    def days(self) -> int:
        return int((self.end - self.start) / DAY) + 1

    @classmethod
    def for_months(cls, today: date, months: int) -> Window:
        now = as_day(today)
        return cls(start=add_months(np.array([now]), -months)[0], end=now - DAY, today=now)


@dataclass(frozen=True)
class BookPlan:
    n_accounts: int
    months: int
    seed: int
    window: Window
    accounts: pd.DataFrame  # public columns, one row per account (`owner` indexes `owners`)
    story: pd.DataFrame  # hidden drivers, same index
    owners: tuple[tuple[str, str], ...]  # (email, name) of the CSM users who own accounts
    raw_event_days: int


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def plan_book(
    n_accounts: int, months: int, seed: int, today: date, raw_event_days: int | None = None
) -> BookPlan:
    """Draw the accounts of a book of `n_accounts` with `months` of history ending yesterday (UTC).

    Everything is a function of the arguments: the same call gives the same plan. `raw_event_days`
    None picks the raw-event window from the budget above.
    """
    if n_accounts < 1:
        raise ValueError("the demo book needs at least one account")
    if months < 1:
        raise ValueError("the demo book needs at least one month of history")
    rng = _rng(seed, 0)
    n = n_accounts
    window = Window.for_months(today, months)
    segment = rng.choice(3, size=n, p=vocab.SEGMENT_SHARE)
    plan = _by_segment(rng, segment, vocab.PLAN_SHARE)
    term = np.asarray(vocab.TERM_CHOICES)[segment, _by_segment(rng, segment, vocab.TERM_SHARE)]
    region = rng.choice(len(vocab.REGIONS), size=n, p=vocab.REGION_SHARE)
    currency = np.where(region == 1, np.where(rng.random(n) < 0.6, 1, 2), 0)
    industry = rng.choice(len(vocab.INDUSTRIES), size=n, p=vocab.INDUSTRY_SHARE)

    median, spread, low, high = (np.asarray(col)[segment] for col in zip(*vocab.SEATS, strict=True))
    seats = np.clip(np.round(median * rng.lognormal(0.0, spread)), low, high).astype(np.int64)
    price = np.asarray(vocab.SEAT_PRICE)[plan] * np.clip(seats / 50.0, 1.0, None) ** -0.08
    mrr_cents = np.round(seats * price * rng.lognormal(0.0, 0.2, n)) * 100

    # About 60% were customers before the window; the rest sign during it (none in its last two weeks).
    existing = rng.random(n) < 0.6
    before = window.start - rng.integers(0, 4 * 365, n) * DAY
    during = window.start + (rng.random(n) * max(window.days - 14, 1)).astype(np.int64) * DAY
    contract_start = np.where(existing, before, during)
    first_day = np.maximum(contract_start, window.start)

    risk = rng.normal(0.0, 1.0, n) + np.asarray([-0.3, 0.0, 0.25])[segment]
    engagement = np.clip(0.42 - 0.05 * risk + rng.normal(0.0, 0.09, n), 0.08, 0.85)
    growth = rng.normal(0.08, 0.18, n)  # yearly drift of usage

    churn_day, sudden = _churn(rng, n, window, months, segment, risk, contract_start, first_day, term)
    churned = ~np.isnat(churn_day)
    renewal = np.where(churned, churn_day, next_anniversary(contract_start, term, np.full(n, window.today)))

    # The churn story: a decline over the last 60-120 days (or none for a sudden churn) ...
    decline_len = rng.integers(60, 121, n)
    decline_end = np.where(churned & ~sudden, churn_day, np.datetime64("NaT"))
    # ... and a rough patch for some survivors: some recover, some are still in it today.
    struggling = ~churned & (rng.random(n) < 0.10)
    patch_start = first_day + (rng.random(n) * ((window.end - first_day) / DAY + 40)).astype(np.int64) * DAY
    patch_end = patch_start + rng.integers(50, 120, n) * DAY
    decline_end = np.where(struggling, patch_end, decline_end)
    decline_start = decline_end - decline_len * DAY
    depth = np.where(struggling, rng.uniform(0.35, 0.75, n), rng.uniform(0.15, 0.55, n))

    # Expansion or contraction at the first renewal inside the window.
    change = rng.choice(3, size=n, p=(0.68, 0.22, 0.10))  # none, expansion, contraction
    factor = np.where(
        change == 1, rng.uniform(1.1, 1.6, n), np.where(change == 2, rng.uniform(0.6, 0.9, n), 1)
    )
    change_day = next_anniversary(contract_start, term, first_day + 30 * DAY)
    change_day = np.where(
        (change > 0) & (change_day < np.minimum(window.end, _or_max(churn_day))),
        change_day,
        np.datetime64("NaT"),
    )
    factor = np.where(np.isnat(change_day), 1.0, factor)
    mrr_before = mrr_cents
    mrr_now = np.round(mrr_cents * factor / 100) * 100

    story = pd.DataFrame(
        {
            "seats": seats,
            "engagement": engagement,
            "growth": growth,
            "risk": risk,
            "first_day": first_day,
            "last_day": np.where(churned, churn_day - DAY, window.end),
            "churn_day": churn_day,
            "sudden": churned & sudden,
            "struggling": struggling,
            "decline_start": decline_start,
            "decline_end": decline_end,
            "recovers": struggling & (patch_end <= window.end),
            "depth": depth,
            "change_day": change_day,
            "mrr_before_cents": mrr_before.astype(np.int64),
            "mrr_now_cents": mrr_now.astype(np.int64),
            "contract_start": contract_start,
            "term": term,
            "onboarding_tau": rng.uniform(12, 45, n),
            "weekend": np.where(
                np.isin(industry, (2, 3, 7)), rng.uniform(0.3, 0.5, n), rng.uniform(0.08, 0.2, n)
            ),
        }
    )
    owners = _owners(n)
    accounts = pd.DataFrame(
        {
            "external_id": np.strings.add("ACME-", np.strings.zfill(np.arange(1, n + 1).astype("U"), 6)),
            "segment": pd.Categorical.from_codes(segment, vocab.SEGMENTS),
            "plan": pd.Categorical.from_codes(plan, vocab.PLANS),
            "industry": pd.Categorical.from_codes(industry, vocab.INDUSTRIES),
            "region": pd.Categorical.from_codes(region, vocab.REGIONS),
            "currency": pd.Categorical.from_codes(currency, vocab.CURRENCIES),
            "owner": _assign_owners(rng, segment, len(owners)),
            "mrr_cents": mrr_now.astype(np.int64),
            "contract_start": contract_start,
            "renewal_date": renewal,
            "churned_at": churn_day,
            "churn_reason": _churn_reasons(rng, churned, sudden),
        }
    )
    add_identity(rng, accounts, story)
    accounts["lifecycle_stage"] = _lifecycle(accounts, term, window)
    accounts["parent"] = _hierarchies(rng, segment, churned)
    subsidiary_names(accounts)
    days = RAW_EVENT_MAX_DAYS if raw_event_days is None else raw_event_days
    if raw_event_days is None:
        per_day = float((seats * engagement * 12).sum())
        days = int(min(RAW_EVENT_MAX_DAYS, RAW_EVENT_BUDGET // max(per_day, 1.0)))
    return BookPlan(
        n_accounts=n,
        months=months,
        seed=seed,
        window=window,
        accounts=accounts,
        story=story,
        owners=owners,
        raw_event_days=max(0, min(days, window.days)),
    )


def _by_segment(rng: np.random.Generator, segment: np.ndarray, shares) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(shares), axis=1)[segment]
    return (rng.random(len(segment))[:, None] > cumulative).sum(axis=1).clip(0, cumulative.shape[1] - 1)


def _or_max(days: np.ndarray) -> np.ndarray:
    return np.where(np.isnat(days), np.datetime64("9999-12-31"), days)


def _churn(rng, n, window, months, segment, risk, contract_start, first_day, term):
    """Who churns, when (at a renewal at least 75 days into the window) and whether it comes out of the blue."""
    lo = first_day + 75 * DAY
    k_first, count = anniversaries_between(contract_start, term, lo, np.full(n, window.end))
    eligible = count > 0
    weight = np.exp(1.1 * risk) * np.asarray([0.5, 1.0, 1.6])[segment]
    target = n * (1 - (1 - ANNUAL_LOGO_CHURN) ** (months / 12))
    scale = target / max(weight[eligible].sum(), 1e-9)
    for _ in range(20):  # probabilities are capped, so spread the excess over the rest
        p = np.minimum(scale * weight, 0.9) * eligible
        if p.sum() >= target * 0.999 or p.sum() == eligible.sum() * 0.9:
            break
        scale *= target / max(p.sum(), 1e-9)
    churned = rng.random(n) < p
    pick = k_first + np.floor(rng.random(n) * np.maximum(count, 1)).astype(np.int64)
    day = add_months(contract_start, pick * term)
    sudden = rng.random(n) < 0.18
    return np.where(churned, day, np.datetime64("NaT")), sudden


def _churn_reasons(rng, churned, sudden) -> pd.Categorical:
    reasons = vocab.CHURN_REASONS_DECLINE + vocab.CHURN_REASONS_SUDDEN
    n = len(churned)
    code = np.where(
        sudden,
        len(vocab.CHURN_REASONS_DECLINE) + rng.integers(0, len(vocab.CHURN_REASONS_SUDDEN), n),
        rng.integers(0, len(vocab.CHURN_REASONS_DECLINE), n),
    )
    return pd.Categorical.from_codes(np.where(churned, code, -1), reasons)


def _owners(n: int) -> tuple[tuple[str, str], ...]:
    count = min(len(vocab.CSM_NAMES), max(3, n // 100))
    people = vocab.CSM_NAMES[:count]
    return tuple((f"{name.split()[0].lower()}.csm@demo.healthdash.local", name) for name in people)


def _assign_owners(rng, segment, n_owners) -> np.ndarray:
    """Every account has a CSM: enterprise and mid-market spread over all of them, SMB pooled on the
    second half (a pooled "digital" book) so books differ in size."""
    owner = rng.integers(0, n_owners, len(segment))
    pooled = n_owners // 2 + owner % max(1, n_owners - n_owners // 2)
    rng.random(len(segment))  # still drawn, so the rest of a seed's book stays as it was
    return np.where(segment < 2, owner, pooled)


def _lifecycle(accounts: pd.DataFrame, term: np.ndarray, window: Window) -> pd.Categorical:
    today = window.today
    tenure = (today - accounts["contract_start"].to_numpy("datetime64[D]")) / DAY
    to_renewal = (accounts["renewal_date"].to_numpy("datetime64[D]") - today) / DAY
    annual = term >= 12
    stage = np.select(
        [accounts["churned_at"].notna().to_numpy(), tenure < 90, annual & (to_renewal <= 90), tenure < 365],
        [4, 0, 3, 1],
        default=2,
    )
    from models.account import LIFECYCLE_STAGES

    return pd.Categorical.from_codes(stage, LIFECYCLE_STAGES)


def _hierarchies(rng, segment, churned) -> np.ndarray:
    """A few enterprise parents, each with 1-4 subsidiaries among the other accounts (-1: no parent)."""
    n = len(segment)
    parent = np.full(n, -1, dtype=np.int64)
    candidates = np.flatnonzero((segment == 0) & ~churned)
    n_parents = min(len(candidates), max(1, n // 150)) if n >= 10 else 0
    if n_parents == 0:
        return parent
    parents = rng.choice(candidates, size=n_parents, replace=False)
    kids = rng.integers(1, 5, n_parents)
    pool = np.setdiff1d(np.arange(n), parents)
    children = rng.choice(pool, size=min(len(pool), int(kids.sum())), replace=False)
    parent[children] = np.repeat(parents, kids)[: len(children)]
    return parent
