"""Small tables of accounts (movers, renewals) with score badges and links to the account page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.format import format_money

BADGE_COLORS = {"red": "danger", "yellow": "warning", "green": "success"}


def make_score_badge(score: float | None, band: str | None) -> dbc.Badge:
    if score is None:
        return dbc.Badge("unscored", color="secondary", className="score-badge")
    return dbc.Badge(
        f"{score:.0f}",
        color=BADGE_COLORS.get(band or "", "secondary"),
        text_color="dark" if band == "yellow" else None,
        className="score-badge",
        title=f"{band} band",
    )


def account_link(external_id: str, name: str) -> dcc.Link:
    return dcc.Link(name, href=f"/accounts/{quote(external_id, safe='')}")


def _change(value: float | None) -> html.Span:
    if value is None:
        return html.Span("-")
    color = "text-success" if value > 0 else "text-danger" if value < 0 else ""
    return html.Span(f"{value:+.1f}", className=f"fw-semibold {color}")


def make_movers_table(rows: Sequence[Mapping[str, Any]], id: str) -> Any:
    if not rows:
        return html.P(
            "No account moved in this direction over the last 30 days.",
            className="text-body-secondary mb-0",
            id=id,
        )
    body = [
        html.Tr(
            [
                html.Td(
                    [
                        account_link(r["external_id"], r["name"]),
                        html.Div(r.get("why") or "", className="small text-body-secondary why-text"),
                    ]
                ),
                html.Td(make_score_badge(r["score"], r["band"]), className="text-end"),
                html.Td(_change(r["change"]), className="text-end"),
            ]
        )
        for r in rows
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th("Account, and why it moved"),
                html.Th("Score", className="text-end"),
                html.Th("Change", className="text-end"),
            ]
        )
    )
    return dbc.Table(
        [head, html.Tbody(body)], size="sm", hover=True, responsive=True, className="mb-0", id=id
    )


def make_renewals_table(rows: Sequence[Mapping[str, Any]], id: str, today: date | None = None) -> Any:
    if not rows:
        return html.P(
            "No red or yellow account renews in the next 90 days.",
            className="text-body-secondary mb-0",
            id=id,
        )
    today = today or date.today()
    body = [
        html.Tr(
            [
                html.Td(
                    [
                        account_link(r["external_id"], r["name"]),
                        html.Div(r.get("why") or "", className="small text-body-secondary why-text"),
                    ]
                ),
                html.Td(make_score_badge(r["score"], r["band"])),
                html.Td(f"{r['renewal_date']:%d %b %Y}", className="text-nowrap"),
                html.Td(f"{(r['renewal_date'] - today).days} days", className="text-nowrap"),
                html.Td(format_money(r["arr"], r.get("currency") or "USD"), className="text-end"),
            ]
        )
        for r in rows
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th("Account"),
                html.Th("Score"),
                html.Th("Renews"),
                html.Th("In"),
                html.Th("ARR", className="text-end"),
            ]
        )
    )
    return dbc.Table(
        [head, html.Tbody(body)], size="sm", hover=True, responsive=True, className="mb-0", id=id
    )
