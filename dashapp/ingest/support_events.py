"""The generic support webhook: ticket.created / ticket.updated / ticket.solved / csat.rated.

Payload (JSON, documented in docs/ingestion.md):

    {"id": "delivery-or-event id (unique; replays are ignored)",
     "type": "ticket.created" | "ticket.updated" | "ticket.solved" | "csat.rated",
     "occurred_at": "2024-05-01T10:00:00Z",
     "ticket": {"id": "T-1", "account_id": "<account external id>", "requester_id": "<contact external id>",
                "subject": "...", "priority": "low|normal|high|urgent",
                "status": "new|open|pending|solved|closed", "created_at": "...",
                "first_response_at": "...", "solved_at": "..."},
     "rating": {"score": 1-5, "comment": "..."}}            # csat.rated only

Fields a later event leaves out keep their stored values. A rating sets the ticket's `csat` and is also
kept as a CSAT survey response (`ticket:<id>:csat`), so its comment is not lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from dashapp.ingest import validators as v
from dashapp.ingest.stripe_events import EventProblem, Unmatched
from models.support import TICKET_PRIORITIES, TICKET_STATUSES

TYPES = ("ticket.created", "ticket.updated", "ticket.solved", "csat.rated")


def _field(obj: dict[str, Any], key: str, parse, where: str) -> Any:
    try:
        return parse(obj.get(key))
    except ValueError as exc:
        raise EventProblem(f"{where}.{key}: {exc}") from None


def apply(pg: psycopg.Connection, event: dict[str, Any], occurred_at: datetime) -> str:
    kind = event["type"]
    ticket = event.get("ticket")
    if not isinstance(ticket, dict):
        raise EventProblem("ticket must be a JSON object with at least an id")
    ticket_id = _field(ticket, "id", v.text, "ticket")
    if not ticket_id:
        raise EventProblem("ticket.id is required")
    if kind == "csat.rated":
        return _rating(pg, event, ticket, ticket_id, occurred_at)
    return _ticket(pg, kind, ticket, ticket_id, occurred_at)


def _account(pg: psycopg.Connection, ticket: dict[str, Any], required: bool) -> int | None:
    ref = _field(ticket, "account_id", v.text, "ticket")
    if not ref:
        if required:
            raise EventProblem("ticket.account_id (the account's external id) is required for a new ticket")
        return None
    row = pg.execute("SELECT id FROM accounts WHERE external_id = %s", (ref,)).fetchone()
    if row is None:
        raise Unmatched(ref)
    return int(row[0])


def _contact(pg: psycopg.Connection, ticket: dict[str, Any]) -> int | None:
    ref = _field(ticket, "requester_id", v.text, "ticket")
    if not ref:
        return None
    row = pg.execute("SELECT id FROM contacts WHERE external_id = %s", (ref,)).fetchone()
    return int(row[0]) if row else None


def _ticket(pg: psycopg.Connection, kind: str, t: dict[str, Any], ticket_id: str, at: datetime) -> str:
    exists = pg.execute("SELECT id FROM support_tickets WHERE external_id = %s", (ticket_id,)).fetchone()
    account_id = _account(pg, t, required=exists is None)
    status = _field(t, "status", v.choice(TICKET_STATUSES, "ticket status"), "ticket")
    closed_at = _field(t, "solved_at", v.parse_datetime, "ticket") or _field(
        t, "closed_at", v.parse_datetime, "ticket"
    )
    if kind == "ticket.solved":
        status = status if status in ("solved", "closed") else "solved"
        closed_at = closed_at or at
    opened = _field(t, "created_at", v.parse_datetime, "ticket") or _field(
        t, "opened_at", v.parse_datetime, "ticket"
    )
    values = (
        ticket_id,
        account_id,
        _contact(pg, t),
        _field(t, "subject", lambda x: v.text(x, 500), "ticket"),
        _field(t, "priority", v.choice(TICKET_PRIORITIES, "ticket priority"), "ticket"),
        status,
        opened or at,
        _field(t, "first_response_at", v.parse_datetime, "ticket"),
        closed_at,
    )
    pg.execute(
        """
        INSERT INTO support_tickets AS t (external_id, account_id, contact_id, subject, priority, status,
                                          opened_at, first_response_at, closed_at)
        VALUES (%s, %s, %s, COALESCE(%s, ''), COALESCE(%s, 'normal'), COALESCE(%s, 'open'), %s, %s, %s)
        ON CONFLICT (external_id) DO UPDATE SET
            account_id = COALESCE(%s, t.account_id), contact_id = COALESCE(EXCLUDED.contact_id, t.contact_id),
            subject = COALESCE(%s, t.subject), priority = COALESCE(%s, t.priority),
            status = COALESCE(%s, t.status), opened_at = COALESCE(%s, t.opened_at),
            first_response_at = COALESCE(EXCLUDED.first_response_at, t.first_response_at),
            closed_at = COALESCE(EXCLUDED.closed_at, t.closed_at), updated_at = now()
        """,
        (*values, account_id, values[3], values[4], values[5], opened),
    )
    return f"ticket {ticket_id} {values[5] or 'saved'}"


def _rating(pg: psycopg.Connection, event: dict[str, Any], t: dict[str, Any], ticket_id: str, at) -> str:
    rating = event.get("rating")
    if not isinstance(rating, dict):
        raise EventProblem("csat.rated needs a rating object with a score from 1 to 5")
    score = _field(rating, "score", lambda x: v.integer(x, low=1, high=5), "rating")
    if score is None:
        raise EventProblem("rating.score is required (1 to 5)")
    comment = _field(rating, "comment", v.long_text, "rating")
    row = pg.execute(
        "SELECT id, account_id, contact_id FROM support_tickets WHERE external_id = %s", (ticket_id,)
    ).fetchone()
    if row is None:
        _ticket(pg, "ticket.updated", t, ticket_id, at)
        row = pg.execute(
            "SELECT id, account_id, contact_id FROM support_tickets WHERE external_id = %s", (ticket_id,)
        ).fetchone()
    pg.execute("UPDATE support_tickets SET csat = %s, updated_at = now() WHERE id = %s", (score, row[0]))
    pg.execute(
        """INSERT INTO survey_responses AS s (external_id, account_id, contact_id, kind, score, comment,
                                              responded_at)
           VALUES (%s, %s, %s, 'csat', %s, %s, %s)
           ON CONFLICT (external_id) DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment,
               responded_at = EXCLUDED.responded_at, updated_at = now()""",
        (f"ticket:{ticket_id}:csat", row[1], row[2], score, comment, at),
    )
    return f"ticket {ticket_id} rated {score}"
