"""Request and response shapes of the API (pydantic). The OpenAPI document is generated from these."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from dashapp.filters import COLUMNS

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
Band = Literal["red", "yellow", "green"]

_SORT_NAMES = "|".join(sorted(COLUMNS, key=len, reverse=True))
SORT_PATTERN = rf"^[-+]?({_SORT_NAMES})(,[-+]?({_SORT_NAMES})){{0,4}}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ---- query strings -------------------------------------------------------------------------------------


class PageQuery(Strict):
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page.")
    cursor: str | None = Field(
        None, max_length=2000, description="`next_cursor` of the previous page (same filters and sort)."
    )
    sort: str | None = Field(
        None,
        pattern=SORT_PATTERN,
        description="Up to 5 columns, `-` for descending, e.g. `-score,name`; the account id breaks ties. "
        "Default: account id.",
    )


class ScoresQuery(PageQuery):
    format: Literal["json", "ndjson", "csv"] | None = Field(
        None,
        description="`ndjson` or `csv` stream every matching account in one response (no paging); "
        "the `Accept` header (application/x-ndjson, text/csv) does the same.",
    )


_DAY = {
    "ge": date(1900, 1, 1),
    "le": date(2200, 12, 31),
    "json_schema_extra": {"pattern": r"^(19\d\d|2[01]\d\d)-"},
}


def _iso_day(value: Any) -> Any:
    """Days in query strings are written YYYY-MM-DD (pydantic would also read `0` as a timestamp)."""
    if isinstance(value, date) or (
        isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip())
    ):
        return value
    raise ValueError("a day is written YYYY-MM-DD")


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class HistoryQuery(Strict):
    from_: date | None = Field(
        None, alias="from", description="First day (default: 90 days before `to`).", **_DAY
    )
    to: date | None = Field(None, description="Last day (default: today).", **_DAY)


# ---- responses -----------------------------------------------------------------------------------------


class Trend(BaseModel):
    change7: float | None = Field(description="Score change over 7 days, in points.")
    change30: float | None
    change90: float | None


class AccountSummary(BaseModel):
    external_id: str
    name: str
    domain: str | None
    segment: str | None
    plan: str | None
    region: str | None
    industry: str | None
    owner_id: int | None
    stage: str | None
    mrr: Decimal = Field(description="Monthly recurring revenue, exact decimal as a string.")
    arr: Decimal = Field(description="Annual recurring revenue as billed, in `currency`.")
    currency: str
    mrr_reporting: Decimal | None = Field(
        description="MRR in `reporting_currency` at today's reference rate; null when a rate is missing."
    )
    arr_reporting: Decimal | None = Field(
        description="ARR in `reporting_currency` at today's reference rate; null when a rate is missing."
    )
    reporting_currency: str = Field(description="The currency every total is reported in.")
    renewal_date: date | None
    churned_at: datetime | None
    score: float | None = Field(description="Current health score 0-100; null when not scored yet.")
    band: Band | None
    overridden: bool | None = Field(description="True while a manual override sets the score.")
    score_day: date | None = Field(description="Day of the current score.")
    trend: Trend


class Owner(BaseModel):
    id: int
    email: str
    name: str


class AccountDetail(AccountSummary):
    parent_external_id: str | None
    contract_start: date | None
    churn_reason: str | None
    custom_attributes: dict[str, Any]
    owner: Owner | None
    why: str | None = Field(description="Why the score moved, in one sentence.")
    created_at: datetime
    updated_at: datetime
    fx_warnings: list[str] = Field(description="Missing exchange rates (their converted amounts are null).")


class AccountPage(BaseModel):
    data: list[AccountSummary]
    fx_warnings: list[str] = Field(description="Missing exchange rates (their converted amounts are null).")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    has_more: bool
    limit: int


class Measure(BaseModel):
    """One measure of the scorecard and what it contributed to the score."""

    model_config = ConfigDict(extra="allow")
    key: str
    label: str | None = None
    group: str | None = None
    raw: float | None = None
    normalised: float | None = None
    weight: float | None = None
    effective_weight: float | None = None
    contribution: float | None = None
    missing: bool | None = None


class Health(BaseModel):
    external_id: str
    day: date
    score: float
    band: Band
    computed_score: float = Field(
        description="What the scorecard computed (differs from score while overridden)."
    )
    computed_band: Band
    overridden: bool
    scorecard_version_id: int | None
    trend: Trend
    measures: list[Measure]
    why: str = Field(description="Why the score moved, in one sentence.")
    explanation: dict[str, Any] = Field(
        description="Movement by measure since the previous snapshot and since a month ago."
    )
    computed_at: datetime | None


class HistoryPoint(BaseModel):
    day: date
    score: float
    band: Band
    computed_score: float
    overridden: bool
    change7: float | None
    change30: float | None
    change90: float | None


class HealthHistory(BaseModel):
    external_id: str
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    points: list[HistoryPoint]


class ScoreRow(BaseModel):
    external_id: str
    name: str
    score: float | None
    band: Band | None
    overridden: bool | None
    score_day: date | None
    change7: float | None
    change30: float | None
    change90: float | None


class ScorePage(BaseModel):
    data: list[ScoreRow]
    next_cursor: str | None
    has_more: bool
    limit: int


class Job(BaseModel):
    id: int
    kind: str
    title: str
    status: Literal["queued", "started", "finished", "failed", "canceled"]
    progress: float = Field(ge=0, le=1)
    message: str
    enqueued_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    result: dict[str, Any] | None
    error: str | None = Field(description="Why it failed (its last line), for failed jobs.")


class Caller(BaseModel):
    user_id: int
    email: str
    role: str
    permissions: list[str]
    auth: Literal["token", "session"]
    token_name: str | None
    scope: Literal["read", "write"]
    token_expires_at: datetime | None


class TokenInfo(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    scope: Literal["read", "write"]
    status: Literal["active", "expired", "revoked"]
    current: bool = Field(description="True for the token making this request.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="To the minute.")
    revoked_at: datetime | None


class TokenList(BaseModel):
    data: list[TokenInfo]


class TokenChange(Strict):
    name: str = Field(min_length=1, max_length=100, pattern=r"\S", description="The new name.")


class Ping(BaseModel):
    status: Literal["ok"]
    version: str


class ProblemItem(BaseModel):
    name: str = Field(description="The parameter or field that is wrong.")
    message: str
    index: int | None = Field(None, description="Bulk requests: the refused row's position (from 0).")
    field: str | None = Field(None, description="Bulk requests: the field of that row.")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] | None = None


# ---- overrides, recomputes and saved views -------------------------------------------------------------


def _json_int(value: Any) -> Any:
    """What JSON Schema calls an integer: 2 or 2.0, never "2" or true (the body models are strict)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_json_int)]
