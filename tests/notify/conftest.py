"""Notification fixtures: a committed database of its own (jobs and the runner commit per delivery), a
Redis namespace, a local SMTP server (aiosmtpd), and settings that allow loopback receivers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from dashapp.settings import Settings
from models.db import Database
from tests.notify.servers import Inbox, smtp_server
from tests.support.database import truncate_all
from tests.support.jobs import committed_database, job_database, own_namespace

BASE_URL = "https://health.example.test"
TWILIO_SID = "AC" + "0" * 32


@dataclass
class Mail:
    inbox: Inbox
    port: int


@pytest.fixture(scope="module")
def notify_url(server_settings: Settings) -> Iterator[str]:
    with committed_database(server_settings, "hd_notify") as url:
        yield url


@pytest.fixture
def mail() -> Iterator[Mail]:
    with smtp_server() as (inbox, port):
        yield Mail(inbox, port)


@pytest.fixture
def nsettings(
    settings: Settings, notify_url: str, mail: Mail, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings for the code under test and, through the environment, for jobs run by a worker."""
    env = {
        "DATABASE_URL": notify_url,
        "REDIS_URL": settings.redis_url or "",
        "HEALTHDASH_OUTBOUND_ALLOW_LOOPBACK": "true",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "SMTP_SENDER": "alerts@example.test",
        "HEALTHDASH_BASE_URL": BASE_URL,
    }
    with own_namespace(
        settings,
        notify_url,
        "ntf",
        outbound_allow_loopback=True,
        smtp_host="127.0.0.1",
        smtp_port=mail.port,
        smtp_sender="alerts@example.test",
        base_url=BASE_URL,
    ) as local:
        env["HEALTHDASH_REDIS_NAMESPACE"] = local.redis_namespace
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield local


@pytest.fixture
def ndb(nsettings: Settings) -> Iterator[Database]:
    with job_database(nsettings) as database:
        yield database
        truncate_all(database.engine)
