"""Property-based tests of the whole API against its own OpenAPI document (schemathesis), over real HTTP.

Every operation gets generated requests (valid ones and deliberately broken ones) with a valid write token,
sent to the real server; every built-in check must pass: no 5xx, every status documented, bodies, content
types and headers as documented, invalid input refused with 4xx, authentication not ignored, 405 with
`Allow` for undocumented methods.

The document is built in-process at collection time (the server is not up yet); the first test proves the
server serves exactly that document at /api/v1/openapi.json.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from dashapp.alerts.rules import KINDS
from dashapp.api import openapi_document
from dashapp.tokens import hash_token
from models.api_token import ApiToken
from models.db import Database
from tests.support.database import truncate_all
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_history

pytestmark = pytest.mark.slow

# Far from the small ids a generator tries first, so `DELETE /tokens/{id}` does not revoke the token in use.
TOKEN_ID = 987_654_321_987
SECRET = "hd_schemathesis-" + "s" * 40

DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
# A generated URL longer than gunicorn's 4 KB request line is refused by gunicorn itself with 414, which is
# a rejection too (and documented on the operations with filters).
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "414"]
# A valid request whose If-Match is not the resource's current version is rightly refused with 412, and a
# versioned write without If-Match with 428 (Precondition Required), which is how HTTP says it is missing.
_acceptance = schema.config.checks.positive_data_acceptance
_acceptance.expected_statuses = [*_acceptance.expected_statuses, "412"]
_missing_header = schema.config.checks.missing_required_header
_missing_header.expected_statuses = [*_missing_header.expected_statuses, "428"]


@pytest.fixture(scope="module")
def seeded(db: Database) -> Iterator[str]:
    """Committed rows for the server: an admin's write token, scored and unscored accounts."""
    with db.transaction() as session:
        user = make_user(session, role="admin")
        for i in range(5):
            account = make_account(session, external_id=f"st-{i}", segment="smb")
            make_history(
                session, account, [40.0 + i, 50.0 + i, 60.0 + i], end=date.today() - timedelta(days=i)
            )
        make_account(session, external_id="st-unscored")
        session.add(
            ApiToken(
                id=TOKEN_ID,
                user_id=user.id,
                name="schemathesis",
                prefix=SECRET[:11],
                token_hash=hash_token(SECRET),
                scope="write",
            )
        )
    yield SECRET
    truncate_all(db.engine)


def test_the_server_serves_this_document(api_server) -> None:
    with urllib.request.urlopen(f"{api_server.url}/api/v1/openapi.json", timeout=10) as response:
        assert json.loads(response.read()) == json.loads(json.dumps(DOCUMENT))


@schema.parametrize()
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_contract(case, api_server, seeded: str) -> None:
    case.call_and_validate(base_url=f"{api_server.url}/api/v1", headers={"Authorization": f"Bearer {seeded}"})


# Valid parameters for every alert-rule kind.
RULE_PARAMS = {
    "score_below": {"threshold": 40},
    "band_changed": {"to": "red"},
    "score_drop": {"points": 15},
    "churn_probability": {"probability": 0.5},
    "payment_failed": {},
    "invoice_overdue": {},
    "urgent_ticket": {},
    "ticket_volume": {"count": 3},
    "usage_drop": {"percent": 30},
    "nps_detractor": {},
    "renewal_not_green": {},
    "no_login": {},
    "enters_view": {"query": "band=red"},
}
assert set(RULE_PARAMS) == set(KINDS), "every alert-rule kind needs valid parameters here"
RANGES = [(f"{name}_min", f"{name}_max") for name in ("score", "change7", "change30", "change90", "arr")]
RANGES += [("renewal_from", "renewal_to"), ("from", "to")]


