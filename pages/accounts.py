"""Accounts: the filtered accounts in a grid with server-side sorting and paging (blocks of 100 rows)."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from components.filter_bar import fb_all
from components.format import format_count
from components.quick_filters import make_quick_toggle, pressed_props
from dashapp.explore.registry import ExplorePage, UrlKey, declare
from dashapp.exports.csvfile import write_account_list
from dashapp.exports.sections import account_list_pdf
from dashapp.extensions import db_session
from dashapp.filters import Filters, describe, parse_sort, to_sort
from dashapp.queries.accounts import ACCOUNT_COLUMN_LABELS, account_block
from dashapp.share.render import account_list_sections
from dashapp.ui.assign import make_assign_bar
from dashapp.ui.page import filter_section, from_url, page_header, query_string, read_controls

PAGE = "/accounts"
BLOCK = 100
dash.register_page(__name__, path=PAGE, name="Accounts", title="Accounts · healthdash", nav_order=10)

# The grid shows the band as the score badge's colour, not as a column of its own.
COLUMN_LABELS = {k: v for k, v in ACCOUNT_COLUMN_LABELS.items() if k != "band"}
DEFAULT_COLUMNS = [
    "name", "score", "trend", "change30", "segment", "plan", "owner", "arr", "currency", "renewal_date", "why"
]  # fmt: skip
DEFAULT_SORT = [("score", False)]
ARR_SORT = [("arr", True)]  # "Sort by ARR": the largest accounts first
PAGE_KEYS = ("columns", "sort")


def _parse_sort(value: Any) -> tuple[Any, str | None]:
    sort, errors = parse_sort(value)
    return (to_sort(sort), None) if not errors else (None, errors[0])


EXPLORE = declare(
    ExplorePage(
        PAGE,
        "Accounts",
        keys=(
            UrlKey("columns", lambda v: (",".join(parse_columns(v)), None)),
            UrlKey("sort", _parse_sort),
        ),
        saveable=True,
        exportable=True,
        shareable=True,
        quick_filters=True,
        sections=account_list_sections,
        pdf_sections=account_list_pdf,
        csv=write_account_list,
    )
)


def parse_columns(value: Any) -> list[str]:
    text = ",".join(value) if isinstance(value, list) else str(value or "")
    chosen = [c for c in dict.fromkeys(c.strip() for c in text.split(",")) if c in COLUMN_LABELS]
    return chosen or list(DEFAULT_COLUMNS)


def column_defs(columns: list[str], sort: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    order = {name: (i, desc) for i, (name, desc) in enumerate(sort)}
    defs = []
    for key in columns:
        col: dict[str, Any] = {"field": key, "headerName": COLUMN_LABELS[key], "sortable": key != "trend"}
        if key == "name":
            col.update(cellRenderer="AccountLink", pinned="left", minWidth=180)
        elif key == "score":
            col.update(cellRenderer="ScoreBadge", maxWidth=110)
        elif key == "trend":
            col.update(cellRenderer="Sparkline", minWidth=120, maxWidth=140)
        elif key in ("arr", "mrr"):
            col.update(type="rightAligned", valueFormatter={"function": "d3.format(',.0f')(params.value)"})
        elif key.startswith("change"):
            col.update(
                type="rightAligned",
                valueFormatter={"function": "params.value == null ? '' : d3.format('+.1f')(params.value)"},
            )
        elif key in ("renewal_date", "contract_start"):
            col.update(minWidth=130)
        elif key == "why":
            col.update(minWidth=320, tooltipField="why")
        # Every column says its sort, unsorted ones included: new column defs replace the grid's sort
        # rather than adding to it (AG Grid keeps a column's sort when its def leaves `sort` out).
        if key in order:
            col.update(sort="desc" if order[key][1] else "asc", sortIndex=order[key][0])
        else:
            col.update(sort=None, sortIndex=None)
        defs.append(col)
    return defs


def _sort_from_request(request: dict | None) -> list[tuple[str, bool]]:
    model = (request or {}).get("sortModel") or []
    sort, _ = parse_sort([("-" if m.get("sort") == "desc" else "") + str(m.get("colId", "")) for m in model])
    return sort or list(DEFAULT_SORT)


def _extras(columns: list[str], sort: list[tuple[str, bool]]) -> dict[str, str]:
    return {
        "columns": "" if columns == DEFAULT_COLUMNS else ",".join(columns),
        "sort": "" if sort == DEFAULT_SORT else to_sort(sort),
    }


def _count_text(total: int | None, filters: Filters) -> str:
    if total is None:
        return ""
    return f"{format_count(total)} accounts · {describe(filters)}"


def layout(**query: Any) -> html.Div:
    state = from_url(query, PAGE_KEYS, page=PAGE)
    columns = parse_columns(state.extras.get("columns"))
    sort, sort_errors = parse_sort(state.extras.get("sort"))
    sort = sort or list(DEFAULT_SORT)
    state.errors.extend(sort_errors)
    grid = dag.AgGrid(
        id="accounts-grid",
        rowModelType="infinite",
        columnDefs=column_defs(columns, sort),
        defaultColDef={"resizable": True, "sortable": True, "filter": False, "minWidth": 100},
        dashGridOptions={
            "cacheBlockSize": BLOCK,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": 1,
            "rowBuffer": 10,
            "rowHeight": 40,
            "tooltipShowDelay": 300,
            "rowSelection": {"mode": "multiRow"},
        },
        getRowId="String(params.data.id)",
        columnSize="autoSize",
        style={"height": "min(70vh, 640px)", "width": "100%"},
        className="ag-theme-quartz accounts-grid",
    )
    sort_arr = make_quick_toggle(
        "Sort by ARR", "acc-sort-arr", sort[:1] == ARR_SORT, "Largest annual recurring revenue first"
    )
    picker = dcc.Dropdown(
        id="acc-columns",
        options=[{"label": label, "value": key} for key, label in COLUMN_LABELS.items()],
        value=columns,
        multi=True,
        clearable=False,
        placeholder="Columns",
    )
    return html.Div(
        [
            page_header("Accounts", "Every account the filters match; sort by any column.", PAGE),
            *filter_section(state, PAGE, _extras(columns, sort)),
            dbc.Row(
                [
                    dbc.Col(html.Div(id="accounts-count", className="small text-body-secondary"), md=5),
                    dbc.Col(sort_arr, xs="auto", md=2, className="text-md-end"),
                    dbc.Col(picker, md=5),
                ],
                className="g-2 mb-2 align-items-center",
            ),
            make_assign_bar(),
            dcc.Loading(grid, type="dot", delay_show=400),
            html.Div(id="accounts-purge", hidden=True),
        ],
        # Back/forward re-render this page from the URL (assets/urlstate.js): the grid's sort and columns are
        # not filter-bar controls, so restoring the controls alone would leave them behind.
        **{"data-url-restore": "render"},
    )


def rows_response(
    request: dict | None, values: list, ids: list[dict], columns: list[str] | None
) -> tuple[dict[str, Any], dict[str, Any], Any, str]:
    """One block for the grid, the page's query for the URL, filter errors, and the count line."""
    filters, errors = read_controls(values, ids)
    request = request or {}
    sort = _sort_from_request(request)
    cols = parse_columns(columns)
    start = int(request.get("startRow") or 0)
    end = int(request.get("endRow") or start + BLOCK)
    # The grid keeps the count it got with the first block, so later blocks skip counting.
    rows, total = account_block(
        db_session(), filters, [*COLUMN_LABELS, "trend"], sort, start, end, with_count=start == 0
    )
    if total is None and len(rows) < end - start:
        total = start + len(rows)
    state = {"path": PAGE, "q": query_string(filters, _extras(cols, sort)), "replace": False}
    label = _count_text(total, filters) if start == 0 else dash.no_update
    return {"rowData": rows, "rowCount": total}, state, errors, label


