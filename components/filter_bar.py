"""The filter bar: controls for every field of `dashapp.filters.Filters`, bound to the URL.

Each control has the pattern id `{"type": "fb", "key": <query key>}` so one callback can read them all
(`read_filter_bar`) and one can restore them from the URL on back/forward (`control_values`). Values go
through `dashapp.filters.parse`, so the bar and the URL share one validation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.a11y import dom_id, hidden_label, select
from dashapp.filters import BAND_CHOICES, DEFAULT_TREND_DAYS, Filters, parse
from models.account import LIFECYCLE_STAGES

FB = "fb"
_ATTR_ITEM = re.compile(r"^\s*([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(>=|<=|!=|>|<|=)\s*(.+?)\s*$")
NUMBER_KEYS = (
    "score_min",
    "score_max",
    "change7_min",
    "change7_max",
    "change30_min",
    "change30_max",
    "change90_min",
    "change90_max",
    "arr_min",
    "arr_max",
)
LIST_KEYS = ("segment", "plan", "region", "industry", "owner", "stage", "band", "cluster")
TEXT_KEYS = ("q", "status", "period", "renewal_within", "renewal_from", "renewal_to", "from", "to", "attrs")
CONTROL_KEYS = (*LIST_KEYS, *NUMBER_KEYS, *TEXT_KEYS)
PERIODS = [
    ("30 days", "30"),
    ("90 days", "90"),
    ("180 days", "180"),
    ("365 days", "365"),
]
RENEWALS = [("Any renewal date", ""), ("Renews in 30 days", "30"), ("in 60 days", "60"), ("in 90 days", "90")]
RENEWALS += [("in 180 days", "180"), ("in 365 days", "365")]


def fid(key: str, page: str) -> dict[str, str]:
    """A control's id; the page is part of it so one page's callbacks never fire for another page's bar."""
    return {"type": FB, "page": page, "key": key}


def fb_all(page: str) -> dict[str, Any]:
    """Every filter-bar control of `page` (a pattern-matching id)."""
    from dash import ALL

    return {"type": FB, "page": page, "key": ALL}


def attrs_text(filters: Filters) -> str:
    return ", ".join(f"{c.key}{c.op}{c.value}" for c in filters.attrs)


def control_values(filters: Filters) -> dict[str, Any]:
    """What each control shows for `filters`."""
    values: dict[str, Any] = {k: [str(v) for v in getattr(filters, k)] for k in LIST_KEYS}
    for key in NUMBER_KEYS:
        value = getattr(filters, key)
        values[key] = None if value is None else float(value)
    values["q"] = filters.q
    values["status"] = filters.status
    values["period"] = str(filters.period or DEFAULT_TREND_DAYS)
    values["renewal_within"] = "" if filters.renewal_within is None else str(filters.renewal_within)
    for key, field in (("renewal_from", "renewal_from"), ("renewal_to", "renewal_to")):
        day = getattr(filters, field)
        values[key] = day.isoformat() if day else ""
    values["from"] = filters.trend_from.isoformat() if filters.trend_from else ""
    values["to"] = filters.trend_to.isoformat() if filters.trend_to else ""
    values["attrs"] = attrs_text(filters)
    return values


def read_filter_bar(values: Sequence[Any], ids: Sequence[Mapping[str, str]]) -> tuple[Filters, list[str]]:
    """Filters from the controls' values (as a pattern-matching callback receives them)."""
    query: dict[str, list[str]] = {}
    errors: list[str] = []
    for cid, value in zip(ids, values, strict=False):
        key = cid.get("key", "")
        if key not in CONTROL_KEYS or value in (None, "", []):
            continue
        if key == "period" and str(value) == str(DEFAULT_TREND_DAYS):
            continue  # the default trend window stays out of the URL
        if key == "attrs":
            for item in re.split(r"[,;\n]", str(value)):
                if not item.strip():
                    continue
                match = _ATTR_ITEM.match(item)
                if not match:
                    errors.append(f"attributes: {item.strip()!r} is not like tier=gold or seats>=10")
                    continue
                name, op, text = match.groups()
                query.setdefault(f"attr.{name}", []).append(text if op == "=" else f"{op}{text}")
        elif isinstance(value, list):
            query[key] = [str(v) for v in value]
        else:
            query[key] = [str(value)]
    filters, parse_errors = parse(query)
    return filters, errors + parse_errors


def _options(values: Sequence[Any], labels: Mapping[Any, str] | None = None) -> list[dict[str, str]]:
    labels = labels or {}
    return [{"label": labels.get(v, str(v)), "value": str(v)} for v in values]


