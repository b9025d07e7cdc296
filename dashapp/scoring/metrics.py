"""The metrics a scorecard measure may read, where each comes from, and how its movement is put into words.

A metric belongs to one *family*; the loader runs one set-based query per family for all accounts at once.
`windowed` metrics are aggregated over the measure's window (the last N days up to the as-of day); the
others are a state on the as-of day (open tickets, days overdue, days to renewal).

`kind` says how a change reads in a sentence: `rate` as a percentage ("active users -38%"), `count` as new or
fewer things ("3 new urgent tickets"), `level` as before and after ("NPS 3, was 8").
"""

from __future__ import annotations

from dataclasses import dataclass

FAMILIES = ("daily", "features", "tickets", "billing", "surveys", "account", "custom")
CUSTOM_PREFIX = "custom."


@dataclass(frozen=True)
class Metric:
    key: str
    family: str
    noun: str
    aggregations: tuple[str, ...]
    windowed: bool = True
    kind: str = "level"  # rate | count | level
    unit: str = ""
    # The data can be absent (no survey answered, no rated ticket): the measure is then missing.
    can_be_missing: bool = False


_DAILY_AGGS = ("avg", "sum", "max", "min", "last")

CATALOGUE: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("active_users", "daily", "active users", _DAILY_AGGS, kind="rate"),
        Metric("sessions", "daily", "sessions", _DAILY_AGGS, kind="rate"),
        Metric("logins", "daily", "logins", _DAILY_AGGS, kind="rate"),
        Metric("events", "daily", "events", _DAILY_AGGS, kind="rate"),
        Metric("active_days", "daily", "active days", ("count",), kind="level"),
        Metric("feature_breadth", "features", "features used", ("distinct",), kind="level"),
        Metric("tickets", "tickets", "tickets", ("count",), kind="count"),
        Metric("urgent_tickets", "tickets", "urgent tickets", ("count",), kind="count"),
        Metric("open_tickets", "tickets", "open tickets", ("count",), windowed=False, kind="count"),
        Metric(
            "first_response_hours",
            "tickets",
            "first response time",
            ("avg", "max"),
            kind="level",
            unit="h",
            can_be_missing=True,
        ),
        Metric("ticket_csat", "tickets", "ticket CSAT", ("avg",), kind="level", can_be_missing=True),
        Metric("failed_payments", "billing", "failed payments", ("count",), kind="count"),
        Metric(
            "days_overdue", "billing", "days overdue", ("max",), windowed=False, kind="level", unit=" days"
        ),
        Metric("overdue_invoices", "billing", "overdue invoices", ("count",), windowed=False, kind="count"),
        Metric("nps", "surveys", "NPS", ("avg", "last", "min"), kind="level", can_be_missing=True),
        Metric("survey_csat", "surveys", "CSAT", ("avg", "last", "min"), kind="level", can_be_missing=True),
        Metric(
            "days_to_renewal",
            "account",
            "days to renewal",
            ("value",),
            windowed=False,
            kind="level",
            can_be_missing=True,
        ),
        Metric(
            "tenure_days", "account", "days as a customer", ("value",), windowed=False, can_be_missing=True
        ),
        Metric("mrr", "account", "MRR", ("value",), windowed=False, kind="rate"),
    )
}


def lookup(metric: str) -> Metric:
    """The catalogue entry for `metric`; `custom.<attribute>` names a numeric custom attribute."""
    if metric.startswith(CUSTOM_PREFIX):
        attribute = metric[len(CUSTOM_PREFIX) :]
        return Metric(
            metric,
            "custom",
            attribute.replace("_", " "),
            ("value",),
            windowed=False,
            kind="level",
            can_be_missing=True,
        )
    try:
        return CATALOGUE[metric]
    except KeyError:
        raise KeyError(
            f"unknown metric {metric!r}; known: {', '.join(CATALOGUE)} or custom.<attribute>"
        ) from None


def custom_attribute(metric: str) -> str:
    return metric[len(CUSTOM_PREFIX) :]
