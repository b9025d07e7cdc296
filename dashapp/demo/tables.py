"""The demo frames as COPY text rows of the real tables, with database ids filled in.

Each function returns `(copy_statement, payload)`. External ids are derived from the account's:
contacts `ACME-000042-C3`, tickets `...-T7`, invoices `...-INV12`, payments `...-INV12-P1`, surveys
`...-NPS4` / `...-CSAT7`, events `...-20261124-15` (day and position within the day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashapp.demo import vocab
from dashapp.demo.book import Block
from dashapp.demo.copytext import Lines, Vocabulary
from dashapp.demo.events import label_names
from dashapp.demo.plan import BookPlan
from dashapp.demo.ragged import offsets
from dashapp.demo.support import STATUSES
from dashapp.demo.surveys import COMMENTS

EPOCH = np.datetime64("1970-01-01", "D")


def _words(*words: str) -> Vocabulary:
    return Vocabulary.of(words)


@dataclass
class BookText:
    """Vocabularies shared by every block: account-level strings and small fixed lists."""

    plan: BookPlan
    account_id: np.ndarray  # database id per account position
    owner_id: np.ndarray  # database id per owner position
    external_id: Vocabulary
    domain: Vocabulary
    dates: Vocabulary  # "YYYY-MM-DD" for day numbers since 1970 from `first_date`
    compact_dates: Vocabulary  # the same as "YYYYMMDD"
    first_date: int

    @classmethod
    def build(cls, plan: BookPlan, account_id: np.ndarray, owner_id: np.ndarray) -> BookText:
        accounts = plan.accounts
        first = int(
            (accounts["contract_start"].min().to_datetime64().astype("datetime64[D]") - EPOCH).astype(int)
        )
        last = int((plan.window.today - EPOCH).astype(int)) + 3 * 366 + 400
        dates = (EPOCH + np.arange(first - 1, last + 1)).astype(str)
        return cls(
            plan=plan,
            account_id=account_id,
            owner_id=owner_id,
            external_id=Vocabulary.of_array(accounts["external_id"].to_numpy(str)),
            domain=Vocabulary.of_array(accounts["domain"].to_numpy(str)),
            dates=Vocabulary.of_array(dates),
            compact_dates=Vocabulary.of_array(np.strings.replace(dates, "-", "")),
            first_date=first - 1,
        )

    # --- shared segment helpers --------------------------------------------------------------------
    def date(self, lines: Lines, day_numbers: np.ndarray, present: np.ndarray | None = None) -> None:
        codes = np.asarray(day_numbers, dtype=np.int64) - self.first_date
        if present is None:
            lines.word(codes, self.dates)
        else:
            lines.word_or_null(np.where(present, codes, 0), self.dates, present)

    def timestamp(self, lines: Lines, seconds: np.ndarray, nullable: bool = False) -> None:
        seconds = np.asarray(seconds, dtype=np.int64)
        present = seconds >= 0 if nullable else None
        s = np.maximum(seconds, 0)
        self.date(lines, s // 86400, present)
        within = s % 86400
        lines.text(" ", where=present)
        lines.fixed(within // 3600, 2, where=present).text(":", where=present)
        lines.fixed(within // 60 % 60, 2, where=present).text(":", where=present)
        lines.fixed(within % 60, 2, where=present).text("+00", where=present)

    @staticmethod
    def money(lines: Lines, cents: np.ndarray) -> None:
        cents = np.asarray(cents, dtype=np.int64)
        lines.int(cents // 100).text(".").fixed(cents % 100, 2)

    def account_ref(self, lines: Lines, account: np.ndarray, suffix: str) -> None:
        lines.word(account, self.external_id).text(suffix)


CURRENCY = Vocabulary.of(vocab.CURRENCIES)
SEGMENT = Vocabulary.of(vocab.SEGMENTS)
PLAN = Vocabulary.of(vocab.PLANS)
INDUSTRY = Vocabulary.of(vocab.INDUSTRIES)
REGION = Vocabulary.of(vocab.REGIONS)
FIRST = Vocabulary.of(vocab.PERSON_FIRST)
LAST = Vocabulary.of(vocab.PERSON_LAST)
FIRST_LOWER = Vocabulary.of([w.lower() for w in vocab.PERSON_FIRST])
LAST_LOWER = Vocabulary.of([w.lower() for w in vocab.PERSON_LAST])
TITLE = Vocabulary.of(vocab.TITLES)
TRAITS = Vocabulary.of([f'{{"role": "{r}"}}' for r in vocab.CONTACT_ROLES])
SUBJECT = Vocabulary.of(vocab.TICKET_SUBJECTS)
PRIORITY = Vocabulary.of(vocab.TICKET_PRIORITIES)
TICKET_STATUS = Vocabulary.of(STATUSES)
INVOICE_STATUS = Vocabulary.of(("draft", "open", "paid", "failed", "refunded", "void"))
PAYMENT_STATUS = Vocabulary.of(("succeeded", "failed", "refunded"))
FAILURE = Vocabulary.of(vocab.PAYMENT_FAILURES)
PAYMENT_KIND = Vocabulary.of(("-P1", "-P0", "-R"))  # by payment status: success, failure, refund
KIND = Vocabulary.of(("nps", "csat"))
KIND_REF = Vocabulary.of(("-NPS", "-CSAT"))
COMMENT = Vocabulary.of(COMMENTS)
_names, _types, _props = label_names()
EVENT_NAME = Vocabulary.of(_names)
EVENT_TYPE = Vocabulary.of(_types)
EVENT_PROPS = Vocabulary.of(_props)
FEATURE_KEYS = [f'"{name}":' for name in vocab.FEATURES]


def accounts(text: BookText) -> tuple[str, bytes]:
    frame = text.plan.accounts
    n = len(frame)
    pos = np.arange(n)
    L = Lines(n)
    L.int(text.account_id).tab().word(pos, text.external_id).tab()
    L.word(pos, Vocabulary.of_array(frame["name"].to_numpy(str))).tab().word(pos, text.domain).tab()
    parent = frame["parent"].to_numpy()
    L.int_or_null(text.account_id[np.maximum(parent, 0)], parent >= 0).tab()
    L.word(frame["segment"].cat.codes.to_numpy(), SEGMENT).tab()
    L.word(frame["plan"].cat.codes.to_numpy(), PLAN).tab()
    L.word(frame["industry"].cat.codes.to_numpy(), INDUSTRY).tab()
    L.word(frame["region"].cat.codes.to_numpy(), REGION).tab()
    owner = frame["owner"].to_numpy()
    L.int_or_null(text.owner_id[np.maximum(owner, 0)], owner >= 0).tab()
    L.word(
        frame["lifecycle_stage"].cat.codes.to_numpy(), Vocabulary.of(frame["lifecycle_stage"].cat.categories)
    )
    L.tab()
    text.money(L, frame["mrr_cents"].to_numpy())
    L.tab().word(frame["currency"].cat.codes.to_numpy(), CURRENCY).tab()
    text.date(L, _days(frame["contract_start"]))
    L.tab()
    text.date(L, _days(frame["renewal_date"]))
    L.tab()
    churned = frame["churned_at"].notna().to_numpy()
    text.timestamp(L, np.where(churned, _days(frame["churned_at"]) * 86400 + 12 * 3600, -1), nullable=True)
    L.tab()
    reason = frame["churn_reason"].cat.codes.to_numpy()
    L.word_or_null(np.maximum(reason, 0), Vocabulary.of(frame["churn_reason"].cat.categories), reason >= 0)
    L.tab().word(pos, Vocabulary.of_array(frame["custom_attributes"].to_numpy(str)))
    columns = (
        "id, external_id, name, domain, parent_id, segment, plan, industry, region, owner_id, lifecycle_stage, "
        "mrr, currency, contract_start, renewal_date, churned_at, churn_reason, custom_attributes"
    )
    return f"COPY accounts ({columns}) FROM STDIN", L.tobytes()


def _days(column) -> np.ndarray:
    values = column.to_numpy("datetime64[D]")
    out = (values - EPOCH).astype(np.int64)
    return np.where(np.isnat(values), 0, out)


def contacts(text: BookText, block: Block, contact_base: int) -> tuple[str, bytes]:
    f = block.contacts
    n = len(f)
    account = f["account"].to_numpy()
    L = Lines(n)
    L.int(contact_base + np.arange(n)).tab().int(text.account_id[account]).tab()
    text.account_ref(L, account, "-C")
    L.int(f["seq"].to_numpy()).tab()
    first, last = f["first_name"].to_numpy(), f["last_name"].to_numpy()
    L.word(first, FIRST_LOWER).text(".").word(last, LAST_LOWER).text(".").int(f["seq"].to_numpy())
    L.text("@").word(account, text.domain).tab()
    L.word(first, FIRST).text(" ").word(last, LAST).tab().word(f["title"].to_numpy(), TITLE).tab()
    L.word(f["role"].to_numpy(), TRAITS).tab()
    text.timestamp(L, f["last_seen_at"].to_numpy(), nullable=True)
    columns = "id, account_id, external_id, email, name, title, traits, last_seen_at"
    return f"COPY contacts ({columns}) FROM STDIN", L.tobytes()


def contact_ids(block: Block, contact_base: int, account: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Database id of contact `seq` of each (global) account position in the block."""
    return contact_base + offsets(block.n_contacts)[account - block.start] + seq