def _multi(page: str, key: str, label: str, options: list[dict], value: list[str]) -> dbc.Col:
    # Keep values from the URL even when no account has them (yet), so the view round-trips.
    known = {o["value"] for o in options}
    options = options + [{"label": v, "value": v} for v in value if v not in known]
    return dbc.Col(
        dcc.Dropdown(
            id=fid(key, page),
            options=options,
            value=value,
            multi=True,
            placeholder=label,
            className="fb-dropdown",
        ),
        xs=12,
        sm=6,
        lg=2,
    )


def _number(page: str, key: str, placeholder: str, value: float | None, step: float = 1) -> dbc.Input:
    return dbc.Input(
        id=fid(key, page),
        type="number",
        value=value,
        placeholder=placeholder,
        step=step,
        debounce=True,
        size="sm",
        name=placeholder,
    )


def _range_group(
    page: str, label: str, low: str, high: str, values: Mapping[str, Any], unit: str = ""
) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, className="small mb-1"),
            dbc.InputGroup(
                [
                    _number(page, low, f"min{unit}", values[low]),
                    dbc.InputGroupText("-"),
                    _number(page, high, f"max{unit}", values[high]),
                ],
                size="sm",
            ),
        ],
        xs=12,
        sm=6,
        lg=3,
    )


def _select(page: str, key: str, choices: Sequence[tuple[str, str]], value: str, label: str) -> list[Any]:
    """The select and its (screen-reader) label."""
    return [
        hidden_label(label, fid(key, page)),
        dbc.Select(
            id=fid(key, page),
            options=[{"label": lab, "value": val} for lab, val in choices],
            value=value,
            size="sm",
            name=label,
        ),
    ]


def _date(page: str, key: str, value: str, label: str) -> dbc.Input:
    return dbc.Input(id=fid(key, page), type="date", value=value, size="sm", debounce=True, name=label)


def _date_labels(page: str, *pairs: tuple[str, str]) -> list[dbc.Label]:
    """Screen-reader labels for date inputs that sit in one input group under a visible caption."""
    return [hidden_label(label, fid(key, page)) for key, label in pairs]


