"""`/analytics/cohorts`: first-activity cohorts with sizes, complete months only, filters applied."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from models.activity import AccountDailyMetric
from tests.support.factories import make_account


def _active(session: Session, account, *days: date) -> None:
    for day in days:
        session.add(AccountDailyMetric(account_id=account.id, day=day, active_users=1, events=3))


def test_cohorts_by_first_activity(api, token, session: Session) -> None:
    a = make_account(session, external_id="co-a", segment="smb")
    b = make_account(session, external_id="co-b", segment="smb")
    c = make_account(session, external_id="co-c", segment="enterprise")
    _active(session, a, date(2024, 1, 5), date(2024, 2, 7), date(2024, 3, 1))
    _active(session, b, date(2024, 1, 20), date(2024, 3, 9))
    _active(session, c, date(2024, 2, 2), date(2024, 4, 3))  # April is partly covered: left out
    session.flush()
    _user, secret = token()
    response = api.get("/analytics/cohorts", secret)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["basis"] == "first_activity" and body["last_month"] == "2024-03-01"
    rows = {r["cohort"]: r for r in body["data"]}
    assert rows["2024-01"]["accounts"] == 2 and rows["2024-01"]["retention"] == [100.0, 50.0, 100.0]
    assert rows["2024-02"]["accounts"] == 1 and rows["2024-02"]["retention"] == [100.0, 0.0]
    smb = api.get("/analytics/cohorts?segment=smb&split=segment", secret).get_json()
    assert [(r["split"], r["cohort"]) for r in smb["data"]] == [("smb", "2024-01")]
    bad = api.get("/analytics/cohorts?split=colour", secret)
    assert bad.status_code == 400 and "split" in bad.get_data(as_text=True)
