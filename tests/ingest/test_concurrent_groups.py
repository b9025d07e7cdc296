"""Concurrent `group` batches naming the same accounts in different orders all succeed (no deadlock 500)."""

from __future__ import annotations

import random
import threading

from flask import Flask
from sqlalchemy import func, select

from dashapp.ingest.writekeys import create_write_key
from models.account import Account, Contact
from models.db import Database
from tests.ingest.conftest import basic

ACCOUNTS = [f"co-{i:02d}" for i in range(12)]


def _batch(round_no: int, client_no: int, order: list[str]) -> dict:
    return {
        "batch": [
            {
                "type": "group",
                "messageId": f"r{round_no}-c{client_no}-{account}",
                "userId": f"user-{(client_no + i) % 5}",
                "groupId": account,
                "traits": {"name": f"{account} v{round_no}.{client_no}", "plan": f"p{client_no}"},
            }
            for i, account in enumerate(order)
        ]
    }


def test_concurrent_group_batches_with_overlapping_accounts_all_succeed(
    app: Flask, committed: Database
) -> None:
    with committed.transaction() as session:
        _row, key = create_write_key(session, "concurrency")
    rng = random.Random(15)
    outcomes: list[object] = []
    lock = threading.Lock()
    clients = 8
    for round_no in range(4):
        barrier = threading.Barrier(clients)

        def send(client_no: int, order: list[str], round_no: int = round_no, barrier=barrier) -> None:
            test_client = app.test_client()
            barrier.wait()
            try:
                status: object = test_client.post(
                    "/v1/batch", json=_batch(round_no, client_no, order), headers=basic(key)
                ).status_code
            except Exception as exc:  # a deadlock propagates out of the test client as the error itself
                status = repr(exc)
            with lock:
                outcomes.append(status)

        threads = []
        for client_no in range(clients):
            order = ACCOUNTS[:]
            rng.shuffle(order)
            threads.append(threading.Thread(target=send, args=(client_no, order)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes == [200] * len(outcomes), [o for o in outcomes if o != 200]
    with committed.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == len(ACCOUNTS)
        assert session.scalar(select(func.count()).select_from(Contact)) == 5
