"""The Segment-compatible HTTP API: `POST /v1/batch|identify|group|track|page|screen|alias`.

Authentication is a write key, as Segment clients send it: HTTP Basic with the key as user name
(`base64("KEY:")`), or `writeKey` in the JSON body. Limits are Segment's: 32 KB per message, 500 KB per
request (gzip bodies are measured after decompression); over them: 413.

Responses: 200 `{"success": true, "accepted", "stored", "duplicates", "rejected": [...]}`. A batch with
some bad messages stores the good ones and lists the bad ones as `{"index", "messageId", "reason"}`
with status 200 (Segment clients only look at the status, and retrying would not make them valid).
If every message of a request is bad: 400 problem details with the same `errors` list.

The key is checked before anything else (a bad key costs one index read). Write keys ship inside browser
JavaScript, so `group` traits change only the account fields the key allows (`write_keys.account_fields`);
the others are dropped and listed in `ignored`. Every account change is recorded in `account_changes`
with source `segment` and the key as actor.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from flask import Blueprint, Response, jsonify, request

from dashapp.cache import data_changed
from dashapp.errors import problem
from dashapp.extensions import db_session, runtime
from dashapp.ingest import writekeys, writer
from dashapp.ingest.bodyguard import MAX_DEPTH, too_deep
from dashapp.ingest.payload import (
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    Alias,
    EventRow,
    Group,
    Identify,
    MessageError,
    Operation,
    parse_message,
)
from models.audit import set_change_source
from models.retry import retry_transient

bp = Blueprint("segment", __name__, url_prefix="/v1")
PREFIX = "/v1/"


class RequestProblem(Exception):
    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def _read_body(limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise RequestProblem(
            413, f"the request body is {request.content_length:,} bytes; the limit is {limit // 1024} KB"
        )
    raw = request.stream.read(limit + 1)
    encoding = (request.headers.get("Content-Encoding") or "").strip().lower()
    if encoding == "gzip":
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = inflater.decompress(raw, limit + 1)
        except zlib.error:
            raise RequestProblem(400, "the body is marked gzip but is not valid gzip data") from None
    elif encoding not in ("", "identity"):
        raise RequestProblem(415, f"Content-Encoding {encoding!r} is not supported; use gzip or none")
    if len(raw) > limit:
        raise RequestProblem(413, f"the request body is over the limit of {limit // 1024} KB")
    return raw


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise RequestProblem(400, "the request body is empty; send a JSON object")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    # orjson is strict about things the JSON grammar allows (a lone surrogate escape, a number beyond a
    # double): the standard parser takes them, and any message the database then refuses is reported alone.
    try:
        return json.loads(raw)
    except RecursionError:
        raise RequestProblem(400, f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    except UnicodeDecodeError:
        raise RequestProblem(400, "the request body is not UTF-8 encoded JSON") from None
    except ValueError as exc:
        raise RequestProblem(400, f"the request body is not valid JSON: {exc}") from None


def _header_key() -> str | None:
    """The write key of an HTTP Basic Authorization header (None without one)."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise RequestProblem(401, "the Authorization header is not valid HTTP Basic credentials") from None
    return decoded.split(":", 1)[0]


def _body_key(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("writeKey"), str):
        return body["writeKey"]
    raise RequestProblem(
        401, "no write key: send it as the HTTP Basic user name (password empty) or as writeKey in the body"
    )


def _authenticate(key: str) -> writekeys.AuthenticatedKey:
    """The key's id, checked before any other work: a bad key reads one index entry, writes and locks nothing."""
    session = db_session()
    pg: psycopg.Connection = session.connection().connection.driver_connection
    found = writekeys.authenticate_pg(pg, key)
    if found is None:
        session.rollback()
        raise RequestProblem(401, "the write key is not valid or has been revoked")
    return found