def daily_metrics(text: BookText, block: Block, table: str = "account_daily_metrics") -> tuple[str, bytes]:
    f = block.daily_metrics
    n = len(f)
    day0 = int((text.plan.window.start - EPOCH).astype(int))
    L = Lines(n)
    L.int(text.account_id[f["account"].to_numpy()]).tab()
    text.date(L, day0 + f["day"].to_numpy())
    for column in ("active_users", "sessions", "logins", "events"):
        L.tab().int(f[column].to_numpy())
    L.tab().text("{")
    counts = f[list(vocab.FEATURES)].to_numpy().T
    present = counts > 0
    before = np.cumsum(present, axis=0) - present
    for k, key in enumerate(FEATURE_KEYS):
        L.text(",", where=present[k] & (before[k] > 0))
        L.text(key, where=present[k]).int(counts[k], where=present[k])
    L.text("}")
    columns = "account_id, day, active_users, sessions, logins, events, feature_usage"
    return f"COPY {table} ({columns}) FROM STDIN", L.tobytes()


def tickets(text: BookText, block: Block, contact_base: int) -> tuple[str, bytes]:
    f = block.tickets
    account = f["account"].to_numpy()
    L = Lines(len(f))
    text.account_ref(L, account, "-T")
    L.int(f["seq"].to_numpy()).tab().int(text.account_id[account]).tab()
    L.int(contact_ids(block, contact_base, account, f["contact"].to_numpy())).tab()
    L.word(f["subject"].to_numpy(), SUBJECT).tab().word(f["priority"].to_numpy(), PRIORITY).tab()
    L.word(f["status"].to_numpy(), TICKET_STATUS).tab()
    text.timestamp(L, f["opened_at"].to_numpy())
    L.tab()
    text.timestamp(L, f["first_response_at"].to_numpy(), nullable=True)
    L.tab()
    text.timestamp(L, f["closed_at"].to_numpy(), nullable=True)
    csat = f["csat"].to_numpy()
    L.tab().int_or_null(np.maximum(csat, 0), csat >= 0)
    columns = (
        "external_id, account_id, contact_id, subject, priority, status, opened_at, first_response_at, "
        "closed_at, csat"
    )
    return f"COPY support_tickets ({columns}) FROM STDIN", L.tobytes()


