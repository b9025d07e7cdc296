"""What a PDF snapshot shows: the same sections a shared view shows (same queries, same figure factories,
light theme), with the account list in full instead of one page of it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from components.format import format_count
from dashapp.exports.target import ExportTarget
from dashapp.filters import accounts_query, count_query
from dashapp.share.render import ACCOUNT_COLUMNS, DEFAULT_ACCOUNT_COLUMNS, _cell, render_view

BATCH = 2000


def account_table(session: Session, target: ExportTarget, limit: int | None = None) -> dict[str, Any]:
    """Every filtered account (not one page of them; the first `limit` if given), in the view's columns
    and sort."""
    columns = [c for c in target.columns if c in ACCOUNT_COLUMNS] or list(DEFAULT_ACCOUNT_COLUMNS)
    filters = target.filters
    total = session.scalar(count_query(filters)) or 0
    stmt = accounts_query(filters, columns, sort=target.sort or [("score", False)])
    if limit is not None:
        stmt = stmt.limit(limit)

    def rows() -> Iterator[list[str]]:
        for row in session.execute(stmt.execution_options(yield_per=BATCH)):
            mapping = row._mapping
            yield [_cell(mapping[c], c) for c in columns]

    return {
        "kind": "table",
        "title": f"{format_count(total)} accounts",
        "headers": [ACCOUNT_COLUMNS[c] for c in columns],
        "rows": list(rows()),
        "id": "accounts",
    }


def snapshot_sections(session: Session, target: ExportTarget) -> list[dict[str, Any]]:
    """Sections for the PDF: KPIs, charts (figure dicts) and tables, without the filters line (the PDF
    header says the filters in words)."""
    spec = target.spec
    if spec.pdf_sections is not None:
        return spec.pdf_sections(session, target)
    sections = render_view(session, target.as_view())
    return [s for s in sections if s.get("id") != "shared-filters"]


def account_list_pdf(session: Session, target: ExportTarget) -> list[dict[str, Any]]:
    """The account list's PDF: every filtered account, not one page of them."""
    return [account_table(session, target)]
