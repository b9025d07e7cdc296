"""What a shared view shows, as plain sections (KPIs, static charts, tables) for the share template.

It reads through the same query functions and figure factories as the live pages, from the view's stored
filters only, so the shared page shows the same numbers and nothing else.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import plotly.io as pio
from sqlalchemy.orm import Session

from components.format import format_count, format_exact_money, format_money
from components.health_charts import (
    band_migration,
    contribution_waterfall,
    curves,
    heatmap,
    score_histogram,
    score_history,
)
from dashapp.analytics.cohorts import cohort_tables, weighted_curve
from dashapp.explore import registry
from dashapp.filters import describe, parse
from dashapp.queries import account as account_q
from dashapp.queries import cohorts as cohort_q
from dashapp.queries import compare as compare_q
from dashapp.queries import overview as overview_q
from dashapp.queries.accounts import ACCOUNT_COLUMN_LABELS, account_block
from dashapp.saved_views import state_of
from models.view import SavedView

SHARED_PAGE_SIZE = 50
# The sparkline of the live grid does not print: static tables leave the trend out.
ACCOUNT_COLUMNS = {k: v for k, v in ACCOUNT_COLUMN_LABELS.items() if k != "trend"}
DEFAULT_ACCOUNT_COLUMNS = [
    "name",
    "score",
    "band",
    "change30",
    "segment",
    "plan",
    "arr",
    "currency",
    "renewal_date",
    "why",
]


def _figure(title: str, fig: dict[str, Any]) -> dict[str, Any]:
    html = pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
        validate=False,
        config={"displaylogo": False, "responsive": True},
    )
    return {"kind": "figure", "title": title, "html": html, "figure": fig}


def _cell(value: Any, key: str) -> str:
    if value is None:
        return ""
    if key in ("arr", "mrr"):  # as billed: the currency is its own column
        return f"{value:,.0f}"
    if key.startswith("change") or key == "score":
        return f"{value:+.1f}" if key.startswith("change") else f"{value:.0f}"
    return str(value)


def arr_note(k: overview_q.Kpis) -> str:
    """The exact ARR and its currency, under the rounded KPI figure."""
    return f"{format_exact_money(k.arr, k.currency)} annual recurring revenue"


def fx_sections(warnings: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """Missing exchange rates behind a snapshot's money figures, as text sections (none when all rates exist)."""
    return [{"kind": "text", "text": f"Missing exchange rate: {w}."} for w in warnings]


def kpi_section(k: overview_q.Kpis) -> dict[str, Any]:
    """The Overview's KPI cards as a section (shared pages, PDF snapshots and reports show the same)."""
    risk = k.arr_by_band.get("red", 0) + k.arr_by_band.get("yellow", 0)
    return {
        "kind": "kpis",
        "items": [
            ("Accounts", format_count(k.accounts), f"{format_count(k.scored)} scored"),
            ("ARR", format_money(k.arr, k.currency), arr_note(k)),
            ("ARR at risk", format_money(risk, k.currency), "red and yellow accounts"),
            (
                "Average score",
                "-" if k.avg_score is None else f"{k.avg_score:.1f}",
                "" if k.avg_change is None else f"{k.avg_change:+.1f} points over 30 days",
            ),
        ],
    }


def overview_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    filters = state_of(view).filters
    kpis = overview_q.kpis(session, filters)
    sections: list[dict[str, Any]] = [
        *fx_sections(kpis.fx_warnings),
        kpi_section(kpis),
        _figure(
            "Score distribution", score_histogram(overview_q.score_distribution(session, filters), "light")
        ),
        _figure("Band migration", band_migration(overview_q.band_trend(session, filters), "light")),
    ]
    movers = overview_q.movers(session, filters)
    for title, rows in (
        ("Biggest drops (30 days)", movers["down"]),
        ("Biggest gains (30 days)", movers["up"]),
    ):
        sections.append(
            {
                "kind": "table",
                "title": title,
                "headers": ["Account", "Score", "Change", "Why it moved"],
                "rows": [[r["name"], f"{r['score']:.0f}", f"{r['change']:+.1f}", r["why"]] for r in rows],
            }
        )
    renewals = overview_q.renewals_at_risk(session, filters)
    sections.append(
        {
            "kind": "table",
            "title": "Renewals at risk",
            "headers": ["Account", "Score", "Renews", "ARR"],
            "rows": [
                [
                    r["name"],
                    f"{r['score']:.0f}",
                    r["renewal_date"].isoformat(),
                    format_money(r["arr"], r["currency"]),
                ]
                for r in renewals
            ],
        }
    )
    return sections


