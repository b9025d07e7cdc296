"""The scorecard every install starts with: five groups that work on demo data and on imported data.

Scale-free choices where the data's scale is unknown (trends against the previous window, percentile ranks
among segment peers) and fixed thresholds where the meaning is universal (urgent tickets, failed payments,
days overdue, NPS). Weighted towards what predicts churn best: usage trends and sentiment. Account fields
such as days to renewal are left out on purpose: their stored value is today's, so a backtest would read
the future from them.
Windows are whole weeks (28, 42, 56, 91, 182 days): a window with a part week in it makes the score move
with the day of the week.
Feature breadth (distinct features used) is available to any scorecard but left out of this one: it has to
expand every day's feature object, which at 100,000 accounts costs more than all other usage measures
together.
"""

from __future__ import annotations

from typing import Any

DEFAULT_NAME = "Default"


def _m(key: str, label: str, metric: str, aggregation: str, normalisation: dict[str, Any], weight: float, *,
       window: int = 28, direction: str = "higher_is_better") -> dict[str, Any]:  # fmt: skip
    return {
        "key": key,
        "label": label,
        "metric": metric,
        "window_days": window,
        "aggregation": aggregation,
        "direction": direction,
        "normalisation": normalisation,
        "weight": weight,
    }


LOWER = "lower_is_better"

TREND = {"type": "trend", "low": -50, "high": 10}
PEERS = {"type": "percentile", "within": "segment"}

DEFAULT_DEFINITION: dict[str, Any] = {
    "rollup": "arr_weighted",
    "bands": [
        {"name": "red", "min_score": 0, "label": "At risk"},
        {"name": "yellow", "min_score": 45, "label": "Needs attention"},
        {"name": "green", "min_score": 70, "label": "Healthy"},
    ],
    "groups": [
        {
            "key": "usage",
            "label": "Usage",
            "weight": 30,
            "measures": [
                _m("active_users_trend", "Active users trend", "active_users", "avg", TREND, 40, window=42),
                _m("events_trend", "Product activity trend", "events", "sum", TREND, 30, window=42),
                _m("active_users_vs_peers", "Active users vs. segment", "active_users", "avg", PEERS, 15),
                _m(
                    "active_days",
                    "Active days",
                    "active_days",
                    "count",
                    {"type": "linear", "low": 4, "high": 22},
                    15,
                ),
            ],
        },
        {
            "key": "engagement",
            "label": "Engagement",
            "weight": 15,
            "measures": [
                _m("logins_trend", "Logins trend", "logins", "sum", TREND, 50, window=42),
                _m("sessions_trend", "Sessions trend", "sessions", "sum", TREND, 50, window=42),
            ],
        },
        {
            "key": "support",
            "label": "Support",
            "weight": 20,
            "measures": [
                # Ticket volume grows with the size of the customer: ranked among segment peers.
                _m(
                    "tickets_vs_peers",
                    "Tickets vs. segment",
                    "tickets",
                    "count",
                    PEERS,
                    25,
                    window=56,
                    direction=LOWER,
                ),
                _m(
                    "urgent_tickets",
                    "Urgent tickets",
                    "urgent_tickets",
                    "count",
                    {"type": "thresholds", "breaks": [1, 2, 4], "scores": [100, 55, 25, 0]},
                    40,
                    direction=LOWER,
                ),
                _m(
                    "ticket_csat",
                    "Ticket CSAT",
                    "ticket_csat",
                    "avg",
                    {"type": "linear", "low": 2, "high": 5},
                    35,
                    window=91,
                ),
            ],
        },
        {
            "key": "billing",
            "label": "Billing",
            "weight": 10,
            "measures": [
                _m(
                    "failed_payments",
                    "Failed payments",
                    "failed_payments",
                    "count",
                    {"type": "thresholds", "breaks": [1, 2, 3], "scores": [100, 40, 15, 0]},
                    60,
                    window=91,
                    direction=LOWER,
                ),
                _m(
                    "days_overdue",
                    "Days overdue",
                    "days_overdue",
                    "max",
                    {"type": "thresholds", "breaks": [1, 15, 31, 61], "scores": [100, 70, 40, 15, 0]},
                    40,
                    direction=LOWER,
                ),
            ],
        },
        {
            "key": "sentiment",
            "label": "Sentiment",
            "weight": 25,
            "measures": [
                _m(
                    "nps",
                    "NPS",
                    "nps",
                    "avg",
                    {"type": "thresholds", "breaks": [5, 7, 9], "scores": [0, 30, 70, 100]},
                    70,
                    window=182,
                ),
                _m(
                    "survey_csat",
                    "CSAT",
                    "survey_csat",
                    "avg",
                    {"type": "linear", "low": 2, "high": 5},
                    30,
                    window=182,
                ),
            ],
        },
    ],
}
