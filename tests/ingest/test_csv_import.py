"""CSV imports against the real database: every kind, re-imports, and bad files of every kind named."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from dashapp.ingest.csv_import import ImportOptions, error_report_lines, run_import
from models.account import Account, Contact
from models.activity import UsageEvent
from models.billing import Invoice
from models.db import Database
from models.ingest import DataImport
from models.support import SupportTicket
from models.survey import SurveyResponse
from tests.support.factories import make_user


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _run(db: Database, path: Path, kind: str, **kw) -> dict:
    return run_import(db, path, ImportOptions(kind=kind, **kw))


def _errors(db: Database, result: dict) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(error_report_lines(db, result["import_id"])))))


def _count(db: Database, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


ACCOUNTS = """\
Account ID,Name,Website,Segment,Plan,MRR,Renewal Date,Churned At,Churn Reason,Parent,Owner Email,NPS Owner,custom.tier
a-1,Acme,https://www.acme.example/,Enterprise,scale,"1,200.50",2025-06-30,,,a-2,owner@example.com,Dana,gold
a-2,Acme Holdings,acme-holdings.example,enterprise,scale,0,,,,,,,
a-3,Old Co,old.example,smb,starter,99,,2023-11-05,Moved to a competitor (price),,,,
"""


def test_accounts_import_with_history_custom_attributes_and_parents(committed, tmp_path) -> None:
    with committed.transaction() as session:
        make_user(session, email="owner@example.com")
    result = _run(committed, _write(tmp_path, "accounts.csv", ACCOUNTS), "accounts")
    assert (result["status"], result["inserted"], result["failed"], result["errors"]) == ("finished", 3, 0, 0)
    with committed.transaction() as session:
        rows = {a.external_id: a for a in session.scalars(select(Account))}
        acme = rows["a-1"]
        assert (acme.domain, acme.segment, acme.mrr, str(acme.renewal_date)) == (
            "acme.example", "enterprise", Decimal("1200.50"), "2025-06-30")  # fmt: skip
        assert acme.parent_id == rows["a-2"].id and acme.owner_id is not None
        assert acme.custom_attributes == {"NPS Owner": "Dana", "tier": "gold"}
        old = rows["a-3"]
        assert old.churned_at == datetime(2023, 11, 5, tzinfo=UTC)
        assert old.churn_reason == "Moved to a competitor (price)"
        stamps = {a.external_id: a.updated_at for a in rows.values()}

    again = _run(committed, _write(tmp_path, "accounts.csv", ACCOUNTS), "accounts")
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 3)
    with committed.transaction() as session:
        assert {a.external_id: a.updated_at for a in session.scalars(select(Account))} == stamps

    changed = ACCOUNTS.replace(
        "a-3,Old Co,old.example,smb,starter,99", "a-3,Old Co,old.example,smb,starter,149"
    )
    third = _run(committed, _write(tmp_path, "accounts.csv", changed), "accounts")
    assert (third["inserted"], third["updated"], third["unchanged"]) == (0, 1, 2)


BAD_ACCOUNTS = """\
id,name,mrr,renewal_date,churned_at,segment,parent,owner
b-1,Good One,10,2025-01-31,,smb,,
b-2,Bad Date,10,31/01/2025,,smb,,
b-3,Bad Money,ten,,,smb,,
b-1,Duplicate Of First,10,,,smb,,
b-4,,10,,,smb,,
b-5,Bad Segment,10,,,huge,,
b-6,Orphan,10,,,smb,nowhere,
b-7,Unknown Owner,10,,,smb,,ghost@example.com
b-8,Good Two,20,,2024-02-30,smb,,
b-9,Good Three,30,,,mid market,b-1,
"""


def test_bad_accounts_rows_are_reported_and_every_valid_row_imported(committed, tmp_path) -> None:
    result = _run(committed, _write(tmp_path, "bad.csv", BAD_ACCOUNTS), "accounts")
    errors = _errors(committed, result)
    by_row = {int(e["row"]): e for e in errors}
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert by_row[3]["column"] == "renewal_date" and "not a date" in by_row[3]["reason"]
    assert by_row[4]["column"] == "mrr" and "not a number" in by_row[4]["reason"]
    assert "duplicate" in by_row[5]["reason"] and "row 2" in by_row[5]["reason"]
    assert by_row[6]["column"] == "name" and "required" in by_row[6]["reason"]
    assert by_row[7]["column"] == "segment"
    assert by_row[8]["column"] == "parent" and "imported without a parent" in by_row[8]["reason"]
    assert by_row[9]["column"] == "owner" and "ghost@example.com" in by_row[9]["value"]
    assert by_row[10]["column"] == "churned_at"
    with committed.transaction() as session:
        names = dict(session.execute(select(Account.external_id, Account.name)).all())
        assert names == {"b-1": "Good One", "b-6": "Orphan", "b-9": "Good Three"}
        b9 = session.scalar(select(Account).where(Account.external_id == "b-9"))
        assert b9.segment == "mid-market" and b9.parent_id is not None
    # row 8 (unknown parent) is imported without its parent; the other seven are refused
    assert (result["inserted"], result["failed"], result["errors"]) == (3, 7, 8)


def test_missing_required_column_refuses_the_file_with_a_clear_error(committed, tmp_path) -> None:
    result = _run(committed, _write(tmp_path, "cols.csv", "company,plan\nAcme,pro\n"), "accounts")
    assert result["status"] == "failed"
    assert "external_id" in result["message"] and "--map" in result["message"]
    assert _errors(committed, result)[0]["row"] == "1"
    mapped = _run(committed, _write(tmp_path, "cols.csv", "company,plan\nAcme,pro\n"), "accounts",
                  mapping={"company": "external_id", "plan": "name"})  # fmt: skip
    assert mapped["inserted"] == 1
    unknown = _run(committed, _write(tmp_path, "cols.csv", "company\nAcme\n"), "accounts",
                   mapping={"nope": "external_id"})  # fmt: skip
    assert unknown["status"] == "failed" and "'nope'" in unknown["message"]


def test_empty_header_only_and_utf16_files_are_refused(committed, tmp_path) -> None:
    empty = _run(committed, _write(tmp_path, "empty.csv", ""), "accounts")
    assert empty["status"] == "failed" and "empty" in empty["message"]
    header = _run(committed, _write(tmp_path, "header.csv", "id,name\n"), "accounts")
    assert header["status"] == "failed" and "no data rows" in header["message"]
    utf16 = _run(committed, _write(tmp_path, "u16.csv", "id,name\na,b\n", "utf-16"), "accounts")
    assert utf16["status"] == "failed" and "UTF-16" in utf16["message"]
    dup_header = _run(committed, _write(tmp_path, "dup.csv", "id,name,Name\na,b,c\n"), "accounts")
    assert dup_header["status"] == "failed" and "twice" in dup_header["message"]


def test_wrong_encoding_fails_only_the_affected_rows_and_latin1_can_be_asked_for(committed, tmp_path) -> None:
    text = "\ufeffid,name\nl-1,Plain\nl-2,Café Crème\nl-3,Also Plain\n"
    raw = "id,name\nl-1,Plain\nl-2,Café Crème\nl-3,Also Plain\n".encode("latin-1")
    path = tmp_path / "latin.csv"
    path.write_bytes(raw)
    result = _run(committed, path, "accounts")
    (error,) = _errors(committed, result)
    assert error["row"] == "3" and "offset 25" in error["reason"] and "latin-1" in error["reason"].lower()
    assert result["inserted"] == 2
    fixed = _run(committed, path, "accounts", encoding="latin-1")
    assert (fixed["inserted"], fixed["unchanged"], fixed["errors"]) == (1, 2, 0)
    with committed.transaction() as session:
        assert session.scalar(select(Account.name).where(Account.external_id == "l-2")) == "Café Crème"
    bom = _run(committed, _write(tmp_path, "bom.csv", text), "accounts")
    assert (bom["unchanged"], bom["errors"]) == (3, 0)


def test_ragged_rows_and_quoted_newlines(committed, tmp_path) -> None:
    text = 'id,name\nr-1,"Two\nLines"\nr-2,Too,Many,Cells\nr-3,Trailing,,\n\nr-4,After Blank\n'
    result = _run(committed, _write(tmp_path, "ragged.csv", text), "accounts")
    (error,) = _errors(committed, result)
    assert error["row"] == "4" and "3 cells" not in error["reason"] and "4 cells" in error["reason"]
    assert result["inserted"] == 3


def test_contacts_tickets_invoices_surveys_and_their_references(committed, tmp_path) -> None:
    _run(committed, _write(tmp_path, "a.csv", "id,name\nk-1,Known\n"), "accounts")
    contacts = (
        "id,account,email,name,favourite colour\nc-1,k-1,ann@k.example,Ann,blue\nc-2,unknown,x@y.z,X,\n"
    )
    result = _run(committed, _write(tmp_path, "c.csv", contacts), "contacts")
    assert result["inserted"] == 1
    assert "account 'unknown' does not exist" in _errors(committed, result)[0]["reason"]
    tickets = (
        "ticket_id,account_id,requester,subject,priority,status,created_at,solved_at,csat\n"
        "t-1,k-1,c-1,Login broken,high,solved,2024-01-02T10:00:00Z,2024-01-03,5\n"
        "t-2,k-1,c-9,Who,normal,open,2024-01-02,,\n"
        "t-3,k-1,,Bad,critical,open,2024-01-02,,\n"
        "t-4,k-1,,Bad csat,low,open,2024-01-02,,9\n"
        "t-5,nope,,No account,low,open,2024-01-02,,\n"
    )
    t = _run(committed, _write(tmp_path, "t.csv", tickets), "tickets")
    assert (t["inserted"], t["failed"]) == (1, 4)
    reasons = " | ".join(e["reason"] for e in _errors(committed, t))
    assert (
        "contact 'c-9' does not exist" in reasons
        and "ticket priority" in reasons
        and "out of range" in reasons
    )
    invoices = (
        "invoice_number,account,amount,currency,issued_at,paid_at,status\n"
        "i-1,k-1,100.00,eur,2024-01-01,2024-01-05,\n"
        "i-2,k-1,-25.00,EUR,2024-02-01,,refunded\n"
        "i-3,ghost,10,USD,2024-01-01,,\n"
        "i-4,k-1,abc,USD,2024-01-01,,\n"
    )
    i = _run(committed, _write(tmp_path, "i.csv", invoices), "invoices")
    assert (i["inserted"], i["failed"]) == (2, 2)
    surveys = (
        "response_id,account,contact,type,score,comment,submitted_at\n"
        "s-1,k-1,c-1,NPS,9,Great,2024-03-01\n"
        "s-2,k-1,,csat,4,,2024-03-01\n"
        "s-3,k-1,,csat,7,,2024-03-01\n"
        "s-4,k-1,,nps,11,,2024-03-01\n"
    )
    s = _run(committed, _write(tmp_path, "s.csv", surveys), "surveys")
    assert (s["inserted"], s["failed"]) == (2, 2)
    with committed.transaction() as session:
        contact = session.scalar(select(Contact).where(Contact.external_id == "c-1"))
        assert contact.traits == {"favourite colour": "blue"} and contact.account_id is not None
        ticket = session.scalar(select(SupportTicket))
        assert (ticket.priority, ticket.status, ticket.csat, ticket.contact_id) == (
            "high",
            "solved",
            5,
            contact.id,
        )
        statuses = dict(session.execute(select(Invoice.external_id, Invoice.status)).all())
        assert statuses == {"i-1": "paid", "i-2": "refunded"}
        assert session.scalar(select(Invoice.currency).where(Invoice.external_id == "i-1")) == "EUR"
        assert sorted(session.scalars(select(SurveyResponse.kind))) == ["csat", "nps"]


def test_events_import_keeps_unknown_accounts_and_attaches_them_later(committed, tmp_path) -> None:
    events = (
        "account_id,user_id,event,timestamp,feature\n"
        "later-co,u1,Signed In,2024-04-01T09:00:00Z,\n"
        "later-co,u1,Report Exported,2024-04-01T09:05:00Z,reports\n"
        "later-co,u1,Report Exported,not-a-time,reports\n"
        "later-co,u1,Signed In,2024-04-01T09:00:00Z,\n"
    )
    path = _write(tmp_path, "e.csv", events)
    result = _run(committed, path, "events")
    assert (result["inserted"], result["failed"]) == (2, 2)
    reasons = [e["reason"] for e in _errors(committed, result)]
    assert any("not a date-time" in r for r in reasons) and any("duplicate message_id" in r for r in reasons)
    again = _run(committed, path, "events")
    assert (again["inserted"], again["unchanged"]) == (0, 2)
    assert _count(committed, UsageEvent) == 2
    with committed.transaction() as session:
        assert session.scalars(select(UsageEvent.account_id)).all() == [None, None]
        props = session.scalar(select(UsageEvent.properties).where(UsageEvent.event == "Report Exported"))
        assert props == {"feature": "reports"}
    _run(committed, _write(tmp_path, "a.csv", "id,name\nlater-co,Later Co\n"), "accounts")
    with committed.transaction() as session:
        account_id = session.scalar(select(Account.id).where(Account.external_id == "later-co"))
        assert session.scalars(select(UsageEvent.account_id)).all() == [account_id, account_id]


def test_dry_run_reports_everything_and_saves_nothing(committed, tmp_path) -> None:
    result = _run(committed, _write(tmp_path, "bad.csv", BAD_ACCOUNTS), "accounts", dry_run=True)
    assert (result["inserted"], result["errors"], result["dry_run"]) == (3, 8, True)
    assert "dry run" in result["message"]
    assert _count(committed, Account) == 0
    with committed.transaction() as session:
        assert session.scalar(select(DataImport.status)) == "finished"


def test_the_reader_streams_instead_of_loading_the_file(tmp_path) -> None:
    from dashapp.ingest.csv_reader import CsvStream

    path = tmp_path / "big.csv"
    with path.open("w") as out:
        out.write("id,name\n")
        for n in range(300_000):
            out.write(f"id-{n},Name {n}\n")
    with path.open("rb", buffering=64 * 1024) as binary:
        stream = CsvStream(binary)
        first = next(iter(stream))
        assert first.cells == ["id-0", "Name 0"]
        assert binary.tell() < 200 * 1024 < path.stat().st_size // 10


def test_a_per_customer_churn_table_imports_as_it_is(committed, tmp_path) -> None:
    """The Telco table: ids under `customerID`, no names, a Yes/No `Churn` column."""
    from tests.support.shared_data import shared_data

    telco = shared_data() / "telco_churn.csv"
    if not telco.exists():
        import pytest

        pytest.skip(f"{telco} is not here")
    with telco.open(newline="") as f:
        rows = list(csv.DictReader(f))
    expected_churned = {r["customerID"] for r in rows if r["Churn"] == "Yes"}
    result = _run(
        committed,
        telco,
        "accounts",
        mapping={"customerID": "id", "Churn": "churned"},
        churned_on=datetime(2024, 6, 30).date(),
    )
    assert result["status"] != "failed", result["message"]
    assert (result["inserted"], result["failed"]) == (len(rows), 0)
    with committed.transaction() as session:
        churned = dict(
            session.execute(
                select(Account.external_id, Account.churned_at).where(Account.churned_at.is_not(None))
            ).all()
        )
        assert set(churned) == expected_churned and len(churned) == 1869
        assert set(churned.values()) == {datetime(2024, 6, 30, tzinfo=UTC)}
        first = session.scalar(select(Account).where(Account.external_id == rows[0]["customerID"]))
        assert first.name == rows[0]["customerID"]
        assert first.custom_attributes["Contract"] == rows[0]["Contract"]


def test_churn_flags_yes_no_one_zero_or_dates(committed, tmp_path) -> None:
    text = (
        "id,name,state\nf-1,One,yes\nf-2,Two,0\nf-3,Three,1\nf-4,Four,2024-01-15\nf-5,Five,maybe\nf-6,Six,\n"
    )
    result = _run(committed, _write(tmp_path, "flags.csv", text), "accounts", mapping={"state": "churned"},
                  churned_on=datetime(2024, 3, 1).date())  # fmt: skip
    errors = _errors(committed, result)
    assert [(e["row"], e["column"]) for e in errors] == [("6", "state")]
    assert "yes/no" in errors[0]["reason"]
    with committed.transaction() as session:
        got = dict(session.execute(select(Account.external_id, Account.churned_at)).all())
    march = datetime(2024, 3, 1, tzinfo=UTC)
    assert got == {
        "f-1": march,
        "f-2": None,
        "f-3": march,
        "f-4": datetime(2024, 1, 15, tzinfo=UTC),
        "f-6": None,
    }
