"""`/account-owners`: assign (or clear) the owner of one or many accounts, by external id (its own path, so an
account whose external id is `owner` keeps its `/accounts/{external_id}`)."""

from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import Field
from sqlalchemy import select

from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, json_response
from dashapp.api.schemas import Strict
from dashapp.api.spec import operation
from dashapp.cache import data_changed
from dashapp.extensions import db_session
from dashapp.ownership import MAX_ASSIGN, OwnershipError, assign_owner
from models.account import Account, live


class OwnerAssignment(Strict):
    external_ids: list[str] = Field(
        min_length=1, max_length=MAX_ASSIGN, description="Accounts' external ids."
    )
    owner_id: int | None = Field(description="The new owner's user id; null to leave them unassigned.", ge=1)


class OwnerAssigned(Strict):
    owner_id: int | None
    accounts: int
    changed: int


@operation(
    bp,
    "PUT",
    "/account-owners",
    summary="Assign accounts to an owner",
    tag="Accounts",
    body=OwnerAssignment,
    response=OwnerAssigned,
    scope="write",
    permission="assign_owners",
)
def put_account_owner(caller: Any, body: OwnerAssignment) -> Response:
    """Make `owner_id` (an active CSM, manager or admin) the owner of every account in `external_ids`, or
    clear it with null. All or nothing: an unknown account or owner changes none. Audited."""
    session = db_session()
    wanted = list(dict.fromkeys(body.external_ids))
    found = dict(
        session.execute(
            select(Account.external_id, Account.id).where(Account.external_id.in_(wanted), live(Account))
        ).all()
    )
    missing = [e for e in wanted if e not in found]
    if missing:
        raise ApiError(
            422,
            f"external_ids: there is no account {missing[0]!r}.",
            errors=[{"name": "body.external_ids", "message": f"there is no account {missing[0]!r}"}],
        )
    try:
        changed = assign_owner(session, list(found.values()), body.owner_id, caller.user)
        session.commit()
    except OwnershipError as exc:
        session.rollback()
        raise ApiError(
            422, f"{exc.field}: {exc}", errors=[{"name": f"body.{exc.field}", "message": str(exc)}]
        ) from None
    data_changed("owner change")
    return json_response({"owner_id": body.owner_id, "accounts": len(found), "changed": changed})
