"""Request and response shapes of the segments and revenue-impact resources (pydantic; in the OpenAPI)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from dashapp.api.schemas import _DAY, Strict

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RevenueImpactQuery(Strict):
    as_of: date | None = Field(
        None,
        description="Date of the health snapshots to start from (default: the latest whose whole horizon has "
        "passed). Not after today.",
        **_DAY,
    )
    horizon_days: int = Field(90, ge=30, le=365, description="Days after the as-of date that are looked at.")

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        """Only YYYY-MM-DD (pydantic would also read a number as seconds since 1970)."""
        if value is not None and not (isinstance(value, str) and _ISO_DATE.match(value)):
            raise ValueError("must be a date like 2026-03-31")
        return value


class SegmentFeature(BaseModel):
    key: str
    label: str
    z: float | None = Field(description="Segment mean of the scaled feature, in book standard deviations.")
    mean: float | None = Field(description="Segment mean in the feature's own unit.")
    book_mean: float | None
    unit: str = Field(description="`%` for shares (0-1), `$` for money, empty for counts and averages.")


class SegmentInfo(BaseModel):
    cluster: int = Field(description="Segment number (1 = largest); the `cluster` filter takes it.")
    name: str = Field(
        description="What sets the segment apart from the book, e.g. `Heavy users, many tickets`."
    )
    size: int
    share: float
    stability: float | None = Field(
        description="Mean best-match Jaccard similarity across reruns (above about 0.75: stable)."
    )
    defining: list[SegmentFeature] = Field(description="Features at least 0.5 book standard deviations off.")
    features: list[SegmentFeature]
    accounts_url: str = Field(description="The segment's accounts in this API.")


class SegmentRunInfo(BaseModel):
    id: int
    as_of: date
    window_days: int
    k: int
    accounts: int
    silhouette: float | None
    silhouette_by_k: dict[str, float | None]
    stability: float | None = Field(
        description="Mean adjusted Rand index between reruns and this clustering."
    )
    stability_min: float | None
    stability_reruns: list[float]
    features: list[str]
    dropped: list[str] = Field(description="Features left out because they did not vary across the book.")
    created_at: datetime


class SegmentList(BaseModel):
    run: SegmentRunInfo | None = Field(description="The newest segmentation run; null before the first.")
    data: list[SegmentInfo]
    method: str


class Interval(BaseModel):
    value: float | None
    low: float | None
    high: float | None


class ImpactGroup(BaseModel):
    kind: Literal["book", "band", "decile"]
    group: str
    label: str
    accounts: int
    arr_start: float
    counts: dict[str, int] = Field(description="Accounts that churned, contracted, expanded or stayed flat.")
    arr: dict[str, float] = Field(description="ARR churned, contracted away and expanded.")
    account_share: dict[str, Interval] = Field(description="Share of accounts, with a Wilson interval.")
    arr_share: dict[str, Interval] = Field(description="Share of starting ARR, with its interval.")
    arr_interval: Literal["bootstrap", "delta"]
    score_min: float | None
    score_max: float | None


class RevenueImpact(BaseModel):
    available: bool
    reason: str = Field(description="Why there is nothing to show, when `available` is false.")
    as_of: date | None
    horizon_days: int
    window_complete: bool = Field(description="False when the horizon has not fully passed yet.")
    method: str
    scored: int
    excluded: dict[str, int]
    book: ImpactGroup | None
    bands: list[ImpactGroup]
    deciles: list[ImpactGroup]
    currency: str = Field(description="The reporting currency every ARR figure is in.")
    fx_warnings: list[str] = Field(description="Missing exchange rates (those invoices are left out).")


class CohortQuery(Strict):
    split: Literal["", "segment", "plan", "region"] = Field(
        "", description="Split the cohorts by this account field (empty: one set of cohorts)."
    )


class CohortRow(BaseModel):
    split: str
    cohort: str = Field(description="Month of the cohort's first activity, YYYY-MM.")
    accounts: int = Field(description="Cohort size.")
    retention: list[float | None] = Field(
        description="Percent of the cohort active in month k (k = 0, 1, ...); null for months not complete yet."
    )


class Cohorts(BaseModel):
    basis: Literal["first_activity"]
    last_month: date | None = Field(description="The last complete month of activity counted.")
    definition: str
    data: list[CohortRow]
