"""CSV exports: every row the filters match, streamed into a UTF-8 file (account lists through COPY, the
rest from query rows).

The first line is the companion line (`# ` + what was exported, the filters in words and the export time);
the second is the header; then one line per row. Numbers are written unformatted (no thousands separators,
no currency), dates as ISO 8601, empty cells for NULL; booleans as t/f in account lists (PostgreSQL's CSV).
Text cells a spreadsheet would run as a formula get a leading `'` (dashapp.csvsafe); numbers never do.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from psycopg.types.json import Jsonb
from sqlalchemy import Select, String, case, literal, select
from sqlalchemy.orm import Session

from dashapp.analytics.cohorts import cohort_tables
from dashapp.csvsafe import SQL_PATTERN, neutralise, neutralise_row
from dashapp.exports.target import ExportError, ExportTarget
from dashapp.filters import COLUMNS, accounts_query, parse
from dashapp.money import Money
from dashapp.queries import account as account_q
from dashapp.queries import cohorts as cohort_q
from dashapp.queries import compare as compare_q
from dashapp.queries import overview as overview_q
from models.account import Account

BATCH = 5000
Progress = Callable[[int], None]
# A page's rows for CSV: (session, target) -> (header, rows).
Reader = Callable[[Session, ExportTarget], tuple[list[str], Iterable[Sequence[Any]]]]


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# After the account columns (ARR, MRR as billed, in `currency`): the same amounts in the reporting currency at
# today's rate (empty when a rate is missing), and that currency.
CONVERTED_COLUMNS = ["arr_reporting", "mrr_reporting", "reporting_currency"]


def account_columns(target: ExportTarget) -> list[str]:
    """Every column a list of accounts has (the page's chosen columns first, in their order), then the
    converted money columns."""
    chosen = [c for c in target.columns if c in COLUMNS]
    return [*dict.fromkeys(["id", *chosen, *COLUMNS]), *CONVERTED_COLUMNS]


def _with_converted(session: Session, stmt: Any) -> Any:
    money = Money.of(session)
    today = date.today()
    return stmt.add_columns(
        money.convert(Account.arr, Account.currency, today).label("arr_reporting"),
        money.convert(Account.mrr, Account.currency, today).label("mrr_reporting"),
        literal(money.currency).label("reporting_currency"),
    )


def _neutralised(stmt: Select) -> Select:
    """The same rows with every text column guarded against formula injection (see dashapp.csvsafe)."""
    inner = stmt.subquery("q")
    return select(
        *(
            case((col.op("~")(SQL_PATTERN), literal("'") + col), else_=col).label(col.name)
            if isinstance(col.type, String)
            else col
            for col in inner.c
        )
    )


def copy_accounts(
    session: Session, target: ExportTarget, out: IO[bytes], progress: Progress | None = None
) -> int:
    """The filtered accounts as CSV rows (no header) through PostgreSQL's COPY, in the session's transaction:
    the same SELECT the pages use, its parameters bound by psycopg (client side, as COPY takes none).
    Returns the number of rows."""
    columns = [c for c in account_columns(target) if c not in CONVERTED_COLUMNS]
    stmt = _neutralised(
        _with_converted(
            session, accounts_query(target.filters, columns, sort=target.sort or [("name", False)])
        )
    )
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = {k: Jsonb(v) if isinstance(v, dict) else v for k, v in compiled.construct_params().items()}
    raw = connection.connection.driver_connection
    rows = 0
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for row in copy:  # COPY sends one message per row
            out.write(row)
            rows += 1
            if progress and rows % BATCH == 0:
                progress(rows)
    return rows


def history_rows(session: Session, target: ExportTarget) -> tuple[list[str], Iterator[Sequence[Any]]]:
    external_id = target.page.removeprefix("/accounts/")
    found = account_q.find_account(session, external_id)
    if found is None:
        raise ExportError(f"account {external_id!r} does not exist")
    start, end = target.filters.trend_window()
    rows = account_q.history(session, found.account.id, start, end)
    columns = ["day", "score", "band", "overridden", "why"]
    return columns, ((r["day"], r["score"], r["band"], r["overridden"], r["explanation_text"]) for r in rows)


def cohort_options(target: ExportTarget) -> tuple[str, str]:
    date_field = target.options.get("date")
    split = target.options.get("split")
    return (
        date_field if date_field in cohort_q.DATE_FIELDS else "contract_start",
        split if split in cohort_q.SPLITS else "",
    )


def cohort_rows(session: Session, target: ExportTarget) -> tuple[list[str], Iterator[Sequence[Any]]]:
    date_field, split = cohort_options(target)
    today = date.today()
    since = date(today.year - 2, today.month, 1)
    rows = cohort_q.cohort_rows(session, target.filters, date_field=date_field, split=split, since=since)
    tables = cohort_tables(rows["sizes"], rows["churns"], rows["revenue"], today=today)

    def lines() -> Iterator[Sequence[Any]]:
        for measure, matrix in (("logo_retention", tables.logos), ("grr", tables.grr), ("nrr", tables.nrr)):
            for (split_value, cohort), values in matrix.iterrows():
                size = tables.sizes.get((split_value, cohort))
                for month, value in values.items():
                    if value == value:  # NaN: that month has not happened yet for this cohort
                        yield (measure, split_value, cohort, size, month, float(value))

    return ["measure", "split", "cohort", "accounts", "month", "percent"], lines()


def compare_rows(session: Session, target: ExportTarget) -> tuple[list[str], Iterator[Sequence[Any]]]:
    raw = target.options.get("set") or []
    sets = [parse(str(s))[0] for s in (raw if isinstance(raw, list) else [raw])][:4]

    def lines() -> Iterator[Sequence[Any]]:
        for i, filters in enumerate(sets, start=1):
            k = overview_q.kpis(session, filters)
            churn = compare_q.churn(session, filters)
            yield (
                i,
                str(raw[i - 1]) if isinstance(raw, list) else str(raw),
                k.accounts,
                k.arr,
                k.currency,
                k.avg_score,
                churn["rate"],
            )

    return ["set", "filters", "accounts", "arr", "currency", "avg_score", "churn_rate_12m"], lines()


def write_rows(
    out: IO[str],
    companion: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    progress: Progress | None = None,
) -> int:
    out.write(f"# {companion}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(neutralise_row(header))
    count = 0
    batch: list[list[Any]] = []
    for row in rows:
        batch.append([_plain(neutralise(v)) for v in row])
        if len(batch) >= BATCH:
            writer.writerows(batch)
            count += len(batch)
            batch.clear()
            if progress:
                progress(count)
    writer.writerows(batch)
    return count + len(batch)


def write_account_list(
    session: Session, target: ExportTarget, path: Path, companion: str, progress: Progress | None = None
) -> int:
    """The CSV writer of pages that list accounts: every filtered account through COPY."""
    with path.open("wb") as out:
        out.write(f"# {companion}\n".encode())
        out.write((",".join(account_columns(target)) + "\n").encode())
        return copy_accounts(session, target, out, progress)


def rows_writer(reader: Reader) -> Callable[..., int]:
    """A page's CSV writer from its row reader (what pages declare as their `csv`)."""

    def write(
        session: Session, target: ExportTarget, path: Path, companion: str, progress: Progress | None = None
    ) -> int:
        header, rows = reader(session, target)
        with path.open("w", encoding="utf-8", newline="") as out:
            return write_rows(out, companion, header, rows, progress)

    write.__doc__ = reader.__doc__
    return write


def write_csv(
    session: Session, target: ExportTarget, path: Path, companion: str, progress: Progress | None = None
) -> int:
    """Write the target's rows to `path` with its page's declared writer; returns the number of data rows."""
    writer = target.spec.csv
    if writer is None:
        raise ExportError(f"page: {target.page!r} has no CSV export")
    return writer(session, target, path, companion, progress)
