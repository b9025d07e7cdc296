"""`/views` and `/views/{id}/accounts`: the caller's own and the team's saved views (never another user's
private one), and the accounts a view resolves to through THE filter model, paged like `/accounts`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dashapp.saved_views import save_view
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_history


def _book(session: Session) -> None:
    for i, (segment, score) in enumerate(
        [("smb", 20.0), ("smb", 35.0), ("smb", 80.0), ("enterprise", 25.0), ("smb", 30.0)]
    ):
        make_history(session, make_account(session, external_id=f"vw-{i}", segment=segment), [score])


def test_own_and_team_views_are_listed_never_others_private(api, token, session: Session) -> None:
    me, secret = token("csm")
    other = make_user(session, role="csm")
    mine = save_view(session, me, name="My reds", page="/accounts", query="band=red&sort=-score")
    shared = save_view(
        session, other, name="Team SMB", page="/accounts", query="segment=smb", visibility="team"
    )
    save_view(session, other, name="Their private", page="/accounts", query="segment=enterprise")
    session.flush()
    response = api.get("/views", secret)
    assert response.status_code == 200, response.json
    views = {v["name"]: v for v in response.json["data"]}
    assert set(views) == {"My reds", "Team SMB"}
    assert views["My reds"]["mine"] is True and views["Team SMB"]["mine"] is False
    assert views["My reds"]["query"] == "band=red" and views["My reds"]["sort"] == "-score"
    assert views["My reds"]["url"] == "/accounts?band=red&sort=-score"
    assert views["Team SMB"]["visibility"] == "team" and views["Team SMB"]["owner_id"] == other.id
    assert views["My reds"]["accounts_url"] == f"/api/v1/views/{mine.id}/accounts"
    assert views["Team SMB"]["id"] == shared.id and response.headers["ETag"]


def test_a_view_resolves_to_its_accounts_in_its_sort_with_cursor_paging(api, token, session: Session) -> None:
    _book(session)
    me, secret = token("viewer")
    view = save_view(
        session, me, name="SMB at risk", page="/accounts", query="segment=smb&score_max=50&sort=-score"
    )
    session.flush()
    first = api.get(f"/views/{view.id}/accounts?limit=2", secret)
    assert first.status_code == 200, first.json
    assert [a["external_id"] for a in first.json["data"]] == ["vw-1", "vw-4"]
    assert first.json["has_more"] is True and 'rel="next"' in first.headers["Link"]
    second = api.get(f"/views/{view.id}/accounts?limit=2&cursor={first.json['next_cursor']}", secret).json
    assert [a["external_id"] for a in second["data"]] == ["vw-0"] and second["next_cursor"] is None
    # The same rows as /accounts with the view's filters: one filter model, one query.
    same = api.get("/accounts?segment=smb&score_max=50&sort=-score", secret).json
    assert [a["external_id"] for a in same["data"]] == ["vw-1", "vw-4", "vw-0"]
    assert first.json["data"][0] == same["data"][0]
    by_name = api.get(f"/views/{view.id}/accounts?sort=-name", secret).json["data"]
    names = [a["name"] for a in by_name]
    assert len(names) == 3 and names == sorted(names, reverse=True)
    # A cursor belongs to its listing: not to /accounts, not to another sort.
    wrong = api.get(
        f"/accounts?segment=smb&score_max=50&sort=-score&cursor={first.json['next_cursor']}", secret
    )
    assert wrong.status_code == 400 and wrong.json["errors"][0]["name"] == "cursor"
    resorted = api.get(f"/views/{view.id}/accounts?sort=name&cursor={first.json['next_cursor']}", secret)
    assert resorted.status_code == 400


def test_team_views_resolve_for_teammates_private_ones_are_404(api, token, session: Session) -> None:
    _book(session)
    owner = make_user(session, role="manager")
    team = save_view(
        session, owner, name="Enterprise", page="/accounts", query="segment=enterprise", visibility="team"
    )
    private = save_view(session, owner, name="Mine only", page="/accounts", query="segment=smb")
    session.flush()
    for role in ("viewer", "csm", "manager", "admin"):
        _, secret = token(role)
        shown = api.get(f"/views/{team.id}/accounts", secret)
        assert shown.status_code == 200 and [a["external_id"] for a in shown.json["data"]] == ["vw-3"]
        hidden = api.get(f"/views/{private.id}/accounts", secret)
        assert hidden.status_code == 404 and hidden.content_type == "application/problem+json"
    for view_id in ("999999999", "abc", "-1", "1" * 30):
        _, secret = token()
        assert api.get(f"/views/{view_id}/accounts", secret).status_code == 404


def test_errors_and_credentials(api, token, session: Session) -> None:
    me, secret = token("viewer")
    view = save_view(session, me, name="All", page="/accounts", query="")
    session.flush()
    assert api.get("/views").status_code == 401
    assert api.get(f"/views/{view.id}/accounts").status_code == 401
    bad = api.get(f"/views/{view.id}/accounts?limit=0&sort=nope", secret)
    assert bad.status_code == 400 and {e["name"] for e in bad.json["errors"]} == {"limit", "sort"}
    stray = api.get("/views?segment=smb", secret)
    assert stray.status_code == 400 and stray.json["errors"][0]["name"] == "segment"
    # A read token is enough: these are reads.
    _, read = token("viewer", "read")
    assert api.get("/views", read).status_code == 200
    assert api.request("POST", "/views", read).status_code == 405
