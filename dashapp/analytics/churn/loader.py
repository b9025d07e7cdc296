"""Read what the features and labels need, as of a date, with set-based SQL (SQLAlchemy Core, no ORM).

Every history query is bounded by the as-of date: snapshots and daily roll-ups of days up to it, invoices
issued and tickets opened before the end of it. Labels are the only thing read after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection

from dashapp.analytics.churn.features import assemble
from models.account import live_sql

LABELS = ("churned", "inactive")
ACCOUNT_COLUMNS = (
    "account_id",
    "segment",
    "plan",
    "industry",
    "region",
    "contract_start",
    "mrr",
    "renewal_date",
    "custom_attributes",
    "churned_at",
)


def day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _frame(conn: Connection, sql: str, columns: tuple[str, ...] | None = None, **params) -> pd.DataFrame:
    result = conn.execute(text(sql), params)
    return pd.DataFrame(result.fetchall(), columns=list(columns or result.keys()))


def accounts(conn: Connection) -> pd.DataFrame:
    return _frame(
        conn,
        "SELECT id, segment, plan, industry, region, contract_start, mrr, renewal_date, custom_attributes, "
        f"churned_at FROM accounts WHERE {live_sql()} ORDER BY id",
        ACCOUNT_COLUMNS,
    )


def history_span(conn: Connection) -> tuple[date | None, date | None]:
    """First and last day of activity (usage days and invoices); a book with none falls back to its health
    snapshots. Activity comes first: one `scores recompute` writes a snapshot for today, and a span ending
    today on a historical book would put every training date after its data ends."""
    row = conn.execute(
        text(
            "SELECT least((SELECT min(day) FROM account_daily_metrics),"
            "             (SELECT min(issued_at)::date FROM invoices)),"
            " greatest((SELECT max(day) FROM account_daily_metrics),"
            "          (SELECT max(issued_at)::date FROM invoices))"
        )
    ).one()
    if row[1] is None:
        row = conn.execute(text("SELECT min(day), max(day) FROM health_snapshots")).one()
    return row[0], row[1]


def snapshots(conn: Connection, as_of: date, days: int = 7) -> pd.DataFrame:
    """Each account's latest snapshot in the `days` days up to `as_of`, measures as {key: raw}."""
    return _frame(
        conn,
        """
        SELECT DISTINCT ON (s.account_id) s.account_id, s.day, s.score, s.delta_7, s.delta_30, s.delta_90,
               (SELECT jsonb_object_agg(m->>'key', m->'raw') FROM jsonb_array_elements(s.measures) m
                 WHERE m->>'key' IS NOT NULL) AS measures
          FROM health_snapshots s
         WHERE s.day <= :as_of AND s.day > :since
         ORDER BY s.account_id, s.day DESC
        """,
        as_of=as_of,
        since=as_of - timedelta(days=days),
    )


def activity(conn: Connection, as_of: date) -> pd.DataFrame:
    """Sums over the 30 days up to `as_of` and the 30 before, and days since the last day with events
    (within a year), from the daily roll-ups."""
    return _frame(
        conn,
        """
        SELECT account_id,
               coalesce(sum(events) FILTER (WHERE day > :d30), 0) AS events_30,
               coalesce(sum(active_users) FILTER (WHERE day > :d30), 0) AS active_users_30,
               coalesce(sum(sessions) FILTER (WHERE day > :d30), 0) AS sessions_30,
               coalesce(sum(events) FILTER (WHERE day <= :d30 AND day > :d60), 0) AS events_prev_30,
               :as_of - max(day) FILTER (WHERE events > 0) AS days_inactive
          FROM account_daily_metrics
         WHERE day <= :as_of AND day > :d365
         GROUP BY account_id
        """,
        as_of=as_of,
        d30=as_of - timedelta(days=30),
        d60=as_of - timedelta(days=60),
        d365=as_of - timedelta(days=365),
    )


def billing(conn: Connection, as_of: date) -> pd.DataFrame:
    """Invoiced amount and tickets opened in the 90 days up to the end of `as_of`."""
    end, start = day_start(as_of + timedelta(days=1)), day_start(as_of - timedelta(days=89))
    return _frame(
        conn,
        """
        SELECT a.account_id, coalesce(i.invoiced, 0) AS invoiced_90, coalesce(t.tickets, 0) AS tickets_90
          FROM (SELECT account_id FROM invoices WHERE issued_at >= :start AND issued_at < :end
                UNION SELECT account_id FROM support_tickets WHERE opened_at >= :start AND opened_at < :end) a
          LEFT JOIN (SELECT account_id, sum(amount) AS invoiced FROM invoices
                      WHERE issued_at >= :start AND issued_at < :end GROUP BY account_id) i USING (account_id)
          LEFT JOIN (SELECT account_id, count(*) AS tickets FROM support_tickets
                      WHERE opened_at >= :start AND opened_at < :end GROUP BY account_id) t USING (account_id)
         WHERE a.account_id IS NOT NULL
        """,
        start=start,
        end=end,
    )


def active_after(conn: Connection, as_of: date, horizon_days: int) -> set[int]:
    """Accounts with events on a day in (as_of, as_of + horizon]: read for labels only."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT account_id FROM account_daily_metrics "
            "WHERE day > :as_of AND day <= :until AND events > 0"
        ),
        {"as_of": as_of, "until": as_of + timedelta(days=horizon_days)},
    )
    return {r[0] for r in rows}


def alive(book: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Accounts that had started (or have no start date) and had not churned by the end of `as_of`."""
    started = book["contract_start"].isna() | (pd.to_datetime(book["contract_start"]) <= pd.Timestamp(as_of))
    churned = pd.to_datetime(book["churned_at"], utc=True)
    open_ = churned.isna() | (churned >= pd.Timestamp(day_start(as_of + timedelta(days=1))))
    return book[started & open_]


def rows_as_of(
    conn: Connection,
    book: pd.DataFrame,
    as_of: date,
    *,
    horizon_days: int | None,
    label: str = "churned",
    history: bool = True,
) -> pd.DataFrame:
    """Feature rows of the accounts alive on `as_of`, with `label` when `horizon_days` is given.

    label "churned": `churned_at` falls in the horizon after `as_of`; label "inactive": no day with events
    in it (then only accounts active in the year before `as_of` have a row).
    """
    if label not in LABELS:
        raise ValueError(f"label must be one of {', '.join(LABELS)}")
    living = alive(book, as_of)
    act = activity(conn, as_of) if history else None
    if label == "inactive" and act is not None:
        living = living[living["account_id"].isin(act.loc[act["days_inactive"].notna(), "account_id"])]
    rows = assemble(
        as_of,
        living.reset_index(drop=True),
        snapshots=snapshots(conn, as_of) if history else None,
        activity=act,
        billing=billing(conn, as_of) if history else None,
    )
    if horizon_days is not None:
        if label == "inactive":
            came_back = active_after(conn, as_of, horizon_days)
            rows["label"] = (~rows["account_id"].isin(came_back)).astype(int)
        else:
            churned = pd.to_datetime(living["churned_at"], utc=True).reset_index(drop=True)
            until = pd.Timestamp(day_start(as_of + timedelta(days=horizon_days + 1)))
            rows["label"] = (churned.notna() & (churned < until)).astype(int).to_numpy()
    return rows


def snapshot_rows(conn: Connection, book: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """A book without history: one row per account (churned or not), label = has churned."""
    rows = assemble(as_of, book.reset_index(drop=True))
    rows["label"] = book["churned_at"].notna().astype(int).to_numpy()
    return rows
