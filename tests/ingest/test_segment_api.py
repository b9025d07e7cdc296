"""The Segment-compatible API over HTTP: every call type, idempotency, limits and bad input."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.ingest.writekeys import revoke_write_key
from models.account import Account, Contact
from models.activity import UsageEvent
from models.ingest import RollupPending, WriteKey
from tests.ingest.conftest import basic
from tests.support.factories import make_account


def _track(mid: str, user: str = "u1", event: str = "Report Exported", **extra) -> dict:
    return {"type": "track", "messageId": mid, "userId": user, "event": event,
            "timestamp": "2024-05-01T10:15:00Z", "properties": {"feature": "reports"}, **extra}  # fmt: skip


def _count(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_identify_group_track_land_as_rows_and_replay_adds_nothing(client, session, write_key) -> None:
    batch = {
        "batch": [
            {"type": "identify", "messageId": "m-1", "userId": "u1",
             "traits": {"email": "Ada@Example.com", "name": "Ada", "title": "CTO", "plan_seen": "x"}},
            {"type": "group", "messageId": "m-2", "userId": "u1", "groupId": "acme",
             "traits": {"name": "Acme Ltd", "plan": "enterprise", "mrr": 1200.5, "employees": 40}},
            _track("m-3"),
            {"type": "page", "messageId": "m-4", "userId": "u1", "name": "Dashboard",
             "timestamp": "2024-05-01T10:16:00Z"},
        ]
    }  # fmt: skip
    response = client.post("/v1/batch", json=batch, headers=basic(write_key))
    assert response.status_code == 200, response.json
    assert response.json["rejected"] == [] and response.json["accepted"] == 4
    account = session.scalar(select(Account).where(Account.external_id == "acme"))
    assert account.name == "Acme Ltd" and account.plan == "enterprise"
    assert account.mrr == 0 and response.json["ignored"] == [
        {"index": 1, "messageId": "m-2", "fields": ["mrr"]}
    ]
    assert account.custom_attributes == {"employees": 40}
    contact = session.scalar(select(Contact).where(Contact.external_id == "u1"))
    assert (contact.email, contact.name, contact.title, contact.account_id) == (
        "ada@example.com", "Ada", "CTO", account.id)  # fmt: skip
    events = session.scalars(select(UsageEvent).order_by(UsageEvent.message_id)).all()
    assert [(e.message_id, e.event_type, e.event, e.account_id, e.contact_id) for e in events] == [
        ("m-3", "track", "Report Exported", account.id, contact.id),
        ("m-4", "page", "Dashboard", account.id, contact.id),
    ]
    assert events[0].occurred_at == datetime(2024, 5, 1, 10, 15, tzinfo=UTC)
    assert session.get(RollupPending, (account.id, datetime(2024, 5, 1).date())) is not None
    before = (_count(session, UsageEvent), _count(session, Contact), _count(session, Account))

    replay = client.post("/v1/batch", json=batch, headers=basic(write_key))
    assert replay.status_code == 200
    assert replay.json["duplicates"] == 2
    assert (_count(session, UsageEvent), _count(session, Contact), _count(session, Account)) == before


def test_single_endpoints_and_write_key_in_body(client, session, write_key) -> None:
    assert client.post("/v1/track", json={**_track("s-1"), "writeKey": write_key}).status_code == 200
    assert client.post("/v1/screen", json={"messageId": "s-2", "anonymousId": "anon-1", "name": "Home"},
                       headers=basic(write_key)).status_code == 200  # fmt: skip
    alias = client.post("/v1/alias", json={"messageId": "s-3", "userId": "u1", "previousId": "anon-1"},
                        headers=basic(write_key))  # fmt: skip
    assert alias.status_code == 200 and alias.json["stored"] == 0
    rows = session.execute(select(UsageEvent.message_id, UsageEvent.event_type, UsageEvent.user_external_id)
                           .order_by(UsageEvent.message_id)).all()  # fmt: skip
    assert rows == [("s-1", "track", "u1"), ("s-2", "screen", "anon-1")]
    assert session.scalar(select(WriteKey.last_used_at)) is not None


def test_events_for_unknown_accounts_are_kept_and_attached_when_the_account_appears(
    client, session, write_key
) -> None:
    early = [_track("e-1", context={"groupId": "globex"}), _track("e-2", user="u9")]
    assert client.post("/v1/batch", json={"batch": early}, headers=basic(write_key)).status_code == 200
    rows = session.execute(select(UsageEvent.account_id, UsageEvent.account_external_id)
                           .order_by(UsageEvent.message_id)).all()  # fmt: skip
    assert rows == [(None, "globex"), (None, None)]
    group = {
        "type": "group",
        "messageId": "g-1",
        "userId": "u9",
        "groupId": "globex",
        "traits": {"name": "Globex"},
    }
    assert client.post("/v1/batch", json={"batch": [group]}, headers=basic(write_key)).status_code == 200
    account = session.scalar(select(Account).where(Account.external_id == "globex"))
    rows = session.execute(
        select(UsageEvent.message_id, UsageEvent.account_id).order_by(UsageEvent.message_id)
    ).all()
    assert rows == [("e-1", account.id), ("e-2", account.id)]
    assert session.get(RollupPending, (account.id, datetime(2024, 5, 1).date())) is not None


def test_account_of_an_event_comes_from_an_existing_account_or_the_users_contact(
    client, session, write_key
) -> None:
    acme = make_account(session, external_id="acme-2")
    session.add(Contact(external_id="u5", account_id=acme.id))
    session.flush()
    batch = [_track("a-1", user="u5"), _track("a-2", user="nobody", properties={"accountId": "acme-2"})]
    assert client.post("/v1/batch", json={"batch": batch}, headers=basic(write_key)).status_code == 200
    assert session.scalars(select(UsageEvent.account_id)).all() == [acme.id, acme.id]


def test_a_batch_with_bad_messages_stores_the_good_ones_and_reports_the_bad(
    client, session, write_key
) -> None:
    big = _track("big", properties={"blob": "x" * 33_000})
    batch = [
        _track("ok-1"),
        {"type": "track", "messageId": "bad-1", "userId": "u1"},  # no event name
        {"type": "explode", "messageId": "bad-2"},
        _track("bad-3", timestamp="yesterday"),
        {"type": "track", "messageId": "bad-4", "event": "x"},  # no user
        "not an object",
        big,
        _track("bad-5", properties={"text": "nul\u0000byte"}),
        _track("ok-2"),
    ]
    response = client.post("/v1/batch", json={"batch": batch}, headers=basic(write_key))
    assert response.status_code == 200
    rejected = {r["index"]: r["reason"] for r in response.json["rejected"]}
    assert set(rejected) == {1, 2, 3, 4, 5, 6, 7}
    assert "event name" in rejected[1] and "explode" in rejected[2] and "timestamp" in rejected[3]
    assert "userId" in rejected[4] and "JSON object" in rejected[5] and "32 KB" in rejected[6]
    assert "NUL" in rejected[7]
    assert sorted(session.scalars(select(UsageEvent.message_id))) == ["ok-1", "ok-2"]


def test_all_bad_is_a_400_problem_naming_each_message(client, write_key) -> None:
    response = client.post("/v1/batch", json={"batch": [{"type": "track"}]}, headers=basic(write_key))
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.json["errors"][0]["index"] == 0


def test_size_limits_are_segments(client, session, write_key) -> None:
    single = client.post(
        "/v1/track", json=_track("t", properties={"blob": "x" * 33_000}), headers=basic(write_key)
    )
    assert single.status_code == 413 and "32 KB" in single.json["detail"]
    batch = {"batch": [_track(f"b{i}", properties={"blob": "x" * 30_000}) for i in range(18)]}
    too_big = client.post("/v1/batch", json=batch, headers=basic(write_key))
    assert too_big.status_code == 413 and "500 KB" in too_big.json["detail"]
    assert _count(session, UsageEvent) == 0


def test_gzip_bodies_are_accepted_and_measured_after_decompression(client, session, write_key) -> None:
    body = gzip.compress(json.dumps({"batch": [_track("gz-1")]}).encode())
    headers = {**basic(write_key), "Content-Encoding": "gzip", "Content-Type": "application/json"}
    assert client.post("/v1/batch", data=body, headers=headers).status_code == 200
    bomb = gzip.compress(json.dumps({"batch": [_track("gz-2", properties={"z": "0" * 600_000})]}).encode())
    assert client.post("/v1/batch", data=bomb, headers=headers).status_code == 413
    broken = client.post("/v1/batch", data=b"not gzip", headers=headers)
    assert broken.status_code == 400 and "gzip" in broken.json["detail"]
    assert list(session.scalars(select(UsageEvent.message_id))) == ["gz-1"]


def test_bad_json_and_bad_shapes_are_400(client, write_key) -> None:
    headers = {**basic(write_key), "Content-Type": "application/json"}
    bad = client.post("/v1/batch", data=b'{"batch": [', headers=headers)
    assert bad.status_code == 400 and "not valid JSON" in bad.json["detail"]
    assert client.post("/v1/batch", data=b"", headers=headers).status_code == 400
    assert client.post("/v1/batch", json={"messages": []}, headers=basic(write_key)).status_code == 400
    assert client.post("/v1/track", json=[1, 2], headers=basic(write_key)).status_code == 400
    assert client.post("/v1/batch", data=b"\xff\xfe", headers=headers).status_code == 400


def test_missing_bad_and_revoked_write_keys_are_401(client, session, write_key) -> None:
    body = {"batch": [_track("k-1")]}
    missing = client.post("/v1/batch", json=body)
    assert missing.status_code == 401 and "write key" in missing.json["detail"]
    assert missing.headers["WWW-Authenticate"].startswith("Basic")
    assert client.post("/v1/batch", json=body, headers=basic("hdwk_wrong")).status_code == 401
    assert client.post("/v1/batch", json=body, headers={"Authorization": "Basic !!!"}).status_code == 401
    revoke_write_key(session, "test source")
    session.flush()
    assert client.post("/v1/batch", json=body, headers=basic(write_key)).status_code == 401
    assert _count(session, UsageEvent) == 0


def test_group_with_bad_traits_is_rejected_and_nothing_changes(client, session, write_key) -> None:
    bad = {"type": "group", "messageId": "g-bad", "groupId": "initech", "traits": {"mrr": "lots"}}
    response = client.post("/v1/group", json=bad, headers=basic(write_key))
    assert response.status_code == 400 and "mrr" in response.json["detail"]
    assert _count(session, Account) == 0


def test_acknowledged_events_are_durable_by_default(client, connection, session, write_key) -> None:
    """The default commit waits for the WAL flush: the request's transaction never turns it off."""
    assert (
        client.post("/v1/batch", json={"batch": [_track("sync-1")]}, headers=basic(write_key)).status_code
        == 200
    )
    assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    assert list(session.scalars(select(UsageEvent.message_id))) == ["sync-1"]


