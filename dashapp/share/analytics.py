"""What a shared view or a PDF snapshot of an analytics page shows (churn risk, segments, revenue impact,
forecasts): the same queries and figure factories as the live pages, from the view's stored state only."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from components.analytics_charts import impact_bars, profile_heatmap
from components.churn import percent
from components.forecasts import forecast_figure
from components.format import format_count, format_money
from dashapp.analytics.forecasting.model import HORIZONS
from dashapp.queries import churn as churn_q
from dashapp.queries import forecasts as forecast_q
from dashapp.queries import segments as segment_q
from dashapp.queries.revenue_impact import revenue_impact_summary
from dashapp.saved_views import state_of
from dashapp.share.render import _figure
from models.view import SavedView

TOP_RISK = 50


def drivers_words(drivers: list[dict[str, Any]], top: int = 3) -> str:
    parts = []
    for d in list(drivers or [])[:top]:
        value = "missing" if d.get("value") is None else d["value"]
        if isinstance(value, float):
            value = f"{value:,.4g}"
        parts.append(f"{d['label']} = {value} ({100 * d['contribution']:+.1f} pts)")
    return "; ".join(parts)


def churn_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    model = churn_q.active_model(session)
    if model is None:
        return [{"kind": "text", "text": "No churn model yet."}]
    rows, total = churn_q.top_risk(session, model.id, state_of(view).filters, limit=TOP_RISK)
    return [
        {
            "kind": "text",
            "text": f"Model {model.version}: {min(TOP_RISK, total):,} of {total:,} scored accounts.",
        },
        {
            "kind": "table",
            "title": "Highest churn risk",
            "headers": ["Account", "Churn risk", "Health", "ARR", "Top drivers"],
            "rows": [
                [
                    r["name"],
                    percent(r["probability"]),
                    "" if r["score"] is None else f"{r['score']:.0f}",
                    "" if r["arr"] is None else format_money(r["arr"], compact=False),
                    drivers_words(r["drivers"]),
                ]
                for r in rows
            ],
        },
    ]


def segment_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    run = segment_q.newest_run(session)
    if run is None:
        return [{"kind": "text", "text": "No segments yet."}]
    matching = segment_q.matching_counts(session, run.id, state_of(view).filters)
    return [
        {
            "kind": "text",
            "text": f"{run.k} segments of {format_count(run.accounts)} accounts as of {run.as_of.isoformat()}.",
        },
        _figure("How segments differ from the book", profile_heatmap(run.clusters, "light")),
        {
            "kind": "table",
            "title": "Segments",
            "headers": ["#", "Segment", "Accounts", "Matching filters", "Stability"],
            "rows": [
                [
                    c["cluster"],
                    c["name"],
                    f"{c['size']:,} ({c['share']:.0%})",
                    f"{matching.get(c['cluster'], 0):,}",
                    "-" if c.get("stability") is None else f"{c['stability']:.2f}",
                ]
                for c in run.clusters
            ],
        },
    ]


def as_of_of(view: SavedView) -> date | None:
    value = (view.options or {}).get("as_of")
    return date.fromisoformat(value) if value else None


def _share(s: dict[str, Any]) -> str:
    if s["value"] is None or s["value"] != s["value"]:
        return "-"
    return f"{s['value']:.1%} ({s['low']:.1%}-{s['high']:.1%})"


def revenue_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    summary = revenue_impact_summary(session, state_of(view).filters, as_of_of(view))
    if not summary["available"]:
        return [{"kind": "text", "text": summary["reason"]}]
    result = summary["result"]
    groups = [result["book"], *result["bands"], *result["deciles"]]
    return [
        {"kind": "text", "text": f"As of {summary['as_of']}, the next {summary['horizon_days']} days."},
        _figure("By health band", impact_bars(result["bands"], "light", x_label="Band on the as-of date")),
        _figure("By score decile", impact_bars(result["deciles"], "light", x_label="Score decile")),
        {
            "kind": "table",
            "title": "Share of starting ARR",
            "headers": ["Group", "Accounts", "Starting ARR", "Churned", "Contracted", "Expanded"],
            "rows": [
                [
                    g["label"],
                    f"{g['accounts']:,}",
                    format_money(g["arr_start"], compact=False),
                    *(_share(g["arr_share"][o]) for o in ("churned", "contracted", "expanded")),
                ]
                for g in groups
            ],
        },
    ]


def forecast_scope(view: SavedView) -> tuple[str, str | None, int]:
    """(scope, segment, horizon) of a saved forecasts view (its options were checked when it was saved)."""
    options = view.options or {}
    kind, _, segment = str(options.get("scope") or "book").partition(":")
    horizon = int(options.get("horizon") or HORIZONS[0])
    return ("segment", segment, horizon) if kind == "segment" and segment else ("book", None, horizon)


def forecast_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    scope, segment, horizon = forecast_scope(view)
    views = forecast_q.list_series(session, scope=scope, segment=segment)
    if not views:
        return [{"kind": "text", "text": "No forecasts yet."}]
    sections: list[dict[str, Any]] = []
    for series in views:
        result = series.result(horizon)
        if result is not None:
            sections.append(
                _figure(f"{series.label}, {horizon} days ahead", forecast_figure(series, result, "light"))
            )
    sections.append(
        {
            "kind": "table",
            "title": "Backtest against seasonal naive",
            "headers": ["Series", "Forecast at the horizon", "Backtest"],
            "rows": [forecast_row(series, horizon) for series in views],
        }
    )
    return sections


def forecast_row(series: forecast_q.SeriesView, horizon: int) -> list[str]:
    result = series.result(horizon)
    end = result.points[-1]["yhat"] if result and result.points else None
    return [
        series.label,
        "-" if end is None else f"{end:,.1f}",
        result.evaluation_note if result else series.message,
    ]
