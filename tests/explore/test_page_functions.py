"""Each page's layout and callbacks called directly as functions, as a logged-in user."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash.exceptions import PreventUpdate
from plotly.utils import PlotlyJSONEncoder

from components.filter_bar import CONTROL_KEYS, control_values, fid
from dashapp.filters import Filters, parse


def text_of(component: Any) -> str:
    """Everything a component tree would show, as one string (figures included as JSON)."""
    return json.dumps(component, cls=PlotlyJSONEncoder)


def controls(**query: Any) -> tuple[list[Any], list[dict[str, str]]]:
    """The filter bar's values and ids, as the pattern-matching callbacks receive them."""
    values = control_values(parse(query)[0])
    ids = [fid(k, "/") for k in CONTROL_KEYS]
    return [values[k] for k in CONTROL_KEYS], ids


def test_overview_layout_shows_the_filtered_book(book, as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("overview").layout())
        assert "Acme Falling" in shown and "Beta Thriving" in shown
        assert "Delta Gone" not in shown  # churned: not in the default (active) view
        red = text_of(page("overview").layout(band="red"))
        assert "Acme Falling" in red and "Beta Thriving" not in red
        assert "Logins fell by half" in red  # why it moved
        assert "Renewals at risk" in red


def test_overview_layout_names_bad_filters_and_keeps_good_ones(book, as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("overview").layout(segment="enterprise", score_min="lots"))
    assert "score_min: 'lots' is not a number" in shown
    assert "Acme Falling" in shown and "Beta Thriving" not in shown


def test_overview_empty_state_says_what_to_do(book, as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("overview").layout(q="no-such-account"))
    assert "No accounts match these filters" in shown and "Clear some filters" in shown


def test_overview_callback_returns_content_and_canonical_query(book, as_user, page) -> None:
    values, ids = controls(segment="smb", band="green")
    with as_user("viewer"):
        content, state, errors = page("overview").update(values, "dark", ids)
    assert state == {"path": "/", "q": "segment=smb&band=green", "replace": False}
    assert errors is None
    body = text_of(content)
    assert "Beta Thriving" in body and "Acme Falling" not in body
    assert "#f2f5fa" in body  # plotly_dark font colour: the figures follow the theme


def test_accounts_rows_callback_pages_and_sorts_on_the_server(book, as_user, page) -> None:
    values, ids = controls(status="all")
    request = {"startRow": 0, "endRow": 2, "sortModel": [{"colId": "arr", "sort": "desc"}]}
    with as_user("viewer"):
        response, state, errors, count = page("accounts").rows_response(
            request, values, ids, ["name", "score"]
        )
        second, *_ = page("accounts").rows_response(
            {**request, "startRow": 2, "endRow": 4}, values, ids, None
        )
        last, *_ = page("accounts").rows_response({**request, "startRow": 3, "endRow": 5}, values, ids, None)
    assert [r["name"] for r in response["rowData"]] == ["Acme Falling", "Gamma Unscored"]
    assert [r["name"] for r in second["rowData"]] == ["Delta Gone", "Beta Thriving"]  # ties by id
    assert second["rowCount"] is None  # a full later block: the grid keeps the first block's count
    assert last["rowCount"] == 4  # a short block ends the list
    assert response["rowCount"] == 4 and count.startswith("4 accounts")
    assert state["q"] == "status=all&columns=name%2Cscore&sort=-arr"
    assert len(response["rowData"][0]["trend"]) > 2  # sparkline points
    assert errors is None


def test_accounts_rows_never_ship_more_than_a_block(book, as_user, page) -> None:
    values, ids = controls()
    with as_user("viewer"):
        response, *_ = page("accounts").rows_response({"startRow": 0, "endRow": 10**9}, values, ids, None)
    assert len(response["rowData"]) <= 500


def test_accounts_layout_restores_columns_and_sort(book, as_user, page) -> None:
    with as_user("viewer"):
        shown = page("accounts").layout(columns="name,arr", sort="-arr", band="red")
    body = text_of(shown)
    assert '"field": "arr"' in body and '"sort": "desc"' in body
    assert '"field": "plan"' not in body


def test_column_choice_updates_grid_and_url(book, as_user, page) -> None:
    values, ids = controls(band="red")
    with as_user("viewer"):
        defs, state = page("accounts").choose_columns(
            ["name", "why"], [{"colId": "name", "sort": "asc"}], values, ids
        )
    assert [d["field"] for d in defs] == ["name", "why"]
    assert state["q"] == "band=red&columns=name%2Cwhy&sort=name"


