"""`POST/DELETE /accounts/{id}/override`: through the scoring façade (audited, applied at once), for roles
that may override scores, with a write token only; every refusal in problem JSON."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditLog
from models.health import AccountHealth
from models.scoring import HealthOverride
from tests.support.factories import make_account
from tests.support.health_rows import make_history

VALID = {"score": 85, "reason": "Renewal signed last week; usage data lags."}


def _scored(session: Session, external_id: str = "ov-1", score: float = 30.0):
    account = make_account(session, external_id=external_id)
    make_history(session, account, [score - 5, score])
    return account


def test_a_csm_sets_an_override_that_shows_at_once(api, token, session: Session) -> None:
    account = _scored(session)
    user, secret = token("csm", "write")
    response = api.request("POST", "/accounts/ov-1/override", secret, json={**VALID, "expires_in_days": 10})
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["score"], body["band"], body["external_id"]) == (85.0, None, "ov-1")
    assert body["expires_on"] == (date.today() + timedelta(days=10)).isoformat()
    assert (body["current_score"], body["current_band"], body["overridden"]) == (85.0, "green", True)
    assert body["created_by_id"] == user.id and body["cleared_on"] is None
    health = api.get("/accounts/ov-1/health", secret).json
    assert (health["score"], health["overridden"], health["computed_score"]) == (85.0, True, 30.0)
    stored = session.scalars(select(HealthOverride).where(HealthOverride.account_id == account.id)).one()
    assert stored.reason == VALID["reason"] and stored.created_by_id == user.id
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "health.override.set")).all()
    assert [a.actor_id for a in audit] == [user.id]


def test_band_only_with_the_default_expiry_and_a_new_override_replaces_the_old(
    api, token, session: Session
) -> None:
    _scored(session, "ov-2", 80.0)
    _, secret = token("admin", "write")
    first = api.request(
        "POST", "/accounts/ov-2/override", secret, json={"band": "red", "reason": "Champion left."}
    )
    assert first.status_code == 201 and first.json["band"] == "red" and first.json["score"] is None
    assert first.json["expires_on"] == (date.today() + timedelta(days=30)).isoformat()
    assert first.json["current_band"] == "red" and first.json["current_score"] == 80.0
    second = api.request("POST", "/accounts/ov-2/override", secret, json={"score": 20, "reason": "Worse."})
    assert second.status_code == 201 and second.json["id"] != first.json["id"]
    assert second.json["current_score"] == 20.0
    in_force = session.scalars(
        select(HealthOverride)
        .where(HealthOverride.cleared_on.is_(None))
        .where(HealthOverride.id.in_([first.json["id"], second.json["id"]]))
    ).all()
    assert [o.id for o in in_force] == [second.json["id"]]


def test_delete_ends_the_override_and_the_computed_score_shows(api, token, session: Session) -> None:
    account = _scored(session, "ov-3", 45.0)
    _, secret = token("csm", "write")
    made = api.request("POST", "/accounts/ov-3/override", secret, json=VALID).json
    response = api.request("DELETE", "/accounts/ov-3/override?reason=Data+caught+up", secret)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["id"] == made["id"] and body["cleared_on"] == date.today().isoformat()
    assert (body["current_score"], body["overridden"]) == (45.0, False)
    current = session.get(AccountHealth, account.id)
    session.refresh(current)
    assert (current.score, current.overridden) == (45.0, False)
    assert session.get(HealthOverride, made["id"]).cleared_reason == "Data caught up"
    again = api.request("DELETE", "/accounts/ov-3/override", secret)
    assert again.status_code == 409 and again.content_type == "application/problem+json"
    assert "no override in force" in again.json["detail"]


def test_unknown_accounts_are_404(api, token) -> None:
    _, secret = token("admin", "write")
    for method, kw in (("POST", {"json": VALID}), ("DELETE", {})):
        response = api.request(method, "/accounts/ov-none/override", secret, **kw)
        assert response.status_code == 404 and "no account" in response.json["detail"]


def test_roles_without_the_permission_and_read_tokens_are_403(api, token, session: Session) -> None:
    _scored(session, "ov-4")
    _, viewer = token("viewer", "write")
    refused = api.request("POST", "/accounts/ov-4/override", viewer, json=VALID)
    assert refused.status_code == 403 and "override" in refused.json["detail"]
    assert api.request("DELETE", "/accounts/ov-4/override", viewer).status_code == 403
    _, read = token("admin", "read")
    refused = api.request("POST", "/accounts/ov-4/override", read, json=VALID)
    assert refused.status_code == 403 and "write" in refused.json["detail"]
    assert api.request("DELETE", "/accounts/ov-4/override", read).status_code == 403
    for role in ("csm", "manager", "admin"):
        _, secret = token(role, "write")
        assert api.request("POST", "/accounts/ov-4/override", secret, json=VALID).status_code == 201
    anonymous = api.request("POST", "/accounts/ov-4/override", json=VALID)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        session.scalar(
            select(AuditLog.id).where(AuditLog.actor_id.is_(None), AuditLog.action == "health.override.set")
        )
        is None
    )


def test_bad_bodies_are_422_naming_the_field_and_change_nothing(api, token, session: Session) -> None:
    account = _scored(session, "ov-5")
    _, secret = token("csm", "write")
    cases = {
        "body": {"reason": "Neither score nor band."},
        "body.reason": {"score": 50},
        "body.score": {"score": 101, "reason": "x"},
        "body.band": {"band": "purple", "reason": "x"},
        "body.expires_in_days": {"score": 50, "reason": "x", "expires_in_days": 400},
        "body.colour": {"score": 50, "reason": "x", "colour": "red"},
    }
    for name, body in cases.items():
        response = api.request("POST", "/accounts/ov-5/override", secret, json=body)
        assert response.status_code == 422, (name, response.json)
        assert response.content_type == "application/problem+json"
        assert name in [e["name"] for e in response.json["errors"]], (name, response.json)
    blank = api.request("POST", "/accounts/ov-5/override", secret, json={"score": 50, "reason": "   "})
    assert blank.status_code == 422 and blank.json["errors"][0]["name"] == "body.reason"
    nul = api.request("POST", "/accounts/ov-5/override", secret, json={"score": 50, "reason": "a\x00b"})
    assert nul.status_code == 422
    assert (
        api.request(
            "POST", "/accounts/ov-5/override", secret, data="{", content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        api.request(
            "POST", "/accounts/ov-5/override", secret, data="x", content_type="text/plain"
        ).status_code
        == 415
    )
    assert session.scalar(select(HealthOverride.id).where(HealthOverride.account_id == account.id)) is None
    bad_query = api.request("DELETE", "/accounts/ov-5/override?reason=", secret)
    assert bad_query.status_code == 400 and bad_query.json["errors"][0]["name"] == "reason"