@schema.hook
def map_case(context, case):
    """Valid-by-schema requests that only a server can judge: an opaque cursor (signed; a made-up one is
    rightly refused), accounts to recompute that do not exist, and ranges whose ends arrive crossed (rules
    JSON Schema cannot state). Tests in test_accounts.py, test_health.py and test_recompute.py cover the
    refusals."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case
    if isinstance(case.body, dict) and case.body.get("accounts"):
        case.body["accounts"] = ["st-0", "st-1"][: len(case.body["accounts"])]  # ids that exist
    if isinstance(case.body, dict) and case.body.get("kind") in RULE_PARAMS:
        # An alert rule: its parameters depend on its kind, its scope is a filter expression and the users
        # it routes to must exist. tests/alerts/test_api.py covers the refusals.
        case.body.update(params=RULE_PARAMS[case.body["kind"]], scope="", routing=[{"to": "owner"}])
        case.body.pop("playbook_id", None)  # a playbook that exists: tests/tasks/test_api.py
    if isinstance(case.body, dict) and isinstance(case.body.get("escalation"), list):
        # Escalation steps come each later than the one before (JSON Schema cannot state that).
        steps = {
            s["after_hours"]: s for s in case.body["escalation"] if isinstance(s, dict) and "after_hours" in s
        }
        case.body["escalation"] = [steps[hours] for hours in sorted(steps)]
    if isinstance(case.body, dict) and {"account_id", "title", "due"} <= case.body.keys():
        # A task is for an account, an assignee and a playbook that exist (tests/tasks/test_api.py covers the
        # refusals).
        case.body.update(account_id="st-0", assignee_id=None, playbook_id=None)
    snooze = isinstance(case.body, dict) and case.body.get("action", "snooze") == "snooze"
    if snooze and ("until" in case.body or case.body.get("action") == "snooze"):
        # A snooze ends in the future (only the server's clock can judge that) and says why.
        case.body["until"] = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        case.body["reason"] = case.body.get("reason") or "waiting for the sponsor"
    if isinstance(case.body, dict) and "external_ids" in case.body:
        # Owners are assigned to accounts and users that exist.
        case.body.update(external_ids=["st-0"], owner_id=None)
    if isinstance(case.body, dict) and isinstance(case.body.get("rates"), list):
        # One rate per currency and day (a repeat is refused, as the two could disagree).
        unique = {(r.get("day"), r.get("currency")): r for r in case.body["rates"] if isinstance(r, dict)}
        case.body["rates"] = list(unique.values()) or case.body["rates"]
    _valid_record(case)
    if not case.query:
        return case
    case.query.pop("cursor", None)
    if str(case.query.get("as_of", "")) > date.today().isoformat():
        case.query["as_of"] = date.today().isoformat()  # "not after today" moves with the clock
    for low, high in RANGES:
        lo, hi = case.query.get(low), case.query.get(high)
        if lo is not None and hi is not None and _key(lo) > _key(hi):
            case.query[low], case.query[high] = hi, lo
    return case


ACCOUNT_VALUES = {
    "name": "Generated",
    "segment": "smb",
    "mrr": 120,
    "currency": "EUR",
    "renewal_date": "2027-01-31",
}
RECORD_BODIES = {
    ("POST", "/accounts"): {"external_id": "st-new", **ACCOUNT_VALUES},
    ("PATCH", "/accounts/{external_id}"): ACCOUNT_VALUES,
    ("POST", "/accounts/{external_id}/contacts"): {"external_id": "st-person", "email": "p@example.com"},
    ("PATCH", "/contacts/{contact_id}"): {"title": "CFO"},
    ("POST", "/users"): {"email": "st-user@example.com", "role": "viewer", "password": "a sturdy passphrase"},
}
BULK_ROWS = {
    "/accounts/bulk": lambda i: {"external_id": f"st-bulk-{i}", **ACCOUNT_VALUES},
    "/contacts/bulk": lambda i: {"external_id": f"st-bulk-person-{i}", "account": "st-0"},
}


def _valid_record(case) -> None:
    """Account, contact and user values are checked by the CSV import's parsers and against what exists
    (owners, parents, users, a free email), which JSON Schema cannot state: a positive case writes known
    good values. A new user is a viewer and a change leaves managers alone, so the run keeps its one admin.
    tests/api/test_account_writes.py covers the refusals."""
    key = (case.method.upper(), case.operation.path)
    if key in RECORD_BODIES and isinstance(case.body, dict):
        case.body = dict(RECORD_BODIES[key])
    if case.operation.path in BULK_ROWS and isinstance(case.body, dict):
        count = len(case.body.get("rows") or [None])
        case.body = {"rows": [BULK_ROWS[case.operation.path](i) for i in range(min(count, 5))]}
    if key == ("PATCH", "/users/{user_id}") and isinstance(case.body, dict):
        case.body.pop("manager_id", None)
        case.body.pop("role", None)


def _key(value):
    try:
        return (0, float(value))
    except (TypeError, ValueError):
        return (1, str(value))


TEXT_FILTERS = {"segment", "plan", "region", "industry", "q"}
ARRAY_PARAMS = {
    p["name"]
    for operations in DOCUMENT["paths"].values()
    for op in operations.values()
    for p in op.get("parameters", [])
    if p["in"] == "query" and p["schema"].get("type") == "array"
}


def _survives_the_wire(key: str, value) -> bool:
    """Whether a "broken" query value still looks broken once it is a query string: null, numbers and
    booleans become text (a fine segment or search), objects and nested lists flatten, a list for a
    one-value parameter becomes repeats or nothing, a single value for a list parameter is a one-item list."""
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) != (key in ARRAY_PARAMS):  # `x=1` is both a value and a one-item list
        return False
    for item in items:
        if item is None or isinstance(item, dict | list):
            return False
        if key in TEXT_FILTERS and not isinstance(item, str):
            return False
    return True


@schema.hook
def filter_case(context, case) -> bool:
    """Keep only broken requests that are still broken on the wire (see `_survives_the_wire`)."""
    meta = case.meta
    if meta is None or meta.generation.mode.is_positive or not case.query:
        return True
    return all(_survives_the_wire(key, value) for key, value in case.query.items())
