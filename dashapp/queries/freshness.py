"""When each data source last sent data, and how much per day: the freshness table on the Data in page.

Sources: product events through the event API (`usage_events.received_at`), each webhook source
(`webhook_events.received_at`: billing, support), and each kind of CSV import (`data_imports`, rows
written by imports that finished). Days are UTC calendar days ending today; a source that never sent
anything is not listed. Each source is one grouped query over its recent rows (BRIN indexes on the
receive times keep that cheap on large tables) plus one max() for its latest arrival; for product events,
the largest table, that max() reads only the window unless the source was quiet for all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

DAYS = 14


@dataclass(frozen=True)
class SourceFreshness:
    """One source: its name, when it last sent data, and what it sent on each of the last `DAYS` days."""

    source: str
    last_at: datetime | None
    per_day: tuple[int, ...]  # oldest first, today last

    @property
    def today(self) -> int:
        return self.per_day[-1] if self.per_day else 0

    @property
    def total(self) -> int:
        return sum(self.per_day)


# (label, SQL of (name, day, count) since :since, SQL of (name, last)). `name` splits a source; the label
# shows it as {name} or capitalised as {Name}.
_SOURCES: tuple[tuple[str, str, str], ...] = (
    (
        "Product events (event API)",
        "SELECT '' AS name, (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM usage_events"
        " WHERE received_at >= :since GROUP BY 2",
        # The newest arrival within the window (through the BRIN index); only a source quiet for the whole
        # window scans for its last arrival (COALESCE evaluates its second argument only when needed).
        "SELECT '' AS name, coalesce((SELECT max(received_at) FROM usage_events WHERE received_at >= :since),"
        " (SELECT max(received_at) FROM usage_events))",
    ),
    (
        "{Name} webhooks",
        "SELECT source AS name, (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n"
        " FROM webhook_events WHERE received_at >= :since GROUP BY 1, 2",
        "SELECT source AS name, max(received_at) FROM webhook_events GROUP BY 1",
    ),
    (
        "CSV import: {name}",
        "SELECT kind AS name, (finished_at AT TIME ZONE 'UTC')::date AS day,"
        " sum(rows_inserted + rows_updated) AS n FROM data_imports"
        " WHERE status = 'finished' AND NOT dry_run AND finished_at >= :since GROUP BY 1, 2",
        "SELECT kind AS name, max(finished_at) FROM data_imports WHERE status = 'finished' AND NOT dry_run"
        " GROUP BY 1",
    ),
)


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def source_freshness(session: Session, today: date | None = None, days: int = DAYS) -> list[SourceFreshness]:
    """Every source that ever sent data, most recent first."""
    today = today or datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), UTC)
    out: list[SourceFreshness] = []
    for label, per_day_sql, last_sql in _SOURCES:
        counts: dict[str, list[int]] = {}
        for name, day, n in session.execute(text(per_day_sql), {"since": since}):
            if first <= day <= today:
                counts.setdefault(name, [0] * days)[(day - first).days] += int(n or 0)
        for name, last in session.execute(text(last_sql), {"since": since}):
            if last is None:
                continue
            title = label.format(name=name, Name=str(name).capitalize())
            out.append(SourceFreshness(title, _aware(last), tuple(counts.get(name, [0] * days))))
    return sorted(out, key=lambda s: s.last_at or datetime.min.replace(tzinfo=UTC), reverse=True)
