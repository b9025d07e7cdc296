"""The behaviour features segments are built from: labels, groups and the phrases that name a segment.

Kept apart from the clustering (no scikit-learn here) so pages can show labels without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass

NAME_THRESHOLD = 0.5  # book standard deviations: a feature this far off helps name a segment


@dataclass(frozen=True)
class Feature:
    key: str
    label: str
    group: str  # at most one feature of a group appears in a name
    high: str  # phrase when a cluster is well above the book
    low: str  # and well below
    log: bool  # log1p before scaling (counts, money)
    unit: str = ""


FEATURES: tuple[Feature, ...] = (
    Feature("active_users", "Active users per day", "usage", "heavy users", "light usage", True),
    Feature("sessions", "Sessions per day", "usage", "many sessions", "few sessions", True),
    Feature("active_days", "Share of days active", "usage", "active most days", "rarely active", False, "%"),
    Feature(
        "features_used", "Distinct features used", "usage", "broad feature use", "narrow feature use", True
    ),
    Feature("tickets", "Support tickets", "support", "many tickets", "few tickets", True),
    Feature(
        "urgent_share",
        "Share of tickets high/urgent",
        "support",
        "urgent tickets",
        "no urgent tickets",
        False,
        "%",
    ),
    Feature("csat", "Average CSAT (1-5)", "support", "happy with support", "unhappy with support", False),
    Feature("mrr", "MRR", "billing", "high MRR", "low MRR", True, "$"),
    Feature(
        "late_payments",
        "Share of invoices late or failed",
        "billing",
        "late payments",
        "pays on time",
        False,
        "%",
    ),
)
BY_KEY = {f.key: f for f in FEATURES}
GROUPS = ("usage", "support", "billing")

__all__ = ["BY_KEY", "FEATURES", "GROUPS", "NAME_THRESHOLD", "Feature"]
