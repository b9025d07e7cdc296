"""Accounts and contacts written through the API, over real HTTP against `healthdash serve`: create, ETag and
If-Match, soft delete (gone from lists and scores), restore, purge after the retention period, bulk upserts
with the CSV import's messages, audit entries with their source, and who may write."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from dashapp.ingest.csv_import import ImportOptions, run_import
from dashapp.tokens import create_token
from models.account import Account, Contact
from models.audit import AccountChange, AuditLog
from models.db import Database
from models.ingest import ImportRowError
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health

pytestmark = pytest.mark.slow


def call(
    server: Any, method: str, path: str, secret: str, body: Any = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    """One request to /api/v1; the status, headers and the JSON body (None when empty)."""
    sent = {"Authorization": f"Bearer {secret}", **{k.replace("_", "-"): v for k, v in headers.items()}}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(f"{server.url}/api/v1{path}", data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, got, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, got, raw = exc.code, dict(exc.headers), exc.read()
    return status, got, (json.loads(raw) if raw else None)


def token(db: Database, role: str, scope: str = "write") -> str:
    with db.transaction() as session:
        return create_token(session, make_user(session, role=role), name=f"{role} sync", scope=scope).secret


def test_create_then_patch_with_if_match(api_server, committed: Database) -> None:
    secret = token(committed, "manager")
    new = {
        "external_id": "crm-1",
        "name": "Acme",
        "segment": "SMB",
        "mrr": "1,200.50",
        "custom_attributes": {"tier": "gold"},
    }
    status, headers, body = call(api_server, "POST", "/accounts", secret, new)
    assert status == 201, body
    assert (
        body["segment"] == "smb"
        and body["mrr"] == "1200.50"
        and body["custom_attributes"] == {"tier": "gold"}
    )
    first = headers["ETag"]

    status, headers, body = call(api_server, "GET", "/accounts/crm-1", secret)
    assert status == 200 and headers["ETag"] == first

    status, _, body = call(api_server, "PATCH", "/accounts/crm-1", secret, {"plan": "pro"})
    assert status == 428 and body["errors"] == [{"name": "If-Match", "message": "is required"}]

    status, headers, body = call(
        api_server, "PATCH", "/accounts/crm-1", secret,
        {"plan": "pro", "region": None, "custom_attributes": {"tier": None, "seats": 40}}, If_Match=first,
    )  # fmt: skip
    assert status == 200, body
    assert body["plan"] == "pro" and body["region"] is None and body["custom_attributes"] == {"seats": 40}
    second = headers["ETag"]
    assert second != first

    status, headers, body = call(
        api_server, "PATCH", "/accounts/crm-1", secret, {"plan": "x"}, If_Match=first
    )
    assert status == 412 and headers["ETag"] == second  # someone changed it since: read again

    status, _, body = call(api_server, "PATCH", "/accounts/crm-1", secret, {"segment": "huge", "name": None},
                           If_Match=second)  # fmt: skip
    assert status == 422
    assert {e["name"]: e["message"] for e in body["errors"]} == {
        "body.segment": "segment: 'huge' is not a segment; use one of enterprise, mid-market, smb",
        "body.name": "name is required",
    }

    status, _, body = call(api_server, "POST", "/accounts", secret, {"external_id": "crm-1", "name": "Again"})
    assert status == 409 and body["errors"][0]["name"] == "body.external_id"

    with committed.transaction() as session:
        changes = session.scalars(select(AccountChange).where(AccountChange.field == "plan")).all()
        assert [(c.source, c.new_value) for c in changes] == [("api", "pro")]
        assert changes[0].actor.endswith("via token manager sync (" + secret[:11] + ")")
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.object_id == "crm-1").order_by(AuditLog.id)
        )
        assert list(actions) == ["account.create", "account.update"]
        entry = session.scalar(select(AuditLog).where(AuditLog.action == "account.update"))
        assert entry.details["source"] == "api" and entry.details["token"].startswith("manager sync")


def test_delete_hides_the_account_restore_brings_it_back_purge_removes_it(
    api_server, api_env: dict[str, str], committed: Database
) -> None:
    secret = token(committed, "admin")
    with committed.transaction() as session:
        for n in range(3):
            account = make_account(session, external_id=f"del-{n}", segment="smb")
            make_health(session, account, 40.0 + n)
            session.add(Contact(account_id=account.id, external_id=f"del-{n}-c", email=f"c{n}@example.com"))

    def listed(path: str) -> set[str]:
        status, _, body = call(api_server, "GET", path, secret)
        assert status == 200, body
        return {row["external_id"] for row in body["data"]}

    assert listed("/accounts") == listed("/scores") == {"del-0", "del-1", "del-2"}
    _, headers, _ = call(api_server, "GET", "/accounts/del-1", secret)
    status, _, _ = call(api_server, "DELETE", "/accounts/del-1", secret, If_Match='"stale"')
    assert status == 412
    status, _, body = call(api_server, "DELETE", "/accounts/del-1", secret, If_Match=headers["ETag"])
    assert status == 204, body

    assert listed("/accounts") == listed("/scores") == {"del-0", "del-2"}
    assert listed("/accounts?segment=smb&sort=-score") == {"del-0", "del-2"}
    assert call(api_server, "GET", "/accounts/del-1", secret)[0] == 404
    assert call(api_server, "GET", "/accounts/del-1/contacts", secret)[0] == 404

    status, headers, body = call(api_server, "POST", "/accounts/del-1/restore", secret)
    assert status == 200 and body["deleted_at"] is None and headers["ETag"]
    assert listed("/accounts") == listed("/scores") == {"del-0", "del-1", "del-2"}
    assert listed("/accounts/del-1/contacts") == {"del-1-c"}  # its contacts came back with it
    assert call(api_server, "POST", "/accounts/del-1/restore", secret)[0] == 404  # not deleted any more

    # Deleted 31 days ago (the retention period is 30): too late to restore, and the purge removes it.
    _, headers, _ = call(api_server, "GET", "/accounts/del-2", secret)
    assert call(api_server, "DELETE", "/accounts/del-2", secret, If_Match=headers["ETag"])[0] == 204
    long_ago = datetime.now(UTC) - timedelta(days=31)
    with committed.transaction() as session:
        for model in (Account, Contact):
            session.execute(update(model).where(model.deleted_at.is_not(None)).values(deleted_at=long_ago))
    status, _, body = call(api_server, "POST", "/accounts/del-2/restore", secret)
    assert status == 410 and "more than 30 days ago" in body["detail"]

    done = subprocess.run(
        [sys.executable, "-m", "dashapp.cli.entry", "accounts", "purge"],
        env=api_env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Purged 1 accounts and 1 contacts" in done.stdout
    with committed.transaction() as session:
        assert set(session.scalars(select(Account.external_id))) == {"del-0", "del-1"}
        purge = session.scalar(select(AuditLog).where(AuditLog.action == "account.purge"))
        assert purge.details["accounts_purged"] == ["del-2"] and purge.actor == "system"
    assert call(api_server, "POST", "/accounts/del-2/restore", secret)[0] == 404


def test_bulk_saves_valid_rows_reports_the_others_as_the_csv_import_does(
    api_server, committed: Database, tmp_path: Path
) -> None:
    secret = token(committed, "manager")
    rows = [
        {"external_id": "b-1", "name": "One", "segment": "smb", "mrr": 100},
        {"external_id": "b-2", "name": "Two", "mrr": "lots"},
        {"external_id": "b-3", "name": "Three", "owner": "nobody@example.com"},
        {"external_id": "b-1", "name": "One again"},
        {"external_id": "b-4", "name": "Four", "colour": "blue"},
        {"external_id": "b-5", "parent": "b-1", "renewal_date": "2027-01-31"},
    ]
    status, _, body = call(api_server, "POST", "/accounts/bulk", secret, {"rows": rows})
    assert status == 422, body
    assert body["detail"] == "4 of 6 rows were refused (see errors); the other 2 were saved."
    assert (body["inserted"], body["updated"], body["unchanged"]) == (2, 0, 0)
    first_errors = body["errors"]
    by_row = {e["index"]: (e["field"], e["message"]) for e in first_errors}
    assert by_row == {
        1: ("mrr", "mrr: 'lots' is not a number"),
        2: ("owner", "user 'nobody@example.com' does not exist (no user has this email)"),
        3: ("external_id", "duplicate external_id 'b-1': row 0 has the same id; this row was skipped"),
        4: ("colour", "is not a field of this request"),
    }
    status, _, body = call(api_server, "GET", "/accounts/b-5", secret)
    assert status == 200 and body["parent_external_id"] == "b-1" and body["name"] == "b-5"

    # A replay changes nothing and says the same.
    status, _, again = call(api_server, "POST", "/accounts/bulk", secret, {"rows": rows})
    assert status == 422 and (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert again["errors"] == first_errors
    status, _, ok = call(
        api_server, "POST", "/accounts/bulk", secret, {"rows": [rows[0], {"external_id": "b-6"}]}
    )
    assert status == 200 and ok == {"inserted": 1, "updated": 0, "unchanged": 1}

    # The same bad row in a CSV file gets the same words.
    csv = tmp_path / "accounts.csv"
    csv.write_text("external_id,name,mrr\nb-2,Two,lots\n")
    summary = run_import(committed, csv, ImportOptions(kind="accounts"))
    with committed.transaction() as session:
        reason = session.scalar(
            select(ImportRowError.reason).where(ImportRowError.import_id == summary["import_id"])
        )
    assert reason == by_row[1][1]

    limit = [{"external_id": f"x-{i}"} for i in range(1001)]
    status, _, body = call(api_server, "POST", "/accounts/bulk", secret, {"rows": limit})
    assert status == 422 and "at most 1000 rows per request" in body["detail"]
    with committed.transaction() as session:
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "account.bulk_upsert")).first()
        assert entry.details["source"] == "api" and entry.details["refused"] == 4


def test_contacts_create_patch_delete_restore_and_bulk(api_server, committed: Database) -> None:
    secret = token(committed, "admin")
    with committed.transaction() as session:
        make_account(session, external_id="ct-acc")
        make_account(session, external_id="ct-other")
    status, headers, body = call(
        api_server, "POST", "/accounts/ct-acc/contacts", secret,
        {"external_id": "p-1", "email": "Ada@Example.com", "traits": {"role": "cto"}},
    )  # fmt: skip
    assert status == 201 and body["email"] == "ada@example.com" and body["account"] == "ct-acc"
    contact_id, etag = body["id"], headers["ETag"]
    status, headers, body = call(api_server, "PATCH", f"/contacts/{contact_id}", secret,
                                 {"account": "ct-other", "title": "CTO"}, If_Match=etag)  # fmt: skip
    assert status == 200 and body["account"] == "ct-other" and body["title"] == "CTO"
    assert call(api_server, "DELETE", f"/contacts/{contact_id}", secret, If_Match=etag)[0] == 412
    assert call(api_server, "DELETE", f"/contacts/{contact_id}", secret, If_Match=headers["ETag"])[0] == 204
    assert call(api_server, "GET", f"/contacts/{contact_id}", secret)[0] == 404
    assert call(api_server, "POST", f"/contacts/{contact_id}/restore", secret)[0] == 200

    status, _, body = call(api_server, "POST", "/contacts/bulk", secret, {"rows": [
        {"external_id": "p-2", "account": "ct-acc", "email": "bob@example.com"},
        {"external_id": "p-3", "account": "nowhere"},
        {"external_id": "p-4", "email": "not-an-email"},
    ]})  # fmt: skip
    assert status == 422 and body["inserted"] == 1
    assert [(e["index"], e["field"], e["message"]) for e in body["errors"]] == [
        (1, "account", "account 'nowhere' does not exist (import accounts first)"),
        (2, "email", "email: 'not-an-email' is not an email address"),
    ]


def test_who_may_write(api_server, committed: Database) -> None:
    viewer, csm, reader = (
        token(committed, "viewer"),
        token(committed, "csm"),
        token(committed, "admin", "read"),
    )
    with committed.transaction() as session:
        make_account(session, external_id="perm-1")
    new = {"external_id": "perm-2", "name": "New"}
    assert call(api_server, "GET", "/accounts/perm-1", viewer)[0] == 200
    for secret in (viewer, csm):
        status, _, body = call(api_server, "POST", "/accounts", secret, new)
        assert status == 403 and "create, change, delete and restore accounts" in body["detail"]
    assert call(api_server, "POST", "/accounts", reader, new)[0] == 403  # a read token never writes
    assert call(api_server, "DELETE", "/accounts/perm-1", viewer, If_Match="*")[0] == 403
    assert call(api_server, "POST", "/accounts/bulk", viewer, {"rows": [new]})[0] == 403
    assert call(api_server, "GET", "/users", viewer)[0] == 403


def test_admins_manage_users_and_never_remove_the_last_admin(api_server, committed: Database) -> None:
    with committed.transaction() as session:
        admin = make_user(session, role="admin")
        admin_id = admin.id
        secret = create_token(session, admin, name="admin sync", scope="write").secret
    status, _, body = call(api_server, "POST", "/users", secret, {
        "email": "New.Person@example.com", "role": "csm", "password": "correct horse battery staple",
        "manager_id": admin_id,
    })  # fmt: skip
    assert status == 201 and body["email"] == "new.person@example.com" and body["manager_id"] == admin_id
    new_id = body["id"]
    status, _, body = call(api_server, "POST", "/users", secret,
                           {"email": "weak@example.com", "role": "csm", "password": "password1234"})  # fmt: skip
    assert status == 422 and body["errors"][0]["name"] == "body.password"
    assert call(api_server, "POST", "/users", secret, {"email": "new.person@example.com", "role": "viewer",
                "password": "correct horse battery staple"})[0] == 409  # fmt: skip

    status, _, body = call(api_server, "PATCH", f"/users/{admin_id}", secret, {"role": "manager"})
    assert status == 409 and "last active admin" in body["detail"]
    status, _, body = call(api_server, "PATCH", f"/users/{new_id}", secret, {"manager_id": new_id})
    assert status == 422 and body["errors"][0]["name"] == "body.manager_id"

    status, _, body = call(api_server, "PATCH", f"/users/{new_id}", secret, {"role": "admin"})
    assert status == 200 and body["role"] == "admin"
    status, _, body = call(api_server, "PATCH", f"/users/{new_id}", secret, {"active": False})
    assert status == 200 and body["active"] is False
    # The other admin is inactive now: this one is still the last active admin.
    assert call(api_server, "PATCH", f"/users/{admin_id}", secret, {"role": "viewer"})[0] == 409
    status, _, body = call(api_server, "GET", "/users", secret)
    assert status == 200 and {u["id"] for u in body["data"]} >= {admin_id, new_id}
    assert call(api_server, "GET", "/users/999999", secret)[0] == 404

    with committed.transaction() as session:
        entries = session.scalars(
            select(AuditLog).where(AuditLog.object_id == str(new_id)).order_by(AuditLog.id)
        )
        assert [(e.action, e.details.get("source")) for e in entries] == [
            ("user.create", "api"), ("user.set_manager", "api"), ("user.set_role", "api"),
            ("user.deactivate", "api"),
        ]  # fmt: skip
