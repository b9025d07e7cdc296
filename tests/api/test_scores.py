"""`/scores`: paged JSON, or every matching account streamed as NDJSON or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy.orm import Session

from tests.support.factories import make_account
from tests.support.health_rows import make_health


@pytest.fixture
def scored(session: Session) -> list[str]:
    ids = []
    for i in range(25):
        account = make_account(session, external_id=f"s-{i:02d}", name=f"Name, with comma {i}", segment="smb")
        if i < 20:
            make_health(session, account, float(i * 5), delta_7=1.5)
        ids.append(account.external_id)
    make_account(session, external_id="other", segment="enterprise")
    return ids


def test_json_pages(api, token, scored) -> None:
    _, secret = token()
    first = api.get("/scores", secret, query_string={"segment": "smb", "limit": "10", "sort": "-score"})
    assert first.status_code == 200 and first.content_type == "application/json"
    rows = first.json["data"]
    assert [r["external_id"] for r in rows[:2]] == ["s-19", "s-18"]
    assert set(rows[0]) == {
        "external_id",
        "name",
        "score",
        "band",
        "overridden",
        "score_day",
        "change7",
        "change30",
        "change90",
    }
    second = api.get(
        "/scores",
        secret,
        query_string={"segment": "smb", "limit": "10", "sort": "-score", "cursor": first.json["next_cursor"]},
    )
    third = api.get(
        "/scores",
        secret,
        query_string={
            "segment": "smb",
            "limit": "10",
            "sort": "-score",
            "cursor": second.json["next_cursor"],
        },
    )
    ids = [r["external_id"] for page in (first, second, third) for r in page.json["data"]]
    assert sorted(ids) == scored and third.json["has_more"] is False


def test_ndjson_streams_every_matching_account(api, token, scored) -> None:
    _, secret = token()
    response = api.get("/scores", secret, query_string={"segment": "smb", "format": "ndjson", "limit": "1"})
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.is_streamed and "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    lines = response.get_data(as_text=True).splitlines()
    rows = [json.loads(line) for line in lines]
    assert sorted(r["external_id"] for r in rows) == scored  # `limit` pages JSON only
    by_id = {r["external_id"]: r for r in rows}
    assert (
        by_id["s-03"]["score"] == 15.0 and by_id["s-03"]["band"] == "red" and by_id["s-03"]["change7"] == 1.5
    )
    assert by_id["s-22"]["score"] is None and by_id["s-22"]["band"] is None


def test_csv_by_accept_header(api, token, scored) -> None:
    _, secret = token()
    response = api.get("/scores", secret, query_string={"band": "green"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["external_id"] for r in rows] == ["s-14", "s-15", "s-16", "s-17", "s-18", "s-19"]
    assert rows[0]["name"] == "Name, with comma 14" and rows[0]["score"] == "70.0"
    assert rows[0]["overridden"] == "false" and rows[0]["change30"] == ""


def test_empty_csv_still_has_its_header(api, token, scored) -> None:
    _, secret = token()
    response = api.get("/scores", secret, query_string={"format": "csv", "q": "no such account"})
    assert response.get_data(as_text=True).splitlines() == [
        "external_id,name,score,band,overridden,score_day,change7,change30,change90"
    ]


def test_ndjson_by_accept_header_and_406_for_other_formats(api, token, scored) -> None:
    _, secret = token()
    ndjson = api.get("/scores", secret, headers={"Accept": "application/x-ndjson"})
    assert (
        ndjson.mimetype == "application/x-ndjson"
        and len(ndjson.get_data(as_text=True).splitlines()) == 20 + 6
    )
    refused = api.get("/scores", secret, headers={"Accept": "application/xml"})
    assert refused.status_code == 406 and refused.content_type == "application/problem+json"
    assert api.get("/scores", secret, headers={"Accept": "*/*"}).content_type == "application/json"


def test_streams_refuse_a_cursor_and_bad_formats(api, token, scored) -> None:
    _, secret = token()
    page = api.get("/scores", secret, query_string={"limit": "2"})
    with_cursor = api.get(
        "/scores", secret, query_string={"format": "csv", "cursor": page.json["next_cursor"]}
    )
    assert with_cursor.status_code == 400 and with_cursor.json["errors"][0]["name"] == "cursor"
    bad = api.get("/scores", secret, query_string={"format": "xlsx"})
    assert bad.status_code == 400 and bad.json["errors"][0]["name"] == "format"


def test_csv_neutralises_formula_text_and_keeps_negative_numbers(api, token, session) -> None:
    account = make_account(session, external_id="=evil", name="@SUM(1+1)*cmd|' /C calc'!A0", segment="smb")
    make_health(session, account, 40.0, delta_7=-3.5)
    _, secret = token()
    response = api.get("/scores", secret, query_string={"format": "csv", "segment": "smb"})
    (row,) = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["external_id"] == "'=evil" and row["name"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["change7"] == "-3.5"
