"""Set-based loading: the accounts to score on a day and every aggregate their scorecards need.

One query per metric family covers every account and every window at once (FILTER clauses per window),
so the cost does not grow with the number of accounts queried one by one — there are no per-account queries.
A day `D` covers [D 00:00, D+1 00:00) UTC; a window of N days ending on D covers days D-N+1 .. D.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from dashapp.scoring import metrics
from dashapp.scoring.inputs import Inputs, Request
from dashapp.scoring.stages import OFF, Stopwatch

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
_DAILY_SQL_COLUMNS = {"active_users", "sessions", "logins", "events"}


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def query_frame(conn: psycopg.Connection, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(sql, params or {})
        columns = [c.name for c in cur.description or []]
        return pd.DataFrame(cur.fetchall(), columns=columns)


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
        "daily": _daily,
        "tickets": _tickets,
        "billing": _billing,
        "surveys": _surveys,
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


def _window(request: Request, day: date, column: str = "day", tag: str = "") -> tuple[str, dict[str, Any]]:
    """A SQL condition for the request's window on a date column (`day`) or a timestamp column."""
    low, high = request.bounds(day)
    name = request.column + tag
    if column == "day":
        return f"{column} > %({name}_lo)s AND {column} <= %({name}_hi)s", {
            f"{name}_lo": date.fromordinal(low),
            f"{name}_hi": date.fromordinal(high),
        }
    return f"{column} >= %({name}_lo)s AND {column} < %({name}_hi)s", {
        f"{name}_lo": day_start(date.fromordinal(low + 1)),
        f"{name}_hi": day_start(date.fromordinal(high + 1)),
    }


def _scope(scope: list[int] | None, column: str = "account_id") -> tuple[str, dict[str, Any]]:
    if scope is None:
        return f"{column} IS NOT NULL", {}
    return f"{column} = ANY(%(scope)s)", {"scope": scope}


def _range(requests: list[Request], day: date) -> tuple[date, date]:
    lows, highs = zip(*(r.bounds(day) for r in requests), strict=True)
    return date.fromordinal(min(lows)), date.fromordinal(max(highs))


