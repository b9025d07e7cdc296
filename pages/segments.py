"""Segments: accounts clustered by behaviour (usage, support, billing), with names, sizes, defining
features and how stable the clustering is across reruns. Each segment links to its accounts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html
from flask_login import current_user

from components.analytics_charts import profile_heatmap
from components.messages import make_empty_state
from dashapp.analytics.segment_features import BY_KEY, NAME_THRESHOLD
from dashapp.auth import guarded_callback
from dashapp.auth.permissions import can
from dashapp.explore.registry import ExplorePage, declare
from dashapp.exports.analytics_rows import segment_rows
from dashapp.exports.csvfile import rows_writer
from dashapp.extensions import db_session, runtime
from dashapp.filters import Filters, to_pairs
from dashapp.queries import segments as q
from dashapp.share.analytics import segment_sections
from dashapp.ui.page import (
    card,
    filter_section,
    graph,
    loading,
    page_header,
    theme,
)
from dashapp.ui.scaffold import filtered_page, url_state
from models.segments import SegmentRun

PAGE = "/segments"
dash.register_page(
    __name__, path=PAGE, name="Segments", title="Segments · healthdash", nav_order=35, nav_group="Analytics"
)
EXPLORE = declare(
    ExplorePage(
        PAGE,
        "Segments",
        saveable=True,
        exportable=True,
        shareable=True,
        sections=segment_sections,
        csv=rows_writer(segment_rows),
    )
)

METHOD = (
    "Segments are found by k-means over each live account's last 90 days: active users, sessions, share of days "
    "active and features used (usage); tickets, share of urgent tickets and CSAT (support); MRR and share of invoices "
    "late or failed (billing). Counts and money are log-scaled, then every feature is standardised over the book. "
    "The number of segments is the one with the best silhouette (2 to 8). A name says which features set a segment "
    f"apart: its mean at least {NAME_THRESHOLD} book standard deviations from the book's. Stability: the clustering "
    "is refitted on bootstrap samples with other seeds; the adjusted Rand index compares each refit with this one "
    "(1 = the same segments, 0 = chance), and each segment's Jaccard score is how well it is found again."
)


def verdict(ari: float | None) -> tuple[str, str]:
    """Plain words (and a colour) for a mean adjusted Rand index across reruns."""
    if ari is None or ari != ari:
        return "not measured", "secondary"
    if ari >= 0.8:
        return "stable: reruns find the same segments", "success"
    if ari >= 0.6:
        return "moderately stable: segment edges move between reruns", "warning"
    return "unstable: reruns split the book differently; read the names with care", "danger"


def _value(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.0%}"
    if unit == "$":
        return f"${value:,.0f}"
    return f"{value:,.1f}"


def _defining(features: list[dict[str, Any]]) -> Any:
    items = [
        html.Li(
            [
                html.Span(
                    "▲ " if f["z"] > 0 else "▼ ", className="text-success" if f["z"] > 0 else "text-danger"
                ),
                f"{f['label']}: {_value(f['mean'], f['unit'])} vs {_value(f['book_mean'], f['unit'])} in the book ",
                html.Span(f"({f['z']:+.1f} SD)", className="text-body-secondary"),
            ]
        )
        for f in features
        if f["z"] is not None and abs(f["z"]) >= NAME_THRESHOLD
    ]
    return (
        html.Ul(items, className="mb-0 small ps-3")
        if items
        else html.Span("close to the book on every feature")
    )


def accounts_link(filters: Filters, cluster: int) -> str:
    pairs = [(k, v) for k, v in to_pairs(filters) if k != "cluster"] + [("cluster", str(cluster))]
    return "/accounts?" + urlencode(pairs)


def _summary(run: SegmentRun) -> Any:
    details = run.details or {}
    words, color = verdict(run.stability)
    rows = [
        ("As of", f"{run.as_of.isoformat()} (last {run.window_days} days)"),
        ("Accounts segmented", f"{run.accounts:,}"),
        ("Segments", f"{run.k} (silhouette {run.silhouette:.2f})"),
        (
            "Stability",
            f"mean adjusted Rand index {run.stability:.2f} (lowest {details.get('ari_min', float('nan')):.2f}) "
            f"over {details.get('reruns', 0)} reruns",
        ),
    ]
    if details.get("dropped"):
        labels = [BY_KEY[k].label if k in BY_KEY else k for k in details["dropped"]]
        rows.append(("Left out (same for every account)", ", ".join(labels)))
    return html.Div(
        [
            dbc.Alert(
                f"This segmentation is {words}.", color=color, className="py-2 small", id="segments-verdict"
            ),
            html.Dl(
                [
                    item
                    for label, value in rows
                    for item in (html.Dt(label, className="col-sm-4"), html.Dd(value, className="col-sm-8"))
                ],
                className="row small mb-0",
            ),
        ]
    )


def content(filters: Filters, theme_name: str | None) -> list[Any]:
    session = db_session()
    run = q.newest_run(session)
    if run is None:
        return [
            make_empty_state(
                "No segments yet",
                "Segments are computed by a background job each night. To compute them now, press "
                "“Re-run segmentation” above (managers and admins) or run `healthdash segments run`.",
                id="segments-empty",
            )
        ]
    matching = q.matching_counts(session, run.id, filters)
    header = html.Tr(
        [
            html.Th(h)
            for h in ("#", "Segment", "Accounts", "Matching filters", "Stability", "What sets it apart", "")
        ]
    )
    body = []
    for c in run.clusters:
        jaccard = c.get("stability")
        body.append(
            html.Tr(
                [
                    html.Td(c["cluster"]),
                    html.Td(html.Strong(c["name"])),
                    html.Td(f"{c['size']:,} ({c['share']:.0%})"),
                    html.Td(f"{matching.get(c['cluster'], 0):,}"),
                    html.Td("-" if jaccard is None or jaccard != jaccard else f"{jaccard:.2f}"),
                    html.Td(_defining(c["features"])),
                    html.Td(
                        dcc.Link(
                            "View accounts",
                            href=accounts_link(filters, c["cluster"]),
                            id={"type": "segment-link", "cluster": c["cluster"]},
                        )
                    ),
                ],
                id={"type": "segment-row", "cluster": c["cluster"]},
            )
        )
    table = dbc.Table(
        [html.Thead(header), html.Tbody(body)], hover=True, responsive=True, size="sm", id="segments-table"
    )
    return [
        dbc.Row(
            [
                dbc.Col(card("Segmentation run", _summary(run), id="segments-run"), lg=5),
                dbc.Col(
                    card(
                        "How segments differ from the book",
                        graph(profile_heatmap(run.clusters, theme_name), "segments-profile"),
                    ),
                    lg=7,
                ),
            ],
            className="g-3 mb-3",
        ),
        card(
            "Segments",
            [
                table,
                html.P(
                    "Stability per segment: mean best-match Jaccard similarity across reruns (above 0.75 stable, "
                    "below 0.5 not). “Matching filters” counts the segment's accounts that match the filter bar.",
                    className="small text-body-secondary mb-0",
                ),
            ],
            note=f"{run.k} segments",
        ),
        html.P(METHOD, className="small text-body-secondary mt-3", id="segments-method"),
    ]


def _run_button() -> Any:
    if not can(current_user, "run_jobs"):
        return None
    return html.Div(
        [
            dbc.Button(
                "Re-run segmentation", id="segments-run-button", size="sm", color="secondary", outline=True
            ),
            html.Span(id="segments-run-status", className="small ms-2"),
        ],
        className="mb-2",
    )


def layout(**query: Any) -> html.Div:
    state = url_state(query, PAGE)
    return html.Div(
        [
            page_header("Segments", "Accounts grouped by how they behave: usage, support and billing.", PAGE),
            *filter_section(state, PAGE),
            _run_button(),
            loading(content(state.filters, theme()), "segments-content"),
        ]
    )


update = filtered_page(PAGE, "segments-content", lambda state, theme_name: content(state.filters, theme_name))


@guarded_callback(
    "run_jobs",
    Output("segments-run-status", "children"),
    Input("segments-run-button", "n_clicks"),
    prevent_initial_call=True,
)
def rerun(_n: int | None) -> str:
    from jobs.segments import enqueue_run

    rt = runtime()
    run = enqueue_run(rt.settings, rt.db, requested_by_id=current_user.id)
    return f"Queued (run {run.id}); the page shows the new segments once the job has finished."
