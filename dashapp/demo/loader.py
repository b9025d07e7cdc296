"""Write a demo book into PostgreSQL with COPY, in one transaction.

Order: accounts (one COPY, so parents and children arrive together), then block after block of accounts:
contacts, daily metrics, tickets, invoices, payments, survey responses, raw events. A background thread
generates and formats block k + 1 while block k streams to the server, so the two cores share the work;
at most two formatted blocks wait in memory. Database ids are assigned here: the loader locks the tables,
reads where their id sequences stand, numbers the new rows itself and moves the sequences past them.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import psycopg
from psycopg import sql

from dashapp.demo import tables
from dashapp.demo.book import TABLES, Block, block_count, generate_block
from dashapp.demo.bulk import indexes_deferred
from dashapp.demo.plan import BookPlan

COPY_CHUNK = 1 << 20
# Where each frame goes, in the order a block is written.
TARGETS = {
    "contacts": "contacts",
    "daily_metrics": "account_daily_metrics",
    "tickets": "support_tickets",
    "invoices": "invoices",
    "payments": "payments",
    "surveys": "survey_responses",
    "usage_events": "usage_events",
}
# Tables that nothing refers to get their indexes and keys built after the data (see `bulk`).
DEFERRED = ["account_daily_metrics", "usage_events", "support_tickets", "survey_responses", "payments"]
LOCKED = ["accounts", *TARGETS.values()]

Progress = Callable[[int, int], None]  # (accounts written, accounts in the book)


class DemoLoadError(RuntimeError):
    """The demo book cannot be written as asked; the message says why."""


@dataclass
class LoadReport:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # time spent streaming each table
    phases: dict[str, float] = field(default_factory=dict)  # other steps: index builds, analyze, commit
    total_seconds: float = 0.0
    deferred: list[str] = field(default_factory=list)
    emptied: list[str] = field(default_factory=list)  # tables --reset truncated

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass
class _Ids:
    accounts: int
    contacts: int
    invoices: int


def domain_tables(conn: psycopg.Connection) -> list[str]:
    """`accounts` and every table that refers to it, directly or through another (what --reset empties)."""
    rows = conn.execute(
        """
        WITH RECURSIVE refs(rel) AS (
            SELECT 'accounts'::regclass
            UNION SELECT c.conrelid FROM pg_constraint c JOIN refs ON c.confrelid = refs.rel WHERE c.contype = 'f'
        ) SELECT rel::regclass::text FROM refs ORDER BY 1
        """
    ).fetchall()
    return [r[0] for r in rows]


def reset(conn: psycopg.Connection) -> list[str]:
    names = domain_tables(conn)
    conn.execute(
        sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
            sql.SQL(", ").join(sql.Identifier(*n.split(".")) for n in names)
        )
    )
    return names


def load(
    conn: psycopg.Connection,
    plan: BookPlan,
    owner_ids: list[int],
    *,
    reset_first: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    """Write `plan`'s book and commit. Refuses (DemoLoadError) if accounts exist and `reset_first` is false."""
    if len(owner_ids) != len(plan.owners):
        raise ValueError(f"the book has {len(plan.owners)} owners but {len(owner_ids)} user ids were given")
    started = time.perf_counter()
    report = LoadReport(rows={name: 0 for name in ("accounts", *TARGETS.values())})
    try:
        with conn.transaction():
            if reset_first:
                report.emptied = reset(conn)
            conn.execute(
                sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in LOCKED)
                )
            )
            if conn.execute("SELECT EXISTS (SELECT 1 FROM accounts)").fetchone()[0]:  # type: ignore[index]
                raise DemoLoadError(
                    "the database already holds accounts; use --reset to replace them with the demo book"
                )
            ids = _Ids(*(_next_id(conn, t) for t in ("accounts", "contacts", "invoices")))
            account_id = ids.accounts + np.arange(plan.n_accounts)
            text = tables.BookText.build(plan, account_id, np.asarray([*owner_ids, 0], dtype=np.int64))
            _copy(conn, report, "accounts", *tables.accounts(text))
            with indexes_deferred(conn, DEFERRED) as deferred:
                report.deferred = deferred
                for block, payloads in _prefetch(_formatted(plan, text, ids)):
                    for name, (statement, payload) in zip(TABLES, payloads, strict=True):
                        _copy(conn, report, TARGETS[name], statement, payload, len(getattr(block, name)))
                    if progress:
                        progress(min(block.start + len(block.n_contacts), plan.n_accounts), plan.n_accounts)
                rebuild_started = time.perf_counter()
            report.phases["indexes and keys"] = time.perf_counter() - rebuild_started
            for table, next_id in (
                ("accounts", int(account_id[-1]) + 1),
                ("contacts", ids.contacts),
                ("invoices", ids.invoices),
            ):
                conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", (table, next_id))
            analyze_started = time.perf_counter()
            for table in report.rows:
                conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
            report.phases["analyze"] = time.perf_counter() - analyze_started
            commit_started = time.perf_counter()
        report.phases["commit"] = time.perf_counter() - commit_started
    except psycopg.Error as exc:
        raise DemoLoadError(f"writing the demo book failed: {exc}".splitlines()[0]) from exc
    report.total_seconds = time.perf_counter() - started
    return report


def _next_id(conn: psycopg.Connection, table: str) -> int:
    """The next id of `table`'s sequence (the sequence is moved past the new rows at the end)."""
    seq = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]  # type: ignore[index]
    return int(conn.execute("SELECT nextval(%s)", (seq,)).fetchone()[0])  # type: ignore[index]


def _copy(
    conn, report: LoadReport, table: str, statement: str, payload: bytes, rows: int | None = None
) -> None:
    started = time.perf_counter()
    if payload:
        with conn.cursor() as cur, cur.copy(statement) as copy:
            view = memoryview(payload)
            for offset in range(0, len(view), COPY_CHUNK):
                copy.write(view[offset : offset + COPY_CHUNK])
    report.rows[table] += payload.count(b"\n") if rows is None else rows
    report.seconds[table] = report.seconds.get(table, 0.0) + time.perf_counter() - started


def _formatted(plan: BookPlan, text: tables.BookText, ids: _Ids) -> Iterator[tuple[Block, list]]:
    for index in range(block_count(plan)):
        block = generate_block(plan, index)
        contact_base, invoice_base = ids.contacts, ids.invoices
        ids.contacts += len(block.contacts)
        ids.invoices += len(block.invoices)
        yield (
            block,
            [
                tables.contacts(text, block, contact_base),
                tables.daily_metrics(text, block),
                tables.tickets(text, block, contact_base),
                tables.invoices(text, block, invoice_base),
                tables.payments(text, block, invoice_base),
                tables.surveys(text, block, contact_base),
                tables.usage_events(text, block, contact_base),
            ],
        )


_DONE = object()


def _prefetch(items: Iterator, depth: int = 1) -> Iterator:
    """Run the generator `items` in a background thread, at most `depth` items ahead of the consumer."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer(exc)

    worker = threading.Thread(target=produce, name="demo-generate", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