def make_filter_bar(
    filters: Filters,
    options: Mapping[str, Sequence[Any]],
    *,
    page: str,
    owner_names: Mapping[int, str] | None = None,
    cluster_names: Mapping[int, str] | None = None,
    errors: Sequence[str] = (),
    open_more: bool | None = None,
) -> html.Div:
    """The bar for `filters`. `options` lists the choices of segment, plan, region, industry and owner;
    `cluster_names` the behaviour segments of the newest segmentation run."""
    v = control_values(filters)
    owners = _options(options.get("owner", ()), {k: n for k, n in (owner_names or {}).items()})
    owners.insert(0, {"label": "Me", "value": "me"})
    owners.append({"label": "No owner", "value": "none"})
    clusters = [{"label": f"#{c} {n}", "value": str(c)} for c, n in sorted((cluster_names or {}).items())]
    advanced = any(
        v[k] not in (None, "", [])
        for k in (
            "cluster",
            "industry",
            "owner",
            "stage",
            *NUMBER_KEYS,
            "renewal_from",
            "renewal_to",
            "attrs",
            "from",
            "to",
        )
    )
    main = dbc.Row(
        [
            dbc.Col(
                [
                    hidden_label("Search accounts", fid("q", page)),
                    dbc.Input(
                        id=fid("q", page),
                        value=v["q"],
                        type="search",
                        placeholder="Search name, domain, id",
                        debounce=True,
                        size="sm",
                        name="Search accounts",
                    ),
                ],
                xs=12,
                lg=2,
            ),
            _multi(page, "segment", "Segment", _options(options.get("segment", ())), v["segment"]),
            _multi(page, "plan", "Plan", _options(options.get("plan", ())), v["plan"]),
            _multi(page, "region", "Region", _options(options.get("region", ())), v["region"]),
            _multi(page, "band", "Band", _options(BAND_CHOICES), v["band"]),
            dbc.Col(
                _select(
                    page,
                    "status",
                    [("Active", "active"), ("Churned", "churned"), ("All", "all")],
                    v["status"],
                    "Churn status",
                ),
                xs=6,
                lg=1,
            ),
            dbc.Col(_select(page, "period", PERIODS, v["period"], "Trend period"), xs=6, lg=1),
        ],
        className="g-2 align-items-center",
    )
    more = dbc.Row(
        [
            _multi(page, "industry", "Industry", _options(options.get("industry", ())), v["industry"]),
            _multi(page, "owner", "Owner", owners, v["owner"]),
            _multi(page, "stage", "Lifecycle stage", _options(LIFECYCLE_STAGES), v["stage"]),
            _multi(page, "cluster", "Behaviour segment", clusters, v["cluster"]),
            dbc.Col(
                [
                    dbc.Label(
                        "Renewal", className="small mb-1", html_for=dom_id(fid("renewal_within", page))
                    ),
                    select(
                        id=fid("renewal_within", page),
                        options=[{"label": lab, "value": val} for lab, val in RENEWALS],
                        value=v["renewal_within"],
                        size="sm",
                        name="Renewal within",
                    ),
                ],
                xs=12,
                sm=6,
                lg=2,
            ),
            dbc.Col(
                [
                    dbc.Label("Renewal between", className="small mb-1"),
                    *_date_labels(page, ("renewal_from", "Renewal from"), ("renewal_to", "Renewal to")),
                    dbc.InputGroup(
                        [
                            _date(page, "renewal_from", v["renewal_from"], "Renewal from"),
                            _date(page, "renewal_to", v["renewal_to"], "Renewal to"),
                        ],
                        size="sm",
                    ),
                ],
                xs=12,
                sm=6,
                lg=4,
            ),
            _range_group(page, "Score (0-100)", "score_min", "score_max", v),
            _range_group(page, "7-day change (points)", "change7_min", "change7_max", v),
            _range_group(page, "30-day change (points)", "change30_min", "change30_max", v),
            _range_group(page, "90-day change (points)", "change90_min", "change90_max", v),
            _range_group(page, "ARR (USD)", "arr_min", "arr_max", v),
            dbc.Col(
                [
                    dbc.Label(
                        "Custom attributes", className="small mb-1", html_for=dom_id(fid("attrs", page))
                    ),
                    dbc.Input(
                        id=fid("attrs", page),
                        value=v["attrs"],
                        placeholder="tier=gold, seats>=10",
                        debounce=True,
                        size="sm",
                    ),
                ],
                xs=12,
                sm=6,
                lg=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Trend dates (instead of period)", className="small mb-1"),
                    *_date_labels(page, ("from", "Trend from"), ("to", "Trend to")),
                    dbc.InputGroup(
                        [
                            _date(page, "from", v["from"], "Trend from"),
                            _date(page, "to", v["to"], "Trend to"),
                        ],
                        size="sm",
                    ),
                ],
                xs=12,
                sm=6,
                lg=3,
            ),
        ],
        className="g-2 mt-1",
    )
    drawer = html.Div(
        [
            main,
            dbc.Collapse(more, id="fb-more", is_open=advanced if open_more is None else open_more),
            html.Div(
                [
                    dbc.Button(
                        "More filters", id="fb-more-toggle", color="link", size="sm", className="px-0 me-3"
                    ),
                    dbc.Button("Clear filters", id="fb-clear", color="link", size="sm", className="px-0"),
                ],
                className="d-flex align-items-center",
            ),
        ],
        id="fb-drawer",
        className="fb-drawer",
    )
    return html.Div(
        [
            drawer_toggle(),
            drawer,
            html.Div(make_filter_errors(errors), id="fb-errors"),
        ],
        className="filter-bar mb-3",
        id="filter-bar",
    )


def drawer_toggle() -> html.Button:
    """On a phone the controls fold into a drawer, so the page's data is on the first screen; this button
    (shown only at phone widths) opens and closes it. Errors stay outside the drawer, always visible."""
    return html.Button(
        "Show filters",
        id="fb-drawer-toggle",
        type="button",
        className="btn btn-outline-secondary btn-sm mb-2 d-md-none",
        **{"aria-expanded": "false", "aria-controls": "fb-drawer"},
    )


def make_filter_errors(errors: Sequence[str]) -> Any:
    if not errors:
        return None
    return dbc.Alert(
        [
            html.Strong("Some filters were not applied: "),
            html.Ul([html.Li(e) for e in errors], className="mb-0"),
        ],
        color="warning",
        className="py-2 small",
        id="filter-errors",
    )


def make_page_query_store(page: str, query: str) -> dcc.Store:
    """The page's canonical query string; the shell pushes it into the browser's URL."""
    return dcc.Store(
        id={"type": "page-query", "page": page}, data={"path": page, "q": query, "replace": True}
    )
