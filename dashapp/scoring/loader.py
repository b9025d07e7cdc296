"""Set-based loading: the accounts to score on a day and every aggregate their scorecards need.

One query per metric family covers every account and every window at once (FILTER clauses per window),
so the cost does not grow with the number of accounts queried one by one — there are no per-account queries.
A day `D` covers [D 00:00, D+1 00:00) UTC; a window of N days ending on D covers days D-N+1 .. D.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from dashapp.scoring import families, metrics
from dashapp.scoring.inputs import Inputs, Request
from dashapp.scoring.sqlutil import day_start, query_frame
from dashapp.scoring.stages import OFF, Stopwatch
from models.account import live_sql

POPULATION_COLUMNS = (
    "account_id",
    "segment",
    "plan",
    "lifecycle_stage",
    "parent_id",
    "arr",
    "mrr",
    "renewal_date",
    "contract_start",
)


def load_population(
    conn: psycopg.Connection,
    day: date,
    *,
    account_ids: Sequence[int] | None = None,
    segments: Sequence[str | None] | None = None,
    custom_attributes: Iterable[str] = (),
) -> pd.DataFrame:
    """Accounts that were customers on `day` (started, not yet churned), optionally limited to some ids
    and/or segments (either matches). Custom attributes come as text (converted by the caller)."""
    params: dict[str, Any] = {"day": day, "end": day_start(day + timedelta(days=1))}
    custom = sorted(set(custom_attributes))
    extra = "".join(f', a.custom_attributes ->> %(c{i})s AS "custom.{i}"' for i in range(len(custom)))
    params.update({f"c{i}": name for i, name in enumerate(custom)})
    scope = ""
    if account_ids is not None or segments is not None:
        clauses = []
        if account_ids is not None:
            clauses.append("a.id = ANY(%(ids)s)")
            params["ids"] = list(account_ids)
        if segments is not None:
            named = [s for s in segments if s is not None]
            clauses.append(
                "a.segment = ANY(%(segments)s)" + (" OR a.segment IS NULL" if None in segments else "")
            )
            params["segments"] = named
        scope = f"AND ({' OR '.join(clauses)})"
    sql = f"""
        SELECT a.id AS account_id, a.segment, a.plan, a.lifecycle_stage, a.parent_id,
               a.arr::float8 AS arr, a.mrr::float8 AS mrr, a.renewal_date, a.contract_start {extra}
        FROM accounts a
        WHERE (a.churned_at IS NULL OR a.churned_at >= %(end)s)
          AND {live_sql("a")}
          AND coalesce(a.contract_start, a.created_at::date) <= %(day)s
          {scope}
        ORDER BY a.id
    """
    frame = query_frame(conn, sql, params)
    if frame.empty:
        frame = pd.DataFrame(columns=[*POPULATION_COLUMNS, *(f"custom.{i}" for i in range(len(custom)))])
    frame = frame.rename(
        columns={f"custom.{i}": f"{metrics.CUSTOM_PREFIX}{name}" for i, name in enumerate(custom)}
    )
    frame["account_id"] = frame["account_id"].astype(np.int64)
    frame["parent_id"] = pd.to_numeric(frame["parent_id"], errors="coerce")
    frame["arr"] = pd.to_numeric(frame["arr"], errors="coerce").fillna(0.0)
    frame["mrr"] = pd.to_numeric(frame["mrr"], errors="coerce").fillna(0.0)
    return frame.reset_index(drop=True)


def load_inputs(
    conn: psycopg.Connection,
    day: date,
    population: pd.DataFrame,
    requests: Iterable[Request],
    *,
    restrict: bool,
    watch: Stopwatch | None = None,
) -> Inputs:
    """Every requested aggregate for every account of `population`, aligned to its rows.

    With `restrict`, queries are limited to the population's ids; otherwise they scan all accounts (cheaper
    than a 100,000-id filter) and rows outside the population are dropped.
    """
    ids = population["account_id"].to_numpy(dtype=np.int64)
    inputs = Inputs(ids)
    by_family: dict[str, list[Request]] = defaultdict(list)
    for request in sorted(set(requests)):
        family = metrics.lookup(request.metric).family
        # Feature breadth joins the usage aggregates (whose scan also says which accounts have any data).
        by_family["daily" if family == "features" else family].append(request)
    scope = list(map(int, ids)) if restrict else None
    loaders = {
        "daily": families.daily,
        "tickets": families.tickets,
        "billing": families.billing,
        "surveys": families.surveys,
    }
    index = pd.Index(ids)
    for family, family_requests in by_family.items():
        if family in ("account", "custom"):
            for request in family_requests:
                inputs.values[request] = _account_value(population, request, day)
            continue
        if len(ids) == 0:
            for request in family_requests:
                inputs.values[request] = np.zeros(0)
            continue
        with (watch or OFF)(f"load metrics: {family}"):
            frame = loaders[family](conn, day, family_requests, scope).set_index("account_id")
        frame = frame.reindex(index)
        for request in family_requests:
            inputs.values[request] = _finish(request, frame)
    return inputs


def _finish(request: Request, frame: pd.DataFrame) -> np.ndarray:
    """Apply the family's missing-data rule: counts without rows are 0; averages without rows are missing;
    usage is missing only for an account with no daily metrics in the whole loaded range."""
    values = pd.to_numeric(frame[request.column], errors="coerce").to_numpy(dtype=float)
    metric = metrics.lookup(request.metric)
    if metric.family in ("daily", "features"):
        rows_in_range = frame["_rows"].fillna(0).to_numpy()
        values = np.where(np.isnan(values), 0.0, values)
        values[rows_in_range == 0] = np.nan
        presence = f"{request.column}__n"
        if presence in frame.columns:  # a trend's earlier window: no rows there means no baseline
            values[frame[presence].fillna(0).to_numpy() == 0] = np.nan
        return values
    if metric.can_be_missing:
        return values
    return np.where(np.isnan(values), 0.0, values)


def _account_value(population: pd.DataFrame, request: Request, day: date) -> np.ndarray:
    if request.metric.startswith(metrics.CUSTOM_PREFIX):
        return pd.to_numeric(population[request.metric], errors="coerce").to_numpy(dtype=float)
    if request.metric == "mrr":
        return population["mrr"].to_numpy(dtype=float)
    column = "renewal_date" if request.metric == "days_to_renewal" else "contract_start"
    dates = pd.to_datetime(population[column], errors="coerce")
    days = (dates - pd.Timestamp(day)).dt.days.to_numpy(dtype=float)
    return days if request.metric == "days_to_renewal" else -days
