"""Saved views and share links: the rules (who may do what), in one place for pages, the API and exports.

No Flask here: callers pass the acting user. Every change is audit-logged. Permission checks live here, so
no caller can skip them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashapp.auth.permissions import can
from dashapp.explore import registry
from dashapp.filters import Filters, parse, parse_sort, to_query, to_sort
from models.audit import record
from models.user import User
from models.view import VISIBILITIES, SavedView, ShareLink

MAX_EXPIRY_DAYS = 365
# Kept beside the options (they are the account list's columns and sort), not among them.
LIST_KEYS = ("sort", "columns")


class ViewError(Exception):
    """A request about views that cannot be done, with a message for the user."""


class ViewForbidden(ViewError):
    """The user's role or ownership does not allow it."""


def _now() -> datetime:
    return datetime.now(UTC)


def _audit(session: Session, user: User, action: str, view: SavedView, **details: Any) -> None:
    record(
        session,
        actor_id=user.id,
        actor=user.email,
        action=action,
        object_type="saved_view",
        object_id=view.id,
        details=details,
    )


def _check_page(page: str) -> registry.ExplorePage:
    """The declaration of a page that can be saved (the explore-page registry says which)."""
    spec = registry.able(page, "saveable")
    if spec is None:
        raise ViewError(f"page: {(page or '')[:60]!r} cannot be saved as a view")
    return spec


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ViewError("name: give the view a name")
    if len(name) > 120:
        raise ViewError("name: at most 120 characters")
    return name


