"""The explore-page registry: a page declared in one new file is saveable, exportable (CSV and PDF),
shareable and listed on the Views page, with no edit anywhere else; incomplete declarations are refused."""

from __future__ import annotations

import dataclasses
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp import saved_views as sv
from dashapp.explore import registry
from dashapp.explore.registry import ExplorePage, RegistryError, UrlKey
from dashapp.exports import service
from dashapp.exports.files import stored_path
from dashapp.settings import Settings
from tests.explore.conftest import Book

# The whole page, as a developer would add it under pages/: a declaration beside `dash.register_page`,
# its own URL key with a parser, a share/PDF section and a CSV reader, both from the filters.
EXAMPLE_PAGE = '''
"""Example: the filtered accounts at or above a score threshold."""

import dash
from dash import html
from sqlalchemy import select

from dashapp.explore.registry import ExplorePage, UrlKey, declare
from dashapp.exports.csvfile import rows_writer
from dashapp.filters import accounts_query
from dashapp.saved_views import state_of

PAGE = "/example-threshold"
dash.register_page(__name__, path=PAGE, name="Example", title="Example · healthdash")


def parse_threshold(value):
    text = str(value)
    if text.isdigit() and int(text) <= 100:
        return int(text), None
    return None, f"threshold: {text[:20]!r} is not a score from 0 to 100"


def names(session, filters, threshold):
    rows = session.execute(accounts_query(filters, ["name", "score"], sort=[("name", False)])).all()
    return [(r.name, r.score) for r in rows if r.score is not None and r.score >= (threshold or 0)]


def sections(session, view, page_number=1):
    threshold = int((view.options or {}).get("threshold") or 0)
    rows = names(session, state_of(view).filters, threshold)
    return [{"kind": "table", "title": f"At or above {threshold}", "headers": ["Account", "Score"],
             "rows": [[n, f"{s:.0f}"] for n, s in rows]}]


def csv_rows(session, target):
    threshold = int(target.options.get("threshold") or 0)
    return ["name", "score"], iter(names(session, target.filters, threshold))


EXPLORE = declare(ExplorePage(PAGE, "Score threshold", keys=(UrlKey("threshold", parse_threshold),),
    saveable=True, exportable=True, shareable=True, sections=sections, csv=rows_writer(csv_rows)))


def layout(**query):
    return html.Div("Example")
'''


@pytest.fixture
def example_page(tmp_path: Path) -> Iterator[str]:
    """The example page as one new file in a pages folder of its own, loaded the way workers load pages."""
    folder = tmp_path / "example_pages"
    folder.mkdir()
    (folder / "threshold.py").write_text(textwrap.dedent(EXAMPLE_PAGE), encoding="utf-8")
    registry.load(folder)
    try:
        yield "/example-threshold"
    finally:
        registry.forget("/example-threshold")


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_a_new_page_file_is_saveable_exportable_shareable_and_listed(
    example_page: str,
    session: Session,
    book: Book,
    settings: Settings,
    tmp_path: Path,
    client: FlaskClient,
    as_user: Callable[..., Any],
    page: Callable[[str], Any],
) -> None:
    owner = book.owner
    # Saveable: its own key is kept (checked by its parser), the filters are kept, a bad key value is not.
    view = sv.save_view(
        session, owner, name="Smb at 60+", page=example_page, query="segment=smb&threshold=60"
    )
    assert view.options == {"threshold": "60"} and view.query == "segment=smb"
    assert sv.view_url(view) == "/example-threshold?segment=smb&threshold=60"
    odd = sv.save_view(session, owner, name="Odd", page=example_page, query="threshold=high")
    assert odd.options == {}

    # Exportable to CSV and PDF, through the same service the Export menu and the API use.
    local = dataclasses.replace(settings, export_dir=tmp_path / "exports")
    files = {}
    for fmt in ("csv", "pdf"):
        export = service.new_export(session, owner, format=fmt, page=example_page, query="threshold=30")
        service.build(session, local, export)
        files[fmt] = stored_path(local, export)
    lines = files["csv"].read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# healthdash · Score threshold")
    assert lines[1] == "name,score"
    assert [line.split(",")[0] for line in lines[2:]] == ["Acme Falling", "Beta Thriving"]
    pdf = _pdf_text(files["pdf"])
    assert "At or above 30" in pdf and "Acme Falling" in pdf

    # Shareable: the link shows the view's section, from its stored state only.
    _link, token = sv.create_share_link(session, owner, view.id, expires_in_days=7)
    session.flush()
    html = client.get(f"/share/{token}").get_data(as_text=True)
    assert "At or above 60" in html and "Beta Thriving" in html and "Acme Falling" not in html

    # Listed on the Views page under its declared title.
    with as_user(user=owner):
        table = str(page("views")._views_table())
    assert "Smb at 60+" in table and "Score threshold" in table


