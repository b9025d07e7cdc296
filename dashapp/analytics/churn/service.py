"""The churn functions jobs, the CLI, pages and the API call (jobs wrap the long ones: `jobs.churn`).

- `train_model(session, ...)`: build point-in-time rows, train, evaluate and store a new model version
  (active by default: the previous one is kept, inactive).
- `activate(session, model_id)`: make a stored version the active one.
- `score_accounts(session, ...)`: probability and top drivers for every open account with a model
  (default: the active one), replacing that model's previous scores.
- `active_model(session)`, `model_card(model)`: what the pages and the API show.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dashapp.analytics.churn import loader, metrics
from dashapp.analytics.churn.features import FeatureSpec
from dashapp.analytics.churn.training import Trained, TrainingError, score, train
from dashapp.scoring.backtest import default_as_of_dates
from models.churn import ChurnModel, ChurnScore

Progress = Callable[[float, str], None]
DEFAULT_DATES = 12
DEFAULT_STEP_DAYS = 30
ALGORITHM = "HistGradientBoostingClassifier, calibrated (CalibratedClassifierCV, 3 folds)"
SCORE_BATCH = 20_000


def _today() -> date:
    return datetime.now(UTC).date()


def _quiet(fraction: float, message: str = "") -> None:
    return None


def as_of_dates(
    session: Session, horizon_days: int, *, count: int = DEFAULT_DATES, step_days: int = DEFAULT_STEP_DAYS
) -> list[date]:
    """`count` dates `step_days` apart whose outcome window has closed, within the history; [] if the
    book has no history long enough for two of them."""
    first, last = loader.history_span(session.connection())
    if last is None:
        return []
    dates = default_as_of_dates(last, horizon_days, count=count, step_days=step_days, earliest=first)
    return dates if len(dates) >= 2 else []


def training_rows(
    session: Session, *, horizon_days: int, label: str, dates: list[date], progress: Progress = _quiet
) -> pd.DataFrame:
    conn = session.connection()
    book = loader.accounts(conn)
    if not dates:
        return loader.snapshot_rows(conn, book, _today())
    parts = []
    for i, as_of in enumerate(dates):
        parts.append(loader.rows_as_of(conn, book, as_of, horizon_days=horizon_days, label=label))
        progress(0.4 * (i + 1) / len(dates), f"features as of {as_of.isoformat()}")
    return pd.concat(parts, ignore_index=True)


def dump(trained: Trained) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(trained.estimator, buffer, compress=3)
    return buffer.getvalue()


def load_estimator(model: ChurnModel) -> Any:
    """The fitted pipeline. Artefacts are written only by `train_model`, in this database."""
    return joblib.load(io.BytesIO(model.artefact))


def store(
    session: Session,
    trained: Trained,
    *,
    horizon_days: int,
    label: str,
    activate_it: bool = True,
    requested_by_id: int | None = None,
    note: str = "",
) -> ChurnModel:
    version = (session.scalar(select(func.max(ChurnModel.version))) or 0) + 1
    window = trained.window
    stored = ChurnModel(
        version=version,
        mode=trained.spec.mode,
        label=label,
        horizon_days=horizon_days,
        algorithm=ALGORITHM,
        features=trained.spec.as_dict(),
        references={
            k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in trained.references.items()
        },
        evaluation={
            "model": trained.metrics,
            "baseline": trained.baseline,
            "rankings": trained.rankings,
            "validation": trained.validation,
            "window": window,
            "importance": trained.importance,
        },
        roc_auc=trained.metrics["roc_auc"],
        brier=trained.metrics["brier"],
        train_from=date.fromisoformat(window["train"]["from"]),
        train_to=date.fromisoformat(window["train"]["to"]),
        test_from=date.fromisoformat(window["test"]["from"]),
        test_to=date.fromisoformat(window["test"]["to"]),
        artefact=dump(trained),
        library_versions={
            "scikit-learn": sklearn.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
        },
        note=note,
        requested_by_id=requested_by_id,
    )
    session.add(stored)
    session.flush()
    if activate_it:
        activate(session, stored.id)
    return stored


def train_model(
    session: Session,
    *,
    horizon_days: int = 90,
    label: str = "churned",
    dates: list[date] | None = None,
    count: int = DEFAULT_DATES,
    step_days: int = DEFAULT_STEP_DAYS,
    activate_it: bool = True,
    requested_by_id: int | None = None,
    progress: Progress = _quiet,
) -> ChurnModel:
    """Train on point-in-time rows (or, for a book without history, one row per account) and store."""
    if not 1 <= horizon_days <= 730:
        raise TrainingError("horizon_days: must be between 1 and 730")
    if label not in loader.LABELS:
        raise TrainingError(f"label: must be one of {', '.join(loader.LABELS)}")
    chosen = sorted(dates) if dates else as_of_dates(session, horizon_days, count=count, step_days=step_days)
    if label == "inactive" and not chosen:
        raise TrainingError("label 'inactive' needs activity history; this book has none")
    rows = training_rows(session, horizon_days=horizon_days, label=label, dates=chosen, progress=progress)
    progress(0.45, f"training on {len(rows):,} rows")
    trained = train(rows, horizon_days=horizon_days, mode="history" if chosen else "snapshot")
    if chosen:
        progress(0.9, "scoring the test dates with the health score")
        health = health_score_ranking(session, rows, trained)
        if health is not None:
            trained.rankings["health_score"] = health
    progress(0.95, "storing the model")
    return store(
        session,
        trained,
        horizon_days=horizon_days,
        label=label,
        activate_it=activate_it,
        requested_by_id=requested_by_id,
    )


def health_score_ranking(session: Session, rows: pd.DataFrame, trained: Trained) -> dict[str, Any] | None:
    """ROC AUC of the health score (lower = riskier), computed as of each test date by the current
    scorecards, on the model's test rows. None when no scorecard scores these accounts."""
    from dashapp.scoring import engine
    from dashapp.scoring.loader import load_population
    from dashapp.scoring.store import active_scorecards

    cards = active_scorecards(session)
    if not cards:
        return None
    conn = engine.driver(session)
    engine.tune(conn)
    test_dates = [date.fromisoformat(d) for d in trained.validation.get("test_dates", [])]
    labels, risks = [], []
    for as_of in test_dates:
        if load_population(conn, as_of).empty:  # no account was a customer then, by the scorecards' rule
            continue
        frame = engine.score_day(conn, as_of, cards).frame
        score = pd.Series(np.asarray(frame.score, dtype=float), index=np.asarray(frame.account_ids))
        part = rows[rows["as_of"] == as_of]
        labels.append(part["label"].to_numpy())
        risks.append(-score.reindex(part["account_id"].to_numpy()).to_numpy())
    if not labels:
        return None
    return metrics.ranking(np.concatenate(labels), np.concatenate(risks))


