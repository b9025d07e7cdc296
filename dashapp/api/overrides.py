"""`/accounts/{external_id}/override`: set or remove a manual score/band, through the scoring façade (the
same `set_override`/`clear_override` the pages and the CLI use: validated, audited, applied to the current
snapshot at once and kept by every recompute until it expires or is removed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
from flask import Response
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from dashapp.api.accounts import EXTERNAL_ID
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, finite, json_response
from dashapp.api.schemas import ClearOverrideQuery, Override, OverrideRequest
from dashapp.api.spec import operation
from dashapp.cache import data_changed
from dashapp.extensions import db_session
from dashapp.scoring import engine
from dashapp.scoring.service import OverrideError, clear_override, set_override
from models.account import Account, live
from models.health import AccountHealth
from models.scoring import HealthOverride

# OverrideError messages start with the field they are about ("band: ...", "expires: ...").
_FIELDS = {
    "score": "body.score",
    "band": "body.band",
    "reason": "body.reason",
    "expires": "body.expires_in_days",
}


def _account_id(external_id: str) -> int:
    pk = db_session().scalar(select(Account.id).where(Account.external_id == external_id, live(Account)))
    if pk is None:
        raise ApiError(404, f"There is no account with external id {external_id!r}.")
    return pk


def _body(external_id: str, override: HealthOverride) -> dict[str, Any]:
    current = db_session().get(AccountHealth, override.account_id)
    return {
        "id": override.id,
        "external_id": external_id,
        "score": finite(override.score),
        "band": override.band,
        "reason": override.reason,
        "starts_on": override.starts_on,
        "expires_on": override.expires_on,
        "cleared_on": override.cleared_on,
        "created_at": override.created_at,
        "created_by_id": override.created_by_id,
        "current_score": finite(current.score) if current else None,
        "current_band": current.band if current else None,
        "overridden": current.overridden if current else None,
    }


# What two requests changing the same override at once can run into.
_RACES = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected, psycopg.errors.IntegrityError)


def _conflict(external_id: str, exc: DBAPIError) -> ApiError:
    if not isinstance(exc.orig, _RACES):
        raise exc
    return ApiError(
        409,
        f"The override of {external_id!r} was changed by another request at the same time; try again.",
        title="Conflict",
    )


def _invalid(exc: OverrideError) -> ApiError:
    message = str(exc)
    field = _FIELDS.get(message.split(":", 1)[0], "body")
    return ApiError(
        422, f"The override cannot be set: {message}.", errors=[{"name": field, "message": message}]
    )


@operation(
    bp,
    "POST",
    "/accounts/{external_id}/override",
    summary="Override an account's score or band",
    tag="Health",
    body=OverrideRequest,
    response=Override,
    status=201,
    scope="write",
    permission="override_scores",
    errors=(404, 409),
    path_params=EXTERNAL_ID,
)
def post_override(caller: Any, external_id: str, body: OverrideRequest) -> Response:
    """Show this score and/or band instead of the computed one, from the current snapshot's day until
    `expires_in_days` from today. Replaces the override in force, if any. The score shown changes at once
    and recomputes keep it. Audited with the reason."""
    session = db_session()
    account_id = _account_id(external_id)
    today = engine.today()
    try:
        made = set_override(
            session,
            account_id,
            reason=body.reason,
            expires_on=today + timedelta(days=body.expires_in_days),
            score=body.score,
            band=body.band,
            actor=caller.user,
            today=today,
        )
        session.commit()
    except OverrideError as exc:
        session.rollback()
        raise _invalid(exc) from None
    except DBAPIError as exc:  # a concurrent change (serialization, deadlock, constraint)
        session.rollback()
        raise _conflict(external_id, exc) from exc
    data_changed("override set")
    return json_response(_body(external_id, made), status=201)


@operation(
    bp,
    "DELETE",
    "/accounts/{external_id}/override",
    summary="Remove an account's override",
    tag="Health",
    query=ClearOverrideQuery,
    response=Override,
    scope="write",
    permission="override_scores",
    errors=(404, 409),
    path_params=EXTERNAL_ID,
)
def delete_override(caller: Any, external_id: str, query: ClearOverrideQuery) -> Response:
    """End the override in force from the current snapshot's day on: the computed score shows again at
    once. 409 when no override is in force. Audited, with the optional `reason`."""
    session = db_session()
    account_id = _account_id(external_id)
    try:
        ended = clear_override(session, account_id, actor=caller.user, reason=query.reason or "")
        if ended is None:
            raise ApiError(409, f"Account {external_id!r} has no override in force.", title="Conflict")
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        raise _conflict(external_id, exc) from exc
    data_changed("override cleared")
    return json_response(_body(external_id, ended))
