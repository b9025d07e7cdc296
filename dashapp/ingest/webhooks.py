"""`POST /webhooks/stripe` and `POST /webhooks/support`: verify, record once, apply.

Both verify a signature over the raw body with a shared secret and refuse stale deliveries (older than
five minutes) with 400. Each verified event is recorded in `webhook_events` by (source, event id), in the
same transaction as its effect, so a replayed event id changes nothing. An event whose account is not
known yet is kept as `unmatched` and applied when the account appears (see `reprocess_unmatched`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import stripe
from flask import Blueprint, Response, jsonify, request

from dashapp.cache import data_changed
from dashapp.errors import problem
from dashapp.extensions import db_session, runtime, settings
from dashapp.ingest import bodyguard, stripe_events, support_events
from dashapp.ingest import validators as v
from dashapp.ingest.webhook_store import apply_recorded
from models.audit import set_change_source

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
PREFIX = "/webhooks/"
TOLERANCE_SECONDS = 300
MAX_BODY = 1024 * 1024
SIGNATURE_HEADER = "X-Healthdash-Signature"
TIMESTAMP_HEADER = "X-Healthdash-Timestamp"


def _raw_body() -> bytes | Response:
    if (request.content_length or 0) > MAX_BODY:
        return problem(413, f"the body is over the limit of {MAX_BODY // 1024} KB")
    return request.get_data(cache=False)


def _pg() -> psycopg.Connection:
    return db_session().connection().connection.driver_connection


def record_and_apply(source: str, event_id: str, kind: str, payload: dict[str, Any], apply) -> Response:
    """Insert the event row and apply it in one transaction; a known event id is a no-op."""
    session = db_session()
    pg = _pg()
    with pg.transaction():
        set_change_source(pg, source, f"webhook:{source}:{event_id}")
        row = pg.execute(
            """INSERT INTO webhook_events (source, event_id, type, status, payload)
               VALUES (%s, %s, %s, 'processed', %s::jsonb) ON CONFLICT (source, event_id) DO NOTHING
               RETURNING id""",
            (source, event_id, kind[:100], json.dumps(payload)),
        ).fetchone()
        if row is None:
            outcome = {"status": "duplicate", "detail": f"event {event_id} was already received"}
        else:
            try:
                with pg.transaction():
                    outcome = apply_recorded(pg, row[0], apply)
            except psycopg.DataError:
                # A value that passed the checks but not its column (e.g. an over-long reference): a 4xx,
                # since a retried delivery would fail the same way. Nothing of the event is kept.
                pg.execute("DELETE FROM webhook_events WHERE id = %s", (row[0],))
                outcome = {
                    "status": "invalid",
                    "detail": "a value of the event is too long or out of range for the field it feeds",
                }
    session.commit()
    if outcome["status"] == "processed":
        data_changed(f"{source} webhook")
        # Applying may have attached waiting events to an account: their days need rolling up.
        from jobs.rollup import schedule

        rt = runtime()
        schedule(rt.settings, rt.db, rt.redis)
        alerting = _alerting_event(source, kind, payload)
        if alerting:
            # Alerts on a failed payment or an urgent ticket open within seconds, through a job.
            from jobs.alerts import enqueue_event_evaluation

            enqueue_event_evaluation(rt.settings, rt.db, alerting)
    if outcome["status"] == "invalid":
        return problem(400, outcome["detail"], event_id=event_id)
    return jsonify(received=True, event_id=event_id, **outcome)


def _alerting_event(source: str, kind: str, payload: dict[str, Any]) -> str | None:
    """Which alert-rule family an applied event can trigger at once: "payment", "ticket" or None."""
    if source == "stripe" and kind in ("invoice.payment_failed", "invoice.paid", "invoice.payment_succeeded"):
        return "payment"
    if source == "support" and kind.startswith("ticket."):
        ticket = payload.get("ticket")
        if kind == "ticket.solved" or (isinstance(ticket, dict) and ticket.get("priority") == "urgent"):
            return "ticket"
    return None


@bp.post("/stripe")
def stripe_webhook() -> Response:
    secret = settings().stripe_webhook_secret
    if not secret:
        return problem(
            503, "Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET is unset)"
        )
    body = _raw_body()
    if isinstance(body, Response):
        return body
    header = request.headers.get("Stripe-Signature")
    if not header:
        return problem(400, "the Stripe-Signature header is missing")
    try:
        stripe.WebhookSignature.verify_header(body.decode("utf-8"), header, secret, TOLERANCE_SECONDS)
        event = bodyguard.loads(body)
    except UnicodeDecodeError:
        return problem(400, "the body is not UTF-8 text")
    except stripe.SignatureVerificationError as exc:
        return problem(400, f"the Stripe signature is not valid: {exc.user_message or exc}")
    except bodyguard.BodyProblem as exc:
        return problem(400, str(exc))
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        return problem(400, "the body is not a Stripe event (it needs an id and a type)")
    try:
        event_id = bodyguard.event_id(event["id"])
        bodyguard.check(event)
    except bodyguard.BodyProblem as exc:
        return problem(400, str(exc), event_id=str(event["id"])[:255])
    kind = str(event["type"])

    def apply(pg: psycopg.Connection) -> str | None:
        return stripe_events.apply(pg, event) if kind in stripe_events.HANDLED else None

    return record_and_apply("stripe", event_id, kind, event, apply)


def support_signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `"<timestamp>." + body` with the shared secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@bp.post("/support")
def support_webhook() -> Response:
    secret = settings().support_webhook_secret
    if not secret:
        return problem(
            503, "support webhooks are not configured on this server (SUPPORT_WEBHOOK_SECRET is unset)"
        )
    body = _raw_body()
    if isinstance(body, Response):
        return body
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        return problem(400, f"the {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    if not timestamp.isdigit():
        return problem(400, f"{TIMESTAMP_HEADER} must be Unix seconds")
    if not hmac.compare_digest(support_signature(secret, timestamp, body), signature.strip()):
        return problem(400, "the signature does not match the body (check the shared secret)")
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return problem(400, f"the delivery is stale: its timestamp is more than {TOLERANCE_SECONDS} s old")
    try:
        event = bodyguard.loads(body)
        if not isinstance(event, dict):
            return problem(400, "the body must be a JSON object")
        bodyguard.check(event)
        if event.get("type") not in support_events.TYPES:
            return problem(400, f"type must be one of {', '.join(support_events.TYPES)}")
        event_id = bodyguard.event_id(event.get("id"))
    except bodyguard.BodyProblem as exc:
        return problem(400, str(exc))
    try:
        occurred = v.parse_datetime(event.get("occurred_at")) or datetime.now(UTC)
    except ValueError as exc:
        return problem(400, f"occurred_at: {exc}")

    def apply(pg: psycopg.Connection) -> str:
        return support_events.apply(pg, event, occurred)

    return record_and_apply("support", event_id, event["type"], event, apply)
