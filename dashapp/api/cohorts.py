"""`/analytics/cohorts`: retention of first-activity cohorts (definitions in `analytics.activity_cohorts`)."""

from __future__ import annotations

from typing import Any

from flask import Response

from dashapp.api.analytics_schemas import CohortQuery, Cohorts
from dashapp.api.blueprint import bp
from dashapp.api.http import json_response
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.filters import Filters
from dashapp.queries.cohorts import activity_retention

DEFINITION = (
    "Cohort: the month of an account's first activity (a usage day with events or a paid or refunded invoice). "
    "Retention in month k: percent of the cohort with any activity in the k-th month after it. The window ends "
    "with the last complete month of activity in the book; a partly covered month is left out."
)


@operation(
    bp,
    "GET",
    "/analytics/cohorts",
    summary="Retention of first-activity cohorts, month by month, with cohort sizes",
    tag="Analytics",
    query=CohortQuery,
    filters=True,
    response=Cohorts,
    errors=(400,),
)
def get_cohorts(caller: Any, query: CohortQuery, filters: Filters) -> Response:
    """For the accounts matching the filters: each first-activity cohort's size and the percent of it active
    in each later month (the same figures as the Cohorts page)."""
    result = activity_retention(db_session(), filters, split=query.split)
    data = []
    for row in result["rows"]:
        retention = [None if v is None else round(v, 4) for v in row["retention"]]
        while retention and retention[-1] is None:
            retention.pop()
        data.append(
            {
                "split": row["split"],
                "cohort": row["label"],
                "accounts": row["accounts"],
                "retention": retention,
            }
        )
    return json_response(
        {
            "basis": "first_activity",
            "last_month": result["last_month"],
            "definition": DEFINITION,
            "data": data,
        }
    )
