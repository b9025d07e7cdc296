"""The pages and their callbacks over HTTP, as the browser calls them, with each role."""

from __future__ import annotations

import pytest

from tests.explore.dash_http import fb, fb_all, fb_ids, invoke, theme_key
from tests.support.dash_calls import render_page


@pytest.mark.parametrize(
    ("path", "search", "expected"),
    [
        ("/", "?band=red", "Acme Falling"),
        ("/accounts", "?segment=smb&sort=-arr", "accounts-grid"),
        ("/accounts/acme", "", "Logins fell by half"),
        ("/cohorts", "?split=segment", "Logo retention"),
        ("/compare", "?set=segment%3Denterprise&set=segment%3Dsmb", "compare-table"),
        ("/views", "", "Saved views"),
        ("/", "?score_min=%3Cscript%3E", "is not a number"),
    ],
)
def test_every_page_renders_for_a_viewer(client, logged_in, book, path, search, expected) -> None:
    logged_in("viewer")
    response = render_page(client, path, search)
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)


def test_overview_filter_change_over_http(client, logged_in, book) -> None:
    logged_in("viewer")
    response = invoke(
        client,
        "overview-content.children",
        {f"{fb_all('/')}.value": fb("/", segment=["smb"], status="active"), theme_key("/"): "light"},
        {f"{fb_all('/')}.id": fb_ids("/", "segment", "status")},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert "Beta Thriving" in body and "Acme Falling" not in body
    assert '"q": "segment=smb"' in body or '"q":"segment=smb"' in body


def test_accounts_rows_over_http_ship_one_block(client, logged_in, book) -> None:
    logged_in("viewer")
    response = invoke(
        client,
        "accounts-grid.getRowsResponse",
        {
            "accounts-grid.getRowsRequest": {
                "startRow": 0,
                "endRow": 100,
                "sortModel": [{"colId": "score", "sort": "asc"}],
            }
        },
        {
            f"{fb_all('/accounts')}.value": fb("/accounts", status="all"),
            f"{fb_all('/accounts')}.id": fb_ids("/accounts", "status"),
            "acc-columns.value": ["name", "score"],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.json["response"]["accounts-grid"]["getRowsResponse"]
    assert data["rowCount"] == 4
    assert [r["name"] for r in data["rowData"]] == [
        "Delta Gone",
        "Acme Falling",
        "Beta Thriving",
        "Gamma Unscored",
    ]


def test_viewer_cannot_save_team_views_or_share_over_http(client, logged_in, book, session) -> None:
    from sqlalchemy import select

    from models.view import SavedView

    user = logged_in("viewer")
    save = invoke(
        client,
        "view-save-result.children",
        {"view-save.n_clicks": 1},
        {
            "view-name.value": "My team view",
            "view-visibility.value": "team",
            "view-default.value": False,
            '{"page":["ALL"],"type":"page-query"}.data': [
                ({"type": "page-query", "page": "/"}, {"path": "/", "q": "band=red", "replace": False})
            ],
        },
    )
    assert save.status_code == 200
    assert "Your role can save private views only." in save.get_data(as_text=True)
    share = invoke(client, "share-result.children", {"share-create.n_clicks": 1, "views-select.value": "1"})
    assert share.status_code == 403
    private = invoke(
        client,
        "view-save-result.children",
        {"view-save.n_clicks": 1},
        {
            "view-name.value": "Mine",
            "view-visibility.value": "private",
            "view-default.value": True,
            '{"page":["ALL"],"type":"page-query"}.data': [
                ({"type": "page-query", "page": "/"}, {"path": "/", "q": "band=red", "replace": False})
            ],
        },
    )
    # Saved: the dialog is emptied (and closes), the page says so and there is no share offer for a viewer.
    body = private.get_data(as_text=True)
    assert "Mine" in body and "view-save-ok" in body and "view-link-create" not in body
    saved = session.scalars(select(SavedView).where(SavedView.owner_id == user.id)).all()
    assert [(v.name, v.visibility, v.query, v.is_default) for v in saved] == [
        ("Mine", "private", "band=red", True)
    ]
    # The default view opens when the page has no query.
    assert "Acme Falling" in render_page(client, "/").get_data(as_text=True)
    assert "Beta Thriving" not in render_page(client, "/").get_data(as_text=True)


HOSTILE = [
    "?segment=%00%01&band=purple&score_min=1e999&arr_max=-1&attr.%3Cscript%3E=1",
    "?sort=-nope;drop&columns=%27%22&period=99999&from=2026-13-45&set=%ZZ",
    "?q=" + "%25" * 300 + "&owner=abc&owner=" + "9" * 40,
    "?external_id=other&split=%3Cb%3E&date=churned_at&set=band%3Dred&set=&set=x%3D1&set=a&set=b",
    "?status=all&status=churned&renewal_within=-5&change7_min=abc&change90_max=%E2%88%9E",
]


@pytest.mark.parametrize("path", ["/", "/accounts", "/accounts/acme", "/cohorts", "/compare"])
@pytest.mark.parametrize("search", HOSTILE)
def test_hostile_queries_never_break_a_page(client, logged_in, book, path, search) -> None:
    logged_in("viewer")
    response = render_page(client, path, search)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
