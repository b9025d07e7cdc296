"""The top navigation bar, built from the page registry."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


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


def make_navbar(pages: list[dict], user: object, theme: str) -> dbc.Navbar:
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
            dbc.DropdownMenuItem(
                "API reference", href="/api/docs", external_link=True, id="api-docs-menu-link"
            ),
            dbc.DropdownMenuItem(divider=True),
            dbc.DropdownMenuItem("Log out", href="/logout", external_link=True, id="logout-link"),
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
                    [dbc.Nav(links, navbar=True, className="me-auto"), dbc.Nav([user_menu], navbar=True)],
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