def invoices(text: BookText, block: Block, invoice_base: int) -> tuple[str, bytes]:
    f = block.invoices
    account = f["account"].to_numpy()
    currency = text.plan.accounts["currency"].cat.codes.to_numpy()[account]
    L = Lines(len(f))
    L.int(invoice_base + np.arange(len(f))).tab()
    text.account_ref(L, account, "-INV")
    L.int(f["seq"].to_numpy()).tab().int(text.account_id[account]).tab()
    text.money(L, f["amount_cents"].to_numpy())
    L.tab()
    text.money(L, f["refunded_cents"].to_numpy())
    L.tab().word(currency, CURRENCY).tab().word(f["status"].to_numpy(), INVOICE_STATUS).tab()
    text.timestamp(L, f["issued_at"].to_numpy())
    L.tab()
    text.timestamp(L, f["due_at"].to_numpy())
    L.tab()
    text.timestamp(L, f["paid_at"].to_numpy(), nullable=True)
    columns = (
        "id, external_id, account_id, amount, amount_refunded, currency, status, issued_at, due_at, paid_at"
    )
    return f"COPY invoices ({columns}) FROM STDIN", L.tobytes()


def payments(text: BookText, block: Block, invoice_base: int) -> tuple[str, bytes]:
    f = block.payments
    invoice = f["invoice"].to_numpy()
    account = f["account"].to_numpy()
    status = f["status"].to_numpy()
    L = Lines(len(f))
    text.account_ref(L, account, "-INV")
    L.int(block.invoices["seq"].to_numpy()[invoice]).word(status, PAYMENT_KIND).tab()
    L.int(invoice_base + invoice).tab()
    text.money(L, f["amount_cents"].to_numpy())
    L.tab().word(text.plan.accounts["currency"].cat.codes.to_numpy()[account], CURRENCY).tab()
    L.word(status, PAYMENT_STATUS).tab()
    text.timestamp(L, f["attempted_at"].to_numpy())
    reason = f["failure_reason"].to_numpy()
    L.tab().word_or_null(np.maximum(reason, 0), FAILURE, reason >= 0)
    columns = "external_id, invoice_id, amount, currency, status, attempted_at, failure_reason"
    return f"COPY payments ({columns}) FROM STDIN", L.tobytes()