def _check_visibility(user: User, visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise ViewError(f"visibility: {visibility!r} is not one of {', '.join(VISIBILITIES)}")
    if not can(user, "save_views"):
        raise ViewForbidden("Your role cannot save views.")
    if visibility == "team" and not can(user, "share_views"):
        raise ViewForbidden("Your role can save private views only.")
    return visibility


def _check_unique(session: Session, user: User, page: str, name: str, exclude: int | None = None) -> None:
    stmt = select(SavedView.id).where(
        SavedView.owner_id == user.id, SavedView.page == page, func.lower(SavedView.name) == name.lower()
    )
    if exclude is not None:
        stmt = stmt.where(SavedView.id != exclude)
    if session.scalar(stmt) is not None:
        raise ViewError(f"name: you already have a view called {name!r} on this page")


@dataclass(frozen=True)
class ViewState:
    """What a view restores: filters, page options, columns and sort."""

    filters: Filters
    options: dict[str, Any]
    columns: list[str]
    sort: list[tuple[str, bool]]

    def query_string(self) -> str:
        base = to_query(self.filters)
        extra: list[tuple[str, str]] = []
        for key, value in sorted(self.options.items()):
            for item in value if isinstance(value, list) else [value]:
                extra.append((key, str(item)))
        if self.columns:
            extra.append(("columns", ",".join(self.columns)))
        if self.sort:
            extra.append(("sort", to_sort(self.sort)))
        tail = urlencode(extra)
        return "&".join(p for p in (base, tail) if p)


def state_of(view: SavedView) -> ViewState:
    filters, _ = parse(view.query, extra_keys=registry.keys_of(view.page))
    sort, _ = parse_sort(view.sort)
    return ViewState(filters, dict(view.options or {}), list(view.columns or []), sort)


def view_url(view: SavedView) -> str:
    query = state_of(view).query_string()
    return view.page + (f"?{query}" if query else "")


def save_view(
    session: Session,
    user: User,
    *,
    name: str,
    page: str,
    query: str,
    columns: list[str] | None = None,
    sort: str = "",
    visibility: str = "private",
) -> SavedView:
    """Save the current page's state (its query string: filters plus page keys) under `name`."""
    visibility = _check_visibility(user, visibility)
    page = (page or "").strip()
    spec = _check_page(page)
    filters, _ = parse(query, extra_keys=spec.key_names)
    raw = parse_qs(query.lstrip("?"), keep_blank_values=False, max_num_fields=2000)
    options, _ = spec.read_options({k: v for k, v in raw.items() if k not in LIST_KEYS})
    if not sort and raw.get("sort"):
        sort = raw["sort"][-1]
    if columns is None and raw.get("columns"):
        columns = [c for c in raw["columns"][-1].split(",") if c]
    sort_items, _ = parse_sort(sort)
    view = SavedView(
        owner_id=user.id,
        name=_check_name(name),
        page=page,
        query=to_query(filters),
        filters=filters.model_dump(mode="json"),
        columns=list(columns or [])[:40],
        sort=to_sort(sort_items),
        options=options,
        visibility=visibility,
    )
    _check_unique(session, user, view.page, view.name)
    try:
        with session.begin_nested():
            session.add(view)
            session.flush()
    except IntegrityError:
        raise ViewError(f"name: you already have a view called {view.name!r} on this page") from None
    _audit(session, user, "view.save", view, name=view.name, page=view.page, visibility=visibility)
    return view


def visible_views(session: Session, user: User, page: str | None = None) -> list[SavedView]:
    """The user's own views and the team's, by name."""
    stmt = select(SavedView).where(or_(SavedView.owner_id == user.id, SavedView.visibility == "team"))
    if page:
        stmt = stmt.where(SavedView.page == page)
    return list(session.scalars(stmt.order_by(SavedView.page, SavedView.name, SavedView.id)))


def get_visible(session: Session, user: User, view_id: int) -> SavedView:
    view = session.get(SavedView, view_id)
    if view is None or (view.owner_id != user.id and view.visibility != "team"):
        raise ViewError("That view does not exist or is not shared with you.")
    return view


def _owned(session: Session, user: User, view_id: int) -> SavedView:
    view = get_visible(session, user, view_id)
    if view.owner_id != user.id and getattr(user, "role", "") != "admin":
        raise ViewForbidden("Only the view's owner can change it.")
    return view


def rename_view(session: Session, user: User, view_id: int, name: str) -> SavedView:
    view = _owned(session, user, view_id)
    new = _check_name(name)
    _check_unique(session, user, view.page, new, exclude=view.id)
    old, view.name = view.name, new
    session.flush()
    _audit(session, user, "view.rename", view, old=old, new=view.name)
    return view


def set_visibility(session: Session, user: User, view_id: int, visibility: str) -> SavedView:
    view = _owned(session, user, view_id)
    view.visibility = _check_visibility(user, visibility)
    _audit(session, user, "view.visibility", view, visibility=visibility)
    return view


def delete_view(session: Session, user: User, view_id: int) -> None:
    view = _owned(session, user, view_id)
    _audit(session, user, "view.delete", view, name=view.name)
    session.delete(view)
    session.flush()


def set_default(session: Session, user: User, view_id: int | None, page: str) -> SavedView | None:
    """Make a view (own or team) the user's default for its page; None clears the default."""
    session.execute(
        update(SavedView)
        .where(SavedView.owner_id == user.id, SavedView.page == page, SavedView.is_default)
        .values(is_default=False)
    )
    if view_id is None:
        return None
    view = get_visible(session, user, view_id)
    if view.owner_id != user.id:
        # A default is per user: a team view becomes the default through the user's own copy.
        raise ViewError("Save a copy of a team view to make it your default.")
    view.is_default = True
    session.flush()
    return view


def default_view(session: Session, user: Any, page: str) -> SavedView | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(
        select(SavedView).where(SavedView.owner_id == user.id, SavedView.page == page, SavedView.is_default)
    )


# ------------------------------------------------------------------------------------------ share links


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_share_link(
    session: Session, user: User, view_id: int, *, expires_in_days: int | None = 30
) -> tuple[ShareLink, str]:
    """A new read-only link to the view; the token is returned once and only its hash is stored."""
    if not can(user, "share_views"):
        raise ViewForbidden("Your role cannot create share links.")
    view = _owned(session, user, view_id)
    if expires_in_days is not None and not (1 <= expires_in_days <= MAX_EXPIRY_DAYS):
        raise ViewError(f"expiry: between 1 and {MAX_EXPIRY_DAYS} days")
    token = secrets.token_urlsafe(32)
    link = ShareLink(
        view_id=view.id,
        token_hash=hash_token(token),
        created_by_id=user.id,
        expires_at=_now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(link)
    session.flush()
    _audit(session, user, "view.share", view, link_id=link.id, expires_at=str(link.expires_at))
    return link, token


def revoke_share_link(session: Session, user: User, link_id: int) -> ShareLink:
    link = session.get(ShareLink, link_id)
    if link is None:
        raise ViewError("That share link does not exist.")
    view = _owned(session, user, link.view_id)
    if link.revoked_at is None:
        link.revoked_at = _now()
        _audit(session, user, "view.unshare", view, link_id=link.id)
    session.flush()
    return link


def share_links(session: Session, user: User, view_id: int) -> list[ShareLink]:
    view = _owned(session, user, view_id)
    return list(session.scalars(select(ShareLink).where(ShareLink.view_id == view.id).order_by(ShareLink.id)))


@dataclass(frozen=True)
class ShareAccess:
    view: SavedView | None
    refusal: str | None  # why the link does not open (None when it does)


def open_share_link(session: Session, token: str, *, touch: bool = True) -> ShareAccess:
    """The view a share token opens, or why it does not (unknown, revoked or expired)."""
    if not token or len(token) > 200:
        return ShareAccess(None, "This share link is not valid.")
    link = session.scalar(select(ShareLink).where(ShareLink.token_hash == hash_token(token)))
    if link is None:
        return ShareAccess(None, "This share link is not valid.")
    if link.revoked_at is not None:
        return ShareAccess(None, "This share link was revoked by its owner.")
    if link.expires_at is not None and link.expires_at <= _now():
        return ShareAccess(None, "This share link has expired.")
    # The link speaks for whoever made it, with their rights of today (not those they had then).
    owner = session.get(User, link.created_by_id or link.view.owner_id)
    if owner is None or not can(owner, "share_views"):
        return ShareAccess(None, "This share link no longer works: its owner may no longer share views.")
    if touch:
        link.last_used_at = _now()
        link.uses = (link.uses or 0) + 1
    return ShareAccess(link.view, None)