def activate(session: Session, model_id: int) -> ChurnModel:
    model = session.get(ChurnModel, model_id)
    if model is None:
        raise LookupError(f"there is no churn model with id {model_id}")
    session.execute(update(ChurnModel).where(ChurnModel.is_active).values(is_active=False))
    session.flush()
    model.is_active = True
    model.activated_at = datetime.now(UTC)
    session.flush()
    return model


def active_model(session: Session) -> ChurnModel | None:
    return session.scalar(select(ChurnModel).where(ChurnModel.is_active))


def models(session: Session) -> list[ChurnModel]:
    return list(session.scalars(select(ChurnModel).order_by(ChurnModel.version.desc())))


def scoring_day(session: Session, model: ChurnModel) -> date:
    if model.mode == "snapshot":
        return _today()
    _first, last = loader.history_span(session.connection())
    return last or _today()


def score_accounts(
    session: Session, *, model_id: int | None = None, as_of: date | None = None, progress: Progress = _quiet
) -> dict[str, Any]:
    """Score every account open on the scoring day with the model (default: the active one)."""
    model = session.get(ChurnModel, model_id) if model_id is not None else active_model(session)
    if model is None:
        raise TrainingError("there is no active churn model: train one first (`healthdash churn train`)")
    spec = FeatureSpec.from_dict(model.features)
    refs = {k: (np.nan if v is None and k in spec.numeric else v) for k, v in model.references.items()}
    estimator = load_estimator(model)
    day = as_of or scoring_day(session, model)
    conn = session.connection()
    book = loader.accounts(conn)
    rows = loader.rows_as_of(
        conn, book, day, horizon_days=None, label="churned", history=model.mode == "history"
    )
    progress(0.2, f"scoring {len(rows):,} accounts as of {day.isoformat()}")
    session.execute(delete(ChurnScore).where(ChurnScore.model_id == model.id))
    for start in range(0, len(rows), SCORE_BATCH):
        part = score(estimator, spec, refs, rows.iloc[start : start + SCORE_BATCH])
        _write(session, model.id, day, part)
        progress(0.2 + 0.8 * min(1.0, (start + SCORE_BATCH) / max(1, len(rows))), "scoring")
    model.scored_at = datetime.now(UTC)
    session.flush()
    return {"model_id": model.id, "version": model.version, "as_of": day.isoformat(), "accounts": len(rows)}


def _write(session: Session, model_id: int, day: date, part: pd.DataFrame) -> None:
    from psycopg.types.json import Jsonb

    conn = session.connection().connection.driver_connection
    with (
        conn.cursor() as cur,
        cur.copy("COPY churn_scores (model_id, account_id, as_of, probability, drivers) FROM STDIN") as copy,
    ):
        for account_id, p, drivers in zip(
            part["account_id"], part["probability"], part["drivers"], strict=True
        ):
            copy.write_row((model_id, int(account_id), day, float(p), Jsonb(drivers)))