def _problem(status: int, detail: str, **extra: Any) -> Response:
    """Problem details plus `code`/`message`, the members Segment's libraries log from an error body."""
    code = {400: "invalid_request", 401: "unauthorized", 413: "payload_too_large"}.get(status, "error")
    return problem(status, detail, code=code, message=detail, **extra)


def _unauthorised(exc: RequestProblem) -> Response:
    response = _problem(exc.status, exc.detail, **exc.extra)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="healthdash"'
    return response


def _size(msg: Any) -> int:
    try:
        return len(orjson.dumps(msg, default=str))
    except TypeError:  # values orjson will not write (e.g. a lone surrogate)
        return len(json.dumps(msg, default=str, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _parse_all(
    messages: list[Any], raw: bytes, received_at: datetime, default_type: str | None
) -> tuple[list[tuple[int, Operation]], list[dict[str, Any]]]:
    measure = len(raw) > MAX_MESSAGE_BYTES  # no single message can be over the limit otherwise
    check_nul = b"\\u0000" in raw  # JSON can only carry a NUL as this escape
    # Only a body with that many brackets can hold a message nested too deeply to store.
    check_depth = raw.count(b"{") + raw.count(b"[") > MAX_DEPTH
    good: list[tuple[int, Operation]] = []
    bad: list[dict[str, Any]] = []
    for index, msg in enumerate(messages):
        mid = msg.get("messageId") if isinstance(msg, dict) else None
        try:
            if measure:
                size = _size(msg)
                if size > MAX_MESSAGE_BYTES:
                    raise MessageError(f"the message is {size:,} bytes; the limit is 32 KB")
            if check_depth and too_deep(msg):
                raise MessageError(f"the message is nested more than {MAX_DEPTH} levels deep")
            good.append((index, parse_message(msg, received_at, default_type, check_nul=check_nul)))
        except MessageError as exc:
            bad.append({"index": index, "messageId": mid, "reason": str(exc)})
    return good, bad


def _restrict(key: writekeys.AuthenticatedKey, ops: list[tuple[int, Operation]]) -> list[dict[str, Any]]:
    """Drop the group traits the key may not set; lists them per message (`ignored` in the answer)."""
    ignored = []
    for index, op in ops:
        if isinstance(op, Group):
            dropped = writekeys.restrict(op, key.account_fields)
            if dropped:
                ignored.append({"index": index, "messageId": op.message_id, "fields": dropped})
    return ignored


def _store(
    key: writekeys.AuthenticatedKey, ops: list[tuple[int, Operation]]
) -> tuple[int, int, list[dict[str, Any]]]:
    """Write everything in one transaction, after `_authenticate` (in the same transaction).

    Unless INGEST_SYNCHRONOUS_COMMIT is false (an opt-in), the commit waits for the WAL flush (see Settings). The writes
    go out pipelined (one round trip). If the database refuses a value, the transaction is redone message
    by message (savepoints) to keep the good ones and report the others.
    """
    session = db_session()

    def attempt() -> tuple[int, int, list[dict[str, Any]]]:
        pg: psycopg.Connection = session.connection().connection.driver_connection
        failed: list[dict[str, Any]] = []
        try:
            with pg.pipeline():
                if not runtime().settings.ingest_synchronous_commit:
                    pg.execute("SET LOCAL synchronous_commit TO off")
                set_change_source(pg, "segment", key.actor)
                stored, pending = _write(pg, [op for _, op in ops])
        except (psycopg.DataError, psycopg.IntegrityError):
            session.rollback()
            pg = session.connection().connection.driver_connection
            set_change_source(pg, "segment", key.actor)
            stored, pending = 0, 0
            for index, op in ops:
                try:
                    with pg.transaction():
                        s, p = _write(pg, [op])
                    stored, pending = stored + s, pending + p
                except (psycopg.DataError, psycopg.IntegrityError) as exc:
                    reason = f"the database refused a value: {str(exc).splitlines()[0]}"
                    failed.append({"index": index, "messageId": op.message_id, "reason": reason})
        session.commit()
        return stored, pending, failed

    # A deadlock or serialisation failure aborts the whole transaction: it is redone from the start.
    stored, pending, failed = retry_transient(attempt, rollback=session.rollback)
    # Group calls change accounts (segment, plan, ARR...); events reach the pages through the roll-up job.
    if any(isinstance(op, Group) for _, op in ops):
        data_changed("account traits from the event API")
    if pending:
        rt = runtime()
        from jobs.rollup import schedule

        schedule(rt.settings, rt.db, rt.redis)
    return stored, pending, failed


def _write(pg: psycopg.Connection, ops: list[Operation]) -> tuple[int, int]:
    """Returns (messages that changed something or were new, new pending account-days)."""
    identifies = [op for op in ops if isinstance(op, Identify)]
    events = [op for op in ops if isinstance(op, EventRow)]
    stored = len(identifies)
    writer.upsert_identifies(pg, identifies)
    pending = 0
    # Accounts in a stable order (by external id; a stable sort keeps the batch order of one account's
    # calls), so concurrent batches naming the same accounts lock them in the same order.
    for op in sorted((op for op in ops if isinstance(op, Group)), key=lambda op: op.group_id):
        pending += writer.apply_group(pg, op)[1]
        stored += 1
    inserted, new_pending = writer.write_events(pg, events)
    return stored + inserted, pending + new_pending


def _handle(default_type: str | None) -> Response:
    received_at = datetime.now(UTC)
    limit = MAX_BATCH_BYTES if default_type is None else MAX_MESSAGE_BYTES
    try:
        header_key = _header_key()
        key = _authenticate(header_key) if header_key is not None else None
        raw = _read_body(limit)
        body = _parse_json(raw)
        if key is None:
            key = _authenticate(_body_key(body))
        if default_type is None:
            if not isinstance(body, dict) or not isinstance(body.get("batch"), list):
                raise RequestProblem(
                    400, 'a batch request needs a JSON object with a "batch" list of messages'
                )
            messages = body["batch"]
        else:
            if not isinstance(body, dict):
                raise RequestProblem(400, "the request body must be a JSON object (one message)")
            messages = [body]
        good, bad = _parse_all(messages, raw, received_at, default_type)
        ignored = _restrict(key, good)
        stored, _pending, failed = _store(key, good)
    except RequestProblem as exc:
        return _unauthorised(exc)
    if bad and not good:
        detail = bad[0]["reason"] if default_type else f"all {len(bad)} messages were rejected"
        return _problem(400, detail, errors=bad)
    bad.extend(failed)
    if failed and len(bad) == len(messages):
        return _problem(400, bad[0]["reason"] if default_type else "no message could be stored", errors=bad)
    accepted = len(good) - len(failed)
    writes = sum(1 for _, op in good if not isinstance(op, Alias))
    return jsonify(
        success=True,
        accepted=accepted,
        stored=stored,
        # Messages whose messageId was already stored: a replay, acknowledged and not stored again.
        duplicates=max(0, writes - len(failed) - stored),
        rejected=sorted(bad, key=lambda b: b["index"]),
        # Group traits this write key may not set (see the key's account fields): dropped, the rest stored.
        ignored=ignored,
    )


@bp.post("/batch")
@bp.post("/import")
def batch() -> Response:
    return _handle(None)


def _single(kind: str):
    def view() -> Response:
        return _handle(kind)

    view.__name__ = f"single_{kind}"
    return view


for _kind in ("identify", "group", "track", "page", "screen", "alias"):
    bp.add_url_rule(f"/{_kind}", view_func=_single(_kind), methods=["POST"])
for _short, _kind in (("i", "identify"), ("g", "group"), ("t", "track"), ("p", "page"), ("s", "screen")):
    bp.add_url_rule(f"/{_short}", endpoint=f"short_{_kind}", view_func=_single(_kind), methods=["POST"])
