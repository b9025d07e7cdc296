"""`POST /exports` and `GET /exports/{id}`: start an export over the API; other people's stay hidden."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dashapp.saved_views import save_view
from tests.support.factories import make_user


def test_the_api_starts_exports_and_hides_other_peoples(api, token, session: Session) -> None:
    owner, secret = token("viewer")
    _, other_secret = token("csm")
    response = api.request(
        "POST", "/exports", secret, json={"format": "csv", "page": "/accounts", "query": "segment=smb"}
    )
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["status"] == "queued" and body["format"] == "csv" and body["download_url"] is None
    assert response.headers["Location"] == f"/api/v1/exports/{body['id']}"
    assert api.get(f"/exports/{body['id']}", secret).status_code == 200
    assert api.get(f"/exports/{body['id']}", other_secret).status_code == 404

    bad = api.request("POST", "/exports", secret, json={"format": "csv", "page": "/admin"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["name"] == "body.page"
    bad = api.request(
        "POST", "/exports", secret, json={"format": "csv", "page": "/", "query": "band=purple&segment=smb"}
    )
    assert bad.status_code == 202  # the valid filter is kept; the bad value is left out and named
    assert bad.get_json()["warnings"] == ["band: 'purple' is not one of red, yellow, green, unscored"]
    someone = make_user(session, role="manager")
    private = save_view(session, someone, name="Private", page="/", query="")
    session.flush()
    hidden = api.request("POST", "/exports", secret, json={"format": "pdf", "view_id": private.id})
    assert hidden.status_code == 404
    del owner


def test_the_file_downloads_over_the_api_for_its_owner_only(
    api, token, session: Session, app, tmp_path
) -> None:
    import secrets

    from dashapp.extensions import EXTENSION_KEY
    from models.export import Export

    runtime = app.extensions[EXTENSION_KEY]
    before = runtime.settings
    runtime.settings = before.with_overrides(export_dir=tmp_path)
    try:
        owner, secret = token("viewer")
        _, other_secret = token("csm")
        done = Export(
            token=secrets.token_urlsafe(24),
            requested_by_id=owner.id,
            format="csv",
            page="/accounts",
            status="finished",
            filename="accounts_2026.csv",
            path="a.csv",
        )
        waiting = Export(token=secrets.token_urlsafe(24), requested_by_id=owner.id, format="pdf", page="/")
        (tmp_path / "a.csv").write_text("# x\nid\n7\n")
        session.add_all([done, waiting])
        session.flush()
        body = api.get(f"/exports/{done.token}", secret).get_json()
        assert body["download_url"] == f"/api/v1/exports/{done.token}/file"
        response = api.get(f"/exports/{done.token}/file", secret)
        assert response.status_code == 200 and response.data == b"# x\nid\n7\n"
        assert response.mimetype == "text/csv"
        response.close()
        assert api.get(f"/exports/{done.token}/file", other_secret).status_code == 404
        assert api.get(f"/exports/{waiting.token}/file", secret).status_code == 409
    finally:
        runtime.settings = before
