"""The per-family SQL of the loader: one set-based query per kind of data, every window as a FILTER clause.

A day `D` covers [D 00:00, D+1 00:00) UTC; a window of N days ending on D covers days D-N+1 .. D.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import psycopg

from dashapp.scoring.inputs import Request
from dashapp.scoring.sqlutil import day_start, query_frame

_DAILY_SQL_COLUMNS = {"active_users", "sessions", "logins", "events"}


def window(request: Request, day: date, column: str = "day", tag: str = "") -> tuple[str, dict[str, Any]]:
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


def scope_clause(scope: list[int] | None, column: str = "account_id") -> tuple[str, dict[str, Any]]:
    if scope is None:
        return f"{column} IS NOT NULL", {}
    return f"{column} = ANY(%(scope)s)", {"scope": scope}


def date_range(requests: list[Request], day: date) -> tuple[date, date]:
    lows, highs = zip(*(r.bounds(day) for r in requests), strict=True)
    return date.fromordinal(min(lows)), date.fromordinal(max(highs))


def daily(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    """Usage aggregates in one scan, plus feature breadth (see `_features`) when asked for."""
    features = [r for r in requests if r.metric == "feature_breadth"]
    usage = [r for r in requests if r.metric != "feature_breadth"]
    frame = _usage(conn, day, usage, scope, date_range(requests, day))
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
    where, scope_params = scope_clause(scope, "m.account_id")
    for r in requests:
        cond, params = window(r, day, "m.day")
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
        cond, p = window(r, day)
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
    where, scope_params = scope_clause(scope)
    params.update(scope_params, range_lo=low, range_hi=high)
    sql = f"""
        SELECT account_id, {", ".join(columns)}
        FROM account_daily_metrics
        WHERE day > %(range_lo)s AND day <= %(range_hi)s AND {where}
        GROUP BY account_id
    """
    return query_frame(conn, sql, params)


def tickets(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    end = day_start(day + timedelta(days=1))
    params: dict[str, Any] = {"end": end}
    columns = []
    for r in requests:
        cond, p = window(r, day, "opened_at")
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
            closed_cond, p = window(r, day, "coalesce(closed_at, opened_at)", tag="_closed")
            params.update(p)
            expr = f"avg(csat) FILTER (WHERE {closed_cond} AND csat IS NOT NULL)"
        else:
            raise ValueError(f"unknown ticket metric {r.metric}")
        columns.append(f"{expr}::float8 AS {r.column}")
    low, _high = date_range(requests, day)
    where, scope_params = scope_clause(scope)
    params.update(scope_params, since=day_start(date.fromordinal(low.toordinal() + 1)))
    sql = f"""
        SELECT account_id, {", ".join(columns)}
        FROM support_tickets
        WHERE {where} AND opened_at < %(end)s
          AND (opened_at >= %(since)s OR closed_at IS NULL OR closed_at >= %(since)s)
        GROUP BY account_id
    """
    return query_frame(conn, sql, params)


def billing(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    end = day_start(day + timedelta(days=1))
    where, scope_params = scope_clause(scope, "i.account_id")
    frames = []
    failed = [r for r in requests if r.metric == "failed_payments"]
    if failed:
        params: dict[str, Any] = {"end": end, **scope_params}
        columns = []
        for r in failed:
            cond, p = window(r, day, "at")
            params.update(p)
            columns.append(f"count(*) FILTER (WHERE {cond}) AS {r.column}")
        low, _high = date_range(failed, day)
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


def surveys(
    conn: psycopg.Connection, day: date, requests: list[Request], scope: list[int] | None
) -> pd.DataFrame:
    end = day_start(day + timedelta(days=1))
    params: dict[str, Any] = {"end": end}
    columns = []
    for r in requests:
        cond, p = window(r, day, "responded_at")
        params.update(p)
        kind = "nps" if r.metric == "nps" else "csat"
        filt = f"FILTER (WHERE kind = '{kind}' AND {cond})"
        if r.aggregation == "last":
            expr = f"(array_agg(score ORDER BY responded_at DESC) {filt})[1]"
        else:
            expr = f"{r.aggregation}(score) {filt}"
        columns.append(f"{expr}::float8 AS {r.column}")
    low, _high = date_range(requests, day)
    where, scope_params = scope_clause(scope)
    params.update(scope_params, since=day_start(date.fromordinal(low.toordinal() + 1)))
    sql = f"""
        SELECT account_id, {", ".join(columns)}
        FROM survey_responses
        WHERE {where} AND responded_at >= %(since)s AND responded_at < %(end)s
        GROUP BY account_id
    """
    return query_frame(conn, sql, params)
