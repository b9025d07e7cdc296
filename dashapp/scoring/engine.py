"""Recompute health snapshots: for each day, load (set-based), score (vectorised), roll up, explain, apply
overrides, write (bulk, atomic per day).

`score_day` is the pure-scoring half, shared with the backtest and the scorecard preview; `recompute`
adds history, explanations and overrides, and writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy.orm import Session

from dashapp.scoring import changes, explain, history, metrics, overrides, rollup, writer
from dashapp.scoring.assignment import ActiveScorecard, assign
from dashapp.scoring.compute import ScoreFrame, combine, finalise, score_accounts
from dashapp.scoring.definition import Percentile, ScorecardDefinition
from dashapp.scoring.inputs import Inputs, definition_requests
from dashapp.scoring.loader import load_inputs, load_population
from dashapp.scoring.sqlutil import day_start
from dashapp.scoring.stages import OFF, Stopwatch
from dashapp.scoring.start_dates import fill_from_first_activity
from dashapp.scoring.store import active_scorecards
from models.account import live_sql
from models.db import Database
from models.retry import retry_transient

Progress = Callable[[float, str], None]


def today() -> date:
    return datetime.now(UTC).date()


def driver(session: Session) -> psycopg.Connection:
    """The psycopg connection under a session (for COPY and hand-written set-based SQL)."""
    return session.connection().connection.driver_connection  # type: ignore[return-value]


def tune(conn: psycopg.Connection) -> None:
    """Planner settings for a recompute's big aggregates, for this transaction only."""
    conn.execute("SET LOCAL work_mem = '256MB'")
    # JIT compiling these wide aggregates costs more (seconds) than it saves.
    conn.execute("SET LOCAL jit = off")


@dataclass(frozen=True)
class Scope:
    """Which accounts to score: all (the default), some ids, a segment, or those whose data changed."""

    account_ids: tuple[int, ...] | None = None
    segment: str | None = None
    incremental: bool = False

    @property
    def is_all(self) -> bool:
        return self.account_ids is None and self.segment is None and not self.incremental

    def describe(self) -> str:
        if self.account_ids is not None:
            return f"{len(self.account_ids)} account(s)"
        if self.segment is not None:
            return f"segment {self.segment}"
        return "changed accounts" if self.incremental else "all accounts"

    def to_params(self) -> dict[str, Any]:
        return {
            "account_ids": list(self.account_ids) if self.account_ids is not None else None,
            "segment": self.segment,
            "incremental": self.incremental,
        }


@dataclass
class Scored:
    """A day's finalised scores and the account fields the rest of a recompute needs."""

    day: date
    frame: ScoreFrame
    definitions: dict[int, ScorecardDefinition]
    population: pd.DataFrame
    unscored: int = 0
    # The accounts a scoped run writes (targets with their hierarchies); None when scoring everyone.
    write_ids: np.ndarray | None = None


def _custom_attributes(cards: list[ActiveScorecard]) -> set[str]:
    return {
        metrics.custom_attribute(m.metric)
        for card in cards
        for _g, m in card.definition.measures
        if m.metric.startswith(metrics.CUSTOM_PREFIX)
    }


def _percentile_scope(cards: list[ActiveScorecard]) -> str | None:
    """'all' if some measure ranks against every account, 'segment' if against segment peers, else None."""
    within = {
        m.normalisation.within
        for c in cards
        for _g, m in c.definition.measures
        if isinstance(m.normalisation, Percentile)
    }
    return "all" if "all" in within else ("segment" if within else None)


def score_day(
    conn: psycopg.Connection,
    day: date,
    cards: list[ActiveScorecard],
    targets: np.ndarray | None = None,
    *,
    only_version: int | None = None,
    watch: Stopwatch | None = None,
    peers_within_targets: bool = False,
) -> Scored:
    """Score accounts on `day`: all active accounts, or `targets` with their hierarchy (and, for percentile
    measures, the peers they rank against, which are scored but not returned). With
    `peers_within_targets`, percentile measures rank the targets among themselves (a preview on a sample
    of the book stays as fast as the sample is small)."""
    watch = watch or OFF
    custom = _custom_attributes(cards)
    write_ids: np.ndarray | None = None
    with watch("load accounts"):
        population, write_ids = _population(conn, day, cards, targets, custom, peers_within_targets)
    versions = assign(population, cards)
    in_use = [c for c in cards if (versions == c.version_id).any()]
    requests = set().union(*(definition_requests(c.definition) for c in in_use)) if in_use else set()
    inputs = load_inputs(conn, day, population, requests, restrict=targets is not None, watch=watch)
    with watch("score"):
        return _score(day, cards, population, versions, in_use, inputs, write_ids, only_version)


