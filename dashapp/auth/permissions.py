"""Roles mapped to permissions, in one place."""

from __future__ import annotations

from typing import Any

PERMISSIONS: dict[str, str] = {
    "view": "See pages, accounts and scores",
    "export": "Export CSV and PDF snapshots",
    "save_views": "Save private views",
    "share_views": "Save team views and create share links",
    "override_scores": "Set and remove manual score overrides",
    "run_jobs": "Start recomputes and other background jobs",
    "edit_scorecards": "Create and edit scorecards",
    "manage_integrations": "Write keys, webhooks and data imports",
    "manage_users": "Create users and change roles",
    "act_on_alerts": "Acknowledge, snooze and resolve alerts on their accounts (their team's, for managers)",
    "act_on_tasks": "Create and close tasks and add notes on their accounts (their team's, for managers)",
    "manage_alert_rules": "Create and edit alert rules",
    "assign_owners": "Assign account owners",
    "edit_accounts": "Create, change, delete and restore accounts and contacts",
}

_VIEWER = frozenset({"view", "export", "save_views"})
_CSM = _VIEWER | {"share_views", "override_scores", "act_on_alerts", "act_on_tasks"}
_MANAGER = _CSM | {"run_jobs", "edit_scorecards", "manage_alert_rules", "assign_owners",
                     "edit_accounts"}  # fmt: skip

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": _VIEWER,
    "csm": frozenset(_CSM),
    "manager": frozenset(_MANAGER),
    "admin": frozenset(PERMISSIONS),
}


def permissions_for(role: str | None) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role or "", frozenset())


def can(user: Any, permission: str) -> bool:
    """True when `user` (a User, flask-login's anonymous user, or None) holds `permission`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return permission in permissions_for(getattr(user, "role", None))
