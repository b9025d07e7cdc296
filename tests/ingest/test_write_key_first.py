"""The event API checks the write key before any work: a bad key writes nothing and waits on no row lock."""

from __future__ import annotations

import threading
import time

import psycopg
from flask import Flask
from sqlalchemy import func, select

from dashapp.services import libpq_url
from models.account import Account
from models.db import Database
from tests.ingest.conftest import basic
from tests.support.factories import make_account


def _group(mid: str, account: str) -> dict:
    return {"type": "group", "messageId": mid, "userId": "u1", "groupId": account, "traits": {"name": "X"}}


def _blocked_by(conn: psycopg.Connection, holder_pid: int) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (holder_pid,)
    ).fetchone()
    return bool(row and row[0])


def test_a_bad_write_key_is_refused_without_touching_a_locked_account(
    app: Flask, committed: Database
) -> None:
    with committed.transaction() as session:
        make_account(session, external_id="locked-acme", name="Acme")
    url = libpq_url(committed.url)
    outcome: dict[str, object] = {}
    with psycopg.connect(url) as holder, psycopg.connect(url, autocommit=True) as watcher:
        holder.execute("SELECT 1 FROM accounts WHERE external_id = 'locked-acme' FOR UPDATE")
        holder_pid = holder.info.backend_pid

        def send() -> None:
            batch = {"batch": [_group("bk-1", "locked-acme"), _group("bk-2", "new-co")]}
            response = app.test_client().post("/v1/batch", json=batch, headers=basic("hdwk_not-a-key"))
            outcome["status"] = response.status_code

        request = threading.Thread(target=send)
        request.start()
        blocked = False
        # Either the request ends, or it waits on the account row the holder locked (a write before the check).
        while request.is_alive():
            if _blocked_by(watcher, holder_pid):
                blocked = True
                break
            time.sleep(0.01)
        holder.rollback()
        request.join()
    assert not blocked, "the request took a row lock before refusing its write key"
    assert outcome["status"] == 401
    with committed.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 1