def _population(
    conn: psycopg.Connection,
    day: date,
    cards: list[ActiveScorecard],
    targets: np.ndarray | None,
    custom: set[str],
    peers_within_targets: bool = False,
) -> tuple[pd.DataFrame, np.ndarray | None]:
    write_ids: np.ndarray | None = None
    if targets is None:
        population = load_population(conn, day, custom_attributes=custom)
    else:
        write_ids = changes.hierarchy_closure(conn, targets)
        peers = None if peers_within_targets else _percentile_scope(cards)
        if peers == "all":
            population = load_population(conn, day, custom_attributes=custom)
        elif peers == "segment":
            segs = load_population(conn, day, account_ids=write_ids.tolist())["segment"]
            segments = sorted({s if isinstance(s, str) else None for s in segs}, key=lambda s: s or "")
            population = load_population(
                conn, day, account_ids=write_ids.tolist(), segments=segments, custom_attributes=custom
            )
        else:
            population = load_population(conn, day, account_ids=write_ids.tolist(), custom_attributes=custom)
    return population, write_ids


def _score(
    day: date,
    cards: list[ActiveScorecard],
    population: pd.DataFrame,
    versions: np.ndarray,
    in_use: list[ActiveScorecard],
    inputs: Inputs,
    write_ids: np.ndarray | None,
    only_version: int | None,
) -> Scored:
    segments = population["segment"].fillna("").to_numpy(dtype=object)
    frames: list[ScoreFrame] = []
    order: list[np.ndarray] = []
    for card in in_use:
        rows = np.flatnonzero(versions == card.version_id)
        frames.append(score_accounts(card.definition, card.version_id, inputs.take(rows), segments[rows]))
        order.append(rows)
    definitions = {c.version_id: c.definition for c in cards}
    if not frames:
        # Nobody to score that day (before the book's first customer, say): an empty frame, not a lookup
        # of inputs that were never loaded.
        nobody = np.zeros(0, dtype=np.int64)
        none = Inputs(nobody, {r: np.zeros(0) for r in definition_requests(cards[0].definition)})
        empty = score_accounts(cards[0].definition, cards[0].version_id, none, segments[:0])
        return Scored(
            day, finalise(empty, definitions), definitions, population.iloc[:0], write_ids=write_ids
        )
    frame = combine(frames)
    rows = np.concatenate(order)
    aligned = population.iloc[rows].reset_index(drop=True)
    rules = np.array([definitions[v].rollup for v in frame.version_ids], dtype=object)
    frame = rollup.roll_up(
        frame, aligned["parent_id"].to_numpy(dtype=float), aligned["arr"].to_numpy(dtype=float), rules
    )
    keep = np.ones(len(frame), dtype=bool)
    if write_ids is not None:
        keep &= np.isin(frame.account_ids, write_ids)
    if only_version is not None:
        keep &= frame.version_ids == only_version
    if not keep.all():
        frame = frame.take(np.flatnonzero(keep))
        aligned = aligned.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    unscored = int((~frame.scored).sum())
    scored_rows = np.flatnonzero(frame.scored)
    frame = finalise(frame, definitions)
    population = aligned.iloc[scored_rows].reset_index(drop=True)
    return Scored(day, frame, definitions, population, unscored, write_ids=write_ids)


@dataclass
class RecomputeResult:
    days: list[str] = field(default_factory=list)
    snapshots: int = 0
    unscored: int = 0
    scope: str = "all accounts"

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "snapshots": self.snapshots,
            "unscored": self.unscored,
            "scope": self.scope,
        }


