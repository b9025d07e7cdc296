"""Subject export and erasure against the real database (the test's transaction is rolled back)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dashapp.ops.privacy_erase import ACTION, erase_contact, reference_for
from dashapp.ops.privacy_export import PrivacyError, archive, collect_account, collect_contact
from models.account import Contact
from models.activity import AccountDailyMetric, UsageEvent
from models.audit import AuditLog
from models.db import Base
from tests.privacy.subject import EMAIL, EXTERNAL, NAME, make_subject

KEY = "test-secret-key-for-erasure"


def unzip(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def csv_rows(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode())))


def test_contact_export_holds_every_table_with_matching_values(session: Session) -> None:
    subject = make_subject(session)
    files = unzip(archive(collect_contact(session, EMAIL.lower())))
    manifest = json.loads(files["manifest.json"])
    tables = ["contacts", "usage_events", "support_tickets", "survey_responses", "audit_log"]
    assert list(manifest["tables"]) == tables
    assert set(files) == {"manifest.json", "subject.json", *(f"{t}.csv" for t in tables)}
    assert manifest["tables"] == {
        "contacts": 1,
        "usage_events": 3,
        "support_tickets": 1,
        "survey_responses": 1,
        "audit_log": 1,
    }
    doc = json.loads(files["subject.json"])["tables"]
    assert doc["contacts"][0]["email"] == EMAIL and doc["contacts"][0]["traits"]["nickname"] == "Ada"
    assert doc["contacts"][0]["id"] == subject.contact_id
    assert sorted(e["properties"]["n"] for e in doc["usage_events"]) == [0, 1, 2]
    assert doc["survey_responses"][0]["score"] == 9
    assert doc["support_tickets"][0]["subject"] == f"Invoice question from {NAME}"
    assert doc["audit_log"][0]["details"]["field"] == "title"
    contact_csv = csv_rows(files["contacts.csv"])
    assert contact_csv[0]["name"] == NAME and contact_csv[0]["title"] == "'=Countess"  # formula guard
    assert json.loads(contact_csv[0]["traits"])["plan_role"] == "owner"
    assert len(csv_rows(files["usage_events.csv"])) == 3
    # By id gives the same rows; the colleague's rows are not in it.
    by_id = json.loads(unzip(archive(collect_contact(session, str(subject.contact_id))))["subject.json"])
    assert by_id["tables"] == doc
    assert all(e["contact_id"] == subject.contact_id for e in doc["usage_events"])


def test_account_export_adds_account_fields_invoices_and_payments(session: Session) -> None:
    subject = make_subject(session)
    files = unzip(archive(collect_account(session, subject.account_id)))
    manifest = json.loads(files["manifest.json"])
    assert manifest["subject"] == {"kind": "account", "reference": str(subject.account_id)}
    assert manifest["tables"]["accounts"] == 1 and manifest["tables"]["contacts"] == 2
    assert manifest["tables"]["usage_events"] == 4
    assert manifest["tables"]["invoices"] == 1 and manifest["tables"]["payments"] == 1
    assert manifest["tables"]["audit_log"] == 1  # the entry about its contact
    assert manifest["tables"]["account_changes"] >= 1  # the trigger recorded the creation
    doc = json.loads(files["subject.json"])["tables"]
    assert doc["accounts"][0]["name"] == "Analytical Engines Ltd" and doc["accounts"][0]["mrr"] == "1000.00"
    assert doc["invoices"][0]["amount"] == "120.50"
    assert csv_rows(files["invoices.csv"])[0]["amount"] == "120.50"


def test_unknown_subjects_name_the_field(session: Session) -> None:
    with pytest.raises(PrivacyError, match=r"^contact: there is no contact 'nobody@example.org'"):
        collect_contact(session, "nobody@example.org")
    with pytest.raises(PrivacyError, match=r"^account: there is no account with id 999999999"):
        collect_account(session, 999_999_999)
    with pytest.raises(PrivacyError, match=r"^contact: .* is not an email address"):
        erase_contact(session, "not-an-email", key=KEY, actor_id=None, actor="test")
    with pytest.raises(PrivacyError, match=r"^contact: there is no contact with email 'nobody@example.org'"):
        erase_contact(session, "nobody@example.org", key=KEY, actor_id=None, actor="test")


def traces(session: Session, needle: str) -> list[str]:
    """Every table (all columns, as text) holding `needle`, any case."""
    found = []
    for table in Base.metadata.sorted_tables:
        hits = session.execute(
            text(f'SELECT count(*) FROM "{table.name}" AS r WHERE r::text ILIKE :needle'),
            {"needle": f"%{needle}%"},
        ).scalar_one()
        if hits:
            found.append(f"{table.name}: {hits}")
    return found


def aggregates(session: Session, account_id: int) -> tuple:
    events = session.execute(
        select(func.count(), func.count(func.distinct(UsageEvent.user_external_id))).where(
            UsageEvent.account_id == account_id
        )
    ).one()
    daily = session.execute(
        select(AccountDailyMetric.day, AccountDailyMetric.active_users, AccountDailyMetric.events).where(
            AccountDailyMetric.account_id == account_id
        )
    ).all()
    contacts = session.scalar(select(func.count()).where(Contact.account_id == account_id))
    return tuple(events), daily, contacts


def test_erasure_leaves_no_trace_keeps_aggregates_and_says_so_once(session: Session) -> None:
    subject = make_subject(session)
    assert traces(session, "quillzent")  # the search finds the person before
    before = aggregates(session, subject.account_id)

    result = erase_contact(session, EMAIL, key=KEY, actor_id=None, actor="dpo@example.com")
    session.flush()

    assert result.erased and result.contacts == 1 and result.events == 3
    assert (
        result.tickets == 1 and result.surveys == 1 and result.other_rows == 2
    )  # the older audit entry, the webhook
    for needle in ("quillzent", EXTERNAL, "+44 20 7946"):
        assert traces(session, needle) == [], needle
    assert aggregates(session, subject.account_id) == before
    ada = session.get(Contact, subject.contact_id)
    assert ada is not None and ada.email is None and ada.name is None and ada.traits == {}
    events = session.scalars(select(UsageEvent).where(UsageEvent.contact_id == subject.contact_id)).all()
    assert {e.properties["report"] for e in events} == {"weekly"}  # non-personal properties kept
    assert all(e.user_external_id == ada.external_id for e in events)
    colleague = session.get(Contact, subject.colleague_id)
    assert colleague is not None and colleague.email == "charles@example.org"

    entry = session.scalars(select(AuditLog).where(AuditLog.action == ACTION)).one()
    assert entry.object_id == result.reference == reference_for(EMAIL.lower(), KEY)
    assert entry.actor == "dpo@example.com"
    assert entry.details == {"contacts": 1, "events": 3, "tickets": 1, "surveys": 1}

    again = erase_contact(session, EMAIL.upper(), key=KEY, actor_id=None, actor="dpo@example.com")
    assert not again.erased and again.reference == result.reference and again.erased_at
    assert session.scalar(select(func.count()).where(AuditLog.action == ACTION)) == 1
