"""Export and report fixtures: a database of their own (jobs see committed rows), a small scored book,
settings pointing files at a temporary folder, and a worker on the real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from dashapp.settings import Settings
from models.db import Database
from models.user import User
from tests.support.database import truncate_all
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_history
from tests.support.jobs import committed_database, drain, job_database, own_namespace

SEGMENTS = ("smb", "enterprise", "mid-market")


@pytest.fixture(scope="module")
def exports_url(server_settings: Settings) -> Iterator[str]:
    with committed_database(server_settings, "hd_exports") as url:
        yield url


@pytest.fixture
def xsettings(
    settings: Settings, exports_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings for the app side and (through the environment) for jobs: own database, Redis namespace
    and export folder."""
    folder = tmp_path / "exports"
    with own_namespace(
        settings,
        exports_url,
        "exp",
        export_dir=folder,
        base_url="https://health.example.test",
        report_recipient_domains=("example.test",),
    ) as local:
        monkeypatch.setenv("REPORT_RECIPIENT_DOMAINS", "example.test")
        monkeypatch.setenv("DATABASE_URL", exports_url)
        monkeypatch.setenv("REDIS_URL", settings.redis_url or "")
        monkeypatch.setenv("HEALTHDASH_REDIS_NAMESPACE", local.redis_namespace)
        monkeypatch.setenv("EXPORT_DIR", str(folder))
        monkeypatch.setenv("HEALTHDASH_BASE_URL", "https://health.example.test")
        yield local


@pytest.fixture
def xdb(xsettings: Settings) -> Iterator[Database]:
    with job_database(xsettings) as database:
        yield database
        truncate_all(database.engine)


def work(settings: Settings, queue: str) -> None:
    """Run every job waiting on `queue` with a real RQ worker on the real Redis, then stop."""
    drain(settings, queue)


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