def lookback(cards: list[ActiveScorecard]) -> int:
    """How many days back a daily metric can influence a score (longest window, doubled for trends)."""
    longest = 1
    for card in cards:
        for request in definition_requests(card.definition):
            longest = max(longest, request.window_days + request.offset_days)
    return longest


def _targets(
    conn: psycopg.Connection, day: date, scope: Scope, cards: list[ActiveScorecard]
) -> np.ndarray | None:
    if scope.account_ids is not None:
        return np.array(sorted(set(scope.account_ids)), dtype=np.int64)
    if scope.segment is not None:
        rows = conn.execute(
            f"SELECT id FROM accounts WHERE segment = %s AND {live_sql()}", (scope.segment,)
        ).fetchall()
        return np.array(sorted(r[0] for r in rows), dtype=np.int64)
    if scope.incremental:
        changed = changes.changed_accounts(conn, day, lookback(cards))
        active = conn.execute(
            f"SELECT count(*) FROM accounts WHERE (churned_at IS NULL OR churned_at >= %s) AND {live_sql()}",
            (day_start(day + timedelta(days=1)),),
        ).fetchone()[0]
        # When most accounts changed (e.g. the first run of a day), scoring everyone is cheaper and the same.
        return None if len(changed) > active // 2 else changed
    return None


def recompute_day(
    session: Session,
    day: date,
    cards: list[ActiveScorecard],
    scope: Scope,
    computed_at: datetime,
    watch: Stopwatch | None = None,
) -> tuple[int, int]:
    """Score, explain and write one day inside `session`'s transaction. Returns (written, unscored)."""
    watch = watch or OFF
    conn = driver(session)
    tune(conn)
    with watch("find accounts"):
        targets = _targets(conn, day, scope, cards)
    if targets is not None and len(targets) == 0:
        return 0, 0
    scored = score_day(conn, day, cards, targets, watch=watch)
    frame = scored.frame
    every = targets is None
    with watch("load history"):
        earlier = history.History(conn, frame.account_ids, every_account=every)
        previous, month = history.previous_and_month(earlier, frame, day)
        deltas = history.deltas(earlier, frame, day)
    with watch("explain"):
        explanations, texts = explain.explain(frame, day, previous, month)
    with watch("overrides"):
        forced = overrides.in_force(conn, day, None if every else frame.account_ids)
        shown = overrides.apply(
            frame.account_ids, frame.version_ids, frame.score, frame.band, forced, scored.definitions
        )
    rows = writer.DayRows(
        day=day,
        frame=frame,
        shown_score=shown.score,
        shown_band=shown.band,
        overridden=shown.overridden,
        explanations=explanations,
        texts=texts,
        deltas=deltas,
        version_keys={vid: tuple(m.key for _g, m in d.measures) for vid, d in scored.definitions.items()},
    )
    with watch("write"):
        written = writer.write_day(conn, rows, scope=scored.write_ids, computed_at=computed_at, watch=watch)
    return written, scored.unscored


def recompute(
    db: Database,
    *,
    as_of: date | None = None,
    days: int = 1,
    scope: Scope = Scope(),
    progress: Progress | None = None,
    stopwatch: Stopwatch | None = None,
) -> RecomputeResult:
    """Recompute `days` days ending on `as_of` (default today, UTC), oldest first, each in its own
    transaction. Uses each scorecard's current version at the start of the run."""
    if days < 1:
        raise ValueError("days must be at least 1")
    last = as_of or today()
    day_list = [last - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    with db.transaction() as session:
        fill_from_first_activity(driver(session))
        cards = active_scorecards(session)
    result = RecomputeResult(scope=scope.describe())
    for i, day in enumerate(day_list):

        def attempt(day: date = day) -> tuple[int, int]:
            with db.transaction() as session:
                return recompute_day(session, day, cards, scope, datetime.now(UTC), stopwatch)

        # A day is replaced atomically, so a transaction aborted by a deadlock is simply redone.
        written, unscored = retry_transient(attempt)
        result.days.append(day.isoformat())
        result.snapshots += written
        result.unscored += unscored
        if progress is not None:
            progress((i + 1) / len(day_list), f"{day.isoformat()}: {written} snapshots")
    return result