# Text PostgreSQL can store (no NUL) with at least one visible character.
TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
DEFAULT_OVERRIDE_DAYS = 30
MAX_OVERRIDE_DAYS = 366
MAX_RECOMPUTE_ACCOUNTS = 1000


class OverrideRequest(Strict):
    """A manual score and/or band (at least one), why, and for how long."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # JSON types as documented: no "5" for 5, no 0 for false
        json_schema_extra={
            "anyOf": [
                {"required": ["score"], "properties": {"score": {"type": "number"}}},
                {"required": ["band"], "properties": {"band": {"type": "string"}}},
            ]
        },
    )
    score: float | None = Field(None, ge=0, le=100, allow_inf_nan=False, description="Score to show, 0-100.")
    band: Band | None = Field(None, description="Band to show.")
    reason: str = Field(
        min_length=1, max_length=2000, pattern=TEXT_PATTERN, description="Why the score is overridden."
    )
    expires_in_days: JsonInt = Field(
        DEFAULT_OVERRIDE_DAYS,
        ge=1,
        le=MAX_OVERRIDE_DAYS,
        description=f"Days it stays in force from today (default {DEFAULT_OVERRIDE_DAYS}).",
    )


class ClearOverrideQuery(Strict):
    reason: str | None = Field(
        None, max_length=2000, pattern=TEXT_PATTERN, description="Why the override is removed (audited)."
    )


class Override(BaseModel):
    id: int
    external_id: str
    score: float | None
    band: Band | None
    reason: str
    starts_on: date = Field(description="First day it applies.")
    expires_on: date = Field(description="First day it no longer applies.")
    cleared_on: date | None = Field(description="First day it no longer applies after being removed.")
    created_at: datetime
    created_by_id: int | None
    current_score: float | None = Field(description="The account's score shown now.")
    current_band: Band | None
    overridden: bool | None = Field(description="Whether the score shown now is overridden.")


_ONE_SCOPE = [["accounts", "segment"], ["accounts", "changed"], ["segment", "changed"]]


class RecomputeRequest(Strict):
    """What to recompute: every active account (the default), or one of: some `accounts`, a `segment`, or
    the accounts whose data `changed`."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # JSON types as documented: no "5" for 5, no 0 for false
        json_schema_extra={
            "not": {
                "anyOf": [
                    {
                        "required": pair,
                        **({"properties": {"changed": {"const": True}}} if "changed" in pair else {}),
                    }
                    for pair in _ONE_SCOPE
                ]
            }
        },
    )
    accounts: list[str] = Field(
        default_factory=list,
        min_length=1,
        max_length=MAX_RECOMPUTE_ACCOUNTS,
        description="External ids of the accounts to recompute.",
    )
    segment: str = Field("", min_length=1, max_length=64, pattern=TEXT_PATTERN)  # as accounts.segment
    changed: bool = Field(False, description="Only the accounts whose data or override changed.")
    days: JsonInt = Field(1, ge=1, le=3660, description="Days to score, ending today.")

    @model_validator(mode="after")
    def _one_scope(self) -> RecomputeRequest:
        given = self.model_fields_set
        for first, second in _ONE_SCOPE:
            if {first, second} <= given and (self.changed or "changed" not in (first, second)):
                raise ValueError(f"give one of accounts, segment or changed, not {first} and {second}")
        return self


class SavedViewInfo(BaseModel):
    id: int
    name: str
    page: str = Field(description="The page the view belongs to.")
    visibility: Literal["private", "team"]
    owner_id: int
    mine: bool = Field(description="True for the caller's own views.")
    query: str = Field(description="The view's filters as a query string (THE filter model's form).")
    sort: str
    columns: list[str]
    url: str = Field(description="The page with the view applied (relative).")
    accounts_url: str = Field(description="Its accounts in this API.")
    created_at: datetime
    updated_at: datetime


class SavedViewList(BaseModel):
    data: list[SavedViewInfo]


class ViewAccountsQuery(PageQuery):
    sort: str | None = Field(
        None,
        pattern=SORT_PATTERN,
        description="As on `/accounts`; default: the view's own sort, then account id.",
    )
