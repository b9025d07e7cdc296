"""The scorecard editor's pieces: the summary of a scorecard, its form, and the preview of an edit.

Plain data in (a stored definition, a preview dict from `dashapp.scoring.service.preview_scorecard`),
components out; no database access. Form fields carry their place in the definition in their id
(read back by `dashapp.ui.scorecard_form`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from components.a11y import dom_id, hidden_label
from components.charts import themed_dict
from components.health_charts import BAND_COLORS
from dashapp.scoring.definition import ROLLUP_RULES
from dashapp.scoring.metrics import CATALOGUE

FIELD = "sc-field"


def field_id(path: str) -> dict[str, str]:
    """The id of the form field at `path` (e.g. `groups.0.measures.1.weight`)."""
    return {"type": FIELD, "path": path}


def normalisation_text(normalisation: Mapping[str, Any]) -> str:
    """A normalisation as the form shows it: JSON with its type first."""
    return json.dumps({"type": normalisation.get("type"), **normalisation})


ROLLUP_WORDS = {"mean": "mean of children", "arr_weighted": "ARR-weighted mean", "worst": "worst child"}
DIRECTIONS = [
    {"label": "higher better", "value": "higher_is_better"},
    {"label": "lower better", "value": "lower_is_better"},
]
NORMALISATION_HELP = (
    'Normalisation to 0-100 as JSON: {"type": "thresholds", "breaks": [1, 3], "scores": [100, 60, 0]}, '
    '{"type": "linear", "low": 0, "high": 20}, {"type": "percentile", "within": "segment"} or '
    '{"type": "trend", "low": -50, "high": 10} (percent change against the previous window).'
)


def applies_to(match: Mapping[str, Sequence[str]], is_default: bool) -> str:
    rules = [f"{key.replace('_', ' ')} {', '.join(values)}" for key, values in (match or {}).items()]
    if rules:
        return "Accounts with " + " and ".join(rules)
    return "Every account no other scorecard matches (default)" if is_default else "No account (no rules)"


def _number(path: str, value: Any, *, step: str = "any", width: str = "5rem", **kw: Any) -> dbc.Input:
    return dbc.Input(
        id=field_id(path),
        type="number",
        value=value,
        step=step,
        debounce=True,
        size="sm",
        style={"maxWidth": width},
        **kw,
    )


def _labelled(text: str, path: str, control: Any) -> list[Any]:
    """`control` with a screen-reader label (the table's column headers say it to sighted users)."""
    return [hidden_label(text, field_id(path)), control]


def _measure_row(gi: int, mi: int, measure: Mapping[str, Any]) -> html.Tr:
    base = f"groups.{gi}.measures.{mi}"
    name = f"Group {gi + 1} {measure['label']}"
    metric = CATALOGUE.get(measure["metric"])
    aggregations = list(metric.aggregations) if metric else [measure["aggregation"]]
    return html.Tr(
        [
            html.Td(
                dbc.Switch(
                    id=field_id(f"{base}.enabled"),
                    value=True,
                    label=f"Use {name}",
                    label_class_name="visually-hidden",
                    className="mb-0",
                )
            ),
            html.Td(
                [
                    html.Div(measure["label"], className="fw-semibold small"),
                    html.Div(measure["metric"], className="small text-body-secondary"),
                ]
            ),
            html.Td(
                _labelled(
                    f"{name} window (days)",
                    f"{base}.window_days",
                    _number(f"{base}.window_days", measure.get("window_days", 30), step="1", min=1, max=365),
                )
            ),
            html.Td(
                _labelled(
                    f"{name} aggregation",
                    f"{base}.aggregation",
                    dbc.Select(
                        id=field_id(f"{base}.aggregation"),
                        options=[{"label": a, "value": a} for a in aggregations],
                        value=measure["aggregation"],
                        size="sm",
                    ),
                )
            ),
            html.Td(
                _labelled(
                    f"{name} direction",
                    f"{base}.direction",
                    dbc.Select(
                        id=field_id(f"{base}.direction"),
                        options=DIRECTIONS,
                        value=measure.get("direction", "higher_is_better"),
                        size="sm",
                    ),
                )
            ),
            html.Td(
                _labelled(
                    f"{name} normalisation (JSON)",
                    f"{base}.normalisation",
                    dbc.Textarea(
                        id=field_id(f"{base}.normalisation"),
                        value=normalisation_text(measure["normalisation"]),
                        debounce=True,
                        rows=2,
                        size="sm",
                        className="font-monospace small",
                        style={"minWidth": "12rem"},
                    ),
                )
            ),
            html.Td(
                _labelled(f"{name} weight", f"{base}.weight", _number(f"{base}.weight", measure["weight"]))
            ),
        ]
    )


def _group_card(gi: int, group: Mapping[str, Any]) -> dbc.Card:
    head = html.Thead(
        html.Tr(
            [
                html.Th("Use"),
                html.Th("Measure"),
                html.Th("Window (days)"),
                html.Th("Aggregation"),
                html.Th("Direction"),
                html.Th("Normalisation", title=NORMALISATION_HELP),
                html.Th("Weight"),
            ]
        )
    )
    rows = [_measure_row(gi, mi, m) for mi, m in enumerate(group["measures"])]
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span(group["label"], className="fw-semibold me-auto"),
                        dbc.Label(
                            "Group weight",
                            className="small mb-0 me-2",
                            html_for=dom_id(field_id(f"groups.{gi}.weight")),
                        ),
                        _number(f"groups.{gi}.weight", group["weight"]),
                    ],
                    className="d-flex align-items-center",
                )
            ),
            dbc.CardBody(
                dbc.Table(
                    [head, html.Tbody(rows)], size="sm", responsive=True, className="mb-0 align-middle"
                ),
                className="p-2",
            ),
        ],
        className="mb-3",
        id=f"sc-group-{group['key']}",
    )


