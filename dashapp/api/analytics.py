"""`/segments` (behaviour segments of the newest run) and `/analytics/revenue-impact`."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import Response
from sqlalchemy import select

from dashapp.analytics.segment_features import NAME_THRESHOLD
from dashapp.api.analytics_schemas import RevenueImpact, RevenueImpactQuery, SegmentList
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, json_response
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.filters import Filters
from dashapp.queries.revenue_impact import revenue_impact_summary
from models.segments import SegmentRun

SEGMENTS_METHOD = (
    "k-means over standardised usage, support and billing features of the last 90 days; k chosen by silhouette; "
    "names from the features that set each segment apart from the book; stability from reruns on bootstrap "
    "samples with other seeds."
)


def clean(value: Any) -> Any:
    """NaN and infinities become null, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def segment_body(run: SegmentRun | None) -> dict[str, Any]:
    if run is None:
        return {"run": None, "data": [], "method": SEGMENTS_METHOD}
    details = run.details or {}
    data = []
    for c in run.clusters:
        features = clean(c.get("features", []))
        data.append(
            {
                "cluster": c["cluster"],
                "name": c["name"],
                "size": c["size"],
                "share": clean(c["share"]),
                "stability": clean(c.get("stability")),
                "defining": [f for f in features if f["z"] is not None and abs(f["z"]) >= NAME_THRESHOLD],
                "features": features,
                "accounts_url": f"/api/v1/accounts?cluster={c['cluster']}",
            }
        )
    body = {
        "id": run.id,
        "as_of": run.as_of,
        "window_days": run.window_days,
        "k": run.k,
        "accounts": run.accounts,
        "silhouette": clean(run.silhouette),
        "silhouette_by_k": clean(details.get("silhouette_by_k", {})),
        "stability": clean(run.stability),
        "stability_min": clean(details.get("ari_min")),
        "stability_reruns": clean(details.get("ari", [])),
        "features": details.get("features", []),
        "dropped": details.get("dropped", []),
        "created_at": run.created_at,
    }
    return {"run": body, "data": data, "method": SEGMENTS_METHOD}


@operation(
    bp,
    "GET",
    "/segments",
    summary="Behaviour segments of the newest run",
    tag="Analytics",
    response=SegmentList,
)
def list_segments(caller: Any) -> Response:
    """The segments of the newest segmentation run: name, size, defining features and stability, with the
    run's silhouette and its stability across reruns. Filter accounts by a segment with `cluster=N`."""
    run = db_session().scalar(select(SegmentRun).order_by(SegmentRun.id.desc()).limit(1))
    return json_response(segment_body(run))


@operation(
    bp,
    "GET",
    "/analytics/revenue-impact",
    summary="Share of ARR churned, contracted or expanded by band and score decile",
    tag="Analytics",
    query=RevenueImpactQuery,
    filters=True,
    response=RevenueImpact,
    errors=(400,),
)
def get_revenue_impact(caller: Any, query: RevenueImpactQuery, filters: Filters) -> Response:
    """For the accounts matching the filters that were live and scored on the as-of date: the share of
    their ARR (and of the accounts) that churned, contracted or expanded within the horizon, per band and per
    score decile, with counts and 95% intervals; `method` says how ARR and the intervals are derived."""
    if query.as_of is not None and query.as_of > date.today():
        raise ApiError(
            400,
            f"as_of ({query.as_of}) is after today.",
            errors=[{"name": "as_of", "message": "is after today"}],
        )
    summary = revenue_impact_summary(db_session(), filters, query.as_of, horizon_days=query.horizon_days)
    result = summary.pop("result") or {}
    body = {
        **summary,
        "scored": result.get("scored", 0),
        "excluded": result.get("excluded", {}),
        "book": clean(result.get("book")),
        "bands": clean(result.get("bands", [])),
        "deciles": clean(result.get("deciles", [])),
    }
    return json_response(body)
