"""`GET /alerts/stream`: server-sent events carrying the logged-in user's unread alert count.

The stream sends the count once, then again whenever evaluation publishes (Redis pub/sub) that this user
got alerts; between messages it sends a comment every few seconds so a closed tab is noticed. It ends
after a few minutes and the browser's EventSource reconnects by itself. The database is read only when a
message concerns the user, never on a timer.

A stream holds a server thread for as long as it is open, so each process serves at most half its threads
as streams; past that the answer is 503 with Retry-After and the bell tries again later (it shows the count
the page was rendered with meanwhile).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from flask import Blueprint, Response
from flask_login import current_user

from dashapp.alerts import live
from dashapp.alerts.queries import unread_count
from dashapp.extensions import runtime
from dashapp.settings import WEB_THREADS

bp = Blueprint("alert_stream", __name__)
HEARTBEAT_SECONDS = 2.0  # how soon a closed tab frees its server thread
MAX_SECONDS = 120.0
STREAM_SLOTS = WEB_THREADS // 2
RETRY_AFTER_SECONDS = 30
_slots = threading.BoundedSemaphore(STREAM_SLOTS)


def _event(count: int) -> str:
    return f"event: unread\ndata: {count}\n\n"


@bp.get("/alerts/stream")
def stream() -> Response:
    rt = runtime()
    user_id = int(current_user.id)
    db, conn, namespace = rt.db, rt.redis, rt.settings.redis_namespace

    def count() -> int:
        with db.transaction() as session:
            return unread_count(session, user_id)

    def events() -> Iterator[str]:
        pubsub = conn.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(live.channel(namespace))
        try:
            yield "retry: 2000\n" + _event(count())
            ends = time.monotonic() + MAX_SECONDS
            while time.monotonic() < ends:
                message = pubsub.get_message(timeout=HEARTBEAT_SECONDS)
                if message is None:
                    yield ": ping\n\n"
                elif live.concerns(message.get("data"), user_id):
                    yield _event(count())
        finally:
            pubsub.close()

    if not _slots.acquire(blocking=False):
        busy = Response("Too many live alert streams on this server; try again shortly.\n", status=503)
        busy.headers.update({"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})
        return busy
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    response = Response(events(), mimetype="text/event-stream", headers=headers)
    response.call_on_close(_slots.release)
    return response
