"""`/tokens`: the caller's own API tokens: list, rename, revoke (e.g. a script retiring a leaked token)."""

from __future__ import annotations

from typing import Any

from flask import Response

from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, id_param, json_response, path_id
from dashapp.api.schemas import TokenChange, TokenInfo, TokenList
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.tokens import TokenError, list_tokens, own_token, rename_token, revoke_token, status
from models.api_token import ApiToken

TOKEN_ID = id_param("token_id", "The token's id (from `GET /tokens` or `healthdash tokens list`).")


def token_body(token: ApiToken, caller: Any) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        "status": status(token),
        "current": caller.token is not None and caller.token.id == token.id,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _token_id(raw: str) -> int:
    return path_id(raw, "token", detail=f"There is no token {raw[:40]} of yours.")


@operation(bp, "GET", "/tokens", summary="Your API tokens", tag="Tokens", response=TokenList, permission=None)
def list_own_tokens(caller: Any) -> Response:
    """Every token of the caller, newest first, with status and last use (never the token itself)."""
    tokens = list_tokens(db_session(), caller.user)
    return json_response({"data": [token_body(t, caller) for t in tokens]})


@operation(
    bp,
    "PATCH",
    "/tokens/{token_id}",
    summary="Rename one of your tokens",
    tag="Tokens",
    body=TokenChange,
    response=TokenInfo,
    scope="write",
    permission=None,
    errors=(404,),
    path_params=TOKEN_ID,
)
def rename_own_token(caller: Any, token_id: str, body: TokenChange) -> Response:
    """Give a token a clearer name."""
    session = db_session()
    try:
        token = rename_token(session, caller.user, _token_id(token_id), body.name)
    except TokenError as exc:
        if "name:" in str(exc):
            raise ApiError(422, str(exc), errors=[{"name": "body.name", "message": str(exc)}]) from None
        raise ApiError(404, f"There is no token {token_id} of yours.") from None
    session.commit()
    return json_response(token_body(token, caller))


@operation(
    bp,
    "DELETE",
    "/tokens/{token_id}",
    summary="Revoke one of your tokens",
    tag="Tokens",
    response=TokenInfo,
    scope="write",
    permission=None,
    errors=(404,),
    path_params=TOKEN_ID,
)
def revoke_own_token(caller: Any, token_id: str) -> Response:
    """The token stops working at once (revoking one already revoked changes nothing)."""
    session = db_session()
    try:
        token = own_token(session, caller.user, _token_id(token_id))
        revoke_token(session, token.id, actor=caller.user)
    except TokenError:
        raise ApiError(404, f"There is no token {token_id} of yours.") from None
    session.commit()
    return json_response(token_body(token, caller))
