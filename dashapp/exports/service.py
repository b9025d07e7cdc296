"""Requesting an export (a row the UI and API poll) and building its file (what the job runs)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.auth.permissions import can
from dashapp.exports.csvfile import write_csv
from dashapp.exports.files import export_dir, file_name, stored_path
from dashapp.exports.pdf import build_pdf
from dashapp.exports.sections import snapshot_sections
from dashapp.exports.target import ExportError, ExportTarget, from_page, from_view
from dashapp.filters import to_query
from dashapp.saved_views import ViewError, get_visible
from dashapp.settings import Settings
from models.export import EXPORT_FORMATS, PAPERS, Export
from models.user import User
from models.view import SavedView


class ExportForbidden(ExportError):
    """The user may not export (their role), or may not see what they asked to export."""


def new_export(
    session: Session,
    user: User,
    *,
    format: str,
    page: str | None = None,
    query: str = "",
    view_id: int | None = None,
    paper: str = "a4",
) -> Export:
    """Validate a request and add its row (status queued). The caller commits, then enqueues the job."""
    if not can(user, "export"):
        raise ExportForbidden("Your role cannot export.")
    if format not in EXPORT_FORMATS:
        raise ExportError(f"format: {format!r} is not one of {', '.join(EXPORT_FORMATS)}")
    if paper not in PAPERS:
        raise ExportError(f"paper: {paper!r} is not one of {', '.join(PAPERS)}")
    if view_id is not None:
        try:
            view = get_visible(session, user, view_id)
        except ViewError as exc:
            raise ExportError(f"view_id: {exc}") from None
        target = from_view(view)
        page, query = view.page, target.query
    elif page:
        target = from_page(page, query)
        query = target.query
    else:
        raise ExportError("give a page (with its query string) or a view_id")
    export = Export(
        token=secrets.token_urlsafe(24),
        requested_by_id=user.id,
        view_id=view_id,
        format=format,
        page=target.page,
        query=query,
        paper=paper,
        status="queued",
    )
    session.add(export)
    session.flush()
    return export


def target_of(session: Session, export: Export) -> ExportTarget:
    if export.view_id is not None:
        view = session.get(SavedView, export.view_id)
        if view is None:
            raise ExportError("the saved view was deleted")
        return from_view(view)
    return from_page(export.page, export.query)


def meta_lines(target: ExportTarget, who: str, when: datetime) -> list[str]:
    return [
        f"Exported by {who} on {when:%Y-%m-%d %H:%M} UTC",
        f"Filters: {target.words()}",
    ]


def build(
    session: Session,
    settings: Settings,
    export: Export,
    *,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """Write the export's file and record it on the row. The caller commits."""
    target = target_of(session, export)
    when = datetime.now(UTC)
    who = session.get(User, export.requested_by_id) if export.requested_by_id else None
    who_name = (getattr(who, "name", "") or getattr(who, "email", "")) if who else "a deleted user"
    filters_text = to_query(target.filters) if target.kind != "account" else target.page
    name = file_name(target.title or target.kind, filters_text, when, export.format)
    folder = export_dir(settings) / when.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    relative = Path(when.strftime("%Y-%m-%d")) / f"{export.token}.{export.format}"
    path = export_dir(settings) / relative
    partial = path.with_suffix(path.suffix + ".part")
    rows: int | None = None
    if export.format == "csv":
        companion = f"healthdash · {target.title} · {' · '.join(meta_lines(target, who_name, when))}"
        rows = write_csv(
            session,
            target,
            partial,
            companion,
            (lambda n: progress(0.5, f"{n:,} rows written")) if progress else None,
        )
    else:
        if progress:
            progress(0.1, "reading the view")
        sections = snapshot_sections(session, target)
        rows = sum(len(s["rows"]) for s in sections if s.get("kind") == "table")
        if progress:
            progress(0.4, "drawing charts and tables")
        build_pdf(
            sections,
            title=target.title,
            meta_lines=meta_lines(target, who_name, when),
            paper=export.paper,
            out=str(partial),
        )
    os.replace(partial, path)
    export.status = "finished"
    export.filename = name
    export.path = relative.as_posix()
    export.rows = rows
    export.size = path.stat().st_size
    export.finished_at = when
    export.expires_at = when + timedelta(days=settings.export_retention_days)
    export.error = None
    return {"export_id": export.id, "rows": rows, "size": export.size, "filename": name}


def store_bytes(
    settings: Settings, export: Export, data: bytes, *, stem: str, words: str = "", rows: int | None = None
) -> None:
    """Keep an already built file (e.g. a report preview) as this export's file, like `build` does."""
    when = datetime.now(UTC)
    relative = Path(when.strftime("%Y-%m-%d")) / f"{export.token}.{export.format}"
    path = export_dir(settings) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    export.status = "finished"
    export.filename = file_name(stem, words, when, export.format)
    export.path = relative.as_posix()
    export.rows = rows
    export.size = len(data)
    export.finished_at = when
    export.expires_at = when + timedelta(days=settings.export_retention_days)
    export.error = None


def remove_expired(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Delete the files of exports past their retention date and mark them expired. The caller commits."""
    now = now or datetime.now(UTC)
    expired = session.scalars(
        select(Export).where(Export.expires_at <= now, Export.status != "expired")
    ).all()
    for export in expired:
        path = stored_path(settings, export)
        if path is not None:
            path.unlink(missing_ok=True)
        export.status = "expired"
        export.path = ""
    return len(expired)
