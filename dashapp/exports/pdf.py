"""PDF snapshots with reportlab: a header (title, who and when, the filters in words), KPIs, every chart as
vector graphics (plotly figure -> SVG with kaleido -> reportlab drawing), and tables split across pages with
their header row repeated. A4 or Letter; always the light theme."""

from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

PAPERS = {"a4": A4, "letter": LETTER}
MARGIN = 15 * mm
CHART_HEIGHT = 75 * mm
_started_pid: int | None = None
_lock = threading.Lock()

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("hd-title", parent=_styles["Title"], alignment=0, fontSize=18, spaceAfter=4)
META = ParagraphStyle("hd-meta", parent=_styles["Normal"], fontSize=9, textColor=colors.HexColor("#555555"))
H2 = ParagraphStyle("hd-h2", parent=_styles["Heading2"], fontSize=12, spaceBefore=8, spaceAfter=4)
BODY = ParagraphStyle("hd-body", parent=_styles["Normal"], fontSize=9, leading=11)
CELL = ParagraphStyle("hd-cell", parent=_styles["Normal"], fontSize=7.5, leading=9)
KPI_VALUE = ParagraphStyle("hd-kpi", parent=_styles["Normal"], fontSize=14, leading=17)


def _ensure_kaleido() -> None:
    """One Chrome per process, started on first use and reused for every chart (a worker process builds
    many exports; a forked child starts its own)."""
    global _started_pid
    if _started_pid == os.getpid():
        return
    with _lock:
        if _started_pid == os.getpid():
            return
        import kaleido

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kaleido.start_sync_server(silence_warnings=True)
        _started_pid = os.getpid()


def figure_svg(figure: Any, width: int = 900, height: int = 420) -> bytes:
    """The figure as SVG, light theme, drawn by the same plotly.js the pages use."""
    import plotly.io as pio

    _ensure_kaleido()
    fig = dict(figure) if isinstance(figure, dict) else figure.to_plotly_json()
    layout = dict(fig.get("layout") or {})
    layout.update(paper_bgcolor="white", plot_bgcolor="white")
    fig["layout"] = layout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pio.to_image(fig, format="svg", width=width, height=height, validate=False)


def _drawing(svg: bytes, width: float) -> Any:
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(svg))
    scale = width / drawing.width
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.scale(scale, scale)
    return drawing


def _text(value: Any, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(escape(str(value)), style)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], width: float) -> LongTable:
    wide = {i for i, h in enumerate(headers) if h.lower().startswith(("why", "account", "set"))}
    data: list[list[Any]] = [[_text(h, CELL) for h in headers]]
    for row in rows:
        data.append([_text(v) if i in wide else str(v) for i, v in enumerate(row)])
    narrow = max(1, len(headers) - len(wide))
    unit = width / (narrow + 2.5 * len(wide))
    widths = [unit * (2.5 if i in wide else 1) for i in range(len(headers))]
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#495057")),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dee2e6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _kpis(items: Sequence[Sequence[str]], width: float) -> Table:
    cells = [
        [Paragraph(escape(label), META), Paragraph(escape(value), KPI_VALUE), Paragraph(escape(note), META)]
        for label, value, note in items
    ]
    table = Table([cells], colWidths=[width / len(cells)] * len(cells))
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#dee2e6")),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#dee2e6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def build_pdf(
    sections: Sequence[dict[str, Any]],
    *,
    title: str,
    meta_lines: Sequence[str],
    paper: str = "a4",
    out: Any,
) -> int:
    """Lay out `sections` (kinds: text, kpis, figure, table) into `out` (a path or a binary file).
    Returns the number of charts drawn."""
    size = PAPERS[paper]
    doc = SimpleDocTemplate(
        out,
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="healthdash",
    )
    width = size[0] - 2 * MARGIN
    story: list[Any] = [Paragraph(escape(title), TITLE)]
    story += [Paragraph(escape(line), META) for line in meta_lines]
    story.append(Spacer(1, 4 * mm))
    charts = 0
    for section in sections:
        kind = section.get("kind")
        if kind == "text":
            story.append(Paragraph(escape(section["text"]), BODY))
        elif kind == "kpis":
            story.append(_kpis(section["items"], width))
        elif kind == "figure":
            drawing = _drawing(figure_svg(section["figure"]), width)
            story.append(KeepTogether([Paragraph(escape(section["title"]), H2), drawing]))
            charts += 1
        elif kind == "table":
            story.append(Paragraph(escape(section["title"]), H2))
            if section["rows"]:
                story.append(_table(section["headers"], section["rows"], width))
            else:
                story.append(Paragraph("No rows.", BODY))
        story.append(Spacer(1, 3 * mm))

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.HexColor("#6c757d"))
        canvas.drawString(MARGIN, MARGIN / 2, title[:120])
        canvas.drawRightString(size[0] - MARGIN, MARGIN / 2, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return charts
