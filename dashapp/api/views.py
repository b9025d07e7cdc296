"""`/views`: the saved views the caller can see (their own and the team's), and the accounts a view
resolves to: its filters read by THE filter model and run through the same queries and cursor paging as
`/accounts`. The visibility rules are those of `dashapp.saved_views` (never another user's private view)."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for

from dashapp.api.accounts import SUMMARY_COLUMNS, page_response, paged, sort_of, summary
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, id_param, json_response, path_id
from dashapp.api.schemas import AccountPage, SavedViewList, ViewAccountsQuery
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.saved_views import ViewError, get_visible, state_of, view_url, visible_views
from models.view import SavedView

VIEW_ID = id_param("view_id", "The saved view's id (from `GET /views`).")


def view_body(view: SavedView, caller: Any) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "page": view.page,
        "visibility": view.visibility,
        "owner_id": view.owner_id,
        "mine": view.owner_id == caller.user.id,
        "query": view.query or "",
        "sort": view.sort or "",
        "columns": list(view.columns or []),
        "url": view_url(view),
        "accounts_url": url_for("api_v1.list_view_accounts", view_id=str(view.id)),
        "created_at": view.created_at,
        "updated_at": view.updated_at,
    }


@operation(bp, "GET", "/views", summary="Saved views you can see", tag="Views", response=SavedViewList)
def list_views(caller: Any) -> Response:
    """Your own saved views and those your team shares, by page and name (never another user's private
    view)."""
    views = visible_views(db_session(), caller.user)
    return json_response({"data": [view_body(v, caller) for v in views]})


def _visible(caller: Any, raw: str) -> SavedView:
    detail = f"There is no saved view {raw[:40]} that you can see."
    missing = ApiError(404, detail)
    view_id = path_id(raw, "saved view", detail=detail)
    try:
        return get_visible(db_session(), caller.user, view_id)
    except ViewError:
        raise missing from None


@operation(
    bp,
    "GET",
    "/views/{view_id}/accounts",
    summary="The accounts a saved view resolves to",
    tag="Views",
    query=ViewAccountsQuery,
    response=AccountPage,
    errors=(400, 404),
    path_params=VIEW_ID,
)
def list_view_accounts(caller: Any, view_id: str, query: ViewAccountsQuery) -> Response:
    """The accounts matching the view's filters now, in the view's sort (or `sort`), a page at a time
    like `/accounts` (follow `next_cursor`, or the `Link` header)."""
    view = _visible(caller, view_id)
    state = state_of(view)
    sort = sort_of(query.sort) if query.sort else [(n, d) for n, d in state.sort if n != "id"]
    data, cursor, warnings = paged(
        state.filters, query, SUMMARY_COLUMNS, f"view-{view.id}", summary, sort=sort
    )
    return page_response(data, cursor, query.limit, fx_warnings=warnings)