@dash.callback(
    Output("accounts-grid", "getRowsResponse"),
    Output({"type": "page-query", "page": PAGE}, "data"),
    Output("fb-errors", "children", allow_duplicate=True),
    Output("accounts-count", "children"),
    Output("acc-sort-arr", "aria-pressed"),
    Output("acc-sort-arr", "className"),
    Input("accounts-grid", "getRowsRequest"),
    State(fb_all(PAGE), "value"),
    State(fb_all(PAGE), "id"),
    State("acc-columns", "value"),
    prevent_initial_call=True,
)
def rows(request: dict | None, values: list, ids: list[dict], columns: list[str] | None) -> tuple:
    first = int((request or {}).get("startRow") or 0) == 0
    pressed = pressed_props(_sort_from_request(request)[:1] == ARR_SORT) if first else (no_update, no_update)
    return (*rows_response(request, values, ids, columns), *pressed)


def _grid_sort(column_state: list | None) -> list[tuple[str, bool]]:
    """The sort the grid shows (its column state), or the default."""
    sorted_cols = sorted(
        (c for c in column_state or [] if c.get("sort")), key=lambda c: c.get("sortIndex") or 0
    )
    sort, _ = parse_sort([("-" if c["sort"] == "desc" else "") + c["colId"] for c in sorted_cols])
    return sort or list(DEFAULT_SORT)


