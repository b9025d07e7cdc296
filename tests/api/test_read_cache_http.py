"""The read cache behind the API: `/kpis` asked twice is answered once from PostgreSQL and once from Redis
(counted on /metrics), and an override through the API bumps the data version so the next answer is fresh."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from dashapp.cache import read_version
from tests.ops.conftest import sample_value, scrape
from tests.support.factories import make_account
from tests.support.health_rows import make_history

LOOKUPS = "healthdash_read_cache_lookups_total"


def _lookups(client: FlaskClient, outcome: str) -> float:
    found = sample_value(scrape(client).get("healthdash_read_cache_lookups", []), LOOKUPS, outcome=outcome)
    return found or 0.0


def test_a_repeated_question_is_answered_from_the_cache(
    api, token, client: FlaskClient, session: Session
) -> None:
    for i, score in enumerate((30.0, 50.0, 90.0)):
        make_history(session, make_account(session, external_id=f"rc-{i}"), [score, score])
    session.flush()
    _user, secret = token()
    hits, misses = _lookups(client, "hits"), _lookups(client, "misses")
    first = api.get("/kpis", secret).json
    # Changed behind the cache's back (no write path, so no bump): only a cached answer still says 3.
    session.execute(text("DELETE FROM account_health WHERE account_id = (SELECT min(id) FROM accounts)"))
    session.execute(text("DELETE FROM accounts WHERE id = (SELECT min(id) FROM accounts)"))
    session.flush()
    second = api.get("/kpis", secret).json
    assert second == first and first["accounts"] == 3
    assert _lookups(client, "misses") == misses + 1 and _lookups(client, "hits") == hits + 1
    other = api.get("/kpis?segment=nothing-like-this", secret).json
    assert other["accounts"] == 0  # other filters: an entry of their own


def test_an_override_bumps_the_version_and_the_kpis_follow(
    api, token, app, client: FlaskClient, session: Session, redis_client
) -> None:
    make_history(session, make_account(session, external_id="rc-ov"), [30.0, 30.0])
    session.flush()
    _user, secret = token("admin", "write")
    before = api.get("/kpis", secret).json
    assert before["avg_score"] == 30.0
    version = read_version(redis_client, app.extensions["healthdash"].settings.redis_namespace)
    made = api.request(
        "POST",
        "/accounts/rc-ov/override",
        secret,
        json={"score": 80, "reason": "Renewal signed.", "expires_in_days": 5},
    )
    assert made.status_code == 201, made.json
    assert read_version(redis_client, app.extensions["healthdash"].settings.redis_namespace) == version + 1
    assert api.get("/kpis", secret).json["avg_score"] == 80.0
