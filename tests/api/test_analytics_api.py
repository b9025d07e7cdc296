"""`/segments` and `/analytics/revenue-impact` over real HTTP (gunicorn): success, ETag, and each error."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dashapp.analytics.segment_store import store
from dashapp.analytics.segmentation import segment
from dashapp.tokens import create_token
from models.billing import Invoice
from models.db import Database
from tests.analytics.test_segmentation import book as feature_book
from tests.api.test_live import http
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_snapshot

pytestmark = pytest.mark.slow


def _token(session, role: str = "viewer") -> str:
    user = make_user(session, role=role)
    return create_token(session, user, name="analytics", scope="read").secret


def test_segments_before_and_after_a_run(api_server, committed: Database) -> None:
    with committed.transaction() as session:
        secret = _token(session)
    url = f"{api_server.url}/api/v1/segments"
    status, _, body = http("GET", url, secret)
    assert status == 200 and json.loads(body) == {
        "run": None,
        "data": [],
        "method": json.loads(body)["method"],
    }

    with committed.transaction() as session:
        frame = feature_book()
        ids = {old: make_account(session, external_id=f"api-seg-{old}").id for old in frame.index}
        frame.index = [ids[i] for i in frame.index]
        store(session, segment(frame, k=3, reruns=3), date(2026, 6, 1))
    status, headers, body = http("GET", url, secret)
    data = json.loads(body)
    assert status == 200 and data["run"]["k"] == 3 and data["run"]["accounts"] == 220
    assert len(data["run"]["stability_reruns"]) == 3 and 0.9 < data["run"]["stability"] <= 1
    heavy = next(s for s in data["data"] if s["name"] == "Heavy users, many tickets")
    assert heavy["size"] == 60 and heavy["accounts_url"] == f"/api/v1/accounts?cluster={heavy['cluster']}"
    assert {f["key"] for f in heavy["defining"]} >= {"active_users", "tickets"}
    etag = headers["ETag"]
    conditional = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {secret}", "If-None-Match": etag}
    )
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(conditional, timeout=10)
    not_modified.value.close()
    assert not_modified.value.code == 304

    # the segment's accounts through the accounts resource and the cluster filter
    status, _, body = http("GET", f"{api_server.url}{heavy['accounts_url']}&limit=500", secret)
    assert status == 200 and len(json.loads(body)["data"]) == 60

    for bad, name in (("cluster=0", "cluster"), ("cluster=x", "cluster"), ("cluster=21", "cluster")):
        status, headers, body = http("GET", f"{api_server.url}/api/v1/accounts?{bad}", secret)
        problem = json.loads(body)
        assert status == 400 and headers["Content-Type"].startswith("application/problem+json")
        assert (
            problem["errors"][0]["name"] == name
            and "behaviour segment number" in problem["errors"][0]["message"]
        )

    status, _, body = http("GET", f"{url}?k=3", secret)
    assert status == 400 and json.loads(body)["errors"] == [
        {"name": "k", "message": "is not a parameter of this operation"}
    ]
    assert http("GET", url)[0] == 401
    assert http("GET", url, "hd_not-a-token")[0] == 401
    assert http("POST", url, secret)[0] == 405


AS_OF = date.today() - timedelta(days=120)


def _scored(session, score: float, start: int, end: int | None, churned: datetime | None = None) -> None:
    account = make_account(session, churned_at=churned, segment="smb" if score < 50 else "enterprise")
    make_snapshot(session, account, AS_OF, score)
    issued = [(AS_OF - timedelta(days=10), start)]
    if end is not None:
        issued.append((AS_OF + timedelta(days=80), end))
    for n, (day, amount) in enumerate(issued):
        session.add(
            Invoice(
                external_id=f"api-ri-{account.id}-{n}",
                account_id=account.id,
                amount=Decimal(amount),
                status="paid",
                issued_at=datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
            )
        )


def test_revenue_impact_success_and_errors(api_server, committed: Database) -> None:
    with committed.transaction() as session:
        secret = _token(session)
    url = f"{api_server.url}/api/v1/analytics/revenue-impact"
    status, _, body = http("GET", url, secret)
    empty = json.loads(body)
    assert status == 200 and empty["available"] is False and "90 days old" in empty["reason"]
    assert empty["book"] is None and empty["bands"] == []

    with committed.transaction() as session:
        churn_day = datetime.combine(AS_OF + timedelta(days=30), datetime.min.time(), tzinfo=UTC)
        _scored(session, 10, 1000, None, churned=churn_day)
        _scored(session, 20, 1000, 500)
        _scored(session, 90, 1000, 1500)
        _scored(session, 95, 1000, 1000)
    status, headers, body = http("GET", url, secret)
    data = json.loads(body)
    assert (
        status == 200 and data["available"] and data["as_of"] == AS_OF.isoformat() and data["window_complete"]
    )
    assert data["book"]["counts"] == {"churned": 1, "contracted": 1, "expanded": 1, "flat": 1}
    assert data["book"]["arr_share"]["churned"]["value"] == pytest.approx(0.25)
    assert data["book"]["arr_share"]["contracted"]["value"] == pytest.approx(0.125)
    assert data["book"]["arr_interval"] == "bootstrap" and "Wilson" in data["method"]
    assert [b["group"] for b in data["bands"]] == ["red", "green"] and len(data["deciles"]) == 4
    assert "ETag" in headers

    # filters select accounts by what they are now (here their segment), bands come from the as-of snapshot
    same = json.loads(http("GET", f"{url}?as_of={AS_OF.isoformat()}&segment=smb", secret)[2])
    assert same["book"]["accounts"] == 2 and [b["group"] for b in same["bands"]] == ["red"]

    for query, name in (
        ("as_of=yesterday", "as_of"),
        (f"as_of={(date.today() + timedelta(days=1)).isoformat()}", "as_of"),
        ("horizon_days=5", "horizon_days"),
        ("band=purple", "band"),
        ("cluster=abc", "cluster"),
        ("colour=red", "colour"),
    ):
        status, headers, body = http("GET", f"{url}?{query}", secret)
        problem = json.loads(body)
        assert status == 400, (query, problem)
        assert headers["Content-Type"].startswith("application/problem+json")
        assert problem["errors"][0]["name"] == name, problem
    assert http("GET", url)[0] == 401
    assert http("DELETE", url, secret)[0] == 405
