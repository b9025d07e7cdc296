"""`/webhooks`: outbound webhook endpoints (admins): create (the secret is shown once), list, delete,
their deliveries with every attempt, and replay of a delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response

from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, id_param, invalid, json_response, path_id
from dashapp.api.notify_schemas import (
    DeliveryInfo,
    DeliveryList,
    WebhookCreate,
    WebhookCreated,
    WebhookInfo,
    WebhookList,
)
from dashapp.api.spec import operation
from dashapp.extensions import db_session, runtime
from dashapp.notify import webhooks
from dashapp.notify.endpoints import EndpointError, create_endpoint, get_endpoint, list_endpoints
from jobs.notify import deliver_soon
from models.notify import WebhookDelivery, WebhookEndpoint

ENDPOINT_ID = id_param("endpoint_id", "The endpoint's id (from `GET /webhooks`).")
DELIVERY_ID = {
    **ENDPOINT_ID,
    **id_param("delivery_id", "The delivery's id (from `GET /webhooks/{id}/deliveries`)."),
}
TAG = "Webhooks"


def endpoint_body(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events or []),
        "description": endpoint.description,
        "active": endpoint.is_active,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": endpoint.created_at,
    }


def delivery_body(delivery: WebhookDelivery, attempts: list[Any]) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "message_id": delivery.message_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "attempt_log": [
            {
                "number": a.number,
                "attempted_at": a.attempted_at,
                "status_code": a.status_code,
                "error": a.error,
                "response_excerpt": a.response_excerpt,
                "duration_ms": a.duration_ms,
                "next_delay_seconds": a.next_delay_seconds,
            }
            for a in attempts
        ],
    }


def _endpoint(raw: str) -> WebhookEndpoint:
    endpoint = get_endpoint(db_session(), path_id(raw, "webhook endpoint"))
    if endpoint is None:
        raise ApiError(404, f"There is no webhook endpoint {raw}.")
    return endpoint


@operation(
    bp,
    "POST",
    "/webhooks",
    summary="Add a webhook endpoint",
    tag=TAG,
    body=WebhookCreate,
    response=WebhookCreated,
    status=201,
    scope="write",
    permission="manage_integrations",
)
def create_webhook(caller: Any, body: WebhookCreate) -> Response:
    """Events of the chosen types are POSTed to `url`, signed per the Standard Webhooks specification
    (`webhook-id`, `webhook-timestamp`, `webhook-signature`): verify them with the `secret` answered here,
    which is shown this once. Failed deliveries are retried with exponential backoff; an endpoint failing
    10 times in a row over 24 hours is disabled and its owner emailed."""
    session = db_session()
    try:
        created = create_endpoint(
            session, caller.user, url=body.url, events=list(body.events), description=body.description
        )
    except EndpointError as exc:
        session.rollback()
        raise invalid(422, [{"name": f"body.{exc.field}", "message": exc.message}], "body") from None
    session.commit()
    return json_response({**endpoint_body(created.endpoint), "secret": created.secret}, status=201)


@operation(
    bp,
    "GET",
    "/webhooks",
    summary="Webhook endpoints",
    tag=TAG,
    response=WebhookList,
    permission="manage_integrations",
)
def list_webhooks(caller: Any) -> Response:
    """Every endpoint, with its state (never its secret)."""
    return json_response({"data": [endpoint_body(e) for e in list_endpoints(db_session())]})


@operation(
    bp,
    "DELETE",
    "/webhooks/{endpoint_id}",
    summary="Remove a webhook endpoint",
    tag=TAG,
    response=WebhookInfo,
    scope="write",
    permission="manage_integrations",
    errors=(404,),
    path_params=ENDPOINT_ID,
)
def delete_webhook(caller: Any, endpoint_id: str) -> Response:
    """The endpoint receives nothing more; its delivery log goes with it."""
    session = db_session()
    endpoint = _endpoint(endpoint_id)
    body = endpoint_body(endpoint)
    session.delete(endpoint)
    session.commit()
    return json_response(body)


@operation(
    bp,
    "GET",
    "/webhooks/{endpoint_id}/deliveries",
    summary="An endpoint's deliveries",
    tag=TAG,
    response=DeliveryList,
    permission="manage_integrations",
    errors=(404,),
    path_params=ENDPOINT_ID,
)
def list_webhook_deliveries(caller: Any, endpoint_id: str) -> Response:
    """The last 100 deliveries, newest first, each with every attempt (status code, error, timing)."""
    session = db_session()
    endpoint = _endpoint(endpoint_id)
    deliveries = webhooks.deliveries_of(session, endpoint.id)
    attempts = webhooks.attempts_of(session, [d.id for d in deliveries])
    return json_response({"data": [delivery_body(d, attempts[d.id]) for d in deliveries]})


@operation(
    bp,
    "POST",
    "/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay",
    summary="Send a delivery again",
    tag=TAG,
    response=DeliveryInfo,
    status=202,
    scope="write",
    permission="manage_integrations",
    errors=(404, 409),
    path_params=DELIVERY_ID,
)
def replay_webhook_delivery(caller: Any, endpoint_id: str, delivery_id: str) -> Response:
    """Queue the same event (same `webhook-id`) again, now. The endpoint must be active."""
    session = db_session()
    endpoint = _endpoint(endpoint_id)
    delivery = session.get(WebhookDelivery, path_id(delivery_id, "delivery"))
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise ApiError(404, f"There is no delivery {delivery_id} of webhook endpoint {endpoint_id}.")
    if not endpoint.is_active:
        raise ApiError(409, "This endpoint is disabled; add it again to receive events.")
    webhooks.replay(delivery, now=datetime.now(UTC))
    session.commit()
    rt = runtime()
    deliver_soon(rt.settings, rt.db, webhook_ids=[delivery.id])
    attempts = webhooks.attempts_of(session, [delivery.id])
    return json_response(delivery_body(delivery, attempts[delivery.id]), status=202)