def test_sort_by_arr_is_one_click_and_a_second_one_undoes_it(book, as_user, page) -> None:
    values, ids = controls(band="red")
    with as_user("viewer"):
        by_score = [{"colId": "score", "sort": "asc"}]
        defs, cols, state = page("accounts").sort_by_arr(["name", "score"], by_score, values, ids)
        again, _cols, back = page("accounts").sort_by_arr(
            cols, [{"colId": "arr", "sort": "desc"}], values, ids
        )
    assert cols == ["name", "score", "arr"]  # the column it sorts by is shown
    assert state["q"] == "band=red&columns=name%2Cscore%2Carr&sort=-arr"
    assert {d["field"]: d["sort"] for d in defs} == {"name": None, "score": None, "arr": "desc"}
    assert back["q"] == "band=red&columns=name%2Cscore%2Carr"  # the default sort (score) is not written
    assert {d["field"]: d["sort"] for d in again} == {"name": None, "score": "asc", "arr": None}


def test_account_page_shows_history_breakdown_timeline(book, as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("account").layout(external_id="acme", period="30"))
        missing = text_of(page("account").layout(external_id="nope"))
        _content, state = page("account").update("180", "light", "acme")
    assert "Acme Falling" in shown and "Logins fell by half" in shown
    assert "urgent ticket: Export broken" in shown  # annotation on the score chart
    assert "Invoice inv-acme-1" in shown  # timeline
    assert '"type": "waterfall"' in shown
    assert "No such account" in missing
    assert state == [{"path": "/accounts/acme", "q": "period=180", "replace": False}]


def test_cohorts_content_and_callback(book, as_user, page) -> None:
    values, ids = controls(status="all")
    ids += [fid("date", "/cohorts"), fid("split", "/cohorts")]
    values += ["contract_start", "segment"]
    with as_user("viewer"):
        shown = text_of(page("cohorts").layout(split="segment"))
        content, state, _errors = page("cohorts").update(values, "light", ids)
    assert "Logo retention" in shown and "enterprise" in shown
    assert "Active in month k (by first activity)" in shown and "first purchase or first event" in shown
    assert state["q"] == "status=all&split=segment"
    assert "Health by cohort age" in text_of(content)


def test_compare_sets_from_url_and_controls(book, as_user, page) -> None:
    with as_user("viewer"):
        shown = text_of(page("compare").layout(set=["segment=enterprise", "segment=smb&band=green"]))
        ids = [
            page("compare").sid(0, "segment"),
            page("compare").sid(0, "more"),
            page("compare").sid(1, "band"),
            page("compare").sid(1, "more"),
        ]
        values = [["enterprise"], "status=all&score_max=200", ["green"], ""]
        content, state, alert = page("compare").update(values, "90", "light", ids)
    assert "Segment: enterprise" in shown and "Band: green" in shown
    assert state["q"] == "set=segment%3Denterprise%26status%3Dall&set=band%3Dgreen"
    assert "score_max: 200 is outside 0 to 100" in text_of(alert)
    assert "compare-table" in text_of(content)


def test_filter_bar_restores_controls_on_back_and_clears(book, as_user, page, app) -> None:
    from dashapp.ui import filterbar

    ids = [fid(k, "/") for k in CONTROL_KEYS]
    with app.test_request_context("/"):
        from dash._callback_context import context_value
        from dash._utils import AttributeDict

        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "popstate-store.data", "value": {}}]))
        values, errors = filterbar.restore_controls(
            {"search": "?band=red&segment=smb&sort=-arr"}, ids, ["sort"]
        )
        assert values[CONTROL_KEYS.index("band")] == ["red"] and values[CONTROL_KEYS.index("segment")] == [
            "smb"
        ]
        assert errors is None
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "fb-clear.n_clicks", "value": 1}]))
        values, _ = filterbar.restore_controls(None, ids)
        assert values == [control_values(Filters())[k] for k in CONTROL_KEYS]
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "popstate-store.data", "value": None}]))
        with pytest.raises(PreventUpdate):
            filterbar.restore_controls(None, ids)


def test_score_sort_pages_scored_then_unscored_accounts(book, as_user, session) -> None:
    from dashapp.queries.accounts import account_block

    everyone = parse("status=all")[0]
    names = {v: k for k, v in book.ids.items()}

    def block(sort, start, end):
        rows, total = account_block(session, everyone, ["name"], sort, start, end)
        assert total == 4
        return [names[r["id"]] for r in rows]

    assert block([("score", True)], 0, 10) == ["beta", "acme", "delta", "gamma"]
    assert block([("score", True)], 1, 3) == ["acme", "delta"]
    assert block([("score", True)], 2, 4) == ["delta", "gamma"]
    assert block([("score", True)], 3, 10) == ["gamma"]
    assert block([("score", False)], 0, 10) == ["delta", "acme", "beta", "gamma"]
    assert block([("change30", False)], 0, 10)[-1] == "gamma"
    assert block([("score", False)], 4, 10) == []


def test_overview_band_migration_loads_in_its_own_callback(book, as_user, page) -> None:
    values, ids = controls(segment="enterprise")
    with as_user("viewer"):
        figure = page("overview").update_trend(values, "light", ids)
    body = text_of(figure)
    assert '"stackgroup": "bands"' in body and "Average score" in body
    values, ids = controls(q="nothing-matches-this")
    with as_user("viewer"):
        empty = text_of(page("overview").update_trend(values, "light", ids))
    assert "No score history in this period yet" in empty
