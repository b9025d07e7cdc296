"""`/fx-rates`: admins post rates (validated, all or nothing, idempotent); anyone with read access lists them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.tokens import create_token
from models.fx import FxRate
from tests.support.factories import make_user

RATES = {
    "rates": [
        {"day": "2026-12-04", "currency": "USD", "rate": 1.0530},
        {"day": "2026-12-04", "currency": "GBP", "rate": 0.8412},
        {"day": "2026-12-03", "currency": "USD", "rate": 1.0495},
    ]
}


@pytest.fixture
def call(client: FlaskClient, session: Session) -> Callable[..., Any]:
    secrets: dict[tuple[str, str], str] = {}

    def _call(method: str, path: str, role: str = "admin", scope: str = "write", **kw: Any) -> Any:
        if (role, scope) not in secrets:
            user = make_user(session, role=role)
            secrets[(role, scope)] = create_token(session, user, name="fx", scope=scope).secret
            session.flush()
        headers = {"Authorization": f"Bearer {secrets[(role, scope)]}"}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    return _call


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FxRate)) or 0


def test_an_admin_posts_rates_twice_and_anyone_lists_them(call, session: Session) -> None:
    first = call("POST", "/fx-rates", json=RATES)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {
        "rates": 3,
        "days": 2,
        "currencies": ["GBP", "USD"],
        "first_day": "2026-12-03",
        "last_day": "2026-12-04",
    }
    assert call("POST", "/fx-rates", json=RATES).status_code == 200
    assert _count(session) == 3
    listed = call("GET", "/fx-rates?currency=USD", role="viewer", scope="read")
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["reporting_currency"] == "USD"
    assert [(r["day"], r["rate"], r["source"]) for r in body["data"]] == [
        ("2026-12-04", "1.05300000", "api"),
        ("2026-12-03", "1.04950000", "api"),
    ]


def test_only_admins_post_and_bad_rates_are_refused_naming_the_field(call, session: Session) -> None:
    assert call("POST", "/fx-rates", role="manager", json=RATES).status_code == 403
    bad_rate = {"rates": [RATES["rates"][0], {"day": "2026-12-04", "currency": "GBP", "rate": -1}]}
    refused = call("POST", "/fx-rates", json=bad_rate)
    assert refused.status_code in (400, 422)
    assert any("rates" in e["name"] and "rate" in e["name"] for e in refused.get_json()["errors"])
    for bad, field in (
        ({"day": "2026-12-04", "currency": "usd", "rate": 1}, "currency"),
        ({"day": "2026-12-04", "currency": "EUR", "rate": 1}, "currency"),
        ({"day": "04/12/2026", "currency": "USD", "rate": 1}, "day"),
    ):
        response = call("POST", "/fx-rates", json={"rates": [bad]})
        assert response.status_code in (400, 422), bad
        assert any(field in e["name"] for e in response.get_json()["errors"]), response.get_json()
    twice = {"rates": [RATES["rates"][0], RATES["rates"][0]]}
    assert call("POST", "/fx-rates", json=twice).status_code == 422
    assert _count(session) == 0  # nothing half-saved
