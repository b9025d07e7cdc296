"""Churn UI pieces: the model card (figures, calibration chart, lift), the top-risk table and the account's
churn card. Pure factories over plain values; no database access."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from components.charts import themed_dict
from components.format import format_money
from components.tables import account_link, make_score_badge

CARD_LINK = "/churn"
NONE = "\u2013"
NO_MODEL_HINT = (
    "No churn model has been trained yet. An admin or manager can train one with the Retrain button on the "
    "Churn risk page, or run `healthdash churn train`; the nightly schedule then keeps it fresh."
)


def _f(value: Any, digits: int = 3) -> str:
    return NONE if value is None else f"{value:.{digits}f}"


def percent(p: float | None) -> str:
    return NONE if p is None else f"{100 * p:.0f}%" if p >= 0.1 else f"{100 * p:.1f}%"


def calibration_figure(
    points: Sequence[Mapping[str, Any]], baseline: Sequence[Mapping[str, Any]], theme: str | None
) -> dict:
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="Perfect", line={"dash": "dot", "color": "#999"})
    )
    fig.add_trace(
        go.Scatter(
            x=[p["predicted"] for p in points],
            y=[p["observed"] for p in points],
            mode="lines+markers",
            name="This model",
            customdata=[p["count"] for p in points],
            hovertemplate="predicted %{x:.1%}<br>observed %{y:.1%}<br>%{customdata:,} rows<extra></extra>",
        )
    )
    if baseline:
        fig.add_trace(
            go.Scatter(
                x=[p["predicted"] for p in baseline],
                y=[p["observed"] for p in baseline],
                mode="lines+markers",
                name="Logistic baseline",
                opacity=0.6,
                hovertemplate="predicted %{x:.1%}<br>observed %{y:.1%}<extra></extra>",
            )
        )
    top = max([0.05] + [p["predicted"] for p in points] + [p["observed"] for p in points])
    fig.update_layout(
        height=260,
        xaxis={"title": "Predicted churn probability", "tickformat": ".0%", "range": [0, min(1, top * 1.05)]},
        yaxis={"title": "Observed churn rate", "tickformat": ".0%", "range": [0, min(1, top * 1.05)]},
        legend={"orientation": "h", "y": -0.35},
    )
    return themed_dict(fig, theme)


def make_model_card(card: Mapping[str, Any], theme: str | None, *, id: str = "churn-model-card") -> dbc.Card:
    """Everything the model is judged by, beside its predictions."""
    m, b, w = card["metrics"], card["baseline_metrics"], card["training_window"]
    rows = [
        ("ROC AUC", _f(m["roc_auc"]), _f(b["roc_auc"])),
        ("PR AUC", _f(m["pr_auc"]), _f(b["pr_auc"])),
        ("Brier score", _f(m["brier"], 4), _f(b["brier"], 4)),
        ("Top-decile lift", _f(m["top_decile_lift"], 2), _f(b["top_decile_lift"], 2)),
    ]
    rows += [
        (f"ROC AUC, {name.replace('_', ' ')}", _f(f.get("roc_auc")), "")
        for name, f in card.get("rankings", {}).items()
    ]
    table = dbc.Table(
        [
            html.Thead(html.Tr([html.Th("Held-out"), html.Th("Model"), html.Th("Logistic")])),
            html.Tbody([html.Tr([html.Td(a), html.Td(x), html.Td(y)]) for a, x, y in rows]),
        ],
        size="sm",
        className="mb-2",
        id=f"{id}-metrics",
    )
    facts = [
        ("Version", f"v{card['version']}" + (" (active)" if card["active"] else "")),
        ("Predicts", card["label_definition"]),
        ("Trained on", f"{w['train_from']} to {w['train_to']} · {w['train_rows']:,} rows"),
        (
            "Tested on",
            f"{w['test_from']} to {w['test_to']} · {w['test_rows']:,} rows, {m['churned']:,} churned",
        ),
        (
            "Base rate",
            f"{percent(m['churn_rate'])} (Brier of the base rate alone: {_f(m['brier_reference'], 4)})",
        ),
    ]
    body = [
        html.Dl(
            [
                part
                for k, v in facts
                for part in (html.Dt(k, className="col-4"), html.Dd(v, className="col-8 mb-1"))
            ],
            className="row small mb-2",
        ),
        table,
        html.Div("Calibration on held-out rows (10 equal-count bins)", className="small fw-semibold"),
        dcc.Graph(
            id=f"{id}-calibration",
            figure=calibration_figure(card["calibration"], card.get("baseline_calibration", []), theme),
            config={"displaylogo": False, "responsive": True},
            style={"height": "260px"},
        ),
        html.P(card["validation"], className="small text-body-secondary mb-1", id=f"{id}-validation"),
        html.P(card["driver_method"], className="small text-body-secondary mb-1"),
        *[
            dbc.Alert(note, color="warning", className="small py-1 px-2 mb-1")
            for note in card.get("caveats", [])
        ],
    ]
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    "Model card",
                    html.Span(f" · {card['algorithm']}", className="small fw-normal text-body-secondary"),
                ]
            ),
            dbc.CardBody(body),
        ],
        className="chart-card h-100",
        id=id,
    )


def drivers_text(drivers: Sequence[Mapping[str, Any]], top: int = 3) -> list[Any]:
    parts: list[Any] = []
    for d in list(drivers)[:top]:
        arrow = "▲" if d["contribution"] > 0 else "▼"
        color = "text-danger" if d["contribution"] > 0 else "text-success"
        value = "missing" if d.get("value") is None else d["value"]
        if isinstance(value, float):
            value = f"{value:,.4g}"
        parts.append(
            html.Span(
                [
                    html.Span(arrow, className=color),
                    f" {d['label']} = {value} ({100 * d['contribution']:+.1f} pts)",
                ],
                className="me-3 text-nowrap d-inline-block",
            )
        )
    return parts


def make_risk_table(rows: Sequence[Mapping[str, Any]], id: str = "churn-risk-table") -> Any:
    if not rows:
        return html.P("No scored account matches these filters.", className="text-body-secondary mb-0", id=id)
    head = html.Thead(
        html.Tr(
            [
                html.Th("Account"),
                html.Th("Churn risk"),
                html.Th("Health"),
                html.Th("ARR"),
                html.Th("Top drivers"),
            ]
        )
    )
    body = [
        html.Tr(
            [
                html.Td(account_link(r["external_id"], r["name"])),
                html.Td(html.Strong(percent(r["probability"]))),
                html.Td(make_score_badge(r.get("score"), r.get("band"))),
                html.Td(format_money(r["arr"]) if r.get("arr") is not None else NONE),
                html.Td(drivers_text(r["drivers"]), className="small"),
            ]
        )
        for r in rows
    ]
    return dbc.Table(
        [head, html.Tbody(body)], size="sm", hover=True, responsive=True, className="mb-0", id=id
    )


def make_churn_card(
    probability: float | None,
    drivers: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any] | None,
    *,
    as_of: Any = None,
    reason: str = "",
) -> dbc.Card:
    """The account page's churn card: probability and top drivers, with the model's held-out figures and a
    link to its full card. Without a model or a score it says why."""
    if summary is None or probability is None:
        body: list[Any] = [html.P(reason or NO_MODEL_HINT, className="text-body-secondary mb-0 small")]
    else:
        body = [
            html.Div(
                [
                    html.Span(
                        percent(probability),
                        className="fs-3 fw-semibold me-2",
                        id="account-churn-probability",
                    ),
                    html.Span(
                        f"chance of {summary['predicts']}",
                        className="text-body-secondary small",
                    ),
                ],
            ),
            html.Ul(
                [html.Li(part) for part in drivers_text(drivers, top=5)],
                className="list-unstyled small mb-2",
                id="account-churn-drivers",
            ),
            html.P(
                [
                    f"Model v{summary['version']} (as of {as_of}): held-out ROC AUC {_f(summary['roc_auc'])}, "
                    f"logistic baseline {_f(summary['baseline_roc_auc'])}, Brier {_f(summary['brier'], 4)}. ",
                    dcc.Link("Model card", href=CARD_LINK, id="account-churn-card-link"),
                ],
                className="small text-body-secondary mb-0",
            ),
            *[
                dbc.Alert(note, color="warning", className="small py-1 px-2 mt-2 mb-0")
                for note in summary.get("warnings", [])
            ],
        ]
    return dbc.Card(
        [dbc.CardHeader("Churn risk"), dbc.CardBody(body)], className="chart-card h-100", id="account-churn"
    )
