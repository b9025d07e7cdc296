"""The demo book, generated in blocks of accounts so 100,000 accounts never sit in memory at once.

`plan_book` draws every account up front (cheap); `generate_block` then draws the activity of accounts
[i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE) from its own random stream, so a block's rows depend only on the
seed, the plan and the block number: loading block by block gives exactly what `generate` returns.

Frames hold numbers, not text: `account` is the account's position in `plan.accounts`, `day` a day number
within the window (0 = `window.start`), times are epoch seconds (-1 for none), categorical values are codes
into `vocab`, and `-1` means NULL. `dashapp.demo.tables` turns them into rows of the real tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import pandas as pd

from dashapp.demo import billing, events, people, support, surveys, usage
from dashapp.demo.plan import BookPlan, _rng, plan_book

BLOCK_SIZE = 500
TABLES = ("contacts", "daily_metrics", "tickets", "invoices", "payments", "surveys", "usage_events")


@dataclass
class Block:
    index: int
    start: int  # position of the block's first account
    n_contacts: np.ndarray  # per account of the block
    contacts: pd.DataFrame
    daily_metrics: pd.DataFrame
    tickets: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame  # `invoice`: row of the block's invoices frame
    surveys: pd.DataFrame
    usage_events: pd.DataFrame

    def rows(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in TABLES}


@dataclass
class DemoBook:
    plan: BookPlan
    blocks: list[Block]

    @property
    def accounts(self) -> pd.DataFrame:
        return self.plan.accounts

    def table(self, name: str) -> pd.DataFrame:
        """A table over all blocks (payments' `invoice` made global)."""
        frames = []
        invoice_base = 0
        for block in self.blocks:
            frame = getattr(block, name)
            if name == "payments":
                frame = frame.assign(invoice=frame["invoice"] + invoice_base)
            invoice_base += len(block.invoices)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def block_count(plan: BookPlan) -> int:
    return -(-plan.n_accounts // BLOCK_SIZE)


def generate_block(plan: BookPlan, index: int) -> Block:
    rng = _rng(plan.seed, 1, index)
    lo, hi = index * BLOCK_SIZE, min((index + 1) * BLOCK_SIZE, plan.n_accounts)
    story = plan.story.iloc[lo:hi].reset_index(drop=True)
    accounts = plan.accounts.iloc[lo:hi]
    segment = accounts["segment"].cat.codes.to_numpy().astype(np.int64)
    plan_codes = accounts["plan"].cat.codes.to_numpy().astype(np.int64)
    window = plan.window
    day0 = int((window.start - np.datetime64("1970-01-01", "D")).astype(np.int64))
    now = int((window.today - np.datetime64("1970-01-01", "D")).astype(np.int64)) * 86400

    grid = usage.make_grid(story, window)
    used = usage.daily_usage(rng, story, plan_codes, window, grid)
    n_contacts = people.contact_counts(rng, segment)
    last_active = np.full(len(story), -1, dtype=np.int64)
    busy = used.active_users > 0
    last_active[used.account[busy]] = (day0 + used.day[busy]) * 86400  # rows are sorted by day
    contacts = people.contacts(rng, n_contacts, last_active)
    tickets = support.tickets(rng, story, segment, n_contacts, grid, day0, now)
    invoices, payments = billing.invoices(rng, story, segment, window, grid, now)
    answers = pd.concat(
        [surveys.nps(rng, story, n_contacts, grid, day0), surveys.csat(rng, tickets, now)], ignore_index=True
    )
    raw = events.raw_events(rng, used, story["seats"].to_numpy(), window.days - plan.raw_event_days, day0)

    metrics = {
        "account": used.account,
        "day": used.day,
        "active_users": used.active_users,
        "sessions": used.sessions,
        "logins": used.logins,
        "events": used.events,
    }
    for f, name in enumerate(usage.vocab.FEATURES):
        metrics[name] = used.features[f]
    block = Block(
        index=index,
        start=lo,
        n_contacts=n_contacts,
        contacts=contacts,
        daily_metrics=pd.DataFrame(metrics),
        tickets=tickets,
        invoices=invoices,
        payments=payments,
        surveys=answers,
        usage_events=raw,
    )
    for field in fields(Block):
        frame = getattr(block, field.name)
        if isinstance(frame, pd.DataFrame) and "account" in frame:
            frame["account"] += lo
    return block


def iter_blocks(plan: BookPlan) -> Iterator[Block]:
    for index in range(block_count(plan)):
        yield generate_block(plan, index)


def generate(
    n_accounts: int, months: int, seed: int, today: date, raw_event_days: int | None = None
) -> DemoBook:
    """The whole book in memory (for small books, tests and analysis)."""
    plan = plan_book(n_accounts, months, seed, today, raw_event_days)
    return DemoBook(plan=plan, blocks=list(iter_blocks(plan)))
