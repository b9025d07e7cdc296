"""`/privacy/exports`, `/privacy/erasures` and `/audit` over HTTP: administrators only, bad input named."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.account import Contact
from models.audit import AuditLog
from tests.privacy.subject import EMAIL, make_subject


def test_non_admins_are_refused(api, token, session: Session) -> None:
    make_subject(session)
    for role in ("viewer", "csm", "manager"):
        _, secret = token(role, "write")
        assert api.request("POST", "/privacy/exports", secret, json={"contact": EMAIL}).status_code == 403
        assert api.request("POST", "/privacy/erasures", secret, json={"email": EMAIL}).status_code == 403
        assert api.get("/audit", secret).status_code == 403
    assert api.request("POST", "/privacy/erasures", json={"email": EMAIL}).status_code == 401
    contact = session.scalars(select(Contact).where(Contact.email == EMAIL)).one()
    assert contact.name is not None  # nothing was erased


def test_admin_exports_a_contact_and_an_account_as_zip(api, token, session: Session) -> None:
    subject = make_subject(session)
    _, secret = token("admin", "read")
    response = api.request("POST", "/privacy/exports", secret, json={"contact": EMAIL})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    assert (
        "attachment" in response.headers["Content-Disposition"]
        and "@" not in response.headers["Content-Disposition"]
    )
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["tables"]["usage_events"] == 3 and manifest["subject"]["kind"] == "contact"

    response = api.request("POST", "/privacy/exports", secret, json={"account_id": subject.account_id})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        assert "invoices.csv" in zf.namelist()


def test_bad_export_requests_name_the_field(api, token, session: Session) -> None:
    _, secret = token("admin", "read")
    unknown = api.request("POST", "/privacy/exports", secret, json={"contact": "nobody@example.org"})
    assert unknown.status_code == 404
    assert (
        unknown.json["errors"][0]["name"] == "body.contact" and "nobody@example.org" in unknown.json["detail"]
    )
    account = api.request("POST", "/privacy/exports", secret, json={"account_id": 999_999_999})
    assert account.status_code == 404 and account.json["errors"][0]["name"] == "body.account_id"
    assert account.json["detail"].startswith("account_id: there is no account")
    both = api.request("POST", "/privacy/exports", secret, json={"contact": "a@b.c", "account_id": 1})
    assert both.status_code == 422
    assert api.request("POST", "/privacy/exports", secret, json={"who": "x"}).status_code == 422
    assert api.request("POST", "/privacy/exports", secret, json={}).status_code == 422
    null = api.request("POST", "/privacy/exports", secret, json={"contact": None, "account_id": 1})
    assert null.status_code == 422  # leave the other one out; the schema does not allow null


def test_admin_erases_once_then_nothing_is_left(api, token, session: Session) -> None:
    subject = make_subject(session)
    admin, secret = token("admin", "write")
    first = api.request("POST", "/privacy/erasures", secret, json={"email": EMAIL})
    assert first.status_code == 200, first.get_data(as_text=True)
    body = first.json
    assert body["status"] == "erased" and body["contacts"] == 1 and body["events"] == 3
    assert body["reference"].startswith("erasure-")
    assert session.get(Contact, subject.contact_id).email is None  # type: ignore[union-attr]

    second = api.request("POST", "/privacy/erasures", secret, json={"email": EMAIL.lower()})
    assert second.status_code == 200
    assert second.json["status"] == "nothing_to_erase" and second.json["reference"] == body["reference"]

    entry = session.scalars(select(AuditLog).where(AuditLog.action == "privacy.erase")).one()
    assert entry.actor == admin.email and entry.object_id == body["reference"]
    assert "quillzent" not in json.dumps(entry.details).lower()

    unknown = api.request("POST", "/privacy/erasures", secret, json={"email": "nobody@example.org"})
    assert unknown.status_code == 404 and unknown.json["errors"][0]["name"] == "body.email"
    assert unknown.json["detail"] == "email: there is no contact with email 'nobody@example.org'"
    assert api.request("POST", "/privacy/erasures", secret, json={"email": "nope"}).status_code == 422


def test_audit_list_filters_and_pages(api, token, session: Session) -> None:
    make_subject(session)
    _, secret = token("admin", "read")
    for n in range(3):
        session.add(
            AuditLog(
                actor="auditor@example.com", action="views.save", object_type="saved_view", object_id=str(n)
            )
        )
    session.flush()
    response = api.get("/audit?actor=AUDITOR&limit=2", secret)
    assert response.status_code == 200
    page = response.json
    assert page["total"] == 3 and len(page["data"]) == 2 and page["has_more"]
    rest = api.get(f"/audit?actor=auditor&limit=2&cursor={page['next_cursor']}", secret).json
    assert len(rest["data"]) == 1 and rest["next_cursor"] is None
    ids = {e["object_id"] for e in page["data"] + rest["data"]}
    assert ids == {"0", "1", "2"}
    typed = api.get("/audit?object_type=contact&action=contacts.update", secret).json
    total = session.scalar(
        select(func.count()).where(AuditLog.object_type == "contact", AuditLog.action == "contacts.update")
    )
    assert typed["total"] == total >= 1
    assert api.get("/audit?since=yesterday", secret).status_code == 400
    assert api.get("/audit?until=0", secret).status_code == 400
