"""Import the UCI Online Retail files (real data for tests and benchmarks).

Mapping, per file (`.csv` or `.csv.gz`; both column spellings of the two releases are read):
- each customer id -> an account `retail-<id>` (name "Customer <id>", region = its first country);
- each invoice number -> an invoice `retail-<no>` in GBP whose amount is the sum of its lines'
  Quantity x UnitPrice rounded to cents; cancellations (numbers starting with C) are negative invoices
  with status `refunded`, every other invoice is `paid`, issued (and paid) at its first line's time.
  Invoices without a customer id are kept with no account, so revenue totals include them;
- each line -> a `Purchased` track event of the customer (properties: invoice, stock_code, description,
  quantity, unit_price, country), message id `retail-<invoice>-<stock code>-<n>` (n counts repeats of the
  stock code within the invoice). The ids are the same in both releases, so the lines of the overlapping
  days (2010-12-01..09) are stored once whichever file comes first.
InvoiceDate is local UK time and is stored as UTC.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from dashapp.ingest.importers import ChunkImporter
from dashapp.ingest.mapping import RowValues
from dashapp.settings import Settings
from models.db import Database

CHUNK = 20_000
CENT = Decimal("0.01")
_COLUMNS = {
    "InvoiceNo": "invoice",
    "Invoice": "invoice",
    "StockCode": "stock_code",
    "Description": "description",
    "Quantity": "quantity",
    "InvoiceDate": "date",
    "UnitPrice": "price",
    "Price": "price",
    "CustomerID": "customer",
    "Customer ID": "customer",
    "Country": "country",
}


@dataclass
class _Invoice:
    customer: str | None
    issued_at: datetime
    amount: Decimal = Decimal(0)
    stock_seen: dict[str, int] = field(default_factory=dict)


def _lines(path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        reader = csv.reader(text)
        header = [_COLUMNS.get(h.strip(), h.strip()) for h in next(reader)]
        missing = {"invoice", "stock_code", "quantity", "date", "price", "customer"} - set(header)
        if missing:
            raise ValueError(
                f"{path.name} is not an Online Retail file: no {', '.join(sorted(missing))} column"
            )
        for cells in reader:
            yield dict(zip(header, cells, strict=False))


def _customer(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    return raw[:-2] if raw.endswith(".0") else raw


def _when(raw: str) -> datetime:
    return datetime.fromisoformat(raw.strip()).replace(tzinfo=UTC)


def import_files(
    db: Database,
    paths: list[Path],
    *,
    settings: Settings | None = None,
    echo: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    totals = {"accounts": 0, "invoices": 0, "events": 0, "events_new": 0, "overlap": 0}
    pending = 0
    for path in paths:
        result = _import_file(db, Path(path), echo)
        pending += result.pop("pending")
        for key, value in result.items():
            totals[key] += value
    if pending and settings is not None:
        from jobs.rollup import schedule

        schedule(settings, db)
    return totals


def _import_file(db: Database, path: Path, echo) -> dict[str, int]:
    customers: dict[str, str] = {}
    invoices: dict[str, _Invoice] = {}
    for line in _lines(path):
        customer = _customer(line["customer"])
        if customer and customer not in customers:
            customers[customer] = line.get("country", "")
        invoice = invoices.get(line["invoice"])
        if invoice is None:
            invoice = invoices[line["invoice"]] = _Invoice(customer, _when(line["date"]))
        invoice.amount += Decimal(line["quantity"]) * Decimal(line["price"])
    if echo:
        echo(f"{path.name}: {len(customers):,} customers, {len(invoices):,} invoices")
    with db.engine.connect() as conn:
        pg = conn.connection.driver_connection
        pg.commit()
        accounts = ChunkImporter(pg, "accounts")
        rows = [
            accounts.to_stage(
                0,
                RowValues(
                    {"external_id": f"retail-{c}", "name": f"Customer {c}", "region": country[:64] or None},
                    {"source": "online-retail"},
                    [],
                ),
                [],
            )
            for c, country in customers.items()
        ]
        accounts.process(rows, "CustomerID")  # type: ignore[arg-type]
        pg.commit()
        billing = ChunkImporter(pg, "invoices")
        rows = []
        for number, inv in invoices.items():
            values = {
                "external_id": f"retail-{number}",
                "account": f"retail-{inv.customer}" if inv.customer else None,
                "amount": inv.amount.quantize(CENT, rounding=ROUND_HALF_UP),
                "currency": "GBP",
                "status": "refunded" if number.startswith("C") else "paid",
                "issued_at": inv.issued_at,
                "paid_at": inv.issued_at,
            }
            rows.append(billing.to_stage(0, RowValues(values, {}, []), []))
        billing.process(rows, "InvoiceNo")  # type: ignore[arg-type]
        pg.commit()
        # Message ids are unique within a file by construction: no need to check for repeats.
        events = ChunkImporter(pg, "events", check_duplicates=False)
        seen: dict[str, dict[str, int]] = {}
        chunk: list[Any] = []
        counts = {"events": 0, "events_new": 0, "overlap": 0}

        def flush() -> None:
            result, _errors = events.process(chunk, "message_id")
            counts["events_new"] += result["inserted"]
            counts["overlap"] += result["unchanged"]
            chunk.clear()
            pg.commit()

        for line in _lines(path):
            number, stock = line["invoice"], line["stock_code"]
            per_invoice = seen.setdefault(number, {})
            n = per_invoice.get(stock, 0)
            per_invoice[stock] = n + 1
            customer = _customer(line["customer"])
            values = {
                "message_id": f"retail-{number}-{stock}-{n}",
                "account": f"retail-{customer}" if customer else None,
                "user_id": customer,
                "event": "Purchased",
                "event_type": "track",
                "timestamp": _when(line["date"]),
            }
            properties = {
                "invoice": number,
                "stock_code": stock,
                "description": line.get("description", "").strip(),
                "quantity": line["quantity"],
                "unit_price": line["price"],
                "country": line.get("country", ""),
            }
            chunk.append(events.to_stage(0, RowValues(values, properties, []), []))
            counts["events"] += 1
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()
        pg.commit()
    if echo:
        echo(f"{path.name}: {counts['events']:,} lines, {counts['events_new']:,} new")
    return {
        "accounts": len(customers),
        "invoices": len(invoices),
        **counts,
        "pending": events.pending,
    }