def _daily(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    """Usage aggregates in one scan, plus feature breadth (see `_features`) when asked for."""
    features = [r for r in requests if r.metric == "feature_breadth"]
    usage = [r for r in requests if r.metric != "feature_breadth"]
    frame = _usage(conn, day, usage, scope, _range(requests, day))
    if features:
        frame = (
            frame.set_index("account_id")
            .join(_features(conn, day, features, scope), how="left")
            .reset_index()
        )
    return frame


def _features(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    """Distinct features used per window: a DISTINCT over (account, feature) pairs, which hashes far faster
    than count(DISTINCT ...) or merging the JSON objects. Still the dearest usage measure at scale: it
    expands every day's feature object."""
    frames = []
    where, scope_params = _scope(scope, "m.account_id")
    for r in requests:
        cond, params = _window(r, day, "m.day")
        params.update(scope_params)
        sql = f"""
            SELECT account_id, count(*) AS {r.column} FROM (
                SELECT DISTINCT m.account_id, f.key
                FROM account_daily_metrics m CROSS JOIN LATERAL jsonb_object_keys(m.feature_usage) AS f(key)
                WHERE {cond} AND {where}
            ) pairs GROUP BY account_id
        """
        frames.append(query_frame(conn, sql, params).set_index("account_id"))
    return frames[0].join(frames[1:], how="outer") if len(frames) > 1 else frames[0]


def _usage(
    conn: psycopg.Connection,
    day: date,
    requests: list[Request],
    scope: list[int] | None,
    bounds: tuple[date, date],
) -> pd.DataFrame:
    params: dict[str, Any] = {}
    columns = ["count(*) AS _rows"]
    for r in requests:
        cond, p = _window(r, day)
        params.update(p)
        width = r.window_days
        if r.metric == "active_days":
            expr = f"count(*) FILTER (WHERE {cond} AND (active_users > 0 OR events > 0 OR logins > 0))"
        elif r.aggregation == "sum":
            expr = f"sum({r.metric}) FILTER (WHERE {cond})"
        elif r.aggregation == "avg":
            expr = f"sum({r.metric}) FILTER (WHERE {cond})::float8 / {width}"
        elif r.aggregation == "max":
            expr = f"max({r.metric}) FILTER (WHERE {cond})"
        elif r.aggregation == "min":  # a day without a row counts as 0
            expr = (
                f"CASE WHEN count(*) FILTER (WHERE {cond}) < {width} THEN 0 "
                f"ELSE min({r.metric}) FILTER (WHERE {cond}) END"
            )
        elif r.aggregation == "last":
            expr = f"(array_agg({r.metric} ORDER BY day DESC) FILTER (WHERE {cond}))[1]"
        else:
            raise ValueError(f"aggregation {r.aggregation} is not supported for {r.metric}")
        assert r.metric in _DAILY_SQL_COLUMNS or r.metric == "active_days"
        columns.append(f"{expr} AS {r.column}")
        if r.offset_days:
            columns.append(f"count(*) FILTER (WHERE {cond}) AS {r.column}__n")
    low, high = bounds
    where, scope_params = _scope(scope)
    params.update(scope_params, range_lo=low, range_hi=high)
    sql = f"""
        SELECT account_id, {", ".join(columns)}
        FROM account_daily_metrics
        WHERE day > %(range_lo)s AND day <= %(range_hi)s AND {where}
        GROUP BY account_id
    """
    return query_frame(conn, sql, params)


def _tickets(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    end = day_start(day + timedelta(days=1))
    params: dict[str, Any] = {"end": end}
    columns = []
    for r in requests:
        cond, p = _window(r, day, "opened_at")
        params.update(p)
        if r.metric == "tickets":
            expr = f"count(*) FILTER (WHERE {cond})"
        elif r.metric == "urgent_tickets":
            expr = f"count(*) FILTER (WHERE {cond} AND priority = 'urgent')"
        elif r.metric == "open_tickets":
            expr = (
                "count(*) FILTER (WHERE opened_at < %(end)s AND (closed_at >= %(end)s OR "
                "(closed_at IS NULL AND status IN ('new', 'open', 'pending'))))"
            )
        elif r.metric == "first_response_hours":
            fn = "avg" if r.aggregation == "avg" else "max"
            expr = (
                f"{fn}(extract(epoch FROM first_response_at - opened_at) / 3600.0) FILTER (WHERE {cond} "
                "AND first_response_at IS NOT NULL AND first_response_at < %(end)s)"
            )
        elif r.metric == "ticket_csat":
            closed_cond, p = _window(r, day, "coalesce(closed_at, opened_at)", tag="_closed")
            params.update(p)
            expr = f"avg(csat) FILTER (WHERE {closed_cond} AND csat IS NOT NULL)"
        else:
            raise ValueError(f"unknown ticket metric {r.metric}")
        columns.append(f"{expr}::float8 AS {r.column}")
    low, _high = _range(requests, day)
    where, scope_params = _scope(scope)
    params.update(scope_params, since=day_start(date.fromordinal(low.toordinal() + 1)))
    sql = f"""
        SELECT account_id, {", ".join(columns)}
        FROM support_tickets
        WHERE {where} AND opened_at < %(end)s
          AND (opened_at >= %(since)s OR closed_at IS NULL OR closed_at >= %(since)s)
        GROUP BY account_id
    """
    return query_frame(conn, sql, params)


def _billing(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    end = day_start(day + timedelta(days=1))
    where, scope_params = _scope(scope, "i.account_id")
    frames = []
    failed = [r for r in requests if r.metric == "failed_payments"]
    if failed:
        params: dict[str, Any] = {"end": end, **scope_params}
        columns = []
        for r in failed:
            cond, p = _window(r, day, "at")
            params.update(p)
            columns.append(f"count(*) FILTER (WHERE {cond}) AS {r.column}")
        low, _high = _range(failed, day)
        params["since"] = day_start(date.fromordinal(low.toordinal() + 1))
        # Failed payment attempts, plus failed invoices that have no payment records at all.
        sql = f"""
            SELECT account_id, {", ".join(columns)} FROM (
                SELECT i.account_id, p.attempted_at AS at
                FROM payments p JOIN invoices i ON i.id = p.invoice_id
                WHERE p.status = 'failed' AND p.attempted_at >= %(since)s AND p.attempted_at < %(end)s AND {where}
                UNION ALL
                SELECT i.account_id, coalesce(i.due_at, i.issued_at) AS at
                FROM invoices i
                WHERE i.status = 'failed' AND coalesce(i.due_at, i.issued_at) >= %(since)s
                  AND coalesce(i.due_at, i.issued_at) < %(end)s AND {where}
                  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id)
            ) failures GROUP BY account_id
        """
        frames.append(query_frame(conn, sql, params).set_index("account_id"))
    state = [r for r in requests if r.metric in ("days_overdue", "overdue_invoices")]
    if state:
        columns = []
        for r in state:
            if r.metric == "days_overdue":
                columns.append(
                    f"max(floor(extract(epoch FROM %(end)s - i.due_at) / 86400.0))::float8 AS {r.column}"
                )
            else:
                columns.append(f"count(*)::float8 AS {r.column}")
        sql = f"""
            SELECT i.account_id, {", ".join(columns)}
            FROM invoices i
            WHERE {where} AND i.status IN ('open', 'failed', 'paid') AND i.due_at < %(end)s
              AND i.issued_at < %(end)s AND (i.paid_at IS NULL OR i.paid_at >= %(end)s)
              AND NOT (i.status = 'paid' AND i.paid_at IS NULL)
            GROUP BY i.account_id
        """
        frames.append(query_frame(conn, sql, {"end": end, **scope_params}).set_index("account_id"))
    joined = frames[0].join(frames[1:], how="outer") if len(frames) > 1 else frames[0]
    return joined.reset_index()


def _surveys(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    end = day_start(day + timedelta(days=1))
    params: dict[str, Any] = {"end": end}
    columns = []
    for r in requests:
        cond, p = _window(r, day, "responded_at")
        params.update(p)
        kind = "nps" if r.metric == "nps" else "csat"
        filt = f"FILTER (WHERE kind = '{kind}' AND {cond})"
        if r.aggregation == "last":
            expr = f"(array_agg(score ORDER BY responded_at DESC) {filt})[1]"
        else:
            expr = f"{r.aggregation}(score) {filt}"
        columns.append(f"{expr}::float8 AS {r.column}")
    low, _high = _range(requests, day)
    where, scope_params = _scope(scope)
    params.update(scope_params, since=day_start(date.fromordinal(low.toordinal() + 1)))
    sql = f"""
        SELECT account_id, {", ".join(columns)}
        FROM survey_responses
        WHERE {where} AND responded_at >= %(since)s AND responded_at < %(end)s
        GROUP BY account_id
    """
    return query_frame(conn, sql, params)
