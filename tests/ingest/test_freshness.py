"""The Data in page's freshness figures: last arrival and rows per UTC day for each source."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from dashapp.queries.freshness import source_freshness
from models.ingest import DataImport, WebhookEvent

TODAY = date(2026, 3, 20)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)


def _event(session: Session, n: int, received: datetime) -> None:
    session.execute(
        text(
            "INSERT INTO usage_events (message_id, account_external_id, event, occurred_at, received_at)"
            " VALUES (:m, 'acc-1', 'login', :t, :t)"
        ),
        {"m": f"m-{n}-{received.isoformat()}", "t": received},
    )


def test_each_source_has_its_last_arrival_and_rows_per_day(session: Session) -> None:
    for n in range(3):
        _event(session, n, _at(TODAY, 9))
    _event(session, 9, _at(TODAY - timedelta(days=2), 23))
    _event(session, 10, _at(TODAY - timedelta(days=30)))  # before the window: only "last" could show it
    session.add(WebhookEvent(source="stripe", event_id="evt_1", type="invoice.paid", status="processed",
                             payload={}, received_at=_at(TODAY - timedelta(days=5))))  # fmt: skip
    session.add_all(
        [
            DataImport(
                kind="accounts",
                filename="a.csv",
                status="finished",
                rows_inserted=5,
                rows_updated=2,
                finished_at=_at(TODAY - timedelta(days=1)),
            ),
            DataImport(
                kind="accounts",
                filename="b.csv",
                status="finished",
                dry_run=True,
                rows_inserted=99,
                finished_at=_at(TODAY),
            ),  # a dry run writes nothing
            DataImport(
                kind="tickets", filename="t.csv", status="failed", rows_inserted=4, finished_at=_at(TODAY)
            ),  # failed: rolled back
        ]
    )
    session.flush()

    found = {s.source: s for s in source_freshness(session, today=TODAY)}

    assert set(found) == {"Product events (event API)", "Stripe webhooks", "CSV import: accounts"}
    events = found["Product events (event API)"]
    assert events.last_at == _at(TODAY, 9) and events.today == 3 and events.total == 4
    assert events.per_day[-3] == 1 and len(events.per_day) == 14
    stripe = found["Stripe webhooks"]
    assert stripe.last_at == _at(TODAY - timedelta(days=5)) and stripe.per_day[-6] == 1 and stripe.total == 1
    imports = found["CSV import: accounts"]
    assert imports.per_day[-2] == 7 and imports.today == 0
    assert next(iter(found)) == "Product events (event API)"  # most recent first


def test_a_book_with_no_data_lists_no_source(session: Session) -> None:
    session.execute(text("DELETE FROM usage_events"))
    session.execute(text("DELETE FROM webhook_events"))
    session.execute(text("DELETE FROM data_imports"))
    assert source_freshness(session, today=TODAY) == []


def test_a_source_quiet_for_the_whole_window_shows_when_it_last_sent(session: Session) -> None:
    session.execute(text("DELETE FROM usage_events"))
    _event(session, 1, _at(TODAY - timedelta(days=30)))
    (events,) = [s for s in source_freshness(session, today=TODAY) if s.source.startswith("Product events")]
    assert events.last_at == _at(TODAY - timedelta(days=30)) and events.total == 0
