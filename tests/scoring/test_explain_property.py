"""Why-it-moved over a whole generated book, through the real scoring core: no sentence contradicts the
score's change, and every measure it cites really changed, in the direction of the score's move."""

from __future__ import annotations

import json
import re
from datetime import date

import numpy as np
import pytest

from dashapp.scoring import attribution
from dashapp.scoring.compute import finalise, score_accounts
from dashapp.scoring.defaults import DEFAULT_DEFINITION
from dashapp.scoring.definition import parse_definition
from dashapp.scoring.explain import MIN_MOVE, Earlier, explain, phrases
from dashapp.scoring.inputs import Inputs, definition_requests

DAY = date(2026, 3, 31)
ACCOUNTS = 2500
SEGMENTS = np.array(["enterprise", "mid-market", "smb"])
HEAD = re.compile(r"^(Up|Down) (\d+) since last month(?:: (.*))?\.$|^Steady since last month\.$")


def _base(metric: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """A plausible aggregate per account, with zeros and missing values where the data can lack them."""
    if metric in ("active_users", "events", "logins", "sessions"):
        value = np.round(rng.lognormal(3, 1.2, n), 1)
        value[rng.random(n) < 0.08] = 0.0
    elif metric == "active_days":
        value = rng.integers(0, 29, n).astype(float)
    elif metric in ("tickets", "urgent_tickets", "failed_payments"):
        value = rng.poisson(rng.choice([0.3, 1.5, 4.0], n)).astype(float)
    elif metric == "days_overdue":
        value = np.where(rng.random(n) < 0.7, 0.0, rng.integers(1, 120, n)).astype(float)
    elif metric == "nps":
        value = rng.integers(0, 11, n).astype(float)
    else:  # CSAT-like averages on 1-5
        value = np.round(rng.uniform(1, 5, n), 2)
    if metric in ("ticket_csat", "nps", "survey_csat", "events", "sessions"):
        value[rng.random(n) < 0.25] = np.nan
    return value


def _later(value: np.ndarray, metric: str, rng: np.random.Generator) -> np.ndarray:
    """The same aggregate a month later: most unchanged, some moved, some gone or newly there."""
    n = len(value)
    out = value.copy()
    moved = rng.random(n) < 0.45
    fresh = _base(metric, rng, n)
    out[moved] = fresh[moved]
    small = (rng.random(n) < 0.1) & ~np.isnan(out)
    out[small] = out[small] + 0.01  # a change too small to show in words
    return out


def _book(seed: int):
    rng = np.random.default_rng(seed)
    definition = parse_definition(DEFAULT_DEFINITION)
    requests = sorted(definition_requests(definition))
    ids = np.arange(1, ACCOUNTS + 1)
    segments = SEGMENTS[rng.integers(0, 3, ACCOUNTS)]
    then = {r: _base(r.metric, rng, ACCOUNTS) for r in requests}
    now = {r: _later(v, r.metric, rng) for r, v in then.items()}
    frames = []
    for values in (then, now):
        frame = score_accounts(definition, 1, Inputs(ids, values), segments)
        frames.append(finalise(frame, {1: definition}))
    return definition, frames[0], frames[1]


def _earlier_from(before, now) -> Earlier:
    """The month-ago snapshot aligned to `now`'s accounts (all scored both times in this book)."""
    pos = {a: i for i, a in enumerate(before.account_ids.tolist())}
    rows = np.array([pos.get(a, -1) for a in now.account_ids.tolist()])
    earlier = Earlier.empty(len(now), len(now.keys))
    have = rows >= 0
    earlier.days = [date(2026, 3, 1) if h else None for h in have]
    earlier.score[have] = before.score[rows[have]]
    earlier.contribution[have] = before.contribution[rows[have]]
    earlier.raw[have] = before.raw[rows[have]]
    return earlier


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_sentence_contradicts_the_score_and_every_cited_change_is_real(seed: int) -> None:
    _definition, before, now = _book(seed)
    earlier = _earlier_from(before, now)
    data, texts = explain(now, DAY, Earlier.empty(len(now), len(now.keys)), earlier)
    effect, change = attribution.effects(now, earlier.raw, earlier.contribution)
    column = {key: i for i, key in enumerate(now.keys)}
    cited_total = moved_total = 0
    for row, (text, blob) in enumerate(zip(texts, data, strict=True)):
        delta = now.score[row] - earlier.score[row]
        match = HEAD.match(text)
        assert match, text
        movers = json.loads(blob)["month"]
        if match.group(1) is None:
            assert abs(round(delta)) == 0 or abs(delta) < 0.5, (text, delta)
            assert movers == [], text
            continue
        moved_total += 1
        sign = 1 if match.group(1) == "Up" else -1
        assert sign * delta > 0 and int(match.group(2)) == round(abs(delta)), (text, delta)
        reasons = match.group(3).split(", ") if match.group(3) else []
        assert len(reasons) == len(movers) <= 3
        effects_cited = [m["delta"] for m in movers]
        assert effects_cited == sorted(effects_cited, key=abs, reverse=True)
        for reason, mover in zip(reasons, movers, strict=True):
            col = column[mover["key"]]
            info = now.info[mover["key"]]
            b, a = earlier.raw[row, col], now.raw[row, col]
            cited_total += 1
            # Real: the value changed (or appeared/disappeared) and the contribution changed.
            assert not (np.isnan(a) and np.isnan(b)), text
            assert np.isnan(a) != np.isnan(b) or a != b, (text, reason)
            assert abs(change[row, col]) >= attribution.CONTRIBUTION_EPS, (text, reason)
            # In the direction of the score's move, by at least the minimum.
            assert sign * effect[row, col] >= MIN_MOVE, (text, reason, effect[row, col])
            assert mover["delta"] == pytest.approx(effect[row, col], abs=0.051)
            # Worded from these values, and never as an unchanged value.
            assert reason == phrases(info, np.array([b]), np.array([a])).tolist()[0]
            same = re.search(r" (-?[\d.]+)\S* \(was (-?[\d.]+)", reason)
            assert not (same and same.group(1) == same.group(2)), reason
            assert not reason.endswith("still 0"), reason
    # The book is rich enough for the test to mean something.
    assert moved_total > ACCOUNTS // 2 and cited_total > ACCOUNTS // 2


@pytest.mark.parametrize("seed", [4])
def test_effects_add_up_to_the_score_change_and_weights_match_the_core(seed: int) -> None:
    _definition, before, now = _book(seed)
    earlier = _earlier_from(before, now)
    effect, _change = attribution.effects(now, earlier.raw, earlier.contribution)
    np.testing.assert_allclose(effect.sum(axis=1), now.score - earlier.score, atol=1e-6)
    np.testing.assert_allclose(attribution.weights_for(now, ~now.missing), now.effective_weight, atol=1e-9)
    # A measure whose value did not change has no effect when no measure came or went.
    same_presence = (np.isnan(now.raw) == np.isnan(earlier.raw)).all(axis=1)
    unchanged = (now.raw == earlier.raw) & ~np.isnan(now.raw)
    percentile = np.array([now.info[k].key.endswith("_vs_peers") for k in now.keys])
    mask = same_presence[:, None] & unchanged & ~percentile[None, :]
    assert mask.sum() > 1000
    assert np.abs(effect[mask]).max() < 0.11  # rounding of stored contributions only
