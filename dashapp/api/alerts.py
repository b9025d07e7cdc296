"""`/alerts`: list (filtered), read with its history, acknowledge, snooze and resolve (one or in bulk).

Everyone who may read sees alerts; acting needs a token and `act_on_alerts`, and only on accounts the
caller may act on (a CSM their own, a manager their team's, an admin all)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response

from dashapp.alerts.lifecycle import AlertActionError, act
from dashapp.alerts.queries import AlertQuery, changes, escalations, list_alerts, one_alert
from dashapp.api.alert_schemas import (
    AlertAction,
    AlertActionResult,
    AlertDetail,
    AlertListQuery,
    AlertPage,
    ReasonBody,
    SnoozeBody,
)
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, id_param, json_response, path_id
from dashapp.api.spec import operation
from dashapp.extensions import db_session, runtime

ALERT_ID = id_param("alert_id", "The alert's id.")


def _now() -> datetime:
    return datetime.now(UTC)


@operation(
    bp,
    "GET",
    "/alerts",
    summary="Alerts",
    tag="Alerts",
    query=AlertListQuery,
    response=AlertPage,
    errors=(400,),
)
def list_alerts_api(caller: Any, query: AlertListQuery) -> Response:
    """Alerts, newest first: by state, severity, rule, account, `mine` (routed to me or on my accounts)
    or `team` (my team's accounts), a page at a time (`limit`, `offset`)."""
    wanted = AlertQuery(
        state=(query.state,) if query.state else (),
        severity=(query.severity,) if query.severity else (),
        rule=(query.rule_id,) if query.rule_id else (),
        account=query.account,
        mine=query.mine,
        team=query.team,
        limit=query.limit,
        offset=query.offset,
    )
    rows, total = list_alerts(db_session(), wanted, caller.user.id)
    body = {"data": [r.as_dict() for r in rows], "total": total, "limit": query.limit, "offset": query.offset}
    return json_response(body)


@operation(
    bp,
    "GET",
    "/alerts/{alert_id}",
    summary="One alert with its history",
    tag="Alerts",
    response=AlertDetail,
    errors=(404,),
    path_params=ALERT_ID,
)
def get_alert(caller: Any, alert_id: str) -> Response:
    """An alert, every change to it (who, or the system, and when, with the reason) and every escalation
    step taken (which step, to whom, when)."""
    session = db_session()
    row = one_alert(session, path_id(alert_id, "alert"))
    if row is None:
        raise ApiError(404, f"There is no alert {alert_id}.")
    history = {"changes": changes(session, row.alert.id), "escalations": escalations(session, row.alert.id)}
    return json_response({**row.as_dict(), **history})


def _act(caller: Any, action: str, ids: list[int], until: datetime | None, reason: str) -> Response:
    session = db_session()
    try:
        result = act(session, caller.user, action, ids, now=_now(), until=until, reason=reason)
        session.commit()
    except AlertActionError as exc:
        session.rollback()
        name = f"body.{exc.field}"
        raise ApiError(
            exc.status, f"{exc.field}: {exc}", errors=[{"name": name, "message": str(exc)}]
        ) from None
    runtime().tell_bells(result.user_ids)
    return json_response({"action": action, "changed": result.changed, "unchanged": result.unchanged})


_ACT = {"scope": "write", "permission": "act_on_alerts", "tag": "Alerts", "response": AlertActionResult}


@operation(
    bp,
    "POST",
    "/alerts/actions",
    summary="Act on several alerts",
    body=AlertAction,
    errors=(403, 404, 409),
    **_ACT,
)  # type: ignore[arg-type]
def act_on_alerts(caller: Any, body: AlertAction) -> Response:
    """Acknowledge, snooze (`until` and `reason` required) or resolve every alert in `ids`; if one of
    them cannot be changed, none is."""
    return _act(caller, body.action, body.ids, body.until, body.reason)


@operation(
    bp, "POST", "/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert", errors=(403, 404, 409),
    path_params=ALERT_ID, **_ACT,  # type: ignore[arg-type]
)  # fmt: skip
def acknowledge_alert(caller: Any, alert_id: str) -> Response:
    """Mark the alert seen and in hand; it stays until resolved (by someone, or by itself)."""
    return _act(caller, "acknowledge", [path_id(alert_id, "alert")], None, "")


@operation(
    bp, "POST", "/alerts/{alert_id}/snooze", summary="Snooze an alert", body=SnoozeBody,
    errors=(403, 404, 409), path_params=ALERT_ID, **_ACT,  # type: ignore[arg-type]
)  # fmt: skip
def snooze_alert(caller: Any, alert_id: str, body: SnoozeBody) -> Response:
    """Quiet until `until`, with a reason; it opens again then if its condition still holds."""
    return _act(caller, "snooze", [path_id(alert_id, "alert")], body.until, body.reason)


@operation(
    bp, "POST", "/alerts/{alert_id}/resolve", summary="Resolve an alert", body=ReasonBody,
    errors=(403, 404, 409), path_params=ALERT_ID, **_ACT,  # type: ignore[arg-type]
)  # fmt: skip
def resolve_alert(caller: Any, alert_id: str, body: ReasonBody) -> Response:
    """Close the alert with an optional reason; the rule may open a new one after its cooldown."""
    return _act(caller, "resolve", [path_id(alert_id, "alert")], None, body.reason)