def account_list_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    state = state_of(view)
    columns = [c for c in state.columns if c in ACCOUNT_COLUMNS] or list(DEFAULT_ACCOUNT_COLUMNS)
    start = (page_number - 1) * SHARED_PAGE_SIZE
    rows, total = account_block(
        session, state.filters, columns, state.sort or [("score", False)], start, start + SHARED_PAGE_SIZE
    )
    total = total or 0
    pages = max(1, -(-total // SHARED_PAGE_SIZE))
    return [
        {
            "kind": "table",
            "title": f"{format_count(total)} accounts",
            "headers": [ACCOUNT_COLUMNS[c] for c in columns],
            "rows": [[_cell(r.get(c), c) for c in columns] for r in rows],
            "id": "shared-accounts",
        },
        {"kind": "pager", "page": min(page_number, pages), "pages": pages},
    ]


def account_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    external_id = view.page.removeprefix("/accounts/")
    found = account_q.find_account(session, external_id)
    if found is None:
        return [{"kind": "text", "text": "This account no longer exists."}]
    start, end = state_of(view).filters.trend_window()
    rows = account_q.history(session, found.account.id, start, end)
    notes = account_q.annotations(session, found.account.id, start, end)
    why = found.health.explanation_text if found.health else ""
    return [
        {"kind": "text", "text": f"{found.account.name}: {why or 'no change explained yet.'}"},
        _figure(
            "Score history",
            score_history([r["day"] for r in rows], [r["score"] for r in rows], "light", annotations=notes),
        ),
        _figure(
            "What makes up the score",
            contribution_waterfall(
                found.latest.measures if found.latest else [],
                found.latest.score if found.latest else None,
                "light",
            ),
        ),
    ]


def cohort_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    state = state_of(view)
    date_field = (
        state.options.get("date") if state.options.get("date") in cohort_q.DATE_FIELDS else "contract_start"
    )
    split = state.options.get("split") if state.options.get("split") in cohort_q.SPLITS else ""
    today = date.today()
    since = date(today.year - 2, today.month, 1)
    rows = cohort_q.cohort_rows(session, state.filters, date_field=date_field, split=split, since=since)
    tables = cohort_tables(rows["sizes"], rows["churns"], rows["revenue"], today=today)
    if tables.logos.empty:
        return [{"kind": "text", "text": "No cohorts match this view."}]
    sections = []
    for name, matrix in (("Logo retention", tables.logos), ("GRR", tables.grr), ("NRR", tables.nrr)):
        labels = [f"{s} · {c}" if split else c for s, c in matrix.index]
        sections.append(
            _figure(
                f"{name} by cohort (%)",
                heatmap(matrix.to_numpy().tolist(), labels, list(matrix.columns), "light", value_label=name),
            )
        )
        months = list(matrix.columns)
        series = {str(k): (months, v) for k, v in weighted_curve(matrix, tables.sizes).items()}
        sections.append(
            _figure(
                f"{name} curve", curves(series, "light", x_label="Months since start", y_label=f"{name} (%)")
            )
        )
    return sections


def compare_sections(session: Session, view: SavedView, page_number: int = 1) -> list[dict[str, Any]]:
    raw = view.options.get("set") or []
    sets = [parse(str(s))[0] for s in (raw if isinstance(raw, list) else [raw])][:4]
    rows = []
    for i, f in enumerate(sets):
        k = overview_q.kpis(session, f)
        c = compare_q.churn(session, f)
        rows.append(
            [
                f"Set {i + 1}: {describe(f)}",
                format_count(k.accounts),
                format_money(k.arr, k.currency),
                "-" if k.avg_score is None else f"{k.avg_score:.1f}",
                "-" if c["rate"] is None else f"{c['rate']:.1f}%",
            ]
        )
    return [
        {
            "kind": "table",
            "title": "Side by side",
            "headers": ["Set", "Accounts", "ARR", "Avg score", "Churn, 12 months"],
            "rows": rows,
        }
    ]


def render_view(session: Session, view: SavedView, *, page_number: int = 1) -> list[dict[str, Any]]:
    """The sections of a shared view, computed from its stored state only, by its page's declaration."""
    spec = registry.able(view.page, "shareable")
    if spec is None or spec.sections is None:
        return [{"kind": "text", "text": "This kind of view cannot be shown."}]
    sections = spec.sections(session, view, page_number)
    if not spec.filters_line:
        return sections
    head = {"kind": "text", "text": describe(state_of(view).filters), "id": "shared-filters"}
    return [head, *sections]
