"""The official Segment Python client, pointed at a running healthdash, delivers identify/group/track."""

from __future__ import annotations

import subprocess
import sys

import pytest
from segment.analytics import Client
from segment.analytics.request import APIError
from sqlalchemy import func, select

from models.account import Account, Contact
from models.activity import UsageEvent
from models.db import Database


def _cli(test_env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dashapp.cli.entry", *args],
        env=test_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _send(client: Client) -> None:
    client.identify("user-7", {"email": "grace@initech.example", "name": "Grace"}, message_id="seg-1")
    client.group("user-7", "initech", {"name": "Initech", "plan": "growth", "mrr": 499}, message_id="seg-2")
    client.track("user-7", "Signed In", {"method": "sso"}, message_id="seg-3")
    client.track("user-7", "Report Exported", {"feature": "reports"}, message_id="seg-4")
    client.flush()


def test_official_client_delivers_and_replay_adds_nothing(live_url, test_env, committed: Database) -> None:
    key = (
        _cli(test_env, "write-keys", "create", "segment-python", "--fields", "name,plan,mrr")
        .strip()
        .splitlines()[-1]
    )
    errors: list[Exception] = []
    client = Client(key, host=live_url, sync_mode=True, on_error=lambda exc, _batch: errors.append(exc))
    _send(client)
    assert errors == []
    with committed.transaction() as session:
        account = session.scalar(select(Account).where(Account.external_id == "initech"))
        assert (account.name, account.plan, int(account.mrr)) == ("Initech", "growth", 499)
        contact = session.scalar(select(Contact).where(Contact.external_id == "user-7"))
        assert (contact.email, contact.account_id) == ("grace@initech.example", account.id)
        events = session.execute(
            select(UsageEvent.event, UsageEvent.account_id).order_by(UsageEvent.message_id)
        ).all()
        assert events == [("Signed In", account.id), ("Report Exported", account.id)]
        counts = [session.scalar(select(func.count()).select_from(m)) for m in (Account, Contact, UsageEvent)]

    _send(Client(key, host=live_url, sync_mode=True, gzip=True))  # the same messages again, gzipped
    with committed.transaction() as session:
        assert [
            session.scalar(select(func.count()).select_from(m)) for m in (Account, Contact, UsageEvent)
        ] == counts

    _cli(test_env, "write-keys", "revoke", "segment-python")
    with pytest.raises(APIError) as refused:
        Client(key, host=live_url, sync_mode=True, max_retries=0).track(
            "user-7", "After Revoke", message_id="seg-5"
        )
    assert refused.value.status == 401 and "revoked" in refused.value.message
    with committed.transaction() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(UsageEvent).where(UsageEvent.message_id == "seg-5")
            )
            == 0
        )
