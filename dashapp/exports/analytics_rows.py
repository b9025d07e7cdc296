"""CSV rows of the analytics pages (churn risk, segments, revenue impact, forecasts): what the page shows,
unformatted, from the same queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from dashapp.exports.target import ExportTarget
from dashapp.queries import churn as churn_q
from dashapp.queries import forecasts as forecast_q
from dashapp.queries import segments as segment_q
from dashapp.queries.revenue_impact import revenue_impact_summary
from dashapp.share.analytics import as_of_of, drivers_words, forecast_scope

Rows = tuple[list[str], Iterator[Sequence[Any]]]


def churn_rows(session: Session, target: ExportTarget) -> Rows:
    """Every filtered account the active model scored, riskiest first (up to the query's cap)."""
    model = churn_q.active_model(session)
    rows = churn_q.top_risk(session, model.id, target.filters, limit=churn_q.MAX_ROWS)[0] if model else []
    header = ["external_id", "name", "segment", "arr", "score", "band", "probability", "as_of", "drivers"]
    return header, (
        (
            r["external_id"],
            r["name"],
            r["segment"],
            r["arr"],
            r["score"],
            r["band"],
            r["probability"],
            r["as_of"],
            drivers_words(r["drivers"], top=10),
        )
        for r in rows
    )


def segment_rows(session: Session, target: ExportTarget) -> Rows:
    run = segment_q.newest_run(session)
    clusters = run.clusters if run else []
    matching = segment_q.matching_counts(session, run.id, target.filters) if run else {}
    header = ["cluster", "name", "accounts", "share", "matching_filters", "stability"]
    return header, (
        (c["cluster"], c["name"], c["size"], c["share"], matching.get(c["cluster"], 0), c.get("stability"))
        for c in clusters
    )


def revenue_rows(session: Session, target: ExportTarget) -> Rows:
    summary = revenue_impact_summary(session, target.filters, as_of_of(target.as_view()))
    groups = []
    if summary["available"]:
        result = summary["result"]
        groups = [result["book"], *result["bands"], *result["deciles"]]
    outcomes = ("churned", "contracted", "expanded")
    header = ["as_of", "group", "kind", "accounts", "arr_start"]
    header += [f"{o}_accounts" for o in (*outcomes, "flat")] + [f"arr_share_{o}" for o in outcomes]
    return header, (
        (
            summary.get("as_of"),
            g["label"],
            g["kind"],
            g["accounts"],
            g["arr_start"],
            *(g["counts"][o] for o in (*outcomes, "flat")),
            *(g["arr_share"][o]["value"] for o in outcomes),
        )
        for g in groups
    )


def forecast_rows(session: Session, target: ExportTarget) -> Rows:
    """Every forecast point of the view's series at its horizon."""
    scope, segment, horizon = forecast_scope(target.as_view())
    views = forecast_q.list_series(session, scope=scope, segment=segment)
    header = ["series", "metric", "horizon", "day", "forecast", "lower", "upper"]

    def lines() -> Iterator[Sequence[Any]]:
        for series in views:
            result = series.result(horizon)
            for p in result.points if result else []:
                yield (
                    series.label,
                    series.metric,
                    horizon,
                    p.get("ds"),
                    p.get("yhat"),
                    p.get("lower"),
                    p.get("upper"),
                )

    return header, lines()
