"""Stripe events -> invoices, payments, subscriptions, account MRR and churn.

Which account a Stripe customer is: `metadata.account_external_id` on the object (or on the subscription
an invoice belongs to) names it; otherwise the account whose custom attribute `stripe_customer_id` is the
customer id. When metadata names an account, its `stripe_customer_id` is recorded, so later events of that
customer map without metadata. An account named by metadata that does not exist yet is created.

MRR: once an account has Stripe subscriptions they own its MRR: the sum, over its active/trialing/past_due
subscriptions, of each item's price x quantity normalised to a month. When its last subscription ends the
account is marked churned (churned_at = the subscription's end, churn_reason from Stripe's cancellation
details); a new active subscription clears the churn (a win-back).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg

from dashapp.ingest import validators as v
from dashapp.ingest.attach import attach_events_to_accounts

ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
                "XAF", "XOF", "XPF"}  # fmt: skip
ACTIVE = ("active", "trialing", "past_due")
ENDED = ("canceled", "incomplete_expired")
HANDLED = (
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.voided",
    "charge.refunded",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.created",
    "customer.updated",
)


class EventProblem(ValueError):
    """The event is verified but cannot be applied as sent (a field is missing or malformed)."""


class Unmatched(Exception):
    def __init__(self, ref: str | None) -> None:
        super().__init__(f"no account for Stripe customer {ref}")
        self.ref = ref


def _currency(value: Any, where: str) -> str:
    """A 3-letter ISO currency code (default USD), or EventProblem naming the field."""
    try:
        return v.currency(value) or "USD"
    except ValueError as exc:
        raise EventProblem(f"{where}: {exc}") from None


def _money(minor: Any, currency: str) -> Decimal:
    if minor is None:
        return Decimal("0.00")
    if isinstance(minor, bool) or not isinstance(minor, int | float | str):
        raise EventProblem(f"amount {minor!r} is not a number")
    amount = Decimal(str(minor))
    if currency.upper() not in ZERO_DECIMAL:
        amount = amount / 100
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ts(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventProblem(f"timestamp {value!r} is not Unix seconds")
    return datetime.fromtimestamp(value, UTC)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _require(obj: dict[str, Any], key: str, what: str) -> Any:
    value = obj.get(key)
    if value in (None, ""):
        raise EventProblem(f"{what} has no {key}")
    return value


def resolve_account(
    pg: psycopg.Connection, customer: Any, metadatas: list[Any], name: str | None = None
) -> int:
    """The account id for a customer (see the module docstring); raises `Unmatched` when there is none."""
    if isinstance(customer, dict):
        metadatas = [customer.get("metadata"), *metadatas]
        customer = customer.get("id")
    external = next(
        (m["account_external_id"] for m in metadatas if isinstance(m, dict) and m.get("account_external_id")),
        None,
    )
    if external:
        attrs = json.dumps({"stripe_customer_id": customer} if customer else {})
        row = pg.execute(
            """INSERT INTO accounts AS a (external_id, name, custom_attributes) VALUES (%s, %s, %s::jsonb)
               ON CONFLICT (external_id) DO UPDATE
               SET custom_attributes = a.custom_attributes || EXCLUDED.custom_attributes, updated_at = now()
               WHERE NOT a.custom_attributes @> EXCLUDED.custom_attributes
               RETURNING id""",
            (str(external)[:255], (name or str(external))[:255], attrs),
        ).fetchone()
        if row is None:
            row = pg.execute("SELECT id FROM accounts WHERE external_id = %s", (str(external),)).fetchone()
        else:
            attach_events_to_accounts(pg, [str(external)[:255]])
        return int(row[0])
    if customer:
        row = pg.execute(
            "SELECT id FROM accounts WHERE custom_attributes @> %s::jsonb ORDER BY id LIMIT 1",
            (json.dumps({"stripe_customer_id": customer}),),
        ).fetchone()
        if row:
            return int(row[0])
    raise Unmatched(str(customer) if customer else None)


def apply(pg: psycopg.Connection, event: dict[str, Any]) -> str:
    """Apply one event; returns a short description. Raises EventProblem, Unmatched."""
    kind = event.get("type")
    obj = _get(event, "data", "object")
    if not isinstance(obj, dict):
        raise EventProblem("the event has no data.object")
    created = _ts(event.get("created")) or datetime.now(UTC)
    if kind in ("invoice.paid", "invoice.payment_succeeded"):
        return _invoice(pg, obj, "paid", created)
    if kind == "invoice.payment_failed":
        return _invoice(pg, obj, "failed", created)
    if kind == "invoice.voided":
        return _invoice(pg, obj, "void", created)
    if kind == "charge.refunded":
        return _refund(pg, obj)
    if kind and kind.startswith("customer.subscription."):
        return _subscription(pg, obj, deleted=kind.endswith(".deleted"), created=created)
    if kind in ("customer.created", "customer.updated"):
        account_id = resolve_account(pg, obj, [], name=obj.get("name"))
        return f"customer {obj.get('id')} is account {account_id}"
    raise AssertionError(kind)


def _invoice(pg: psycopg.Connection, inv: dict[str, Any], status: str, created: datetime) -> str:
    invoice_id = _require(inv, "id", "the invoice")
    currency = _currency(inv.get("currency"), "data.object.currency")
    metadatas = [
        inv.get("metadata"),
        _get(inv, "subscription_details", "metadata"),
        _get(inv, "parent", "subscription_details", "metadata"),
    ]
    account_id = resolve_account(pg, inv.get("customer"), metadatas, name=inv.get("customer_name"))
    total = inv.get("total", inv.get("amount_due"))
    amount = _money(total, currency)
    paid_at = _ts(_get(inv, "status_transitions", "paid_at")) if status == "paid" else None
    if status == "paid" and paid_at is None:
        paid_at = created
    row = pg.execute(
        """
        INSERT INTO invoices AS i (external_id, account_id, amount, currency, status, issued_at, due_at, paid_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (external_id) DO UPDATE SET
            account_id = EXCLUDED.account_id, amount = EXCLUDED.amount, currency = EXCLUDED.currency,
            status = CASE WHEN i.status IN ('paid', 'refunded') AND EXCLUDED.status = 'failed'
                          THEN i.status ELSE EXCLUDED.status END,
            due_at = COALESCE(EXCLUDED.due_at, i.due_at), paid_at = COALESCE(EXCLUDED.paid_at, i.paid_at),
            updated_at = now()
        RETURNING id
        """,
        (
            invoice_id,
            account_id,
            amount,
            currency,
            status,
            _ts(inv.get("created")) or created,
            _ts(inv.get("due_date")),
            paid_at,
        ),
    ).fetchone()
    if status == "paid":
        ref = inv.get("charge") or inv.get("payment_intent") or f"{invoice_id}:paid"
        _payment(pg, row[0], str(ref), _money(inv.get("amount_paid", total), currency), currency,
                 "succeeded", paid_at, None)  # fmt: skip
    elif status == "failed":
        attempt = inv.get("attempt_count") or 1
        retry = _ts(inv.get("next_payment_attempt"))
        reason = f"payment attempt {attempt} failed" + (f"; next attempt {retry:%Y-%m-%d}" if retry else "")
        _payment(pg, row[0], f"{invoice_id}:attempt:{attempt}", amount, currency, "failed", created, reason)
    return f"invoice {invoice_id} {status}"


def _payment(pg, invoice_pk, external_id, amount, currency, status, at, reason) -> None:
    pg.execute(
        """INSERT INTO payments AS p (external_id, invoice_id, amount, currency, status, attempted_at,
                                      failure_reason)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (external_id) DO UPDATE SET amount = EXCLUDED.amount, status = EXCLUDED.status,
               updated_at = now()
           WHERE (p.amount, p.status) IS DISTINCT FROM (EXCLUDED.amount, EXCLUDED.status)""",
        (external_id, invoice_pk, amount, currency, status, at or datetime.now(UTC), reason),
    )


def _refund(pg: psycopg.Connection, charge: dict[str, Any]) -> str:
    charge_id = _require(charge, "id", "the charge")
    currency = _currency(charge.get("currency"), "data.object.currency")
    invoice_ref = charge.get("invoice")
    if isinstance(invoice_ref, dict):
        invoice_ref = invoice_ref.get("id")
    row = None
    if invoice_ref:
        row = pg.execute("SELECT id FROM invoices WHERE external_id = %s", (invoice_ref,)).fetchone()
    if row is None:
        refs = [r for r in (charge_id, charge.get("payment_intent")) if isinstance(r, str)]
        row = pg.execute(
            "SELECT invoice_id FROM payments WHERE external_id = ANY(%s) ORDER BY id LIMIT 1", (refs,)
        ).fetchone()
    if row is None:
        raise Unmatched(str(charge.get("customer") or charge_id))
    refunded = _money(charge.get("amount_refunded"), currency)
    full = bool(charge.get("refunded"))
    pg.execute(
        """UPDATE invoices SET amount_refunded = %s, status = CASE WHEN %s THEN 'refunded' ELSE status END,
                  updated_at = now() WHERE id = %s""",
        (refunded, full, row[0]),
    )
    _payment(
        pg, row[0], f"{charge_id}:refund", refunded, currency, "refunded", _ts(charge.get("created")), None
    )
    return f"charge {charge_id} refunded {refunded} {currency}"


def monthly_amount(item: dict[str, Any]) -> Decimal:
    price = item.get("price") or item.get("plan") or {}
    currency = str(price.get("currency") or "usd").upper()
    unit = price.get("unit_amount_decimal") or price.get("unit_amount") or price.get("amount") or 0
    quantity = item.get("quantity") or 1
    recurring = price.get("recurring") or price
    interval = recurring.get("interval") or "month"
    count = Decimal(str(recurring.get("interval_count") or 1))
    per = {"month": Decimal(1), "year": Decimal(12), "week": Decimal(12) / 52, "day": Decimal(12) / 365}
    if interval not in per:
        raise EventProblem(f"price interval {interval!r} is not day, week, month or year")
    amount = Decimal(str(unit)) * Decimal(str(quantity))
    if currency not in ZERO_DECIMAL:
        amount /= 100
    return (amount / (per[interval] * count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _subscription(pg: psycopg.Connection, sub: dict[str, Any], *, deleted: bool, created: datetime) -> str:
    sub_id = _require(sub, "id", "the subscription")
    account_id = resolve_account(pg, sub.get("customer"), [sub.get("metadata")])
    status = "canceled" if deleted else str(sub.get("status") or "active")
    items = _get(sub, "items", "data") or []
    currency = _currency(
        sub.get("currency") or _get(items[0] if items else {}, "price", "currency"), "data.object.currency"
    )
    mrr = sum((monthly_amount(i) for i in items), Decimal("0.00")) if status in ACTIVE else Decimal("0.00")
    period_end = _ts(sub.get("current_period_end")) or _ts(
        _get(items[0] if items else {}, "current_period_end")
    )
    ended = (
        _ts(sub.get("ended_at")) or _ts(sub.get("canceled_at")) or (created if status == "canceled" else None)
    )
    pg.execute(
        """INSERT INTO subscriptions AS s (external_id, account_id, status, mrr, currency, started_at,
                                           current_period_end, ended_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (external_id) DO UPDATE SET account_id = EXCLUDED.account_id, status = EXCLUDED.status,
               mrr = EXCLUDED.mrr, currency = EXCLUDED.currency,
               current_period_end = COALESCE(EXCLUDED.current_period_end, s.current_period_end),
               ended_at = EXCLUDED.ended_at, updated_at = now()""",
        (sub_id, account_id, status, mrr, currency, _ts(sub.get("start_date")) or created, period_end,
         ended if status not in ACTIVE else None),
    )  # fmt: skip
    active = pg.execute(
        """SELECT count(*), COALESCE(sum(mrr), 0), min(current_period_end)::date FROM subscriptions
           WHERE account_id = %s AND status = ANY(%s)""",
        (account_id, list(ACTIVE)),
    ).fetchone()
    if active[0]:
        pg.execute(
            """UPDATE accounts SET mrr = %s, currency = %s, renewal_date = COALESCE(%s, renewal_date),
                   churned_at = NULL, churn_reason = NULL,
                   lifecycle_stage = CASE WHEN lifecycle_stage = 'churned' THEN NULL ELSE lifecycle_stage END,
                   updated_at = now() WHERE id = %s""",
            (active[1], currency, active[2], account_id),
        )
        return f"subscription {sub_id} {status}; account MRR {active[1]}"
    if status not in ENDED:
        return f"subscription {sub_id} {status}; not active yet"
    details = sub.get("cancellation_details") or {}
    reason = "; ".join(f"{k}: {details[k]}" for k in ("reason", "feedback", "comment") if details.get(k))
    pg.execute(
        """UPDATE accounts SET mrr = 0, churned_at = COALESCE(churned_at, %s),
               churn_reason = COALESCE(churn_reason, %s), lifecycle_stage = 'churned', updated_at = now()
           WHERE id = %s""",
        (
            ended or created,
            f"Stripe subscription {sub_id} ended" + (f" ({reason})" if reason else ""),
            account_id,
        ),
    )
    return f"subscription {sub_id} {status}; account churned"
