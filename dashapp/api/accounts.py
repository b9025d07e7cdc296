"""`/accounts`: the book of business with current scores, filtered by THE filter model."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Response, request
from sqlalchemy import Select, literal

from dashapp.accounts.service import version
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, finite, json_response, with_etag
from dashapp.api.pagination import encode_cursor, page
from dashapp.api.schemas import AccountDetail, AccountPage, PageQuery
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.filters import Filters, accounts_query, parse_sort
from dashapp.money import Money
from dashapp.queries.account_health import account_detail
from models.account import Account

SUMMARY_COLUMNS = [
    "id",
    "external_id",
    "name",
    "domain",
    "segment",
    "plan",
    "region",
    "industry",
    "owner_id",
    "stage",
    "mrr",
    "arr",
    "currency",
    "renewal_date",
    "churned_at",
    "score",
    "band",
    "overridden",
    "score_day",
    "change7",
    "change30",
    "change90",
]
EXTERNAL_ID = {
    "external_id": {
        "description": "The account's id in your systems (as sent to healthdash).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^/]+$"},
    }
}


def trend(change7: Any, change30: Any, change90: Any) -> dict[str, float | None]:
    return {"change7": finite(change7), "change30": finite(change30), "change90": finite(change90)}


def summary(row: Any) -> dict[str, Any]:
    return {
        "external_id": row.external_id,
        "name": row.name,
        "domain": row.domain,
        "segment": row.segment,
        "plan": row.plan,
        "region": row.region,
        "industry": row.industry,
        "owner_id": row.owner_id,
        "stage": row.stage,
        "mrr": row.mrr,
        "arr": row.arr,
        "currency": row.currency,
        "mrr_reporting": row.mrr_reporting,
        "arr_reporting": row.arr_reporting,
        "reporting_currency": row.reporting_currency,
        "renewal_date": row.renewal_date,
        "churned_at": row.churned_at,
        "score": finite(row.score),
        "band": row.band,
        "overridden": row.overridden,
        "score_day": row.score_day,
        "trend": trend(row.change7, row.change30, row.change90),
    }


def with_reporting(stmt: Select, money: Money, today: date) -> Select:
    """`stmt` (over accounts) with MRR and ARR in the reporting currency at today's rate."""
    return stmt.add_columns(
        money.convert(Account.mrr, Account.currency, today).label("mrr_reporting"),
        money.convert(Account.arr, Account.currency, today).label("arr_reporting"),
        literal(money.currency).label("reporting_currency"),
    )


def money_warnings(rows: list[Any], money: Money, today: date) -> list[str]:
    """Warnings for the rows whose amounts could not be converted."""
    for row in rows:
        if row.arr_reporting is None and row.currency != money.currency:
            money.note(row.currency, today)
    return money.warnings


def sort_of(value: str | None) -> list[tuple[str, bool]]:
    sort, errors = parse_sort(value)
    if errors:
        raise ApiError(400, "; ".join(errors), errors=[{"name": "sort", "message": e} for e in errors])
    return [(name, desc) for name, desc in sort if name != "id"]


def paged(
    filters: Filters,
    query: PageQuery,
    columns: list[str],
    scope: str,
    shape: Any,
    sort: list[tuple[str, bool]] | None = None,
) -> tuple[list[dict[str, Any]], str | None, list[str]]:
    """One page of filtered accounts, shaped by `shape`, the cursor of the next page and the warnings of
    missing exchange rates. The order is `sort` when given, else the query's `sort` (then the account id)."""
    sort = sort if sort is not None else sort_of(query.sort)
    names = list(dict.fromkeys([*columns, *(n for n, _ in sort)]))
    session = db_session()
    money, today = Money.of(session), date.today()
    stmt = with_reporting(accounts_query(filters, names, sort=sort), money, today)
    rows = session.execute(page(stmt, sort, query.cursor, filters, scope, query.limit)).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    cursor = encode_cursor(rows[-1], filters, sort, scope) if more and rows else None
    return [shape(r) for r in rows], cursor, money_warnings(rows, money, today)


def link_next(cursor: str | None) -> dict[str, str]:
    if cursor is None:
        return {}
    args = request.args.to_dict(flat=False)
    args["cursor"] = [cursor]
    return {"Link": f'<{request.base_url}?{urlencode(args, doseq=True)}>; rel="next"'}


def page_response(data: list, cursor: str | None, limit: int, **extra: Any) -> Response:
    """One page of a cursor-paged list: the rows, where to go next (also as a `Link` header), and `extra`."""
    body = {"data": data, "next_cursor": cursor, "has_more": cursor is not None, "limit": limit, **extra}
    return json_response(body, headers=link_next(cursor))


@operation(
    bp,
    "GET",
    "/accounts",
    summary="List accounts with their current score",
    tag="Accounts",
    query=PageQuery,
    filters=True,
    response=AccountPage,
    errors=(400,),
)
def list_accounts(caller: Any, query: PageQuery, filters: Filters) -> Response:
    """Accounts matching the filters, a page at a time (follow `next_cursor`, or the `Link` header).
    Filters are those of the Explore pages (e.g. `segment=smb&band=red&renewal_within=90`); custom
    attributes filter as `attr.<key>=<value>` (or `>=10` and the other comparisons)."""
    data, cursor, warnings = paged(filters, query, SUMMARY_COLUMNS, "accounts", summary)
    return page_response(data, cursor, query.limit, fx_warnings=warnings)


@operation(
    bp,
    "GET",
    "/accounts/{external_id}",
    summary="One account with its current score",
    tag="Accounts",
    response=AccountDetail,
    errors=(404,),
    path_params=EXTERNAL_ID,
)
def get_account(caller: Any, external_id: str) -> Response:
    """An account's fields, custom attributes, owner, current score, band, trend and why it moved. Money
    is given as billed (`mrr`, `arr` in `currency`) and in the reporting currency at today's rate. Its
    `ETag` is the version to send in `If-Match` to change or delete it."""
    session = db_session()
    row = account_detail(session, external_id)
    if row is None:
        raise ApiError(404, f"There is no account with external id {external_id!r}.")
    account, health = row.Account, row.AccountHealth
    money, today = Money.of(session), date.today()
    body = {
        "external_id": account.external_id,
        "name": account.name,
        "domain": account.domain,
        "segment": account.segment,
        "plan": account.plan,
        "region": account.region,
        "industry": account.industry,
        "owner_id": account.owner_id,
        "stage": account.lifecycle_stage,
        "mrr": account.mrr,
        "arr": account.arr,
        "currency": account.currency,
        "mrr_reporting": money.to_reporting(account.mrr, account.currency, today),
        "arr_reporting": money.to_reporting(account.arr, account.currency, today),
        "reporting_currency": money.currency,
        "renewal_date": account.renewal_date,
        "churned_at": account.churned_at,
        "score": finite(health.score) if health else None,
        "band": health.band if health else None,
        "overridden": health.overridden if health else None,
        "score_day": health.day if health else None,
        "trend": trend(*((health.delta_7, health.delta_30, health.delta_90) if health else (None,) * 3)),
        "parent_external_id": row.parent_external_id,
        "contract_start": account.contract_start,
        "churn_reason": account.churn_reason,
        "custom_attributes": account.custom_attributes or {},
        "owner": (
            {"id": row.owner_user_id, "email": row.owner_email, "name": row.owner_name}
            if row.owner_user_id is not None
            else None
        ),
        "why": health.explanation_text if health else None,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
        "fx_warnings": money.warnings,
    }
    # The version `If-Match` names to change the account (its fields and its score).
    return with_etag(json_response(body), version(account.updated_at, health.updated_at if health else None))
