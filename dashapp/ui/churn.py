"""Churn pieces that read the database for a page (the components themselves never do)."""

from __future__ import annotations

from dash import html

from components.churn import make_churn_card
from dashapp.analytics.churn.card import caveats, label_text
from dashapp.extensions import db_session
from dashapp.queries.churn import account_score


def account_churn_card(account_id: int) -> html.Div:
    """The Account page's churn card: the active model's probability and drivers for the account."""
    found = account_score(db_session(), account_id)
    if found is None:
        return html.Div(make_churn_card(None, [], None), className="mb-3")
    model, score = found
    summary = {
        "version": model.version,
        "horizon_days": model.horizon_days,
        "roc_auc": model.roc_auc,
        "baseline_roc_auc": model.evaluation["baseline"].get("roc_auc"),
        "brier": model.brier,
        "predicts": label_text(model),
        "warnings": [n for n in caveats(model) if "worse than" in n or "no better" in n],
    }
    if score is None:
        reason = (
            f"Churn model v{model.version} has not scored this account (it had churned, or came in after "
            "the last scoring run)."
        )
        return html.Div(make_churn_card(None, [], summary, reason=reason), className="mb-3")
    card = make_churn_card(score.probability, score.drivers, summary, as_of=score.as_of)
    return html.Div(card, className="mb-3")
