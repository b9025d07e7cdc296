"""Request and response shapes of the account and contact writes (`POST/PATCH/DELETE /accounts...`,
`/contacts...`, the bulk upserts). Field names and rules are the CSV import's (`dashapp.ingest.fields`): the
values are checked by the import's parsers, so these models only fix the JSON shape."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from dashapp.accounts.bulk import MAX_ROWS
from dashapp.api.schemas import Strict

# Lengths, formats and choices are checked by the import's parsers (their messages name the rule).
ExternalId = str
Text = str | None
Number = float | str | None
Attributes = dict[str, str | int | float | bool | None]


class AccountFields(Strict):
    """An account's fields as the CSV import names them; omitted fields are left as they are."""

    name: Text = Field(
        None, description="Required on create (default: the external id); at most 255 characters."
    )
    domain: Text = Field(None, description="A host name; `https://www.example.com/x` is kept as example.com.")
    parent: Text = Field(None, description="The parent account's external id.")
    segment: Text = Field(None, description="enterprise, mid-market or smb.")
    plan: Text = Field(None, description="At most 64 characters.")
    industry: Text = Field(None, description="At most 128 characters.")
    region: Text = Field(None, description="At most 64 characters.")
    owner: Text = Field(None, description="The owner's email (a healthdash user).")
    lifecycle_stage: Text = Field(None, description="onboarding, adopting, mature, renewing or churned.")
    mrr: Number = Field(
        None, description="Monthly recurring revenue, 0 or more (a number, or text like 1,234.50)."
    )
    currency: Text = Field(None, description="A 3-letter code like USD.")
    contract_start: Text = Field(None, description="A day, YYYY-MM-DD.")
    renewal_date: Text = Field(None, description="A day, YYYY-MM-DD.")
    churned_at: Text = Field(None, description="ISO 8601 date-time (or day) it churned.")
    churn_reason: Text = None
    custom_attributes: Attributes | None = Field(
        None, max_length=200, description="Merged into the stored attributes; null removes a key."
    )


class AccountCreate(AccountFields):
    external_id: ExternalId = Field(description="The account's id in your systems.")


class AccountPatch(AccountFields):
    """JSON merge patch: the fields given are set, null clears one (`name` cannot be cleared)."""


class ContactFields(Strict):
    email: Text = None
    name: Text = None
    title: Text = None
    last_seen_at: Text = Field(None, description="ISO 8601 date-time.")
    traits: Attributes | None = Field(
        None, max_length=200, description="Merged into the stored traits; null removes a key."
    )


class ContactCreate(ContactFields):
    external_id: ExternalId = Field(description="The contact's id in your systems.")


class ContactPatch(ContactFields):
    """JSON merge patch; `account` (an external id) moves the contact to another account."""

    account: Text = None


class AccountRow(AccountFields):
    external_id: ExternalId


class ContactRow(ContactFields):
    external_id: ExternalId
    account: Text = Field(None, description="The account's external id.")


def _rows(model: type[BaseModel]) -> Any:
    """Rows checked one by one by the handler (a bad row is reported, the others saved), documented as
    `model`."""
    schema = model.model_json_schema()
    return Annotated[
        list[Annotated[dict[str, Any], WithJsonSchema(schema)]],
        Field(min_length=1, description=f"At most {MAX_ROWS} rows, upserted by external id."),
    ]


class AccountBulk(Strict):
    rows: _rows(AccountRow)  # type: ignore[valid-type]


class ContactBulk(Strict):
    rows: _rows(ContactRow)  # type: ignore[valid-type]


class BulkResult(BaseModel):
    """Every row was saved: how many are new, changed and unchanged (a replay changes nothing)."""

    inserted: int
    updated: int
    unchanged: int


class AccountOut(BaseModel):
    """An account as it is stored (see `GET /accounts/{external_id}` for its score)."""

    external_id: str
    name: str
    domain: str | None
    parent: str | None
    segment: str | None
    plan: str | None
    industry: str | None
    region: str | None
    owner: str | None
    lifecycle_stage: str | None
    mrr: Decimal
    currency: str
    contract_start: date | None
    renewal_date: date | None
    churned_at: datetime | None
    churn_reason: str | None
    custom_attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class ContactOut(BaseModel):
    id: int
    external_id: str
    account: str | None
    email: str | None
    name: str | None
    title: str | None
    last_seen_at: datetime | None
    traits: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class ContactList(BaseModel):
    data: list[ContactOut]
