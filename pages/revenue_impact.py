"""Revenue impact: for each health band and score decile on an as-of date, the share of ARR that churned,
contracted or expanded in the following 90 days, with counts and intervals. Method in
`dashapp.queries.revenue_impact` (shown on the page)."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.a11y import dom_id
from components.analytics_charts import impact_bars
from components.filter_bar import fid
from components.format import format_money
from components.messages import make_empty_state, make_fx_warnings
from dashapp.explore.registry import ExplorePage, UrlKey, declare
from dashapp.exports.analytics_rows import revenue_rows
from dashapp.exports.csvfile import rows_writer
from dashapp.extensions import db_session
from dashapp.filters import Filters
from dashapp.queries.revenue_impact import revenue_impact_summary
from dashapp.share.analytics import revenue_sections
from dashapp.ui.page import (
    card,
    filter_section,
    graph,
    loading,
    page_header,
    theme,
)
from dashapp.ui.scaffold import UrlState, filtered_page, url_state

PAGE = "/revenue-impact"
dash.register_page(
    __name__,
    path=PAGE,
    name="Revenue impact",
    title="Revenue impact · healthdash",
    nav_order=36,
    nav_group="Analytics",
)


def parse_as_of(value: Any, today: date | None = None) -> tuple[date | None, str | None]:
    """The as-of date from the URL or the date input; (None, error) when it is not a usable date."""
    if value in (None, ""):
        return None, None
    text = str(value[-1] if isinstance(value, list) else value).strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, f"as_of: {text[:40]!r} is not a date (YYYY-MM-DD); the default date is used"
    if len(text) != 10:
        return None, f"as_of: {text[:40]!r} is not a date (YYYY-MM-DD); the default date is used"
    if day > (today or date.today()):
        return None, f"as_of: {day} is after today; the default date is used"
    return day, None


EXPLORE = declare(
    ExplorePage(
        PAGE,
        "Revenue impact",
        keys=(UrlKey("as_of", parse_as_of),),
        saveable=True,
        exportable=True,
        shareable=True,
        sections=revenue_sections,
        csv=rows_writer(revenue_rows),
    )
)


def _share(s: dict[str, Any]) -> str:
    if s["value"] is None or s["value"] != s["value"]:
        return "-"
    return f"{s['value']:.1%} ({s['low']:.1%}-{s['high']:.1%})"


def _money(value: float) -> str:
    """A whole amount in the reporting currency (the headline names it)."""
    return f"{value:,.0f}"


def counts_table(groups: list[dict[str, Any]], id: str) -> dbc.Table:
    head = ["Group", "Accounts", "Starting ARR", "Churned", "Contracted", "Expanded", "Flat"]
    head += ["ARR churned", "ARR contracted", "ARR expanded"]
    rows = []
    for g in groups:
        n = g["accounts"]
        rows.append(
            html.Tr(
                [
                    html.Td(
                        g["label"]
                        + (
                            f" ({g['score_min']:.0f}-{g['score_max']:.0f})"
                            if g["kind"] == "decile" and n
                            else ""
                        )
                    ),
                    html.Td(f"{n:,}"),
                    html.Td(_money(g["arr_start"])),
                    *(
                        html.Td(f"{g['counts'][o]:,} · {_share(g['account_share'][o])}")
                        for o in ("churned", "contracted", "expanded")
                    ),
                    html.Td(f"{g['counts']['flat']:,}"),
                    *(html.Td(_share(g["arr_share"][o])) for o in ("churned", "contracted", "expanded")),
                ]
            )
        )
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        size="sm",
        hover=True,
        responsive=True,
        className="small",
        id=id,
    )


def content(filters: Filters, as_of: date | None, theme_name: str | None) -> list[Any]:
    summary = revenue_impact_summary(db_session(), filters, as_of)
    if not summary["available"]:
        hint = (
            summary["reason"]
            + " Revenue impact needs health snapshots from at least 90 days ago: backfill them with "
            "`healthdash scores recompute --backfill 180`, pick an earlier as-of date, or widen the filters."
        )
        return [make_empty_state("Nothing to measure yet", hint, id="revenue-empty")]
    result = summary["result"]
    notes = [make_fx_warnings(summary["fx_warnings"], id="revenue-fx-warnings")]
    if not summary["window_complete"]:
        notes.append(
            dbc.Alert(
                f"The {summary['horizon_days']} days after {summary['as_of']} have not all passed: churn and "
                "contraction are still being counted, so the shares are too low.",
                color="warning",
                className="py-2 small",
                id="revenue-incomplete",
            )
        )
    excluded = {k: v for k, v in result["excluded"].items() if v}
    if excluded:
        notes.append(
            html.P(
                "Left out: " + "; ".join(f"{v:,} with {k}" for k, v in excluded.items()) + ".",
                className="small text-body-secondary",
                id="revenue-excluded",
            )
        )
    book = result["book"]
    headline = (
        f"{book['accounts']:,} accounts scored on {summary['as_of']} with "
        f"{format_money(book['arr_start'], summary['currency'], compact=False)} ARR: in the next "
        f"{summary['horizon_days']} days {_share(book['arr_share']['churned'])} of ARR churned, "
        f"{_share(book['arr_share']['contracted'])} contracted and {_share(book['arr_share']['expanded'])} expanded."
    )
    return [
        html.P(headline, className="lead fs-6", id="revenue-headline"),
        *notes,
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "By health band",
                        graph(
                            impact_bars(result["bands"], theme_name, x_label="Band on the as-of date"),
                            "revenue-bands",
                        ),
                        note="bars: share of ARR; whiskers: 95% interval",
                    ),
                    lg=5,
                ),
                dbc.Col(
                    card(
                        "By score decile",
                        graph(
                            impact_bars(
                                result["deciles"], theme_name, x_label="Score decile (D1 = lowest scores)"
                            ),
                            "revenue-deciles",
                        ),
                        note="bars: share of ARR; whiskers: 95% interval",
                    ),
                    lg=7,
                ),
            ],
            className="g-3 mb-3",
        ),
        card(
            "Counts",
            [
                html.P(
                    "Accounts: count · share of accounts (Wilson 95% interval). "
                    "ARR: share of starting ARR (95% interval).",
                    className="small text-body-secondary",
                ),
                counts_table([book, *result["bands"], *result["deciles"]], "revenue-table"),
            ],
        ),
        html.P(summary["method"], className="small text-body-secondary mt-3", id="revenue-method"),
    ]


def _controls(as_of: date | None) -> dbc.Row:
    return dbc.Row(
        dbc.Col(
            [
                dbc.Label(
                    "As of (default: latest date with a full 90 days after it)",
                    className="small mb-1",
                    html_for=dom_id(fid("as_of", PAGE)),
                ),
                dbc.Input(
                    id=fid("as_of", PAGE),
                    type="date",
                    value=as_of.isoformat() if as_of else "",
                    size="sm",
                    debounce=True,
                    name="As of",
                ),
            ],
            xs=12,
            md=4,
        ),
        className="g-2 mb-3",
    )


def layout(**query: Any) -> html.Div:
    state = url_state(query, PAGE)
    return html.Div(
        [
            page_header(
                "Revenue impact",
                "How much ARR churned, contracted or expanded after accounts were scored, by band and decile.",
                PAGE,
            ),
            *filter_section(state, PAGE, state.url_options()),
            _controls(state.options["as_of"]),
            loading(render(state, theme()), "revenue-content"),
        ]
    )


def render(state: UrlState, theme_name: str | None) -> list[Any]:
    return content(state.filters, state.options["as_of"], theme_name)


update = filtered_page(PAGE, "revenue-content", render)
