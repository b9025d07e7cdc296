"""Write one day of snapshots in bulk, atomically, and keep `account_health` in step in the same transaction.

Replacing a day is DELETE + COPY inside one transaction (under a per-day advisory lock), so a re-run
replaces and never duplicates, two runs of the same day never interleave, and a killed worker leaves the
day as it was: complete, or untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import psycopg
from psycopg.copy import QueuedLibpqWriter

from dashapp.scoring.compute import ScoreFrame
from dashapp.scoring.stages import OFF, Stopwatch

_LOCK_NAMESPACE = 0x4853  # "HS": advisory locks on (namespace, day ordinal)
SNAPSHOT_COLUMNS = (
    "account_id",
    "day",
    "score",
    "band",
    "computed_score",
    "computed_band",
    "overridden",
    "scorecard_version_id",
    "measures",
    "explanation",
    "explanation_text",
    "delta_7",
    "delta_30",
    "delta_90",
    "computed_at",
    "measure_keys",
    "measure_contributions",
    "measure_raw",
)
COPY_CHUNK = 5000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass
class DayRows:
    """Everything written for one day, aligned with `frame` (finalised)."""

    day: date
    frame: ScoreFrame
    shown_score: np.ndarray
    shown_band: np.ndarray
    overridden: np.ndarray
    explanations: list[str]  # JSON text (see dashapp.scoring.explain)
    texts: list[str]
    deltas: dict[int, np.ndarray]
    # Each scorecard version's measure keys in definition order.
    version_keys: dict[int, tuple[str, ...]]


def part(rows: DayRows, start: int, stop: int) -> DayRows:
    """Rows start..stop of a day (to stream a big day to the database in chunks)."""
    positions = np.arange(start, min(stop, len(rows.frame)))
    return DayRows(
        day=rows.day,
        frame=rows.frame.take(positions),
        shown_score=rows.shown_score[positions],
        shown_band=rows.shown_band[positions],
        overridden=rows.overridden[positions],
        explanations=rows.explanations[start:stop],
        texts=rows.texts[start:stop],
        deltas={d: v[positions] for d, v in rows.deltas.items()},
        version_keys=rows.version_keys,
    )


def copy_escape(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def copy_escape_all(values: list[str]) -> list[str]:
    """COPY-escape many strings; one scan finds out whether any needs it (usually none does)."""
    joined = "\x00".join(values)
    if not any(ch in joined for ch in "\\\t\n\r"):
        return values
    return [v.translate(_COPY_ESCAPES) for v in values]


def _template(frame: ScoreFrame, cols: np.ndarray, weights: np.ndarray) -> str:
    """A %-format template for one pattern of applicable measures: four numbers per measure (raw,
    effective weight, contribution, normalised). JSONB sorts keys itself, so their order here is free."""
    parts = []
    for col, weight in zip(cols.tolist(), weights.tolist(), strict=True):
        key = frame.keys[col]
        info = frame.info[key]
        head = json.dumps({"key": key, "label": info.label, "group": info.group, "weight": round(weight, 4)})
        parts.append(
            head[:-1].replace("%", "%%")
            + ',"raw":%.6g,"effective_weight":%.4g,"contribution":%.6g,"normalised":%.4g,"missing":false}'
        )
    return copy_escape("[" + ",".join(parts) + "]")


def measures_json(frame: ScoreFrame) -> list[str]:
    """The `measures` JSON of each row (COPY-escaped), built from per-pattern templates: one string
    format per account instead of one dict per measure."""
    n = len(frame)
    out: list[str] = [""] * n
    if n == 0:
        return out
    raw = np.where(np.isfinite(frame.raw), frame.raw, np.nan)
    numbers = np.stack(
        [
            np.round(raw, 4),
            np.round(frame.effective_weight, 4),
            frame.contribution,
            np.round(frame.normalised, 2),
        ],
        axis=2,
    )
    patterns, inverse = np.unique(np.packbits(frame.applicable, axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    for p in range(len(patterns)):
        rows = np.flatnonzero(inverse == p)
        cols = np.flatnonzero(frame.applicable[rows[0]])
        weights = frame.weight[rows[0], cols] if len(cols) else np.zeros(0)
        if len(np.unique(np.round(frame.weight[np.ix_(rows, cols)], 4), axis=0)) > 1:
            # Nominal weights differ inside the pattern (rolled-up parents): one template per row.
            for row in rows.tolist():
                out[row] = _row_json(frame, numbers, row, cols)
            continue
        template = _template(frame, cols, weights)
        values = numbers[np.ix_(rows, cols)].reshape(len(rows), -1).tolist()
        for row, vals in zip(rows.tolist(), values, strict=True):
            text = template % tuple(vals)
            if "nan" in text:
                text = text.replace('"normalised":nan,"missing":false', '"normalised":null,"missing":true')
                text = text.replace("nan", "null")
            out[row] = text
    return out


def _row_json(frame: ScoreFrame, numbers: np.ndarray, row: int, cols: np.ndarray) -> str:
    template = _template(frame, cols, frame.weight[row, cols])
    text = template % tuple(numbers[row, cols].reshape(-1).tolist())
    if "nan" in text:
        text = text.replace('"normalised":nan,"missing":false', '"normalised":null,"missing":true')
        text = text.replace("nan", "null")
    return text


def history_arrays(
    frame: ScoreFrame, version_keys: dict[int, tuple[str, ...]]
) -> tuple[list[str], list[str], list[str]]:
    """COPY text of `measure_keys` (NULL when in the version's own order), `measure_contributions` and
    `measure_raw` for each row."""
    n = len(frame)
    keys_out, contrib_out, raw_out = ["\\N"] * n, [""] * n, [""] * n
    if n == 0:
        return keys_out, contrib_out, raw_out
    raw = np.where(np.isfinite(frame.raw), np.round(frame.raw, 4), np.nan)
    patterns, inverse = np.unique(np.packbits(frame.applicable, axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    for p in range(len(patterns)):
        rows = np.flatnonzero(inverse == p)
        cols = np.flatnonzero(frame.applicable[rows[0]])
        template = "{" + ",".join(["%.6g"] * len(cols)) + "}"
        keys = tuple(frame.keys[c] for c in cols)
        spelled = "{" + ",".join(keys) + "}"
        for target, matrix in ((contrib_out, frame.contribution), (raw_out, raw)):
            for row, values in zip(rows.tolist(), matrix[np.ix_(rows, cols)].tolist(), strict=True):
                text = template % tuple(values)
                target[row] = text.replace("nan", "NULL") if "nan" in text else text
        for row, version in zip(rows.tolist(), frame.version_ids[rows].tolist(), strict=True):
            if version_keys.get(version) != keys:
                keys_out[row] = spelled
    return keys_out, contrib_out, raw_out


def _num(values: np.ndarray) -> list[str]:
    return ["\\N" if v != v else repr(v) for v in np.round(values.astype(float), 1).tolist()]


def lines(rows: DayRows, computed_at: datetime) -> list[str]:
    frame = rows.frame
    day = rows.day.isoformat()
    stamp = computed_at.isoformat()
    measures = measures_json(frame)
    explanations = copy_escape_all(rows.explanations)
    texts = copy_escape_all(rows.texts)
    d7, d30, d90 = (_num(rows.deltas[d]) for d in (7, 30, 90))
    keys, contributions, raws = history_arrays(frame, rows.version_keys)
    columns = zip(
        frame.account_ids.tolist(),
        _num(rows.shown_score),
        rows.shown_band.tolist(),
        _num(frame.score),
        frame.band.tolist() if frame.band is not None else [""] * len(frame),
        rows.overridden.tolist(),
        frame.version_ids.tolist(),
        measures,
        explanations,
        texts,
        d7,
        d30,
        d90,
        keys,
        contributions,
        raws,
        strict=True,
    )
    return [
        f"{a}\t{day}\t{s}\t{b}\t{cs}\t{cb}\t{'t' if o else 'f'}\t{v}\t{m}\t{e}\t{t}\t{x7}\t{x30}\t{x90}\t{stamp}"
        f"\t{k}\t{c}\t{r}\n"
        for a, s, b, cs, cb, o, v, m, e, t, x7, x30, x90, k, c, r in columns
    ]


def lock_day(conn: psycopg.Connection, day: date) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, day.toordinal()))


def write_day(
    conn: psycopg.Connection,
    rows: DayRows,
    *,
    scope: np.ndarray | None,
    computed_at: datetime,
    watch: Stopwatch | None = None,
) -> int:
    """Replace the day's snapshots (of every account, or of `scope`) and refresh `account_health`.

    Runs inside the caller's transaction; the caller commits. Returns the number of snapshots written.
    """
    watch = watch or OFF
    day = rows.day
    lock_day(conn, day)
    with watch("write: delete"):
        if scope is None:
            conn.execute("DELETE FROM health_snapshots WHERE day = %s", (day,))
        else:
            conn.execute(
                "DELETE FROM health_snapshots WHERE day = %s AND account_id = ANY(%s)", (day, scope.tolist())
            )
    total = len(rows.frame)
    statement = f"COPY health_snapshots ({', '.join(SNAPSHOT_COLUMNS)}) FROM STDIN"
    # Streamed in chunks by a writer thread: the server parses one chunk while the next one is built.
    with conn.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        for start in range(0, total, COPY_CHUNK):
            with watch("write: serialise"):
                payload = "".join(lines(part(rows, start, start + COPY_CHUNK), computed_at))
            with watch("write: copy"):
                copy.write(payload)
    with watch("write: current health"):
        refresh_current(conn, day, None if scope is None else scope)
    return total


_UPSERT_CURRENT = """
    INSERT INTO account_health AS h (account_id, day, score, band, computed_score, computed_band, overridden,
                                     delta_7, delta_30, delta_90, explanation_text, updated_at)
    SELECT account_id, day, score, band, computed_score, computed_band, overridden,
           delta_7, delta_30, delta_90, explanation_text, now()
    FROM health_snapshots s
    WHERE {where}
    ORDER BY account_id
    ON CONFLICT (account_id) DO UPDATE SET
        day = EXCLUDED.day, score = EXCLUDED.score, band = EXCLUDED.band,
        computed_score = EXCLUDED.computed_score, computed_band = EXCLUDED.computed_band,
        overridden = EXCLUDED.overridden, delta_7 = EXCLUDED.delta_7, delta_30 = EXCLUDED.delta_30,
        delta_90 = EXCLUDED.delta_90, explanation_text = EXCLUDED.explanation_text, updated_at = now()
    WHERE h.day <= EXCLUDED.day
"""


def refresh_current(conn: psycopg.Connection, day: date, scope: np.ndarray | None) -> None:
    """Point `account_health` at the day's snapshots where that day is the latest; accounts whose current
    row pointed at a snapshot of this day that no longer exists fall back to their latest remaining one.

    Rows are locked in account order, so two writers of overlapping accounts (a rerun beside the session
    of a killed worker that PostgreSQL has not ended yet) wait for each other instead of deadlocking."""
    if scope is None:
        conn.execute(_UPSERT_CURRENT.format(where="s.day = %(day)s"), {"day": day})
        orphan_scope, params = "", {"day": day}
    else:
        ids = scope.tolist()
        conn.execute(
            _UPSERT_CURRENT.format(where="s.day = %(day)s AND s.account_id = ANY(%(ids)s)"),
            {"day": day, "ids": ids},
        )
        orphan_scope, params = "AND h.account_id = ANY(%(ids)s)", {"day": day, "ids": ids}
    orphans = conn.execute(
        f"""DELETE FROM account_health WHERE account_id IN (
                SELECT h.account_id FROM account_health h WHERE h.day = %(day)s {orphan_scope}
                AND NOT EXISTS (SELECT 1 FROM health_snapshots s
                                WHERE s.account_id = h.account_id AND s.day = h.day)
                ORDER BY h.account_id FOR UPDATE)
            RETURNING account_id""",
        params,
    ).fetchall()
    if orphans:
        ids = [r[0] for r in orphans]
        conn.execute(
            _UPSERT_CURRENT.format(
                where="""(s.account_id, s.day) IN (
                    SELECT account_id, max(day) FROM health_snapshots
                    WHERE account_id = ANY(%(ids)s) GROUP BY account_id)"""
            ),
            {"ids": ids},
        )