def _bands_card(definition: Mapping[str, Any]) -> dbc.Card:
    rows = [
        html.Tr(
            [
                html.Td(
                    html.Span(
                        band["name"],
                        # dark text on the light yellow band (white on it reads at about 2:1)
                        className="badge text-dark" if band["name"] == "yellow" else "badge",
                        style={"backgroundColor": BAND_COLORS.get(band["name"], "#6c757d")},
                    )
                ),
                html.Td(band.get("label") or ""),
                html.Td(
                    _labelled(
                        f"{band['name']} band from score",
                        f"bands.{bi}.min_score",
                        _number(f"bands.{bi}.min_score", band["min_score"], min=0, max=99.9),
                    )
                ),
            ]
        )
        for bi, band in enumerate(definition["bands"])
    ]
    head = html.Thead(html.Tr([html.Th("Band"), html.Th("Meaning"), html.Th("From score")]))
    rollup = dbc.Select(
        id=field_id("rollup"),
        options=[{"label": ROLLUP_WORDS[r], "value": r} for r in ROLLUP_RULES],
        value=definition.get("rollup", "arr_weighted"),
        size="sm",
        style={"maxWidth": "16rem"},
    )
    return dbc.Card(
        [
            dbc.CardHeader("Bands and roll-up"),
            dbc.CardBody(
                [
                    dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-2 align-middle"),
                    dbc.Label(
                        "A parent account's score is the",
                        className="small mb-1",
                        html_for=dom_id(field_id("rollup")),
                    ),
                    rollup,
                ]
            ),
        ],
        className="mb-3",
        id="sc-bands",
    )


def make_editor(definition: Mapping[str, Any]) -> html.Div:
    """The form for one stored definition: groups with their measures, bands, roll-up rule."""
    return html.Div(
        [
            *[_group_card(gi, g) for gi, g in enumerate(definition["groups"])],
            _bands_card(definition),
            html.P(NORMALISATION_HELP, className="small text-body-secondary"),
        ],
        id="sc-editor",
    )


def make_errors(errors: Sequence[str]) -> Any:
    if not errors:
        return None
    return dbc.Alert(
        [
            html.Div("Fix these before the preview and save:", className="fw-semibold mb-1"),
            html.Ul([html.Li(e) for e in errors], className="mb-0"),
        ],
        color="danger",
        id="sc-error-list",
        className="mb-3",
    )


