"""`/tasks`, `/playbooks` and `/accounts/{external_id}/notes` through the app's HTTP interface: create,
list with filters and pages, close with an outcome, notes; 4xx naming the field with nothing saved;
permissions per role."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.notify.endpoints import create_endpoint
from models.notify import WebhookDelivery
from models.task import AccountNote, Task
from tests.support.factories import make_account, make_user
from tests.tasks.support import make_playbook

TODAY = date.today()


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _task(account: str, title: str = "Call the sponsor", days: int = 2, **extra) -> dict:
    return {"account_id": account, "title": title, "due": (TODAY + timedelta(days=days)).isoformat(), **extra}


def test_create_list_get_and_close_a_task(api, token, session: Session) -> None:
    admin = make_user(session, role="admin")
    create_endpoint(session, admin, url="https://hooks.example.test/tasks", events=["task.created"])
    csm, secret = token("csm", "write")
    account = make_account(session, owner_id=csm.id, name="Acme")
    created = api.request("POST", "/tasks", secret, json=_task(account.external_id))
    assert created.status_code == 201, created.get_json()
    task = created.get_json()
    assert task["account"] == {"external_id": account.external_id, "name": "Acme"}
    assert (task["assignee_id"], task["status"], task["source"], task["overdue"]) == (
        csm.id, "open", "manual", False
    )  # fmt: skip
    hook = session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == "task.created")).one()
    assert hook.payload["data"]["task"]["id"] == task["id"]

    mine = api.get("/tasks?assignee=me&status=open", secret).get_json()
    assert [t["id"] for t in mine["data"]] == [task["id"]] and mine["has_more"] is False
    assert (
        api.get(f"/tasks?account_id={account.external_id}", secret).get_json()["data"][0]["id"] == task["id"]
    )
    assert api.get("/tasks?account_id=nobody-has-this", secret).get_json()["data"] == []
    assert api.get(f"/tasks/{task['id']}", secret).get_json()["title"] == "Call the sponsor"

    no_outcome = api.request("POST", f"/tasks/{task['id']}/close", secret, json={})
    assert no_outcome.status_code == 422 and no_outcome.get_json()["errors"][0]["name"] == "body.outcome"
    blank = api.request("POST", f"/tasks/{task['id']}/close", secret, json={"outcome": "   "})
    assert blank.status_code == 422
    closed = api.request("POST", f"/tasks/{task['id']}/close", secret, json={"outcome": "Renewing in May"})
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert (body["status"], body["outcome"], body["closed_by_id"]) == ("done", "Renewing in May", csm.id)
    again = api.request("POST", f"/tasks/{task['id']}/close", secret, json={"outcome": "twice"})
    assert again.status_code == 409
    assert api.request("POST", "/tasks/999999999/close", secret, json={"outcome": "x"}).status_code == 404


def test_overdue_team_filters_and_pages(api, token, session: Session) -> None:
    manager, secret = token("manager", "write")
    report = make_user(session, role="csm", manager_id=manager.id)
    stranger = make_user(session, role="csm")
    ours = make_account(session, owner_id=report.id)
    theirs = make_account(session, owner_id=stranger.id)
    for days in (-3, -1, 5):
        session.add(Task(account_id=ours.id, assignee_id=report.id, title=f"d{days}",
                         due_date=TODAY + timedelta(days=days), status="open", source="manual"))  # fmt: skip
    session.add(Task(account_id=theirs.id, assignee_id=stranger.id, title="elsewhere",
                     due_date=TODAY - timedelta(days=9), status="open", source="manual"))  # fmt: skip
    session.flush()
    team = api.get("/tasks?team=me", secret).get_json()["data"]
    assert [t["title"] for t in team] == ["d-3", "d-1", "d5"]
    overdue = api.get("/tasks?team=me&overdue=true", secret).get_json()["data"]
    assert [(t["title"], t["overdue"]) for t in overdue] == [("d-3", True), ("d-1", True)]
    everyone_overdue = api.get("/tasks?overdue=true", secret).get_json()["data"]
    assert [t["title"] for t in everyone_overdue] == ["elsewhere", "d-3", "d-1"]
    first = api.get("/tasks?team=me&limit=2", secret)
    page = first.get_json()
    assert [t["title"] for t in page["data"]] == ["d-3", "d-1"] and page["has_more"] is True
    assert 'rel="next"' in first.headers["Link"]
    rest = api.get(f"/tasks?team=me&limit=2&cursor={page['next_cursor']}", secret).get_json()
    assert [t["title"] for t in rest["data"]] == ["d5"] and rest["next_cursor"] is None
    other = api.get(f"/tasks?overdue=true&limit=2&cursor={page['next_cursor']}", secret)
    assert other.status_code == 400 and other.get_json()["errors"][0]["name"] == "cursor"
    assert api.get("/tasks?assignee=someone", secret).status_code == 400


def test_bad_input_names_the_field_and_saves_nothing(api, token, session: Session) -> None:
    _admin, secret = token("admin", "write")
    account = make_account(session)
    viewer = make_user(session, role="viewer")
    cases = [
        (_task("no-such-account"), "body.account_id"),
        (_task(account.external_id, title=""), "body.title"),
        (_task(account.external_id, title="   "), "body.title"),
        ({**_task(account.external_id), "due": "next tuesday"}, "body.due"),
        ({**_task(account.external_id), "due": 20261231}, "body.due"),
        (_task(account.external_id, assignee_id=999_999_999), "body.assignee_id"),
        (_task(account.external_id, assignee_id=viewer.id), "body.assignee_id"),
        (_task(account.external_id, assignee_id="7"), "body.assignee_id"),
        ({"title": "x", "due": "2026-12-31"}, "body.account_id"),
        ({**_task(account.external_id), "colour": "red"}, "body.colour"),
    ]
    for payload, field in cases:
        response = api.request("POST", "/tasks", secret, json=payload)
        assert response.status_code == 422, (field, response.get_json())
        names = [e["name"] for e in response.get_json()["errors"]]
        assert field in names, (field, names)
        assert field.removeprefix("body.") in response.get_json()["detail"], response.get_json()
    assert _count(session, Task) == 0 and _count(session, WebhookDelivery) == 0
    note = api.request("POST", f"/accounts/{account.external_id}/notes", secret, json={"text": " "})
    assert note.status_code == 422 and note.get_json()["errors"][0]["name"] == "body.text"
    missing = api.request("POST", "/accounts/no-such-account/notes", secret, json={"text": "hi"})
    assert missing.status_code == 404
    assert _count(session, AccountNote) == 0


def test_permissions_per_role(api, token, session: Session) -> None:
    manager = make_user(session, role="manager")
    report = make_user(session, role="csm", manager_id=manager.id)
    stranger = make_user(session, role="csm")
    on_team = make_account(session, owner_id=report.id)
    elsewhere = make_account(session, owner_id=stranger.id)
    _v, viewer = token("viewer", "write")
    assert api.get("/tasks", viewer).status_code == 200
    assert api.get("/playbooks", viewer).status_code == 200
    assert api.get(f"/accounts/{on_team.external_id}/notes", viewer).status_code == 200
    assert api.request("POST", "/tasks", viewer, json=_task(on_team.external_id)).status_code == 403
    refused_note = api.request("POST", f"/accounts/{on_team.external_id}/notes", viewer, json={"text": "x"})
    assert refused_note.status_code == 403

    _c, csm = token(user=report, scope="write")
    refused = api.request("POST", "/tasks", csm, json=_task(elsewhere.external_id))
    assert refused.status_code == 403 and refused.get_json()["errors"][0]["name"] == "body.account_id"
    note = api.request("POST", f"/accounts/{elsewhere.external_id}/notes", csm, json={"text": "x"})
    assert note.status_code == 403 and note.get_json()["errors"][0]["name"] == "external_id"
    own = api.request("POST", "/tasks", csm, json=_task(on_team.external_id))
    assert own.status_code == 201
    _r, read_only = token(user=report, scope="read")
    assert api.request("POST", "/tasks", read_only, json=_task(on_team.external_id)).status_code == 403

    _m, boss = token(user=manager, scope="write")
    team_task = api.request("POST", "/tasks", boss, json=_task(on_team.external_id, assignee_id=report.id))
    assert team_task.status_code == 201
    assert api.request("POST", "/tasks", boss, json=_task(elsewhere.external_id)).status_code == 403
    _s, outsider = token(user=stranger, scope="write")
    task_id = own.get_json()["id"]
    closing = api.request("POST", f"/tasks/{task_id}/close", outsider, json={"outcome": "not mine"})
    assert closing.status_code == 403
    _a, admin = token("admin", "write")
    assert api.request("POST", "/tasks", admin, json=_task(elsewhere.external_id)).status_code == 201
    assert _count(session, Task) == 3


def test_notes_are_listed_newest_first_and_show_on_the_timeline(api, token, session: Session) -> None:
    csm, secret = token("csm", "write")
    account = make_account(session, owner_id=csm.id)
    for text in ("Met the sponsor", "Budget approved"):
        response = api.request("POST", f"/accounts/{account.external_id}/notes", secret, json={"text": text})
        assert response.status_code == 201 and response.get_json()["author_id"] == csm.id
    notes = api.get(f"/accounts/{account.external_id}/notes", secret).get_json()["data"]
    assert [n["text"] for n in notes] == ["Budget approved", "Met the sponsor"]
    from dashapp.queries.account import timeline

    lines = [e["text"] for e in timeline(session, account.id) if e["kind"] == "note"]
    assert any("Budget approved" in line for line in lines)


def test_playbooks_and_alert_rules_with_a_playbook(api, token, session: Session) -> None:
    _m, secret = token("manager", "write")
    make_playbook(session, "Payment failed (test)")
    books = api.get("/playbooks", secret).get_json()["data"]
    payment = next(b for b in books if b["name"] == "Payment failed (test)")
    assert [s["title"] for s in payment["steps"]] == ["Email the billing contact", "Call the sponsor"]
    rule = {"name": "Low score with a playbook", "kind": "score_below", "params": {"threshold": 30},
            "playbook_id": payment["id"]}  # fmt: skip
    created = api.request("POST", "/alert-rules", secret, json=rule)
    assert created.status_code == 201 and created.get_json()["playbook_id"] == payment["id"]
    bad = api.request("POST", "/alert-rules", secret, json={**rule, "name": "other", "playbook_id": 99999999})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["name"] == "body.playbook_id"


def test_task_endpoints_are_in_the_openapi_document(api) -> None:
    doc = api.get("/openapi.json").get_json()
    for path in ("/tasks", "/tasks/{task_id}", "/tasks/{task_id}/close", "/playbooks",
                 "/accounts/{external_id}/notes"):  # fmt: skip
        assert path in doc["paths"], path


def test_a_task_created_through_the_api_can_open_a_playbook(api, token, session: Session) -> None:
    csm, secret = token("csm", "write")
    account = make_account(session, owner_id=csm.id)
    playbook = make_playbook(session, "Rescue (api)")
    before = _count(session, Task)
    missing = api.request("POST", "/tasks", secret, json=_task(account.external_id, playbook_id=999_999))
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["name"] == "body.playbook_id"
    assert _count(session, Task) == before
    created = api.request("POST", "/tasks", secret, json=_task(account.external_id, playbook_id=playbook.id))
    assert created.status_code == 201, created.get_json()
    steps = session.scalars(
        select(Task.title).where(Task.account_id == account.id, Task.source == "playbook")
    )
    assert sorted(steps) == ["Call the sponsor", "Email the billing contact"]