def test_pages_that_show_menus_can_save_export_and_share(session: Session, book: Book) -> None:
    for spec in registry.all_pages():
        assert spec.saveable and spec.exportable and spec.shareable, spec.path
    analytics = {"/churn", "/segments", "/revenue-impact", "/forecasts"}
    assert analytics <= {p.path for p in registry.all_pages()}
    view = sv.save_view(session, book.owner, name="Q1", page="/revenue-impact", query="as_of=2025-01-31")
    assert view.options == {"as_of": "2025-01-31"}
    refused = sv.save_view(session, book.owner, name="Bad", page="/revenue-impact", query="as_of=tomorrow")
    assert refused.options == {}
    with pytest.raises(sv.ViewError, match="cannot be saved"):
        sv.save_view(session, book.owner, name="Nope", page="/admin/users", query="")


def test_an_incomplete_declaration_is_refused_at_start_up() -> None:
    with pytest.raises(RegistryError, match="exportable but no CSV writer"):
        registry.declare(ExplorePage("/half-done", "Half", saveable=True, exportable=True, shareable=False))
    with pytest.raises(RegistryError, match="is a filter"):
        registry.declare(ExplorePage("/clash", "Clash", keys=(UrlKey("segment", lambda v: (v, None)),)))
    assert registry.find("/half-done") is None
    with pytest.raises(RegistryError, match="no Dash page has this path"):
        registry.check(["/", "/accounts"])


def test_url_keys_read_and_write_their_values() -> None:
    key = UrlKey("horizon", lambda v: (v, None) if v in ("30", "90") else (None, "horizon: no"), default="30")
    assert key.read(["90", "30"]) == ("30", None)
    assert key.read("7") == ("30", "horizon: no")
    assert key.write("30") == [] and key.write("90") == ["90"]
    multi = UrlKey("set", lambda v: (v, None), multi=True)
    assert multi.read("segment=smb") == (["segment=smb"], None)


def test_loading_declarations_leaves_no_page_callback_behind(tmp_path: Path) -> None:
    """Workers load declarations without a Dash app: the page's own callbacks must not be left registered
    (the app registers them itself), or the browser would see every callback twice."""
    from dash import _callback

    folder = tmp_path / "quiet_pages"
    folder.mkdir()
    (folder / "quiet.py").write_text(
        textwrap.dedent(
            """
            import dash
            from dash import Input, Output

            from dashapp.explore.registry import ExplorePage, declare

            dash.register_page(__name__, path="/quiet-example")
            EXPLORE = declare(ExplorePage("/quiet-example", "Quiet"))


            @dash.callback(Output("quiet-out", "children"), Input("quiet-in", "value"))
            def echo(value):
                return value


            def layout():
                return "quiet"
            """
        ),
        encoding="utf-8",
    )
    before = len(_callback.GLOBAL_CALLBACK_LIST)
    try:
        registry.load(folder)
        assert registry.find("/quiet-example") is not None
        assert "quiet-out.children" not in _callback.GLOBAL_CALLBACK_MAP
        assert len(_callback.GLOBAL_CALLBACK_LIST) == before
    finally:
        registry.forget("/quiet-example")
