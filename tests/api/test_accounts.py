"""`/accounts` and `/accounts/{external_id}`: filters through THE filter model, cursor pages, details."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from tests.support.factories import make_account, make_user, utc
from tests.support.health_rows import make_health


@pytest.fixture
def book(session: Session) -> dict:
    """Twelve accounts: scores 5..95 in three bands, two unscored, one churned."""
    accounts = {}
    for i in range(10):
        account = make_account(
            session,
            external_id=f"b-{i:02d}",
            name=f"Book {i:02d}",
            segment="enterprise" if i % 2 else "smb",
            mrr=Decimal(100 * (i + 1)),
        )
        make_health(session, account, 5 + 10 * i, delta_30=float(i - 5))
        accounts[account.external_id] = account
    for i in (10, 11):
        accounts[f"b-{i}"] = make_account(session, external_id=f"b-{i}", name=f"Book {i}", segment="smb")
    churned = make_account(session, external_id="b-churned", name="Gone", churned_at=utc(2025, 1, 1))
    make_health(session, churned, 10)
    return accounts


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["external_id"] for row in response.json["data"]]


def test_list_shows_fields_score_band_and_trend(api, token, book) -> None:
    _, secret = token()
    response = api.get("/accounts", secret, query_string={"q": "Book 03"})
    (row,) = response.json["data"]
    assert row["external_id"] == "b-03" and row["segment"] == "enterprise"
    assert row["mrr"] == "400.00" and row["arr"] == "4800.00" and row["currency"] == "USD"
    assert row["score"] == 35 and row["band"] == "red" and row["overridden"] is False
    assert row["trend"] == {"change7": None, "change30": -2.0, "change90": None}
    assert response.json["has_more"] is False and response.json["next_cursor"] is None


def test_filters_are_the_explore_filters(api, token, book) -> None:
    _, secret = token()
    assert _ids(api.get("/accounts", secret, query_string={"band": "green"})) == ["b-07", "b-08", "b-09"]
    assert set(_ids(api.get("/accounts", secret, query_string={"band": "unscored"}))) == {"b-10", "b-11"}
    smb_high = api.get("/accounts", secret, query_string={"segment": "smb", "score_min": "50"})
    assert _ids(smb_high) == ["b-06", "b-08"]
    assert _ids(api.get("/accounts", secret, query_string={"change30_max": "-4"})) == ["b-00", "b-01"]
    assert "b-churned" in _ids(api.get("/accounts", secret, query_string={"status": "churned"}))
    assert "b-churned" not in _ids(api.get("/accounts", secret))
    both = api.get("/accounts", secret, query_string=[("segment", "smb"), ("segment", "enterprise")])
    assert len(_ids(both)) == 12


def test_bad_filters_are_400_naming_each_bad_value(api, token, book) -> None:
    _, secret = token()
    response = api.get(
        "/accounts",
        secret,
        query_string={"band": "purple", "score_min": "abc", "renewal_from": "2025-13-01", "colour": "red"},
    )
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    names = {e["name"] for e in response.json["errors"]}
    assert names == {"band", "score_min", "renewal_from", "colour"}
    assert "purple" in str(response.json["errors"])


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"sort": "colour"}, "sort"),
        ({"cursor": "garbage"}, "cursor"),
        ({"score_min": "60", "score_max": "10"}, "score_min"),
    ],
)
def test_bad_paging_values_are_400(api, token, book, query: dict, name: str) -> None:
    _, secret = token()
    response = api.get("/accounts", secret, query_string=query)
    assert response.status_code == 400, response.json
    assert name in {e["name"] for e in response.json["errors"]}


@pytest.mark.parametrize("sort", ["-score", "score", "name", "-arr,name", "band,-change30", "renewal_date"])
def test_cursor_pages_cover_every_account_once(api, token, book, sort: str) -> None:
    _, secret = token()
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "5", "sort": sort, **({"cursor": cursor} if cursor else {})}
        response = api.get("/accounts", secret, query_string=query)
        seen += _ids(response)
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
        assert response.headers["Link"].endswith('rel="next"') and "cursor=" in response.headers["Link"]
    assert pages == 3
    assert sorted(seen) == sorted(book) and len(seen) == len(set(seen))
    if sort == "-score":
        assert seen[0] == "b-09" and seen[-2:] == ["b-10", "b-11"]  # unscored last, id breaks the tie


def test_a_cursor_only_works_with_its_own_filters(api, token, book) -> None:
    _, secret = token()
    first = api.get("/accounts", secret, query_string={"limit": "2", "segment": "smb"})
    cursor = first.json["next_cursor"]
    other = api.get(
        "/accounts", secret, query_string={"limit": "2", "segment": "enterprise", "cursor": cursor}
    )
    assert other.status_code == 400 and other.json["errors"][0]["name"] == "cursor"
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    assert api.get("/accounts", secret, query_string={"limit": "2", "cursor": tampered}).status_code == 400


def test_account_detail(api, token, session: Session, book) -> None:
    owner = make_user(session, role="csm", name="Casey")
    parent = book["b-01"]
    account = make_account(
        session,
        external_id="child-1",
        name="Child",
        parent_id=parent.id,
        owner_id=owner.id,
        custom_attributes={"tier": "gold", "seats": 12},
    )
    make_health(session, account, 72.5, explanation_text="Logins rose 20% this week.", delta_7=3.5)
    _, secret = token()
    response = api.get("/accounts/child-1", secret)
    assert response.status_code == 200
    body = response.json
    assert body["parent_external_id"] == "b-01"
    assert body["owner"] == {"id": owner.id, "email": owner.email, "name": "Casey"}
    assert body["custom_attributes"] == {"tier": "gold", "seats": 12}
    assert body["score"] == 72.5 and body["band"] == "green" and body["trend"]["change7"] == 3.5
    assert body["why"] == "Logins rose 20% this week."
    unscored = api.get("/accounts/b-10", secret).json
    assert unscored["score"] is None and unscored["band"] is None and unscored["why"] is None


@pytest.mark.parametrize("external_id", ["nope", "%00", "a%0Ab", "x" * 300])
def test_unknown_account_is_404(api, token, external_id: str) -> None:
    _, secret = token()
    response = api.get(f"/accounts/{external_id}", secret)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_the_api_is_stricter_than_a_form_about_what_it_drops(api, token, book) -> None:
    """The filter model quietly merges repeats and drops blank or unprintable values (as form fields send
    them); an API client is told instead, except for free text, where control characters are only noise."""
    _, secret = token()
    cases = [
        ([("segment", "smb")] * 101, "segment"),
        ([("q", "x" * 201)], "q"),
        ([("score_min", "\x01")], "score_min"),
        ([("colour", "")], "colour"),
    ]
    for query, name in cases:
        response = api.get("/accounts", secret, query_string=query)
        assert response.status_code == 400, (name, response.json)
        assert name in {e["name"] for e in response.json["errors"]}
    blank_text = api.get("/accounts", secret, query_string=[("segment", "\x01"), ("score_min", "")])
    assert blank_text.status_code == 200 and len(blank_text.json["data"]) == 12
