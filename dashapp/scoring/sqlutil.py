"""Small helpers for the scoring SQL: day boundaries and query results as DataFrames."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd
import psycopg


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def query_frame(conn: psycopg.Connection, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(sql, params or {})
        columns = [c.name for c in cur.description or []]
        return pd.DataFrame(cur.fetchall(), columns=columns)