def distribution_figure(preview: Mapping[str, Any], theme: str | None) -> dict[str, Any]:
    fig = go.Figure()
    for key, name, color in (("current", "Saved version", "#6c757d"), ("proposed", "This edit", "#0d6efd")):
        hist = preview[key]["histogram"]
        fig.add_bar(
            x=[f"{h['from']}-{h['to']}" for h in hist],
            y=[h["accounts"] for h in hist],
            name=name,
            marker_color=color,
            hovertemplate="Score %{x}<br>%{y:,} accounts<extra>" + name + "</extra>",
        )
    fig.update_layout(barmode="group", height=280, legend={"orientation": "h", "y": 1.15})
    fig.update_xaxes(title_text="Health score (points)")
    fig.update_yaxes(title_text="Accounts", rangemode="tozero", tickformat=",d")
    return themed_dict(fig, theme)


def _auc(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _bands_table(preview: Mapping[str, Any]) -> dbc.Table:
    names = list(dict.fromkeys([*preview["current"]["bands"], *preview["proposed"]["bands"]]))
    rows = [
        html.Tr(
            [
                html.Td(name),
                html.Td(f"{preview['current']['bands'].get(name, 0):,}"),
                html.Td(f"{preview['proposed']['bands'].get(name, 0):,}"),
            ]
        )
        for name in names
    ]
    rows.append(
        html.Tr(
            [
                html.Td("mean score"),
                html.Td(str(preview["current"]["mean"] if preview["current"]["mean"] is not None else "-")),
                html.Td(str(preview["proposed"]["mean"] if preview["proposed"]["mean"] is not None else "-")),
            ]
        )
    )
    head = html.Thead(html.Tr([html.Th("Accounts"), html.Th("Saved"), html.Th("This edit")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-0", id="sc-preview-bands")


def _backtest(preview: Mapping[str, Any]) -> Any:
    backtest = preview.get("backtest")
    if not backtest:
        return html.P(
            "No backtest: there is not yet enough usage history before the churn horizon.",
            className="text-body-secondary small mb-0",
        )
    current, proposed = backtest["current"], backtest["proposed"]
    rows = [
        html.Tr(
            [
                html.Td(old["as_of"]),
                html.Td(f"{old['accounts']:,}"),
                html.Td(f"{old['churned']:,}"),
                html.Td(_auc(old["auc"])),
                html.Td(_auc(new["auc"])),
            ]
        )
        for old, new in zip(current["results"], proposed["results"], strict=False)
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th("As of"),
                html.Th("Accounts"),
                html.Th("Churned"),
                html.Th("AUC saved"),
                html.Th("AUC edit"),
            ]
        )
    )
    better = (
        proposed["mean_auc"] is not None
        and current["mean_auc"] is not None
        and proposed["mean_auc"] >= current["mean_auc"]
    )
    return html.Div(
        [
            html.Div(
                [
                    html.Span("Mean ROC AUC: ", className="text-body-secondary"),
                    html.Span(_auc(current["mean_auc"]), id="sc-auc-current"),
                    " saved, ",
                    html.Strong(
                        _auc(proposed["mean_auc"]),
                        id="sc-auc-proposed",
                        className="text-success" if better else "text-danger",
                    ),
                    f" with this edit (churn within {preview['horizon_days']} days; 0.5 is a coin toss).",
                ],
                className="mb-2",
            ),
            dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-0", id="sc-backtest-table"),
        ]
    )


def sample_note(preview: Mapping[str, Any]) -> str:
    sample = preview.get("sample")
    if sample:
        return (
            f"Preview on a sample of {sample['accounts']:,} of {sample['of']:,} accounts "
            "(the same accounts each time; percentile measures rank them among the sample's peers); "
            "saving recomputes every account."
        )
    return f"Preview on all {preview['current']['accounts']:,} scored accounts."


def make_preview(preview: Mapping[str, Any], theme: str | None) -> html.Div:
    return html.Div(
        [
            dbc.Alert(sample_note(preview), color="light", className="py-2 small", id="sc-sample-note"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Graph(
                            id="sc-preview-dist",
                            figure=distribution_figure(preview, theme),
                            config={"displaylogo": False, "responsive": True},
                        ),
                        xs=12,
                    ),
                    dbc.Col(_bands_table(preview), xs=12),
                ],
                className="g-2 mb-3",
            ),
            html.H6("Backtest: does the score rank the accounts that churned?"),
            _backtest(preview),
        ],
        id="sc-preview-body",
    )