def surveys(text: BookText, block: Block, contact_base: int) -> tuple[str, bytes]:
    f = block.surveys
    account = f["account"].to_numpy()
    kind = f["kind"].to_numpy()
    L = Lines(len(f))
    L.word(account, text.external_id).word(kind, KIND_REF).int(f["seq"].to_numpy()).tab()
    L.int(text.account_id[account]).tab()
    L.int(contact_ids(block, contact_base, account, f["contact"].to_numpy())).tab()
    L.word(kind, KIND).tab().int(f["score"].to_numpy()).tab()
    comment = f["comment"].to_numpy()
    L.word_or_null(np.maximum(comment, 0), COMMENT, comment >= 0).tab()
    text.timestamp(L, f["responded_at"].to_numpy())
    columns = "external_id, account_id, contact_id, kind, score, comment, responded_at"
    return f"COPY survey_responses ({columns}) FROM STDIN", L.tobytes()


def usage_events(text: BookText, block: Block, contact_base: int) -> tuple[str, bytes]:
    f = block.usage_events
    account = f["account"].to_numpy()
    user = f["user"].to_numpy()
    label = f["label"].to_numpy()
    is_contact = user < block.n_contacts[account - block.start]
    day0 = int((text.plan.window.start - EPOCH).astype(int))
    L = Lines(len(f))
    text.account_ref(L, account, "-")
    date_codes = day0 + f["day"].to_numpy() - text.first_date
    L.word(date_codes, text.compact_dates).text("-").int(f["seq"].to_numpy()).tab()
    L.int(text.account_id[account]).tab().word(account, text.external_id).tab()
    L.int_or_null(contact_ids(block, contact_base, account, np.where(is_contact, user, 0)), is_contact).tab()
    L.word(account, text.external_id).text("-C", where=is_contact).text("-U", where=~is_contact).int(
        user
    ).tab()
    L.word(label, EVENT_TYPE).tab().word(label, EVENT_NAME).tab()
    text.timestamp(L, f["occurred_at"].to_numpy())
    L.tab()
    text.timestamp(L, f["received_at"].to_numpy())
    L.tab().word(label, EVENT_PROPS)
    columns = (
        "message_id, account_id, account_external_id, contact_id, user_external_id, event_type, event, "
        "occurred_at, received_at, properties"
    )
    return f"COPY usage_events ({columns}) FROM STDIN", L.tobytes()
