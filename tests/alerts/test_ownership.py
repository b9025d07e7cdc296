"""Ownership: `owner=me` / `team=me` in the one filter->SQL function, owners set through the API and the
Accounts page's bulk assign (validated, all or nothing), and a CSM's default view of their own accounts."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.filters import accounts_query, parse
from dashapp.filters.sql import VIEWER
from models.account import Account
from tests.conftest import login
from tests.support.dash_calls import callback_body, render_page
from tests.support.factories import make_account, make_user


def _ids(session: Session, query: str, me: int | None) -> set[int]:
    token = VIEWER.set(me)
    try:
        return set(session.scalars(accounts_query(parse(query)[0], ["id"])))
    finally:
        VIEWER.reset(token)


def test_owner_me_none_and_team_me(session: Session) -> None:
    manager = make_user(session, role="manager")
    report = make_user(session, role="csm", manager_id=manager.id)
    other = make_user(session, role="csm")
    own = make_account(session, owner_id=manager.id)
    reports = make_account(session, owner_id=report.id)
    others = make_account(session, owner_id=other.id)
    nobody = make_account(session)
    everyone = {own.id, reports.id, others.id, nobody.id}
    assert _ids(session, "owner=me", report.id) & everyone == {reports.id}
    assert _ids(session, "owner=none", None) & everyone == {nobody.id}
    assert _ids(session, "owner=me&owner=none", manager.id) & everyone == {own.id, nobody.id}
    assert _ids(session, "team=me", manager.id) & everyone == {own.id, reports.id}
    assert _ids(session, "team=me", report.id) & everyone == {reports.id}
    assert _ids(session, "owner=me", None) & everyone == set()  # nobody is "me": nothing matches


def test_assign_owner_over_the_api_all_or_nothing(api, token, session: Session) -> None:
    csm = make_user(session, role="csm")
    viewer = make_user(session, role="viewer")
    a, b = make_account(session, external_id="own-a"), make_account(session, external_id="own-b")
    _m, secret = token("manager", "write")
    done = api.request(
        "PUT", "/account-owners", secret, json={"external_ids": ["own-a", "own-b"], "owner_id": csm.id}
    )
    assert done.status_code == 200 and done.get_json()["changed"] == 2
    bad = [
        ({"external_ids": ["own-a", "nope"], "owner_id": None}, "body.external_ids"),
        ({"external_ids": ["own-a"], "owner_id": viewer.id}, "body.owner_id"),
        ({"external_ids": ["own-a"], "owner_id": 987654321}, "body.owner_id"),
        ({"external_ids": [], "owner_id": None}, "body.external_ids"),
    ]
    for payload, field in bad:
        response = api.request("PUT", "/account-owners", secret, json=payload)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"][0]["name"] == field
    session.expire_all()
    assert {session.get(Account, a.id).owner_id, session.get(Account, b.id).owner_id} == {csm.id}  # type: ignore[union-attr]
    _c, csm_secret = token("csm", "write")
    assert (
        api.request(
            "PUT", "/account-owners", csm_secret, json={"external_ids": ["own-a"], "owner_id": None}
        ).status_code
        == 403
    )
    detail = api.get("/accounts/own-a", secret).get_json()
    assert detail["owner"]["id"] == csm.id


def test_bulk_assign_on_the_accounts_page(client, logged_in, session: Session) -> None:
    logged_in("manager")
    csm = make_user(session, role="csm")
    a, b = make_account(session), make_account(session)
    body = callback_body(
        [("acc-assign-result", "children"), ("accounts-grid", "selectedRows")],
        [("acc-assign", "n_clicks", 1)],
        [
            ("acc-assign-owner", "value", str(csm.id)),
            ("accounts-grid", "selectedRows", [{"id": a.id}, {"id": b.id}]),
        ],
        client=client,
    )
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Assigned 2 account(s)" in response.get_data(as_text=True)
    owners = session.scalars(select(Account.owner_id).where(Account.id.in_([a.id, b.id]))).all()
    assert owners == [csm.id, csm.id]


def test_a_csm_sees_their_own_accounts_by_default(client, session: Session) -> None:
    csm = make_user(session, role="csm")
    make_account(session, name="Mine Ltd", owner_id=csm.id)
    make_account(session, name="Theirs Ltd")
    session.flush()
    assert login(client, csm.email).status_code == 302
    page = json.dumps(render_page(client, "/accounts").json)
    assert '"value": ["me"]' in page  # the owner filter starts at "me"
    explicit = json.dumps(render_page(client, "/accounts", "?segment=smb").json)
    assert '"value": ["me"]' not in explicit  # a link with filters is opened as given
