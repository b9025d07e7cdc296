"""Manual overrides as a recompute applies them: the score/band shown while an override is in force.

An override is in force on day D when `starts_on <= D < expires_on` and, if it was cleared, `D < cleared_on`.
The computed score and band are always kept beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import psycopg

from dashapp.scoring.compute import assign_bands
from dashapp.scoring.definition import ScorecardDefinition
from dashapp.scoring.sqlutil import query_frame

IN_FORCE_SQL = """
    starts_on <= %(day)s AND expires_on > %(day)s AND (cleared_on IS NULL OR cleared_on > %(day)s)
"""


def in_force(conn: psycopg.Connection, day: date, account_ids: np.ndarray | None = None) -> pd.DataFrame:
    """(account_id, override_id, score, band) of the latest override in force on `day` per account."""
    params: dict[str, object] = {"day": day}
    scope = ""
    if account_ids is not None:
        scope = "AND account_id = ANY(%(ids)s)"
        params["ids"] = account_ids.tolist()
    return query_frame(
        conn,
        f"""SELECT DISTINCT ON (account_id) account_id, id AS override_id, score, band
            FROM health_overrides WHERE {IN_FORCE_SQL} {scope}
            ORDER BY account_id, created_at DESC, id DESC""",
        params,
    )


@dataclass
class Shown:
    score: np.ndarray
    band: np.ndarray
    overridden: np.ndarray


def apply(
    account_ids: np.ndarray,
    version_ids: np.ndarray,
    score: np.ndarray,
    band: np.ndarray,
    overrides: pd.DataFrame,
    definitions: dict[int, ScorecardDefinition],
) -> Shown:
    """The score and band to show: an override's score (banded by the account's scorecard) and/or band."""
    shown_score = score.astype(float, copy=True)
    shown_band = band.astype(object, copy=True)
    overridden = np.zeros(len(account_ids), dtype=bool)
    if overrides.empty:
        return Shown(shown_score, shown_band, overridden)
    pos = pd.Index(account_ids).get_indexer(overrides["account_id"].to_numpy())
    keep = pos >= 0
    pos = pos[keep]
    o_score = pd.to_numeric(overrides["score"], errors="coerce").to_numpy(dtype=float)[keep]
    o_band = overrides["band"].to_numpy(dtype=object)[keep]
    overridden[pos] = True
    has_score = ~np.isnan(o_score)
    shown_score[pos[has_score]] = o_score[has_score]
    banded = assign_bands(o_score, version_ids[pos], definitions)
    shown_band[pos[has_score]] = banded[has_score]
    has_band = np.array([b is not None and b == b for b in o_band], dtype=bool)
    shown_band[pos[has_band]] = o_band[has_band]
    return Shown(shown_score, shown_band, overridden)
