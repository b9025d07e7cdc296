"""Where exported files live, what they are called, and who may download them."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dashapp.auth.permissions import can
from dashapp.settings import Settings
from models.export import Export
from models.view import SavedView

MAX_SLUG = 80


def export_dir(settings: Settings) -> Path:
    """EXPORT_DIR, or `exports/` under the data directory."""
    return settings.export_dir or settings.data_dir / "exports"


def slug(text: str, limit: int = MAX_SLUG) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return cleaned[:limit].rstrip("-")


def file_name(stem: str, query_words: str, when: datetime, extension: str) -> str:
    """`accounts_segment-smb-band-red_2026-11-26T0210Z.csv`: what, the filters, when (UTC)."""
    parts = [slug(stem, 40) or "export"]
    words = slug(query_words)
    if words:
        parts.append(words)
    parts.append(when.strftime("%Y-%m-%dT%H%MZ"))
    return "_".join(parts) + "." + extension


def stored_path(settings: Settings, export: Export) -> Path | None:
    """The file of a finished export, resolved inside the export directory (never outside it)."""
    if not export.path:
        return None
    root = export_dir(settings).resolve()
    path = (root / export.path).resolve()
    if root not in path.parents:
        return None
    return path


def can_download(session: Session, user: Any, export: Export) -> bool:
    """Whoever asked for the export; for an export of a saved view, also whoever may see that view (its
    owner, and everyone when the view is shared with the team). Admins may download any export."""
    if not can(user, "view"):
        return False
    if getattr(user, "role", "") == "admin" or export.requested_by_id == user.id:
        return True
    if export.view_id is None:
        return False
    view = session.get(SavedView, export.view_id)
    return view is not None and (view.owner_id == user.id or view.visibility == "team")
