"""Per-kind CSV import: a chunk of converted rows -> staging table (COPY) -> validated -> upserted.

Rules, the same for every kind:
- Upsert by external id (events: by message id, insert-only). A blank cell never erases a stored value;
  a row that changes nothing leaves the record (and its `updated_at`) untouched, so re-importing a file
  changes nothing.
- An id that appears twice in one file: the first row wins, later ones are reported.
- References are by external id: an unknown account or contact is a row error ("import accounts first"),
  except for events, which keep the account reference and are attached when the account appears (as
  with the event API), and for an account's parent, which is reported while the account is imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg

from dashapp.ingest.attach import attach_events_to_accounts, attach_events_to_users
from dashapp.ingest.mapping import RowValues
from dashapp.ingest.webhook_store import reprocess_unmatched
from models.account import live_sql

STAGE = "import_stage"
SEEN = "import_seen"
PARENTS = "import_parents"

ErrorRow = tuple[int, str, str, str]  # (row, column, value, reason)


@dataclass(frozen=True)
class Ref:
    field: str  # the mapped field (its stage column is `<field>_ref`)
    table: str  # accounts / contacts / users
    target: str  # stage/target column that receives the id
    unknown: str = "error"  # error | keep | defer


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    key: str
    # (column, SQL type, field name it comes from)
    columns: tuple[tuple[str, str, str], ...]
    refs: tuple[Ref, ...] = ()
    json_col: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    insert_only: bool = False

    @property
    def stage_columns(self) -> list[tuple[str, str]]:
        cols = [("row_no", "int"), *((c, t) for c, t, _ in self.columns)]
        cols += [(f"{r.field}_ref", "text") for r in self.refs]
        cols += [(r.target, "bigint") for r in self.refs if r.target not in {c for c, _ in cols}]
        if self.json_col:
            cols.append((self.json_col, "jsonb"))
        return cols


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "accounts",
            "accounts",
            "external_id",
            (
                ("external_id", "text", "external_id"),
                ("name", "text", "name"),
                ("domain", "text", "domain"),
                ("segment", "text", "segment"),
                ("plan", "text", "plan"),
                ("industry", "text", "industry"),
                ("region", "text", "region"),
                ("lifecycle_stage", "text", "lifecycle_stage"),
                ("mrr", "numeric", "mrr"),
                ("currency", "text", "currency"),
                ("contract_start", "date", "contract_start"),
                ("renewal_date", "date", "renewal_date"),
                ("churned_at", "timestamptz", "churned_at"),
                ("churn_reason", "text", "churn_reason"),
            ),
            (Ref("owner", "users", "owner_id"), Ref("parent", "accounts", "parent_id", "defer")),
            "custom_attributes",
            {"mrr": "0", "currency": "'USD'"},
        ),
        Kind(
            "contacts",
            "contacts",
            "external_id",
            (
                ("external_id", "text", "external_id"),
                ("email", "text", "email"),
                ("name", "text", "name"),
                ("title", "text", "title"),
                ("last_seen_at", "timestamptz", "last_seen_at"),
            ),
            (Ref("account", "accounts", "account_id"),),
            "traits",
        ),
        Kind(
            "events",
            "usage_events",
            "message_id",
            (
                ("message_id", "text", "message_id"),
                ("user_external_id", "text", "user_id"),
                ("event", "text", "event"),
                ("event_type", "text", "event_type"),
                ("occurred_at", "timestamptz", "timestamp"),
            ),
            (
                Ref("account", "accounts", "account_id", "keep"),
                Ref("user_id", "contacts", "contact_id", "keep"),
            ),
            "properties",
            {"event_type": "'track'"},
            insert_only=True,
        ),
        Kind(
            "tickets",
            "support_tickets",
            "external_id",
            (
                ("external_id", "text", "external_id"),
                ("subject", "text", "subject"),
                ("priority", "text", "priority"),
                ("status", "text", "status"),
                ("opened_at", "timestamptz", "opened_at"),
                ("first_response_at", "timestamptz", "first_response_at"),
                ("closed_at", "timestamptz", "closed_at"),
                ("csat", "smallint", "csat"),
            ),
            (Ref("account", "accounts", "account_id"), Ref("contact", "contacts", "contact_id")),
            None,
            {"subject": "''", "priority": "'normal'", "status": "'open'"},
        ),
        Kind(
            "invoices",
            "invoices",
            "external_id",
            (
                ("external_id", "text", "external_id"),
                ("amount", "numeric", "amount"),
                ("amount_refunded", "numeric", "amount_refunded"),
                ("currency", "text", "currency"),
                ("status", "text", "status"),
                ("issued_at", "timestamptz", "issued_at"),
                ("due_at", "timestamptz", "due_at"),
                ("paid_at", "timestamptz", "paid_at"),
            ),
            (Ref("account", "accounts", "account_id"),),
            None,
            {
                "amount_refunded": "0",
                "currency": "'USD'",
                "status": "CASE WHEN s.paid_at IS NOT NULL THEN 'paid' ELSE 'open' END",
            },
        ),
        Kind(
            "surveys",
            "survey_responses",
            "external_id",
            (
                ("external_id", "text", "external_id"),
                ("kind", "text", "kind"),
                ("score", "smallint", "score"),
                ("comment", "text", "comment"),
                ("responded_at", "timestamptz", "responded_at"),
            ),
            (Ref("account", "accounts", "account_id"), Ref("contact", "contacts", "contact_id")),
        ),
    )
}

_LOOKUP = {
    "accounts": f"SELECT id FROM accounts x WHERE x.external_id = s.{{ref}} AND {live_sql('x')}",
    "contacts": f"SELECT id FROM contacts x WHERE x.external_id = s.{{ref}} AND {live_sql('x')}",
    "users": "SELECT id FROM users x WHERE lower(x.email) = lower(s.{ref})",
}


def unknown_reference(table: str, value: str) -> str:
    """Why a row naming an account, contact or user (by email) that does not exist is refused."""
    what = {"accounts": "account", "contacts": "contact", "users": "user"}[table]
    hint = {"users": "no user has this email"}.get(table, f"import {table} first")
    return f"{what} {value!r} does not exist ({hint})"


def deleted_record(table: str, value: str) -> str:
    """Why a row for a deleted (not yet purged) account or contact is refused."""
    what = {"accounts": "account", "contacts": "contact"}[table]
    return f"{what} {value!r} was deleted; restore it before changing it"


def own_parent() -> str:
    return "an account cannot be its own parent"


def _row_check(kind: str) -> Callable[[RowValues], str | None]:
    def surveys(rv: RowValues) -> str | None:
        kind_, score = rv.values.get("kind"), rv.values.get("score")
        if kind_ == "csat" and score is not None and not 1 <= score <= 5:
            return f"a CSAT score is 1 to 5; got {score}"
        return None

    return surveys if kind == "surveys" else (lambda rv: None)


class ChunkImporter:
    """Holds the temp tables of one import on one connection and processes chunks of rows."""

    def __init__(self, pg: psycopg.Connection, kind: str, *, check_duplicates: bool = True) -> None:
        self.pg = pg
        self.check_duplicates = check_duplicates
        self.kind = KINDS[kind]
        self.check = _row_check(kind)
        self.pending = 0
        column_names = {c for c, _, _ in self.kind.columns}
        self._sources = [source for _, _, source in self.kind.columns] + [r.field for r in self.kind.refs]
        self._padding = (None,) * sum(1 for r in self.kind.refs if r.target not in column_names)
        cols = ", ".join(f"{name} {sqltype}" for name, sqltype in self.kind.stage_columns)
        pg.execute(f"DROP TABLE IF EXISTS {STAGE}, {SEEN}, {PARENTS}")
        pg.execute(f"CREATE TEMP TABLE {STAGE} ({cols})")
        pg.execute(f"CREATE TEMP TABLE {SEEN} (key text PRIMARY KEY, row_no int NOT NULL)")
        pg.execute(f"CREATE TEMP TABLE {PARENTS} (row_no int, external_id text, parent_ref text)")

    def close(self) -> None:
        """Drop the temp tables (an import on a pooled connection that lives on)."""
        self.pg.execute(f"DROP TABLE IF EXISTS {STAGE}, {SEEN}, {PARENTS}")

    def to_stage(self, row: int, rv: RowValues, cells: list[str]) -> tuple[Any, ...] | str:
        """The staging tuple for a valid row, or the reason it is refused."""
        reason = self.check(rv)
        if reason:
            return reason
        values = rv.values
        if self.kind.name == "events" and not values.get("message_id"):
            values["message_id"] = "csv:" + hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:40]
        get = values.get
        out = (row, *[get(source) for source in self._sources], *self._padding)
        if self.kind.json_col:
            return (*out, orjson.dumps(rv.extras).decode())
        return out

    def process(self, rows: list[tuple[Any, ...]], key_column: str) -> tuple[dict[str, int], list[ErrorRow]]:
        pg, kind = self.pg, self.kind
        pg.execute(f"TRUNCATE {STAGE}")
        names = ", ".join(name for name, _ in kind.stage_columns)
        with pg.cursor().copy(f"COPY {STAGE} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        errors = self._duplicates(key_column) if self.check_duplicates else []
        errors += self._deleted(key_column)
        errors += self._resolve_refs()
        counts = self._upsert()
        if kind.name == "accounts":
            self._after_accounts()
        elif kind.name == "contacts":
            users = [
                r[0] for r in pg.execute(f"SELECT external_id FROM {STAGE} WHERE account_id IS NOT NULL")
            ]
            self.pending += attach_events_to_users(pg, users)[1]
        return counts, errors

    def _duplicates(self, key_column: str) -> list[ErrorRow]:
        key = self.kind.key
        self.pg.execute(
            f"""INSERT INTO {SEEN} SELECT DISTINCT ON ({key}) {key}, row_no FROM {STAGE}
                ORDER BY {key}, row_no ON CONFLICT DO NOTHING"""
        )
        dups = self.pg.execute(
            f"""DELETE FROM {STAGE} s USING {SEEN} k WHERE k.key = s.{key} AND k.row_no <> s.row_no
                RETURNING s.row_no, s.{key}, k.row_no"""
        ).fetchall()
        return [
            (r, key_column, k, f"duplicate {key} {k!r}: row {first} has the same id; this row was skipped")
            for r, k, first in dups
        ]

    def _deleted(self, key_column: str) -> list[ErrorRow]:
        """Rows for accounts or contacts deleted (and not yet purged) are refused: restore those first."""
        if self.kind.name not in ("accounts", "contacts"):
            return []
        key, table = self.kind.key, self.kind.table
        gone = self.pg.execute(
            f"""DELETE FROM {STAGE} s USING {table} t
                WHERE t.{key} = s.{key} AND t.deleted_at IS NOT NULL RETURNING s.row_no, s.{key}"""
        ).fetchall()
        return [(r, key_column, k, deleted_record(table, k)) for r, k in gone]

    def _resolve_refs(self) -> list[ErrorRow]:
        errors: list[ErrorRow] = []
        if self.kind.insert_only:
            return errors  # events keep unknown references; the insert joins them (see _insert_events)
        for ref in self.kind.refs:
            col = f"{ref.field}_ref"
            if ref.unknown == "defer":
                self.pg.execute(
                    f"INSERT INTO {PARENTS} SELECT row_no, external_id, {col} FROM {STAGE} WHERE {col} IS NOT NULL"
                )
                continue
            lookup = _LOOKUP[ref.table].format(ref=col)
            self.pg.execute(f"UPDATE {STAGE} s SET {ref.target} = ({lookup}) WHERE s.{col} IS NOT NULL")
            if ref.unknown == "error":
                bad = self.pg.execute(
                    f"DELETE FROM {STAGE} WHERE {col} IS NOT NULL AND {ref.target} IS NULL RETURNING row_no, {col}"
                ).fetchall()
                errors += [(r, ref.field, v, unknown_reference(ref.table, v)) for r, v in bad]
        return errors

    def _upsert(self) -> dict[str, int]:
        kind, pg = self.kind, self.pg
        staged = pg.execute(f"SELECT count(*) FROM {STAGE}").fetchone()[0]
        if kind.insert_only:
            inserted, pending = self._insert_events()
            self.pending += pending
            return {"inserted": inserted, "updated": 0, "unchanged": staged - inserted}
        cols = [c for c, _, _ in kind.columns if c != kind.key]
        cols += [r.target for r in kind.refs if r.unknown != "defer"]
        sets = [f"{c} = COALESCE(s.{c}, t.{c})" for c in cols]
        old = [f"t.{c}" for c in cols]
        new = [f"COALESCE(s.{c}, t.{c})" for c in cols]
        if kind.json_col:
            j = kind.json_col
            sets.append(f"{j} = t.{j} || s.{j}")
            old.append(f"t.{j}")
            new.append(f"t.{j} || s.{j}")
        updated = pg.execute(
            f"""UPDATE {kind.table} t SET {", ".join(sets)}, updated_at = now() FROM {STAGE} s
                WHERE t.{kind.key} = s.{kind.key} AND ROW({", ".join(old)}) IS DISTINCT FROM ROW({", ".join(new)})"""
        ).rowcount
        insert_cols = [kind.key, *cols] + ([kind.json_col] if kind.json_col else [])
        select = [
            f"COALESCE(s.{c}, {kind.defaults[c]})" if c in kind.defaults else f"s.{c}" for c in insert_cols
        ]
        inserted = pg.execute(
            f"""INSERT INTO {kind.table} ({", ".join(insert_cols)})
                SELECT {", ".join(select)} FROM {STAGE} s
                WHERE NOT EXISTS (SELECT 1 FROM {kind.table} x WHERE x.{kind.key} = s.{kind.key})
                ORDER BY s.{kind.key} ON CONFLICT ({kind.key}) DO NOTHING"""
        ).rowcount
        return {"inserted": inserted, "updated": updated, "unchanged": staged - inserted - updated}

    def _insert_events(self) -> tuple[int, int]:
        row = self.pg.execute(
            f"""
            WITH ins AS (
                INSERT INTO usage_events (message_id, account_id, account_external_id, contact_id,
                                          user_external_id, event_type, event, occurred_at, properties)
                -- an event without an account column belongs to the account of its user's contact
                SELECT s.message_id, CASE WHEN s.account_ref IS NULL THEN c.account_id ELSE a.id END,
                       s.account_ref, c.id, s.user_external_id, COALESCE(s.event_type, 'track'), s.event,
                       s.occurred_at, s.properties
                FROM {STAGE} s
                LEFT JOIN accounts a ON a.external_id = s.account_ref
                LEFT JOIN contacts c ON c.external_id = s.user_id_ref
                ORDER BY s.message_id
                ON CONFLICT (message_id) DO NOTHING
                RETURNING account_id, occurred_at
            ), pending AS (
                INSERT INTO rollup_pending (account_id, day)
                SELECT DISTINCT account_id, (occurred_at AT TIME ZONE 'UTC')::date FROM ins
                WHERE account_id IS NOT NULL ORDER BY 1, 2 ON CONFLICT DO NOTHING RETURNING 1
            )
            SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM pending)
            """
        ).fetchone()
        return int(row[0]), int(row[1])

    def _after_accounts(self) -> None:
        rows = self.pg.execute(
            f"""SELECT s.external_id, a.custom_attributes ->> 'stripe_customer_id'
                FROM {STAGE} s JOIN accounts a USING (external_id)"""
        ).fetchall()
        self.pending += attach_events_to_accounts(self.pg, [r[0] for r in rows])[1]
        reprocess_unmatched(self.pg, [r for pair in rows for r in pair])

    def finish(self) -> list[ErrorRow]:
        """Link accounts to their parents now that the whole file is in; report parents not found."""
        if self.kind.name != "accounts":
            return []
        self.pg.execute(
            f"""UPDATE accounts a SET parent_id = p.id, updated_at = now()
                FROM {PARENTS} l JOIN accounts p ON p.external_id = l.parent_ref AND {live_sql("p")}
                WHERE a.external_id = l.external_id AND a.id <> p.id AND a.parent_id IS DISTINCT FROM p.id"""
        )
        bad = self.pg.execute(
            f"""SELECT l.row_no, l.parent_ref, l.parent_ref = l.external_id FROM {PARENTS} l
                WHERE l.parent_ref = l.external_id
                   OR NOT EXISTS (SELECT 1 FROM accounts p WHERE p.external_id = l.parent_ref AND {live_sql("p")})
                ORDER BY l.row_no"""
        ).fetchall()
        return [
            (
                r,
                "parent",
                ref,
                own_parent()
                if own
                else f"parent account {ref!r} does not exist; the account was imported without a parent",
            )
            for r, ref, own in bad
        ]
