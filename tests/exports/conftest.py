"""Export and report fixtures: a database of their own (jobs see committed rows), a small scored book,
settings pointing files at a temporary folder, and a worker on the real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from rq import SimpleWorker

from dashapp import migrate
from dashapp.settings import Settings
from jobs import runtime
from jobs.queues import all_queues, job_prefix, redis_connection
from models.db import Database
from models.user import User
from tests.support.database import create_test_database, drop_database, truncate_all
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_history

SEGMENTS = ("smb", "enterprise", "mid-market")


@pytest.fixture(scope="module")
def exports_url(server_settings: Settings) -> Iterator[str]:
    url = create_test_database(server_settings.database_url or "", prefix="hd_exports")
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture
def xsettings(
    settings: Settings, exports_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings for the app side and (through the environment) for jobs: own database, Redis namespace
    and export folder."""
    namespace = f"{settings.redis_namespace}exp{uuid.uuid4().hex[:6]}:"
    folder = tmp_path / "exports"
    monkeypatch.setenv("DATABASE_URL", exports_url)
    monkeypatch.setenv("HEALTHDASH_REDIS_NAMESPACE", namespace)
    monkeypatch.setenv("EXPORT_DIR", str(folder))
    monkeypatch.setenv("HEALTHDASH_BASE_URL", "https://health.example.test")
    out = settings.with_overrides(
        database_url=exports_url,
        redis_namespace=namespace,
        export_dir=folder,
        base_url="https://health.example.test",
    )
    yield out
    client = redis_connection(settings.redis_url or "")
    keys = list(client.scan_iter(match=f"*{namespace}*", count=1000))
    keys += list(client.scan_iter(match=f"*{job_prefix(out)}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def xdb(xsettings: Settings) -> Iterator[Database]:
    database = Database(xsettings.database_url or "")
    truncate_all(database.engine)
    runtime.use_database(database)
    yield database
    runtime.use_database(None)
    truncate_all(database.engine)
    database.engine.dispose()


def work(settings: Settings, queue: str) -> None:
    """Run every job waiting on `queue` with a real RQ worker on the real Redis, then stop."""
    worker = SimpleWorker(
        all_queues(settings, [queue]), connection=redis_connection(settings.redis_url or "")
    )
    worker.work(burst=True, with_scheduler=False)


@dataclass
class XBook:
    owner: User
    other: User
    accounts: int
    smb: int


def seed(db: Database, n: int = 60) -> XBook:
    """`n` scored accounts over three segments with 40 days of history (half falling, half rising)."""
    today = date.today()
    with db.transaction() as session:
        owner = make_user(session, role="csm", name="Olive Owner")
        other = make_user(session, role="csm", name="Otto Other")
        for i in range(n):
            account = make_account(
                session,
                external_id=f"acct-{i:04d}",
                name=f"Account {i:04d}",
                segment=SEGMENTS[i % 3],
                mrr=Decimal(1000 + 37 * i),
                renewal_date=today + timedelta(days=5 + i),
            )
            start = 30 + (i * 7) % 60
            step = -0.6 if i % 2 else 0.5
            make_history(
                session,
                account,
                [min(100, max(0, start + step * d)) for d in range(40)],
                explanation_text=f"Reason number {i}: usage {'fell' if i % 2 else 'grew'}.",
            )
    return XBook(owner, other, n, len(range(0, n, 3)))
