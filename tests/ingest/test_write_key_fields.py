"""Write keys change only the account fields an admin allows; every account change is recorded with its source."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from dashapp.ingest.writekeys import WriteKeyError, create_write_key, set_account_fields
from models.account import Account
from models.audit import AccountChange
from tests.ingest.conftest import basic
from tests.support.factories import make_account


def _group(mid: str, account: str, **traits) -> dict:
    return {"type": "group", "messageId": mid, "userId": "u1", "groupId": account, "traits": traits}


def test_a_default_write_key_cannot_touch_billing_or_lifecycle_fields(client, session, write_key) -> None:
    parent = make_account(session, external_id="holding")
    acme = make_account(session, external_id="acme", name="Acme", mrr=Decimal("900.00"))
    msg = _group(
        "wf-1", "acme", name="Acme Corp", mrr=1, churnedAt="2024-01-01", renewalDate="2024-02-01",
        parent="holding", stage="churned", stripe_customer_id="cus_evil", colour="blue",
    )  # fmt: skip
    response = client.post("/v1/batch", json={"batch": [msg]}, headers=basic(write_key))
    assert response.status_code == 200, response.json
    (ignored,) = response.json["ignored"]
    assert sorted(ignored["fields"]) == sorted(
        ["mrr", "churned_at", "renewal_date", "parent", "lifecycle_stage", "custom.stripe_customer_id"]
    )
    session.expire_all()
    acme = session.get(Account, acme.id)
    assert acme.name == "Acme Corp" and acme.mrr == Decimal("900.00")
    assert acme.churned_at is None and acme.renewal_date == date(2026, 12, 31)
    assert acme.parent_id is None and acme.lifecycle_stage == "mature"
    assert acme.custom_attributes == {"colour": "blue"}
    assert parent.id != acme.id

    changes = session.execute(
        select(AccountChange.field, AccountChange.old_value, AccountChange.new_value, AccountChange.source,
               AccountChange.actor).where(AccountChange.account_id == acme.id, AccountChange.source == "segment")
        .order_by(AccountChange.field)
    ).all()  # fmt: skip
    assert [(c.field, c.old_value, c.new_value) for c in changes] == [
        ("custom_attributes", {}, {"colour": "blue"}),
        ("name", "Acme", "Acme Corp"),
    ]
    assert {c.actor for c in changes} == {"write_key:test source (" + write_key[:12] + ")"}


def test_an_admin_can_allow_billing_fields_on_one_key(client, session) -> None:
    make_account(session, external_id="billing-co", mrr=Decimal("10.00"))
    row, key = create_write_key(session, "billing bridge", account_fields=["name", "mrr"])
    session.flush()
    response = client.post("/v1/batch", json={"batch": [_group("wf-2", "billing-co", mrr=250, plan="pro")]},
                           headers=basic(key))  # fmt: skip
    assert response.status_code == 200 and response.json["ignored"][0]["fields"] == ["plan"]
    session.expire_all()
    account = session.scalar(select(Account).where(Account.external_id == "billing-co"))
    assert account.mrr == Decimal("250.00") and account.plan == "growth"
    change = session.scalar(select(AccountChange).where(AccountChange.field == "mrr"))
    assert (change.old_value, change.new_value, change.source) == (10.0, 250.0, "segment")

    set_account_fields(session, row.id, ["name"])
    session.flush()
    client.post("/v1/batch", json={"batch": [_group("wf-3", "billing-co", mrr=1)]}, headers=basic(key))
    session.expire_all()
    assert session.scalar(select(Account.mrr).where(Account.external_id == "billing-co")) == Decimal("250.00")
    with pytest.raises(WriteKeyError, match="owner"):
        set_account_fields(session, row.id, ["owner"])


def test_changes_made_outside_the_event_api_are_recorded_too(session) -> None:
    account = make_account(session, external_id="plain", plan="growth")
    account.plan = "enterprise"
    session.flush()
    rows = session.execute(
        select(AccountChange.field, AccountChange.source).where(AccountChange.account_id == account.id)
        .order_by(AccountChange.id)
    ).all()  # fmt: skip
    assert rows == [("(created)", "system"), ("plan", "system")]
