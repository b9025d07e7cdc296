"""Filters as SQL over `accounts LEFT JOIN account_health` (SQLAlchemy Core), and sortable columns."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Numeric, Select, and_, case, cast, false, func, literal, or_, select

from dashapp.filters.model import _NUMBER, AttrCondition, Filters, _show, _to_decimal
from models.account import Account, live
from models.health import AccountHealth
from models.segments import SegmentAssignment, SegmentRun
from models.user import User

# Who "me" is in `owner=me` and `team=me`: the web app sets it per request to the logged-in user (or the
# token's owner); jobs that evaluate a saved expression pass `me=` explicitly. Unset, "me" matches nothing.
VIEWER: ContextVar[int | None] = ContextVar("filters_viewer", default=None)

_CHANGE_COLUMNS = {7: AccountHealth.delta_7, 30: AccountHealth.delta_30, 90: AccountHealth.delta_90}


def _change_bounds(filters: Filters, days: int) -> tuple[float | None, float | None]:
    return getattr(filters, f"change{days}_min"), getattr(filters, f"change{days}_max")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _attr_condition(cond: AttrCondition) -> ColumnElement[bool]:
    attrs = Account.custom_attributes
    if cond.op in ("=", "!="):
        # Containment uses the GIN index; a number may be stored as a JSON number or a string.
        options = [attrs.contains({cond.key: cond.value})]
        number = _to_decimal(cond.value)
        if number is not None and _NUMBER.match(cond.value.strip()):
            as_json = int(number) if number == number.to_integral() else float(number)
            options.append(attrs.contains({cond.key: as_json}))
        matched = or_(*options)
        return matched if cond.op == "=" else ~matched
    text_value = attrs[cond.key].astext
    numeric = case((text_value.regexp_match(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"), cast(text_value, Numeric)))
    value = literal(_to_decimal(cond.value), Numeric)
    return {">": numeric > value, ">=": numeric >= value, "<": numeric < value, "<=": numeric <= value}[
        cond.op
    ]


def _cluster_condition(clusters: Sequence[int]) -> ColumnElement[bool]:
    """Accounts the newest segmentation run put in one of `clusters` (none before the first run)."""
    newest = select(func.max(SegmentRun.id)).scalar_subquery()
    members = select(SegmentAssignment.account_id).where(
        SegmentAssignment.run_id == newest, SegmentAssignment.cluster.in_(list(clusters))
    )
    return Account.id.in_(members)


def _in_or_null(column: Any, values: Sequence[Any], null_token: str) -> ColumnElement[bool]:
    real = [v for v in values if v != null_token]
    parts: list[ColumnElement[bool]] = [false()]
    if real:
        parts.append(column.in_(real))
    if len(real) != len(values):
        parts.append(column.is_(None))
    return or_(*parts)


def _owner_condition(owners: Sequence[int | str], me: int | None) -> ColumnElement[bool]:
    values = [me if v == "me" else v for v in owners if v != "me" or me is not None]
    return _in_or_null(Account.owner_id, values, "none")


def _team_condition(me: int | None) -> ColumnElement[bool]:
    """Accounts owned by `me` or by someone who reports to `me`."""
    if me is None:
        return false()
    reports = select(User.id).where(User.manager_id == me)
    return or_(Account.owner_id == me, Account.owner_id.in_(reports))


def conditions(
    filters: Filters, today: date | None = None, me: int | None = None
) -> list[ColumnElement[bool]]:
    """WHERE clauses over `accounts` (and `account_health`, joined LEFT by the caller). `me` is the user
    that `owner=me` and `team=me` mean (default: `VIEWER`)."""
    today = today or date.today()
    me = me if me is not None else VIEWER.get()
    where: list[ColumnElement[bool]] = [live(Account)]  # deleted accounts are in no list, page or export
    if filters.status == "active":
        where.append(Account.churned_at.is_(None))
    elif filters.status == "churned":
        where.append(Account.churned_at.is_not(None))
    for key in ("segment", "plan", "region", "industry", "stage"):
        values = getattr(filters, key)
        if values:
            column = Account.lifecycle_stage if key == "stage" else getattr(Account, key)
            where.append(column.in_(values))
    if filters.owner:
        where.append(_owner_condition(filters.owner, me))
    if filters.team:
        where.append(_team_condition(me))
    if filters.band:
        where.append(_in_or_null(AccountHealth.band, filters.band, "unscored"))
    if filters.cluster:
        where.append(_cluster_condition(filters.cluster))
    bounds: list[tuple[Any, Any, Any]] = [
        (AccountHealth.score, filters.score_min, filters.score_max),
        *((_CHANGE_COLUMNS[n], *_change_bounds(filters, n)) for n in (7, 30, 90)),
        (Account.arr, filters.arr_min, filters.arr_max),
        (Account.renewal_date, filters.renewal_from, filters.renewal_to),
    ]
    for column, lo, hi in bounds:
        if lo is not None:
            where.append(column >= lo)
        if hi is not None:
            where.append(column <= hi)
    if filters.renewal_within is not None:
        where.append(
            and_(
                Account.renewal_date >= today,
                Account.renewal_date <= today + timedelta(filters.renewal_within),
            )
        )
    for cond in filters.attrs:
        where.append(_attr_condition(cond))
    if filters.q:
        pattern = f"%{_like_escape(filters.q.lower())}%"
        where.append(
            or_(
                func.lower(Account.name).like(pattern, escape="\\"),
                func.lower(Account.domain).like(pattern, escape="\\"),
                func.lower(Account.external_id).like(pattern, escape="\\"),
            )
        )
    return where


def health_join() -> Any:
    """`accounts LEFT JOIN account_health`: the FROM every filtered query reads."""
    return Account.__table__.outerjoin(AccountHealth.__table__, AccountHealth.account_id == Account.id)


def apply(stmt: Select, filters: Filters, today: date | None = None) -> Select:
    """Add the filters' WHERE clauses to `stmt`, which must read from `health_join()` (or accounts alone
    when `filters.needs_health()` is false)."""
    where = conditions(filters, today)
    return stmt.where(and_(*where)) if where else stmt


def _owner_column(expression: Any) -> Any:
    return select(expression).where(User.id == Account.owner_id).scalar_subquery()


# Columns a list of accounts can show and sort by (the API and exports use the same names).
COLUMNS: dict[str, Any] = {
    "id": Account.id,
    "external_id": Account.external_id,
    "name": Account.name,
    "domain": Account.domain,
    "segment": Account.segment,
    "plan": Account.plan,
    "region": Account.region,
    "industry": Account.industry,
    "owner_id": Account.owner_id,
    "owner": _owner_column(func.coalesce(func.nullif(User.name, ""), User.email)),
    "owner_email": _owner_column(User.email),
    "stage": Account.lifecycle_stage,
    "mrr": Account.mrr,
    "arr": Account.arr,
    "currency": Account.currency,
    "contract_start": Account.contract_start,
    "renewal_date": Account.renewal_date,
    "churned_at": Account.churned_at,
    "score": AccountHealth.score,
    "band": AccountHealth.band,
    "overridden": AccountHealth.overridden,
    "change7": AccountHealth.delta_7,
    "change30": AccountHealth.delta_30,
    "change90": AccountHealth.delta_90,
    "score_day": AccountHealth.day,
    "why": AccountHealth.explanation_text,
}


# Columns that are never NULL in a row of the join (account columns, or health columns once unscored
# accounts are excluded): ordering them needs no NULLS LAST, so an index serves either direction.
NOT_NULL = frozenset({"id", "external_id", "name", "mrr", "arr", "currency"})
HEALTH_NOT_NULL = frozenset({"score", "band", "overridden", "score_day", "why"})
HEALTH_COLUMNS = frozenset(
    {"score", "band", "overridden", "change7", "change30", "change90", "score_day", "why"}
)


def accounts_query(
    filters: Filters,
    columns: Sequence[str] | None = None,
    *,
    sort: Sequence[tuple[str, bool]] = (("name", False),),
    today: date | None = None,
    scored: bool | None = None,
) -> Select:
    """SELECT the named `COLUMNS` (all by default) of the filtered accounts, ordered by `sort`
    ((column, descending) pairs; unknown names are skipped, NULLs last) with `id` as the final tie-breaker
    so paging is stable. `scored=True/False` keeps only accounts with/without a current score (the first
    lets PostgreSQL walk the score indexes). Add `.limit()/.offset()` to page it."""
    names = [c for c in (columns or COLUMNS) if c in COLUMNS]
    if "id" not in names:
        names.insert(0, "id")
    stmt = select(*(COLUMNS[n].label(n) for n in names)).select_from(health_join())
    stmt = apply(stmt, filters, today)
    if scored is True:
        stmt = stmt.where(AccountHealth.account_id.is_not(None))
    elif scored is False:
        stmt = stmt.where(AccountHealth.account_id.is_(None))
    order = []
    never_null = NOT_NULL | (HEALTH_NOT_NULL if scored else frozenset())
    for name, descending in sort:
        column = COLUMNS.get(name)
        if column is None or name == "id":
            continue
        ordered = column.desc() if descending else column.asc()
        order.append(ordered if name in never_null else ordered.nulls_last())
    return stmt.order_by(*order, Account.id)


def parse_sort(value: str | Sequence[str] | None) -> tuple[list[tuple[str, bool]], list[str]]:
    """`-score,name` -> [("score", True), ("name", False)]; unknown columns are named in the errors."""
    items = [value] if isinstance(value, str) else list(value or [])
    out: list[tuple[str, bool]] = []
    errors: list[str] = []
    for item in ",".join(items).split(","):
        name = item.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+").strip()
        if not name:
            continue
        if name not in COLUMNS:
            errors.append(f"sort: {_show(name)} is not a column")
        elif all(n != name for n, _ in out):
            out.append((name, descending))
    return out[:5], errors


def to_sort(sort: Sequence[tuple[str, bool]]) -> str:
    return ",".join(f"-{name}" if descending else name for name, descending in sort)


def count_query(filters: Filters, today: date | None = None, *, scored: bool | None = None) -> Select:
    """SELECT count(*) of the filtered accounts (joins account_health only when needed); `scored` as in
    `accounts_query`."""
    if scored is None and not filters.needs_health():
        return apply(select(func.count()).select_from(Account.__table__), filters, today)
    stmt = apply(select(func.count()).select_from(health_join()), filters, today)
    if scored is True:
        stmt = stmt.where(AccountHealth.account_id.is_not(None))
    elif scored is False:
        stmt = stmt.where(AccountHealth.account_id.is_(None))
    return stmt
