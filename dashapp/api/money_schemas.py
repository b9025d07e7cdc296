"""Request and response shapes of the money resources: Overview KPIs in the reporting currency, FX rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from dashapp.api.schemas import _DAY, IsoDay, Strict

CURRENCY_CODE = r"^[A-Z]{3}$"


class Kpis(BaseModel):
    accounts: int
    scored: int
    arr: Decimal = Field(
        description="ARR of the filtered accounts in `currency`, at today's reference rates."
    )
    arr_at_risk: Decimal = Field(description="ARR of the red and yellow accounts, in `currency`.")
    arr_by_band: dict[str, Decimal]
    currency: str = Field(description="The reporting currency (HEALTHDASH_REPORTING_CURRENCY).")
    avg_score: float | None
    avg_score_30d_ago: float | None
    fx_warnings: list[str] = Field(description="Missing exchange rates: amounts needing them are left out.")


class FxRateIn(Strict):
    day: IsoDay = Field(description="The day the rate is for.", **_DAY)
    currency: str = Field(
        pattern=CURRENCY_CODE,
        json_schema_extra={"pattern": r"^(?!EUR)[A-Z]{3}$"},  # EUR is refused by the handler (the base)
        description="ISO 4217 code, not EUR (the base).",
    )
    rate: float = Field(
        strict=True,  # a JSON number, not a string
        ge=1e-8,  # the column keeps 8 decimal places: anything smaller would store 0
        lt=1e9,
        allow_inf_nan=False,
        description="Units of `currency` per 1 EUR.",
    )


class FxRatesIn(Strict):
    """Rates to store (replacing the stored rate of the same day and currency)."""

    rates: list[FxRateIn] = Field(min_length=1, max_length=10_000)


class FxRateOut(BaseModel):
    day: date
    currency: str
    rate: Decimal = Field(description="Units of `currency` per 1 EUR (ECB convention).")
    source: str = Field(description="`ecb` (imported file), `api` (posted here) or `demo` (generated).")


class FxRateList(BaseModel):
    data: list[FxRateOut]
    reporting_currency: str


class FxRatesQuery(Strict):
    currency: str | None = Field(None, pattern=CURRENCY_CODE, description="Only this currency.")
    start: IsoDay | None = Field(None, description="First day.", **_DAY)
    end: IsoDay | None = Field(None, description="Last day.", **_DAY)
    limit: int = Field(1000, ge=1, le=10_000, description="At most this many rates, newest day first.")


class FxImport(BaseModel):
    rates: int
    days: int
    currencies: list[str]
    first_day: date | None
    last_day: date | None