def test_the_asynchronous_commit_fast_path_is_an_explicit_opt_in(
    app, client, connection, session, write_key
) -> None:
    from dashapp.extensions import runtime

    with app.app_context():
        rt = runtime()
    original = rt.settings
    rt.settings = original.with_overrides(ingest_synchronous_commit=False)
    try:
        response = client.post("/v1/batch", json={"batch": [_track("async-1")]}, headers=basic(write_key))
        assert response.status_code == 200
    finally:
        rt.settings = original
    assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
    assert list(session.scalars(select(UsageEvent.message_id))) == ["async-1"]


def test_a_message_the_database_refuses_is_reported_alone(client, session, write_key) -> None:
    # A lone surrogate is valid JSON text but cannot be stored: only that message is refused.
    body = (
        '{"batch": [' + json.dumps(_track("fine-1")) + ", "
        '{"type": "track", "messageId": "odd", "userId": "u1", "event": "x", "properties": {"s": "\\ud800"}}, '
        + json.dumps(_track("fine-2"))
        + "]}"
    )
    headers = {**basic(write_key), "Content-Type": "application/json"}
    response = client.post("/v1/batch", data=body.encode(), headers=headers)
    assert response.status_code == 200, response.json
    (rejected,) = response.json["rejected"]
    assert rejected["index"] == 1 and "database refused" in rejected["reason"]
    assert sorted(session.scalars(select(UsageEvent.message_id))) == ["fine-1", "fine-2"]
