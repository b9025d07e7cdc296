"""Which series get forecast, and each one's daily history read from the stored data.

Keys name a series as `scope:value:metric`:
- `book:all:<metric>` and `segment:<segment>:<metric>` for the book and each segment, with metrics
  `avg_score` (mean health score), `share_red` / `share_yellow` / `share_green` (% of scored accounts in
  the band), `active_users` (sum of daily active users from `account_daily_metrics`) and `mrr`;
- `account:<account id>:score` for each at-risk (red) account and the top accounts by ARR.

MRR history: the book keeps each account's current MRR only, so the MRR on a day is the sum of the current
MRR of the accounts under contract that day (started on or before it, not churned by it), in the reporting
currency at the latest day's rate. Expansion and contraction before today are not in it; new and churned
accounts are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Date, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from dashapp.money import Money
from models.account import Account, live
from models.activity import AccountDailyMetric
from models.health import AccountHealth, HealthSnapshot

HISTORY_DAYS = 730
TOP_ACCOUNTS = 25  # by ARR, beside every red account
MAX_ACCOUNTS = 200
GROUP_METRICS = ("avg_score", "share_red", "share_yellow", "share_green", "active_users", "mrr")
METRIC_LABELS = {
    "avg_score": "Average health score",
    "share_red": "Accounts in red (%)",
    "share_yellow": "Accounts in yellow (%)",
    "share_green": "Accounts in green (%)",
    "active_users": "Active users",
    "mrr": "MRR",
    "score": "Health score",
}
BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "avg_score": (0.0, 100.0),
    "share_red": (0.0, 100.0),
    "share_yellow": (0.0, 100.0),
    "share_green": (0.0, 100.0),
    "active_users": (0.0, None),
    "mrr": (0.0, None),
    "score": (0.0, 100.0),
}


@dataclass(frozen=True)
class SeriesKey:
    scope: str  # book | segment | account
    value: str  # "all", a segment name, or an account id
    metric: str

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.value}:{self.metric}"

    @property
    def account_id(self) -> int | None:
        return int(self.value) if self.scope == "account" else None

    def label(self, account_name: str | None = None) -> str:
        metric = METRIC_LABELS[self.metric]
        if self.scope == "book":
            return f"{metric} · whole book"
        if self.scope == "segment":
            return f"{metric} · segment {self.value}"
        return f"{metric} · {account_name or 'account ' + self.value}"

    @classmethod
    def parse(cls, key: str) -> SeriesKey:
        scope, sep, rest = key.partition(":")
        value, sep2, metric = rest.rpartition(":")
        if not (sep and sep2 and value):
            raise ValueError(f"{key!r} is not a series key like book:all:avg_score")
        if scope in ("book", "segment") and metric in GROUP_METRICS:
            if scope == "book" and value != "all":
                raise ValueError(f"{key!r}: not a series key: the book's series are book:all:<metric>")
            return cls(scope, value, metric)
        if scope == "account" and metric == "score" and value.isdigit():
            return cls(scope, value, metric)
        raise ValueError(
            f"{key!r} is not a series key: use book:all:<metric>, segment:<name>:<metric> "
            f"(metrics {', '.join(GROUP_METRICS)}) or account:<id>:score"
        )


def plan(
    session: Session, top_accounts: int = TOP_ACCOUNTS, max_accounts: int = MAX_ACCOUNTS
) -> list[SeriesKey]:
    """Every series to forecast: the book, each segment with scored accounts, red and top-ARR accounts."""
    keys = [SeriesKey("book", "all", m) for m in GROUP_METRICS]
    segments = session.scalars(
        select(Account.segment)
        .where(Account.segment.is_not(None), live(Account))
        .distinct()
        .order_by(Account.segment)
    ).all()
    keys += [SeriesKey("segment", s, m) for s in segments for m in GROUP_METRICS]
    current = and_(Account.churned_at.is_(None), live(Account))
    red = (
        select(AccountHealth.account_id)
        .join(Account, Account.id == AccountHealth.account_id)
        .where(AccountHealth.band == "red", current)
    )
    top = (
        select(Account.id)
        .join(AccountHealth, AccountHealth.account_id == Account.id)
        .where(current)
        .order_by(Account.arr.desc(), Account.id)
        .limit(top_accounts)
    )
    ids = list(
        dict.fromkeys(
            [*session.scalars(top).all(), *session.scalars(red.order_by(AccountHealth.account_id)).all()]
        )
    )
    keys += [SeriesKey("account", str(i), "score") for i in ids[:max_accounts]]
    return keys


def _segment_filter(key: SeriesKey) -> list:
    """The accounts a book or segment series sums over (deleted accounts never count)."""
    return [live(Account), *([Account.segment == key.value] if key.scope == "segment" else [])]


def _daily(frame: pd.DataFrame, fill: str) -> pd.Series:
    if frame.empty:
        return pd.Series([], dtype=float, index=pd.DatetimeIndex([], name="ds"))
    s = pd.Series(
        frame["y"].to_numpy(dtype=float), index=pd.DatetimeIndex(pd.to_datetime(frame["ds"]), name="ds")
    )
    full = pd.date_range(s.index.min(), s.index.max(), freq="D", name="ds")
    s = s.reindex(full)
    return s.fillna(0.0) if fill == "zero" else s.ffill()


def _score_series(session: Session, key: SeriesKey, start: date, end: date) -> pd.DataFrame:
    if key.scope == "account":
        stmt = select(HealthSnapshot.day.label("ds"), HealthSnapshot.score.label("y")).where(
            HealthSnapshot.account_id == int(key.value), HealthSnapshot.day.between(start, end)
        )
    else:
        if key.metric == "avg_score":
            value = func.avg(HealthSnapshot.score)
        else:
            band = key.metric.removeprefix("share_")
            value = func.avg(case((HealthSnapshot.band == band, 100.0), else_=0.0))
        stmt = (
            select(HealthSnapshot.day.label("ds"), value.label("y"))
            .join(Account, Account.id == HealthSnapshot.account_id)
            .where(HealthSnapshot.day.between(start, end), *_segment_filter(key))
            .group_by(HealthSnapshot.day)
        )
    rows = session.execute(stmt.order_by("ds")).all()
    return pd.DataFrame(rows, columns=["ds", "y"])


def _active_users(session: Session, key: SeriesKey, start: date, end: date) -> pd.DataFrame:
    stmt = (
        select(AccountDailyMetric.day.label("ds"), func.sum(AccountDailyMetric.active_users).label("y"))
        .join(Account, Account.id == AccountDailyMetric.account_id)
        .where(AccountDailyMetric.day.between(start, end), *_segment_filter(key))
        .group_by(AccountDailyMetric.day)
        .order_by("ds")
    )
    return pd.DataFrame(session.execute(stmt).all(), columns=["ds", "y"])


def _mrr(session: Session, key: SeriesKey, start: date, end: date) -> pd.DataFrame:
    began = func.coalesce(Account.contract_start, cast(Account.created_at, Date))
    first = session.scalar(select(func.min(began)).where(*_segment_filter(key)))
    if first is None:
        return pd.DataFrame(columns=["ds", "y"])
    days = select(
        cast(func.generate_series(max(first, start), end, timedelta(days=1)), Date).label("ds")
    ).subquery()
    # The current MRR of each account, so one rate for the whole series (the latest): no FX noise in it.
    mrr = Money.of(session).convert(Account.mrr, Account.currency, end)
    stmt = (
        select(days.c.ds, func.coalesce(func.sum(mrr), literal(0)).label("y"))
        .select_from(days)
        .outerjoin(
            Account,
            and_(
                began <= days.c.ds,
                or_(Account.churned_at.is_(None), cast(Account.churned_at, Date) > days.c.ds),
                *_segment_filter(key),
            ),
        )
        .group_by(days.c.ds)
        .order_by(days.c.ds)
    )
    return pd.DataFrame(session.execute(stmt).all(), columns=["ds", "y"])


def load(session: Session, key: SeriesKey, end: date | None = None, days: int = HISTORY_DAYS) -> pd.Series:
    """The daily history of `key` over the last `days` days up to `end` (default today): score and band
    series carry the last value over days without a snapshot; active users count a day without rows as 0."""
    end = end or date.today()
    start = end - timedelta(days=days - 1)
    if key.metric in ("avg_score", "score") or key.metric.startswith("share_"):
        return _daily(_score_series(session, key, start, end), "ffill")
    if key.metric == "active_users":
        return _daily(_active_users(session, key, start, end), "zero")
    return _daily(_mrr(session, key, start, end), "ffill")


def fingerprint(series: pd.Series, config: str) -> str:
    """A hash of the input series (days and values, to 1e-9) and the model configuration."""
    digest = hashlib.sha256(config.encode())
    digest.update(np.asarray([d.toordinal() for d in series.index.date], dtype=np.int64).tobytes())
    digest.update(np.round(series.to_numpy(dtype=float), 9).tobytes())
    return digest.hexdigest()


def from_frame(frame: pd.DataFrame) -> pd.Series:
    """A daily series from a `ds`/`y` table (e.g. a CSV file): missing days are filled by linear
    interpolation between their neighbours, so seasonal naive and the backtest see a regular series."""
    s = pd.Series(
        frame["y"].to_numpy(dtype=float), index=pd.DatetimeIndex(pd.to_datetime(frame["ds"]), name="ds")
    ).sort_index()
    s = s[~s.index.duplicated(keep="last")]
    full = pd.date_range(s.index.min(), s.index.max(), freq="D", name="ds")
    return s.reindex(full).interpolate(limit_direction="both")
