"""What each kind of record accepts: fields, their parsers, the names they are recognised by.

Shared by CSV column mapping (header -> field) and Segment traits (trait name -> field), so both accept
the same names and apply the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dashapp.ingest import validators as v
from models.support import TICKET_PRIORITIES, TICKET_STATUSES

INVOICE_STATUSES_IN = ("draft", "open", "paid", "failed", "refunded", "void")


@dataclass(frozen=True)
class Field:
    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    aliases: tuple[str, ...] = ()
    # "ref:accounts" / "ref:contacts" / "ref:users": a reference by external id (or email for users).
    ref: str | None = None
    help: str = ""
    names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset({self.name, *self.aliases}))


def normalise_name(name: str) -> str:
    """'Customer ID' -> 'customer_id', 'renewalDate' -> 'renewal_date', ' Plan ' -> 'plan'."""
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.strip())
    return re.sub(r"[^a-z0-9.]+", "_", name.lower()).strip("_")


def _ext(value: Any) -> str | None:
    return v.text(value)


_ACCOUNT_REF = ("account", "account_id", "account_external_id", "company_id", "group_id", "customer_id")

ACCOUNT_FIELDS = (
    Field("external_id", _ext, True, ("id", "account_id", "account_external_id", "group_id", "company_id")),
    # Required in a file with a name column; a file without one names each account by its id.
    Field("name", v.text, True, ("account_name", "company", "company_name")),
    Field("domain", v.domain, aliases=("website", "url")),
    Field("parent", _ext, aliases=("parent_id", "parent_external_id", "parent_account"), ref="ref:accounts"),
    Field("segment", v.segment),
    Field("plan", lambda x: v.text(x, 64), aliases=("tier",)),
    Field("industry", lambda x: v.text(x, 128)),
    Field("region", lambda x: v.text(x, 64), aliases=("country",)),
    Field("owner", v.email, aliases=("owner_email", "csm", "csm_email"), ref="ref:users"),
    Field("lifecycle_stage", v.lifecycle_stage, aliases=("stage", "lifecycle")),
    Field("mrr", v.money, aliases=("monthly_recurring_revenue",)),
    Field("currency", v.currency),
    Field("contract_start", v.parse_date, aliases=("contract_start_date", "start_date", "customer_since")),
    Field("renewal_date", v.parse_date, aliases=("renewal", "renews_at", "renewal_at")),
    Field("churned_at", v.parse_datetime, aliases=("churn_date", "churned_on")),
    # A churn flag (yes/no, 1/0) or date: a flagged account churned on the import's reference date.
    Field("churned", v.churn_flag, aliases=("churn", "is_churned", "churn_flag", "churn_label")),
    Field("churn_reason", v.long_text, aliases=("reason", "churn_reasons")),
)

CONTACT_FIELDS = (
    Field("external_id", _ext, True, ("id", "contact_id", "user_id", "userid")),
    Field("account", _ext, aliases=_ACCOUNT_REF, ref="ref:accounts"),
    Field("email", v.email, aliases=("email_address",)),
    Field("name", v.text, aliases=("full_name",)),
    Field("title", v.text, aliases=("job_title", "role")),
    Field("last_seen_at", v.parse_datetime, aliases=("last_seen", "last_login", "last_login_at")),
)

EVENT_FIELDS = (
    Field("message_id", _ext, aliases=("id", "event_id", "messageid")),
    Field("account", _ext, aliases=_ACCOUNT_REF, ref="ref:accounts"),
    Field("user_id", _ext, aliases=("user", "userid", "contact_id", "user_external_id")),
    Field("event", v.text, True, ("event_name", "name", "action")),
    Field("event_type", v.choice(("track", "page", "screen"), "event type"), aliases=("type",)),
    Field("timestamp", v.parse_datetime, True, ("occurred_at", "time", "date", "created_at", "ts")),
)

TICKET_FIELDS = (
    Field("external_id", _ext, True, ("id", "ticket_id")),
    Field("account", _ext, True, _ACCOUNT_REF, ref="ref:accounts"),
    Field(
        "contact", _ext, aliases=("contact_id", "requester", "requester_id", "user_id"), ref="ref:contacts"
    ),
    Field("subject", lambda x: v.text(x, 500), aliases=("title", "summary")),
    Field("priority", v.choice(TICKET_PRIORITIES, "ticket priority")),
    Field("status", v.choice(TICKET_STATUSES, "ticket status"), aliases=("state",)),
    Field("opened_at", v.parse_datetime, True, ("created_at", "opened", "created")),
    Field("first_response_at", v.parse_datetime, aliases=("first_reply_at", "responded_at")),
    Field("closed_at", v.parse_datetime, aliases=("solved_at", "resolved_at", "closed")),
    Field("csat", lambda x: v.integer(x, low=1, high=5), aliases=("satisfaction", "csat_score", "rating")),
)

INVOICE_FIELDS = (
    Field("external_id", _ext, True, ("id", "invoice_id", "number", "invoice_number")),
    Field("account", _ext, True, _ACCOUNT_REF, ref="ref:accounts"),
    Field("amount", v.decimal, True, ("total", "amount_due")),
    Field("amount_refunded", v.money, aliases=("refunded",)),
    Field("currency", v.currency),
    Field("status", v.choice(INVOICE_STATUSES_IN, "invoice status"), aliases=("state",)),
    Field("issued_at", v.parse_datetime, True, ("date", "invoice_date", "created_at", "issued")),
    Field("due_at", v.parse_datetime, aliases=("due_date", "due")),
    Field("paid_at", v.parse_datetime, aliases=("paid_date", "paid")),
)

SURVEY_FIELDS = (
    Field("external_id", _ext, True, ("id", "response_id")),
    Field("account", _ext, True, _ACCOUNT_REF, ref="ref:accounts"),
    Field("contact", _ext, aliases=("contact_id", "user_id", "respondent"), ref="ref:contacts"),
    Field("kind", v.choice(("nps", "csat"), "survey kind"), True, ("type", "survey", "survey_type")),
    Field("score", lambda x: v.integer(x, low=0, high=10), True, ("rating", "value")),
    Field("comment", v.long_text, aliases=("feedback", "text")),
    Field("responded_at", v.parse_datetime, True, ("date", "created_at", "submitted_at", "timestamp")),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "accounts": ACCOUNT_FIELDS,
    "contacts": CONTACT_FIELDS,
    "events": EVENT_FIELDS,
    "tickets": TICKET_FIELDS,
    "invoices": INVOICE_FIELDS,
    "surveys": SURVEY_FIELDS,
}

# Where columns that map to no field go: a JSON column of the record, or nowhere.
EXTRA_TARGET: dict[str, str | None] = {
    "accounts": "custom_attributes",
    "contacts": "traits",
    "events": "properties",
    "tickets": None,
    "invoices": None,
    "surveys": None,
}


def field_named(kind: str, name: str) -> Field | None:
    for f in FIELDS[kind]:
        if f.name == name:
            return f
    return None


def field_for(kind: str, name: str) -> Field | None:
    """The field called `name`, or else the one `name` is an alias of (as a header would be read)."""
    found = field_named(kind, name)
    if found is not None:
        return found
    key = normalise_name(name)
    return next((f for f in FIELDS[kind] if key == f.name or key in f.aliases), None)


def guess_field(kind: str, header: str, taken: set[str]) -> str | None:
    """The field a column header most likely means (exact name first, then aliases), or None."""
    key = normalise_name(header)
    for f in FIELDS[kind]:
        if f.name == key and f.name not in taken:
            return f.name
    for f in FIELDS[kind]:
        if key in f.aliases and f.name not in taken:
            return f.name
    return None
