"""Segments and Revenue impact save, export (CSV and PDF) and share what their pages show."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp import saved_views as sv
from dashapp.exports import service
from dashapp.exports.files import stored_path
from dashapp.settings import Settings
from models.segments import SegmentRun
from tests.explore.test_analytics_pages import AS_OF, _scored, _segmented
from tests.support.factories import make_user


def _files(session: Session, settings: Settings, tmp_path: Path, user, page: str, query: str) -> dict:
    local = dataclasses.replace(settings, export_dir=tmp_path / "exports")
    files = {}
    for fmt in ("csv", "pdf"):
        export = service.new_export(session, user, format=fmt, page=page, query=query)
        service.build(session, local, export)
        files[fmt] = stored_path(local, export)
    pdf = subprocess.run(["pdftotext", str(files["pdf"]), "-"], check=True, capture_output=True, text=True)
    return {"csv": files["csv"].read_text(encoding="utf-8").splitlines(), "pdf": pdf.stdout}


def test_segments_export_and_share(session: Session, settings: Settings, tmp_path: Path, client: FlaskClient):
    _segmented(session)
    run = session.query(SegmentRun).one()
    user = make_user(session, role="manager")
    out = _files(session, settings, tmp_path, user, "/segments", "segment=smb")
    assert out["csv"][1] == "cluster,name,accounts,share,matching_filters,stability"
    assert len(out["csv"]) == 2 + run.k
    assert all(c["name"] in out["pdf"] for c in run.clusters)
    view = sv.save_view(session, user, name="Smb segments", page="/segments", query="segment=smb")
    _link, token = sv.create_share_link(session, user, view.id)
    session.flush()
    html = client.get(f"/share/{token}").get_data(as_text=True)
    assert "Smb segments" in html and run.clusters[0]["name"] in html


def test_revenue_impact_keeps_its_as_of_date(
    session: Session, settings: Settings, tmp_path: Path, client: FlaskClient
):
    _scored(session, "Gone", 10, 1000, None, churn_days=20)
    _scored(session, "Grows", 90, 2000, 3000)
    user = make_user(session, role="manager")
    query = f"as_of={AS_OF.isoformat()}"
    out = _files(session, settings, tmp_path, user, "/revenue-impact", query)
    assert out["csv"][1].startswith("as_of,group,kind,accounts,arr_start")
    assert out["csv"][2].startswith(f"{AS_OF.isoformat()},")
    assert "By health band" in out["pdf"]
    view = sv.save_view(session, user, name="Last quarter", page="/revenue-impact", query=query)
    assert sv.view_url(view) == f"/revenue-impact?{query}"
    _link, token = sv.create_share_link(session, user, view.id)
    session.flush()
    html = client.get(f"/share/{token}").get_data(as_text=True)
    assert f"As of {AS_OF}" in html and "Share of starting ARR" in html
