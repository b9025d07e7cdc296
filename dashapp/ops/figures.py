"""Row counts and checksums of every table, to prove a restored database holds what was backed up.

A table's checksum is the sum of a 64-bit hash of each row's text form: independent of row order (a
restore may store rows in another order), constant memory on big tables, and any changed, missing or
extra row changes it. Both sides run with TimeZone=UTC so timestamps print the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class TableFigures:
    rows: int
    checksum: str


def user_tables(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return [
        (schema, name)
        for schema, name in conn.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY schemaname, tablename"
        )
    ]


def table_figures(conn: psycopg.Connection) -> dict[str, TableFigures]:
    """{"schema.table": figures} for every user table, read in the connection's current transaction."""
    conn.execute("SET LOCAL TimeZone = 'UTC'")
    figures: dict[str, TableFigures] = {}
    for schema, name in user_tables(conn):
        query = sql.SQL(
            "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0) "
            "FROM {} AS t"
        ).format(sql.Identifier(schema, name))
        rows, total = conn.execute(query).fetchone()  # type: ignore[misc]
        figures[f"{schema}.{name}"] = TableFigures(rows=int(rows), checksum=str(total))
    return figures


def server_major(conn: psycopg.Connection) -> int:
    return int(conn.info.server_version) // 10000
