"""Which scorecard scores which account: the first (by priority) whose rules match, else the default.

Rules match on account fields: every field listed must hold one of its values, e.g.
{"segment": ["enterprise"], "plan": ["pro", "enterprise"]}. A scorecard with no rules matches nobody unless
it is the default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashapp.scoring.definition import ScorecardDefinition


@dataclass(frozen=True)
class ActiveScorecard:
    """A scorecard with its current version, as a recompute uses it."""

    scorecard_id: int
    name: str
    priority: int
    is_default: bool
    match: dict[str, list[str]]
    version_id: int
    version: int
    definition: ScorecardDefinition


def ordered(cards: list[ActiveScorecard]) -> list[ActiveScorecard]:
    """Rule-bearing scorecards by priority (then id), the default last."""
    return sorted(cards, key=lambda c: (c.is_default, c.priority, c.scorecard_id))


def matches(population: pd.DataFrame, rules: dict[str, list[str]]) -> np.ndarray:
    if not rules:
        return np.zeros(len(population), dtype=bool)
    mask = np.ones(len(population), dtype=bool)
    for field, values in rules.items():
        mask &= population[field].isin(values).to_numpy()
    return mask


def assign(population: pd.DataFrame, cards: list[ActiveScorecard]) -> np.ndarray:
    """The version id that scores each row of `population` (-1 where no scorecard applies)."""
    out = np.full(len(population), -1, dtype=np.int64)
    for card in ordered(cards):
        free = out == -1
        if not free.any():
            break
        hit = free if card.is_default else free & matches(population, card.match)
        out[hit] = card.version_id
    return out
