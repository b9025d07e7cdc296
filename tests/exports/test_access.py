"""Who may download an export (the web route and the API): guessing or knowing the URL is not enough."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp.extensions import EXTENSION_KEY
from dashapp.saved_views import save_view, set_visibility
from models.export import Export
from models.user import User
from tests.conftest import login, logout
from tests.support.factories import make_user


@pytest.fixture
def export_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    runtime = app.extensions[EXTENSION_KEY]
    before = runtime.settings
    runtime.settings = before.with_overrides(export_dir=tmp_path)
    yield tmp_path
    runtime.settings = before


def _finished(session: Session, folder: Path, owner: User, view_id: int | None = None) -> Export:
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.csv").write_text("# test\nid\n1\n", encoding="utf-8")
    export = Export(
        token=token,
        requested_by_id=owner.id,
        view_id=view_id,
        format="csv",
        page="/accounts",
        query="segment=smb",
        status="finished",
        filename="accounts_segment-smb.csv",
        path=f"{token}.csv",
    )
    session.add(export)
    session.flush()
    return export


class Closing:
    """Test-client GETs whose file responses are closed once read."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str):
        response = self.client.get(url)
        response.get_data()
        response.close()
        return response


def test_only_people_who_may_see_the_view_can_download(
    client: FlaskClient, session: Session, export_folder: Path
) -> None:
    owner = make_user(session, role="manager")
    other = make_user(session, role="csm")
    admin = make_user(session, role="admin")
    view = save_view(session, owner, name="Mine", page="/accounts", query="segment=smb")
    of_view = _finished(session, export_folder, owner, view.id)
    of_page = _finished(session, export_folder, owner)
    session.flush()
    web = Closing(client)

    # Not signed in: the login guard answers, not the file.
    response = web.get(f"/exports/{of_view.token}/download")
    assert response.status_code in (302, 401) and b"id\n1" not in response.data

    assert login(client, other.email).status_code == 302
    for export in (of_view, of_page):
        response = web.get(f"/exports/{export.token}/download")
        assert response.status_code == 404 and b"id\n1" not in response.data
    guessed = web.get(f"/exports/{secrets.token_urlsafe(24)}/download")
    assert guessed.status_code == 404

    # Shared with the team, the view's export opens for them; the owner's page export still does not.
    set_visibility(session, owner, view.id, "team")
    session.flush()
    response = web.get(f"/exports/{of_view.token}/download")
    assert response.status_code == 200 and response.data.endswith(b"id\n1\n")
    assert "filename=accounts_segment-smb.csv" in response.headers["Content-Disposition"]
    assert web.get(f"/exports/{of_page.token}/download").status_code == 404

    logout(client)
    assert login(client, owner.email).status_code == 302
    assert web.get(f"/exports/{of_page.token}/download").status_code == 200
    logout(client)
    assert login(client, admin.email).status_code == 302
    assert web.get(f"/exports/{of_page.token}/download").status_code == 200
