"""The top navigation bar, built from the page registry."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html


def nav_links(pages: list[dict]) -> list:
    """A link per page, in order; pages registered with a `nav_group` share one dropdown, placed where the
    group's first page comes (so the bar stays one line however many pages there are)."""
    items: list = []
    groups: dict[str, list] = {}
    for p in pages:
        group = p.get("nav_group")
        if group is None:
            active = "partial" if p["path"] != "/" else "exact"
            items.append(dbc.NavItem(dbc.NavLink(p["name"], href=p["relative_path"], active=active)))
            continue
        if group not in groups:
            groups[group] = []
            slug = group.lower().replace(" ", "-")
            items.append(
                dbc.DropdownMenu(groups[group], label=group, nav=True, in_navbar=True, id=f"nav-group-{slug}")
            )
        groups[group].append(dbc.DropdownMenuItem(p["name"], href=p["relative_path"]))
    return items


def make_logout_form(csrf_token: str) -> html.Form:
    """Logging out is a POST carrying the session's CSRF token (a link could be forged by another site)."""
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token, id="logout-csrf"),
            html.Button("Log out", type="submit", className="dropdown-item", id="logout-link"),
        ],
        action="/logout",
        method="POST",
        className="mb-0",
    )


def make_alert_bell(unread: int) -> html.A:
    """The bell: a link to the Alerts page with the unread count (kept live by assets/alert_bell.js)."""
    return html.A(
        [
            html.Span("\U0001f514", **{"aria-hidden": "true"}),
            html.Span("Alerts", className="visually-hidden"),
            dbc.Badge(
                str(unread),
                id="alert-bell-count",
                color="danger",
                pill=True,
                className="ms-1" + (" d-none" if unread == 0 else ""),
            ),
        ],
        href="/alerts",
        id="alert-bell",
        className="nav-link text-white position-relative me-2",
        title="Alerts",
    )


def make_navbar(
    pages: list[dict], user: object, theme: str, csrf_token: str = "", unread: int = 0
) -> dbc.Navbar:
    links = nav_links(pages)
    name = getattr(user, "display_name", "") if getattr(user, "is_authenticated", False) else ""
    role = getattr(user, "role", "")
    user_menu = dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(f"Role: {role}", header=True),
            dbc.DropdownMenuItem(
                dbc.Switch(id="theme-switch", label="Dark theme", value=theme == "dark", className="mb-0"),
                toggle=False,
            ),
            dbc.DropdownMenuItem("API tokens", href="/settings/tokens", id="api-tokens-link"),
            dbc.DropdownMenuItem("Notifications", href="/settings/notifications", id="notifications-link"),
            dbc.DropdownMenuItem(
                "API reference", href="/api/docs", external_link=True, id="api-docs-menu-link"
            ),
            dbc.DropdownMenuItem(divider=True),
            make_logout_form(csrf_token),
        ],
        label=name or "Account",
        nav=True,
        align_end=True,
        id="user-menu",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Img(src="/assets/logo.svg", height="28", alt="", className="me-2"), "healthdash"],
                    href="/",
                    className="d-flex align-items-center",
                ),
                dbc.NavbarToggler(id="navbar-toggler"),
                dbc.Collapse(
                    [
                        dbc.Nav(links, navbar=True, className="me-auto"),
                        dbc.Nav([make_alert_bell(unread), user_menu], navbar=True),
                    ],
                    id="navbar-collapse",
                    navbar=True,
                    is_open=False,
                ),
            ],
            fluid="xxl",
        ),
        color="primary",
        dark=True,
        expand="lg",
        className="mb-2",
    )
