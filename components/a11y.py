"""Accessible form controls: names for controls whose components take no `aria-label` (dbc.Select,
dbc.Input, ...), and a select that never shows an empty box."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc


def dom_id(component_id: str | Mapping[str, Any]) -> str:
    """The element id Dash gives a component in the page (a pattern-matching id becomes compact JSON with
    sorted keys), for a label's `for`."""
    if isinstance(component_id, str):
        return component_id
    parts = (
        f"{json.dumps(k)}:{json.dumps(component_id[k], separators=(',', ':'))}" for k in sorted(component_id)
    )
    return "{" + ",".join(parts) + "}"


def hidden_label(text: str, component_id: str | Mapping[str, Any]) -> dbc.Label:
    """A label read by screen readers only, for a control whose purpose the layout already shows."""
    return dbc.Label(text, html_for=dom_id(component_id), className="visually-hidden")


def select(options: list[dict[str, Any]], **props: Any) -> dbc.Select:
    """A dbc.Select whose option for the value "" shows its own label. dbc.Select puts a hidden placeholder
    option with the value "" first; the browser picks it for "" and the box shows empty unless the
    placeholder carries the same text."""
    blank = next((o["label"] for o in options if o.get("value") == ""), None)
    if blank is not None:
        props.setdefault("placeholder", blank)
    return dbc.Select(options=options, **props)
