"""Monthly invoices and the payment attempts behind them.

An invoice is issued on each monthly anniversary of the contract while the account is live, for the MRR in
force that month. Card customers (SMB) pay on the day, the others within 30 days. A payment fails more often
in a decline; most failures are recovered by a retry a few days later, the rest leave the invoice failed.
A few paid invoices are refunded in full or in part.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashapp.demo.calendar import DAY, add_months, anniversaries_between
from dashapp.demo.plan import Window
from dashapp.demo.ragged import within
from dashapp.demo.usage import Grid, day_index

INVOICE_STATUSES = ("draft", "open", "paid", "failed", "refunded", "void")
PAYMENT_STATUSES = ("succeeded", "failed", "refunded")
OPEN, PAID, FAILED, REFUNDED = 1, 2, 3, 4


def invoices(
    rng: np.random.Generator, story: pd.DataFrame, segment: np.ndarray, window: Window, grid: Grid, now: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    start = story["contract_start"].to_numpy("datetime64[D]")
    first = story["first_day"].to_numpy("datetime64[D]")
    last = story["last_day"].to_numpy("datetime64[D]")
    # The month the contract starts is billed too: k = 0 when it starts inside the window.
    k_first, count = anniversaries_between(start, np.ones(len(start), dtype=np.int64), first, last)
    k_first = np.where(start >= window.start, 0, k_first)
    count = np.where(start >= window.start, count + 1, count)
    account = np.repeat(np.arange(len(start)), count)
    k = np.repeat(k_first, count) + within(count)
    issued_day = add_months(start[account], k)
    t = day_index(issued_day, window)
    n = len(account)

    change = story["change_day"].to_numpy("datetime64[D]")[account]
    after_change = ~np.isnat(change) & (issued_day >= change)
    amount = np.where(
        after_change,
        story["mrr_now_cents"].to_numpy()[account],
        story["mrr_before_cents"].to_numpy()[account],
    )
    issued = (issued_day - np.datetime64("1970-01-01")) / DAY * 86400 + 6 * 3600
    issued = issued.astype(np.int64)
    card = segment[account] == 2
    due = np.where(card, issued, issued + 30 * 86400)
    progress = grid.progress[account, np.clip(t, 0, grid.progress.shape[1] - 1)]

    fails = rng.random(n) < np.where(card, 0.045, 0.02) + 0.45 * progress
    recovered = fails & (rng.random(n) < 0.75 - 0.45 * progress)
    first_try = np.where(card, issued + rng.integers(60, 3600, n), issued + rng.integers(1, 29, n) * 86400)
    retry = first_try + rng.integers(3, 8, n) * 86400
    paid_at = np.where(fails, np.where(recovered, retry, -1), first_try)
    pending_first = first_try >= now
    paid_at = np.where(paid_at >= now, -1, paid_at)
    status = np.where(paid_at >= 0, PAID, np.where(fails & ~pending_first & (retry < now), FAILED, OPEN))
    refund = (status == PAID) & (rng.random(n) < 0.02)
    full = refund & (rng.random(n) < 0.35)
    refunded = np.where(full, amount, np.where(refund, (amount * rng.uniform(0.1, 0.5, n)) // 100 * 100, 0))
    refund_at = paid_at + rng.integers(2, 20, n) * 86400
    no_refund_yet = refund & (refund_at >= now)
    refunded = np.where(no_refund_yet, 0, refunded)
    status = np.where(full & ~no_refund_yet, REFUNDED, status)

    invoice_frame = pd.DataFrame(
        {
            "account": account,
            "seq": k,
            "amount_cents": amount.astype(np.int64),
            "refunded_cents": refunded.astype(np.int64),
            "status": status,
            "issued_at": issued,
            "due_at": due,
            "paid_at": paid_at,
        }
    )
    # Payment attempts: a failure (if any), the success (if any), the refund (if any).
    failed_try = fails & ~pending_first
    attempt = np.concatenate(
        [np.flatnonzero(failed_try), np.flatnonzero(paid_at >= 0), np.flatnonzero(refunded > 0)]
    )
    kind = np.repeat([1, 0, 2], [int(failed_try.sum()), int((paid_at >= 0).sum()), int((refunded > 0).sum())])
    when = np.concatenate([first_try[failed_try], paid_at[paid_at >= 0], refund_at[refunded > 0]])
    value = np.concatenate([amount[failed_try], amount[paid_at >= 0], refunded[refunded > 0]])
    order = np.lexsort((when, attempt))
    payment_frame = pd.DataFrame(
        {
            "invoice": attempt[order],
            "account": account[attempt[order]],
            "amount_cents": value[order].astype(np.int64),
            "status": kind[order],
            "attempted_at": when[order],
            "failure_reason": np.where(kind[order] == 1, rng.integers(0, 4, len(order)), -1),
        }
    )
    return invoice_frame, payment_frame
