"""`/accounts/{id}/health` and `/health/history`: the breakdown, why it moved, and the daily series."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from tests.support.factories import make_account
from tests.support.health_rows import make_history, make_snapshot


def test_current_health_has_the_breakdown_and_why(api, token, session: Session) -> None:
    account = make_account(session, external_id="h-1")
    make_history(session, account, [50, 55, 60, 62, 58, 61, 64, 66], explanation_text="Support tickets fell.")
    _, secret = token("viewer")
    response = api.get("/accounts/h-1/health", secret)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["score"] == 66 and body["band"] == "yellow" and body["overridden"] is False
    assert body["day"] == date.today().isoformat()
    assert body["trend"]["change7"] == 66 - 50  # 7 days before the last of 8 days
    assert [m["key"] for m in body["measures"]] == ["usage", "support", "billing"]
    assert round(sum(m["contribution"] for m in body["measures"]), 6) == 66
    assert body["why"] == "Support tickets fell."
    assert response.headers["ETag"]


def test_overridden_score_shows_what_was_computed(api, token, session: Session) -> None:
    account = make_account(session, external_id="h-2")
    make_history(session, account, [30.0])
    from models.health import AccountHealth

    row = session.get(AccountHealth, account.id)
    row.score, row.band, row.overridden = 80.0, "green", True
    session.flush()
    _, secret = token()
    body = api.get("/accounts/h-2/health", secret).json
    assert (body["score"], body["band"], body["overridden"]) == (80.0, "green", True)
    assert (body["computed_score"], body["computed_band"]) == (30.0, "red")


def test_unscored_and_unknown_accounts_are_404_with_different_words(api, token, session: Session) -> None:
    make_account(session, external_id="h-new")
    _, secret = token()
    unscored = api.get("/accounts/h-new/health", secret)
    assert unscored.status_code == 404 and "no health score yet" in unscored.json["detail"]
    unknown = api.get("/accounts/h-none/health", secret)
    assert unknown.status_code == 404 and "no account" in unknown.json["detail"]
    assert api.get("/accounts/h-none/health/history", secret).status_code == 404


def test_history_window(api, token, session: Session) -> None:
    account = make_account(session, external_id="h-3")
    scores = [float(40 + i % 30) for i in range(120)]
    make_history(session, account, scores)
    _, secret = token()
    default = api.get("/accounts/h-3/health/history", secret).json
    assert len(default["points"]) == 90 and default["to"] == date.today().isoformat()
    assert default["points"][-1]["score"] == scores[-1]
    days = [p["day"] for p in default["points"]]
    assert days == sorted(days)
    start = date.today() - timedelta(days=9)
    window = api.get(
        "/accounts/h-3/health/history",
        secret,
        query_string={"from": start.isoformat(), "to": str(date.today())},
    ).json
    assert window["from"] == start.isoformat() and len(window["points"]) == 10
    make_snapshot(session, account, date(2020, 1, 1), 12.0)
    old = api.get(
        "/accounts/h-3/health/history", secret, query_string={"from": "2019-12-01", "to": "2020-01-31"}
    )
    assert [(p["day"], p["score"], p["band"]) for p in old.json["points"]] == [("2020-01-01", 12.0, "red")]


def test_history_bad_windows_are_400(api, token, session: Session) -> None:
    make_account(session, external_id="h-4")
    _, secret = token()
    for query, name in (
        ({"from": "2025-02-01", "to": "2025-01-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "0001-01-01"}, "to"),
        ({"segment": "smb"}, "segment"),
    ):
        response = api.get("/accounts/h-4/health/history", secret, query_string=query)
        assert response.status_code == 400, (query, response.json)
        assert name in {e["name"] for e in response.json["errors"]}
