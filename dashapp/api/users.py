"""`/users` (list, create) and `/users/{user_id}` (read, change): administrators manage users.

The rules are those of the CLI and the admin page (`dashapp.users`): valid email and role, a password
that is long enough and not a common one, no manager loops, never without an active administrator.
Users are deactivated, never deleted (their history stays theirs). Every change is audited with `api` as
its source and the token used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from dashapp.api.blueprint import bp
from dashapp.api.http import MAX_ID, ApiError, id_param, json_response, path_id
from dashapp.api.record_http import actor_of
from dashapp.api.schemas import JsonInt, Strict
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.users import UserError, create_user, set_active, set_manager, set_role
from models.user import User

USER_ID = id_param("user_id", "The user's id.")
_ADMIN: dict[str, Any] = {"permission": "manage_users"}
Role = Literal["admin", "manager", "csm", "viewer"]
MAX_LISTED = 1000


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    manager_id: int | None
    active: bool
    last_login_at: datetime | None
    created_at: datetime


class UserList(BaseModel):
    data: list[UserOut]


class UserCreate(Strict):
    email: str = Field(max_length=320, description="Their sign-in email (unique).")
    name: str = Field("", max_length=200)
    role: Role
    password: str = Field(max_length=1000, description="At least 12 characters, not a commonly used one.")
    manager_id: JsonInt | None = Field(None, ge=1, le=MAX_ID, description="Who they report to.")


class UserPatch(Strict):
    """Each field given is changed; `active: false` deactivates (sessions end, tokens stop working)."""

    role: Role = Field(None, description="The new role.")  # type: ignore[arg-type,assignment]  # absent: unchanged
    manager_id: JsonInt | None = Field(None, ge=1, le=MAX_ID, description="null: reports to nobody.")
    active: bool = Field(None, description="false deactivates, true reactivates.")  # type: ignore[assignment]


def _body(user: User) -> dict[str, Any]:
    out = {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
           "manager_id": user.manager_id, "active": user.is_active, "last_login_at": user.last_login_at,
           "created_at": user.created_at}  # fmt: skip
    return UserOut.model_validate(out).model_dump()


def _refused(exc: UserError, field: str, status: int = 422) -> ApiError:
    db_session().rollback()
    text = str(exc)
    if "last active admin" in text or "your own account" in text:
        status = 409
    return ApiError(status, f"{field}: {text}.", errors=[{"name": f"body.{field}", "message": text}])


def _via(caller: Any) -> dict[str, Any]:
    return {"source": "api", "token": actor_of(caller).token}


@operation(bp, "GET", "/users", summary="Users", tag="Users", response=UserList, errors=(403,), **_ADMIN)
def list_users(caller: Any) -> Response:
    """Every user (active or not), by id (the first 1000)."""
    users = db_session().scalars(select(User).order_by(User.id).limit(MAX_LISTED))
    return json_response({"data": [_body(u) for u in users]})


@operation(
    bp, "GET", "/users/{user_id}", summary="One user", tag="Users", response=UserOut, errors=(403, 404),
    path_params=USER_ID, **_ADMIN,
)  # fmt: skip
def get_user(caller: Any, user_id: str) -> Response:
    """A user's email, name, role, manager and whether they are active."""
    return json_response(_body(_user(user_id)))


def _user(user_id: str) -> User:
    user = db_session().get(User, path_id(user_id, "user"))
    if user is None:
        raise ApiError(404, f"There is no user {user_id}.")
    return user


@operation(
    bp, "POST", "/users", summary="Create a user", tag="Users", body=UserCreate, response=UserOut,
    status=201, errors=(403, 409), scope="write", **_ADMIN,
)  # fmt: skip
def create_user_api(caller: Any, body: UserCreate) -> Response:
    """A new user with a role and a password; 409 when the email is taken."""
    session = db_session()
    try:
        user = create_user(session, email=body.email, password=body.password, role=body.role, name=body.name,
                           actor=caller.user, via=_via(caller))  # fmt: skip
    except UserError as exc:
        text = str(exc)
        field = next((f for f in ("password", "role", "email") if f in text), "email")
        raise _refused(exc, field, 409 if "already exists" in text else 422) from None
    if body.manager_id is not None:
        try:
            set_manager(session, user, body.manager_id, actor=caller.user, via=_via(caller))
        except UserError as exc:
            raise _refused(exc, "manager_id") from None
    session.commit()
    return json_response(_body(user), status=201)


@operation(
    bp, "PATCH", "/users/{user_id}", summary="Change a user's role, manager or status", tag="Users",
    body=UserPatch, response=UserOut, errors=(403, 404, 409), path_params=USER_ID, scope="write", **_ADMIN,
)  # fmt: skip
def patch_user(caller: Any, user_id: str, body: UserPatch) -> Response:
    """Set `role`, `manager_id` (null: nobody) or `active`. 409 when the change would leave no active
    administrator, or deactivates yourself."""
    session = db_session()
    user = _user(user_id)
    given, via = body.model_fields_set, _via(caller)
    field = ""
    try:
        if "role" in given:
            field = "role"
            set_role(session, user, body.role, actor=caller.user, via=via)
        if "manager_id" in given:
            field = "manager_id"
            set_manager(session, user, body.manager_id, actor=caller.user, via=via)
        if "active" in given:
            field = "active"
            set_active(session, user, body.active, actor=caller.user, via=via)
    except UserError as exc:
        raise _refused(exc, field) from None
    session.commit()
    return json_response(_body(user))
