"""Share links over HTTP: an anonymous visitor sees exactly the shared view, read-only, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashapp import saved_views as sv
from tests.conftest import logout
from tests.explore.dash_http import invoke
from tests.support.dash_calls import render_page
from tests.support.factories import make_user


def share_url_in(component: Any) -> str:
    """The value of the `share-url` input somewhere in a component tree (as JSON)."""
    pending = [component]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            props = item.get("props", {})
            if props.get("id") == "share-url":
                return props["value"]
            pending.append(props.get("children"))
    raise AssertionError("no share-url input")


@pytest.fixture
def shared(session, book):
    """A csm's Accounts view of red accounts, shared with a link."""
    owner = make_user(session, role="csm")
    view = sv.save_view(
        session, owner, name="Red accounts", page="/accounts", query="band=red&columns=name,score,arr"
    )
    link, token = sv.create_share_link(session, owner, view.id, expires_in_days=7)
    session.flush()
    return {"owner": owner, "view": view, "link": link, "token": token}


def test_anonymous_visitor_sees_the_shared_view_only(client, shared, book) -> None:
    response = client.get(f"/share/{shared['token']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Red accounts" in html and "Shared view · read-only" in html
    assert "Acme Falling" in html  # the one red account
    for other in ("Beta Thriving", "Gamma Unscored", "Delta Gone"):
        assert other not in html
    assert "Active accounts · Band: red" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # No navigation into the app and no Dash app on the page.
    assert 'href="/accounts' not in html and "_dash-config" not in html and "/views" not in html


def test_share_visitor_cannot_reach_callbacks_pages_or_other_accounts(client, shared) -> None:
    client.get(f"/share/{shared['token']}")  # a visitor who opened the link
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).status_code == 401
    assert render_page(client, "/accounts/beta").status_code == 401
    body = {
        "output": "accounts-grid.getRowsResponse",
        "outputs": {"id": "accounts-grid", "property": "getRowsResponse"},
        "inputs": [
            {"id": "accounts-grid", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 100}}
        ],
        "state": [],
        "changedPropIds": ["accounts-grid.getRowsRequest"],
    }
    refused = client.post(
        "/_dash-update-component", json=body, headers={"Referer": f"/share/{shared['token']}"}
    )
    assert refused.status_code == 401
    assert client.get("/accounts", headers={"Accept": "text/html"}).status_code == 302
    assert client.get("/share/").status_code == 404
    assert client.get(f"/share/{shared['token']}/../accounts").status_code in (404, 302)
    assert client.get("/share/a/b/c").status_code == 404
    # The token in another position grants nothing.
    assert client.get(f"/accounts?token={shared['token']}").status_code == 302
    assert client.get(f"/_dash-layout?share={shared['token']}").status_code == 401


def test_page_parameter_is_the_only_input_and_is_bounded(client, session, book) -> None:
    owner = make_user(session, role="csm")
    view = sv.save_view(session, owner, name="Everyone", page="/accounts", query="status=all")
    _link, token = sv.create_share_link(session, owner, view.id)
    for page in ("2", "-1", "abc", "9" * 50, "1' OR 1=1"):
        response = client.get(f"/share/{token}?page={page}&band=green&q=Beta")
        assert response.status_code == 200
        assert "4 accounts" in response.get_data(as_text=True)  # extra filters in the URL are ignored


def test_revoked_and_expired_links_are_refused_with_a_clear_page(client, session, shared) -> None:
    sv.revoke_share_link(session, shared["owner"], shared["link"].id)
    session.flush()
    response = client.get(f"/share/{shared['token']}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This share link was revoked by its owner." in html and "Acme Falling" not in html

    _link, token = sv.create_share_link(session, shared["owner"], shared["view"].id, expires_in_days=1)
    _link.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    session.flush()
    expired = client.get(f"/share/{token}")
    assert expired.status_code == 410 and "This share link has expired." in expired.get_data(as_text=True)
    unknown = client.get("/share/not-a-real-token")
    assert unknown.status_code == 404 and "This share link is not valid." in unknown.get_data(as_text=True)


@pytest.mark.parametrize(
    ("page", "query", "expected", "absent"),
    [
        ("/", "band=red", "Renewals at risk", "Beta Thriving"),
        ("/accounts/acme", "", "Score history", "Beta Thriving"),
        ("/cohorts", "split=segment", "Logo retention by cohort", "Beta Thriving"),
        ("/compare", "set=segment%3Denterprise&set=segment%3Dsmb", "Side by side", "Acme Falling"),
    ],
)
def test_each_kind_of_view_can_be_shared(client, session, book, page, query, expected, absent) -> None:
    owner = make_user(session, role="manager")
    view = sv.save_view(session, owner, name="Shared page", page=page, query=query)
    _link, token = sv.create_share_link(session, owner, view.id)
    response = client.get(f"/share/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and expected in html
    assert absent not in html


def test_logged_in_csm_creates_and_revokes_links_over_http(client, logged_in, session, book) -> None:
    user = logged_in("csm")
    view = sv.save_view(session, user, name="Mine", page="/", query="segment=smb")
    session.flush()
    created = invoke(
        client,
        "share-result.children",
        {"share-create.n_clicks": 1, "share-revoke.n_clicks": None, "views-select.value": str(view.id)},
        {"share-expiry.value": "7", "share-links.value": None},
        triggered="share-create.n_clicks",
    )
    assert created.status_code == 200, created.get_data(as_text=True)
    text = created.get_data(as_text=True)
    assert "Copy it now" in text
    url = share_url_in(created.json["response"]["share-result"]["children"])
    token = url.rsplit("/share/", 1)[1]
    logout(client)
    assert client.get(f"/share/{token}").status_code == 200
    # Another csm cannot revoke it.
    other = make_user(session, role="csm")
    session.flush()
    from tests.conftest import login

    login(client, other.email)
    link_id = view.share_links[0].id
    refused = invoke(
        client,
        "share-result.children",
        {"share-create.n_clicks": None, "share-revoke.n_clicks": 1, "views-select.value": str(view.id)},
        {"share-expiry.value": "7", "share-links.value": str(link_id)},
        triggered="share-revoke.n_clicks",
    )
    assert "does not exist or is not shared with you" in refused.get_data(as_text=True)
    assert client.get(f"/share/{token}").status_code == 200


def test_share_urls_use_the_configured_base_url_never_the_host_header(
    app, client, logged_in, session, book, monkeypatch
) -> None:
    from dashapp.extensions import runtime

    with app.app_context():
        rt = runtime()
    monkeypatch.setattr(rt, "settings", rt.settings.with_overrides(base_url="https://health.example.test/"))
    user = logged_in("csm")
    view = sv.save_view(session, user, name="Mine", page="/", query="")
    session.flush()
    created = invoke(
        client,
        "share-result.children",
        {"share-create.n_clicks": 1, "share-revoke.n_clicks": None, "views-select.value": str(view.id)},
        {"share-expiry.value": "7", "share-links.value": None},
        triggered="share-create.n_clicks",
    )
    url = share_url_in(created.json["response"]["share-result"]["children"])
    assert url.startswith("https://health.example.test/share/")
    assert "evil.example" not in url
