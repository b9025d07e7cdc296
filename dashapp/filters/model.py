"""The `Filters` value: fields, bounds and the helpers that read and show its values."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.account import LIFECYCLE_STAGES
from models.health import BANDS

BAND_CHOICES = (*BANDS, "unscored")
STATUSES = ("active", "churned", "all")
ATTR_OPS = ("=", "!=", ">", ">=", "<", "<=")
MAX_VALUES = 100  # values per list filter
MAX_TEXT = 200  # characters per text value
MAX_ATTRS = 20
MAX_DAYS = 3660
MAX_CLUSTERS = 20  # behaviour segments are numbered 1..k with k at most this
DEFAULT_TREND_DAYS = 90
_ATTR_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DAYS = re.compile(r"^(\d{1,4})\s*d?$", re.IGNORECASE)

TextList = tuple[str, ...]


class AttrCondition(BaseModel):
    """One custom-attribute condition: `key op value`. Ordering operators compare numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=_ATTR_KEY.pattern)
    op: Literal["=", "!=", ">", ">=", "<", "<="] = "="
    value: str = Field(max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _numeric_for_ordering(self) -> AttrCondition:
        if self.op not in ("=", "!=") and _to_decimal(self.value) is None:
            raise ValueError(f"attr.{self.key}: {self.op} needs a number, not {self.value!r}")
        return self


class Filters(BaseModel):
    """A validated set of filters. Empty means every active account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    segment: TextList = ()
    plan: TextList = ()
    region: TextList = ()
    industry: TextList = ()
    owner: tuple[int | Literal["none", "me"], ...] = ()
    team: Literal["me"] | None = Field(default=None, title="me: the accounts of my team (my reports and me)")
    stage: tuple[Literal["onboarding", "adopting", "mature", "renewing", "churned"], ...] = ()
    band: tuple[Literal["red", "yellow", "green", "unscored"], ...] = ()
    cluster: tuple[Annotated[int, Field(ge=1, le=MAX_CLUSTERS)], ...] = Field(
        default=(), title="behaviour segment number, in the newest segmentation run"
    )
    score_min: float | None = Field(default=None, ge=0, le=100)
    score_max: float | None = Field(default=None, ge=0, le=100)
    change7_min: float | None = Field(default=None, ge=-100, le=100)
    change7_max: float | None = Field(default=None, ge=-100, le=100)
    change30_min: float | None = Field(default=None, ge=-100, le=100)
    change30_max: float | None = Field(default=None, ge=-100, le=100)
    change90_min: float | None = Field(default=None, ge=-100, le=100)
    change90_max: float | None = Field(default=None, ge=-100, le=100)
    status: Literal["active", "churned", "all"] = "active"
    arr_min: Decimal | None = Field(default=None, ge=0)
    arr_max: Decimal | None = Field(default=None, ge=0)
    renewal_from: date | None = None
    renewal_to: date | None = None
    renewal_within: int | None = Field(default=None, ge=0, le=MAX_DAYS)
    attrs: tuple[AttrCondition, ...] = Field(default=(), max_length=MAX_ATTRS)
    q: str = Field(default="", max_length=MAX_TEXT)
    period: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    trend_from: date | None = None
    trend_to: date | None = None

    @model_validator(mode="after")
    def _ranges(self) -> Filters:
        for low, high in RANGES:
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"{low} ({_fmt(lo)}) is above {high} ({_fmt(hi)})")
        if self.trend_from and self.trend_to and self.trend_from > self.trend_to:
            raise ValueError("from is after to")
        return self

    def is_empty(self) -> bool:
        return self == Filters()

    def trend_window(self, today: date | None = None) -> tuple[date, date]:
        """The first and last day that trend charts cover."""
        today = today or date.today()
        end = self.trend_to or today
        if self.trend_from:
            return self.trend_from, end
        return end - timedelta(days=(self.period or DEFAULT_TREND_DAYS) - 1), end

    def needs_health(self) -> bool:
        """True when the filters read `account_health` (so a query may skip the join otherwise)."""
        return bool(self.band) or any(
            getattr(self, f) is not None for f in ("score_min", "score_max", *_CHANGE_FIELDS)
        )


# (field, query key, kind) in canonical order. Kinds: text/int list, enum list, number, money, date, days.
_CHANGE_FIELDS = tuple(f"change{n}_{e}" for n in (7, 30, 90) for e in ("min", "max"))
RANGES = (
    ("score_min", "score_max"),
    ("change7_min", "change7_max"),
    ("change30_min", "change30_max"),
    ("change90_min", "change90_max"),
    ("arr_min", "arr_max"),
    ("renewal_from", "renewal_to"),
)
_LISTS = ("segment", "plan", "region", "industry", "owner", "stage", "band", "cluster")
_ENUMS: dict[str, tuple[str, ...]] = {"stage": LIFECYCLE_STAGES, "band": BAND_CHOICES}
_NUMBERS = ("score_min", "score_max", *_CHANGE_FIELDS)
_SCALAR_KEYS: dict[str, str] = {  # query key -> field
    **{f: f for f in _NUMBERS},
    "team": "team",
    "status": "status",
    "arr_min": "arr_min",
    "arr_max": "arr_max",
    "renewal_from": "renewal_from",
    "renewal_to": "renewal_to",
    "renewal_within": "renewal_within",
    "q": "q",
    "period": "period",
    "from": "trend_from",
    "to": "trend_to",
}
FILTER_KEYS = frozenset({*_LISTS, *_SCALAR_KEYS})


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def _to_decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", "").replace("_", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _clean_text(value: str) -> str:
    """Drop control characters and surrounding space; keep any other unicode."""
    return "".join(ch for ch in value if ch.isprintable()).strip()


def _show(value: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return repr(shown)