def _arranged(
    cols: list[str], sort: list[tuple[str, bool]], values: list, ids: list[dict]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    filters, _ = read_controls(values, ids)
    return column_defs(cols, sort), {
        "path": PAGE,
        "q": query_string(filters, _extras(cols, sort)),
        "replace": False,
    }


def sort_by_arr(
    columns: list[str] | None, column_state: list | None, values: list, ids: list[dict]
) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """One click: the largest ARR first (the ARR column shown if it was not); again: the default sort."""
    cols = parse_columns(columns)
    if "arr" not in cols:
        cols.append("arr")
    sort = list(DEFAULT_SORT) if _grid_sort(column_state)[:1] == ARR_SORT else list(ARR_SORT)
    defs, state = _arranged(cols, sort, values, ids)
    return defs, cols, state


def choose_columns(
    columns: list[str] | None, column_state: list | None, values: list, ids: list[dict]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The grid's columns and the URL for a new column choice (the sort stays as the grid shows it)."""
    return _arranged(parse_columns(columns), _grid_sort(column_state), values, ids)


@dash.callback(
    Output("accounts-grid", "columnDefs"),
    Output("acc-columns", "value"),
    Output({"type": "page-query", "page": PAGE}, "data", allow_duplicate=True),
    Input("acc-columns", "value"),
    Input("acc-sort-arr", "n_clicks"),
    State("accounts-grid", "columnState"),
    State(fb_all(PAGE), "value"),
    State(fb_all(PAGE), "id"),
    prevent_initial_call=True,
)
def arrange(
    columns: list[str] | None, _clicks: int | None, column_state: list | None, values: list, ids: list[dict]
) -> tuple:
    if ctx.triggered_id == "acc-sort-arr":
        defs, cols, state = sort_by_arr(columns, column_state, values, ids)
        return defs, (cols if cols != columns else no_update), state
    defs, state = choose_columns(columns, column_state, values, ids)
    return defs, no_update, state


dash.clientside_callback(
    """
    function(values) {
        const api = window.dash_ag_grid && dash_ag_grid.getApi ? dash_ag_grid.getApi("accounts-grid") : null;
        if (api) { api.purgeInfiniteCache(); }
        return window.dash_clientside.no_update;
    }
    """,
    Output("accounts-purge", "children"),
    Input(fb_all(PAGE), "value"),
    prevent_initial_call=True,
)
