"""`/alerts/stream`: the first event is the user's unread count; each process serves at most STREAM_SLOTS
streams at once (503 with Retry-After past that), and a closed stream gives its slot back."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp.ui import alert_stream
from tests.alerts.test_pages import _alerts


def test_the_stream_starts_with_the_unread_count(client: FlaskClient, logged_in, session: Session) -> None:
    csm = logged_in("csm")
    opened = _alerts(session, csm.id)
    response = client.get("/alerts/stream", buffered=False)
    try:
        assert response.status_code == 200 and response.mimetype == "text/event-stream"
        chunks = iter(response.response)
        first = ""
        while "event: unread" not in first:
            first += next(chunks).decode()
        mine = [a for a in opened if csm.id in a.recipient_ids]
        assert mine and f"event: unread\ndata: {len(mine)}\n" in first
    finally:
        response.close()


def test_streams_past_the_slots_are_refused_and_a_closed_one_frees_its_slot(
    client: FlaskClient, logged_in
) -> None:
    logged_in("viewer")
    held = [client.get("/alerts/stream", buffered=False) for _ in range(alert_stream.STREAM_SLOTS)]
    try:
        assert [r.status_code for r in held] == [200] * alert_stream.STREAM_SLOTS
        refused = client.get("/alerts/stream")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == str(alert_stream.RETRY_AFTER_SECONDS)
        held.pop().close()
        again = client.get("/alerts/stream", buffered=False)
        held.append(again)
        assert again.status_code == 200
    finally:
        for response in held:
            response.close()
