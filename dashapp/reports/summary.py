"""The executive summary of a filtered book over a period: sections for `dashapp.exports.pdf.build_pdf`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components.format import format_count, format_money
from components.health_charts import band_migration
from dashapp.filters import Filters, apply, health_join, merge
from dashapp.queries import overview as overview_q
from dashapp.queries.revenue_impact import revenue_impact_summary
from dashapp.share.render import fx_sections, kpi_section
from models.account import Account
from models.health import AccountHealth, HealthSnapshot

BANDS = ("green", "yellow", "red", "unscored")
PERIOD_DAYS = {"weekly": 7, "monthly": 30}


def band_moves(session: Session, filters: Filters, since: date, today: date | None = None) -> dict:
    """Accounts per (band on `since`, band now): how the book moved between bands over the period."""
    then = (
        select(HealthSnapshot.account_id, HealthSnapshot.band).where(HealthSnapshot.day == since).subquery()
    )
    before = func.coalesce(then.c.band, "unscored")
    now = func.coalesce(AccountHealth.band, "unscored")
    stmt = apply(
        select(before.label("before"), now.label("now"), func.count().label("accounts"))
        .select_from(health_join().outerjoin(then, then.c.account_id == Account.id))
        .group_by(before, now),
        filters,
        today,
    )
    return {(r.before, r.now): r.accounts for r in session.execute(stmt)}


def at_risk(session: Session, filters: Filters, limit: int = 10) -> list[dict[str, Any]]:
    """Red accounts, largest ARR first, with their why-it-moved sentence."""
    stmt = apply(
        select(
            Account.name,
            Account.arr,
            Account.currency,
            AccountHealth.score,
            AccountHealth.delta_7,
            AccountHealth.delta_30,
            AccountHealth.explanation_text.label("why"),
        )
        .select_from(health_join())
        .where(AccountHealth.band == "red")
        .order_by(Account.arr.desc(), Account.id)
        .limit(limit),
        filters,
    )
    return [r._asdict() for r in session.execute(stmt)]


def _share(share: dict[str, Any]) -> str:
    value = share["value"]
    if value is None or value != value:
        return "-"
    return f"{value:.1%} ({share['low']:.1%}-{share['high']:.1%})"


def revenue_impact_section(session: Session, filters: Filters, today: date) -> dict[str, Any]:
    """What each band's ARR did in the 90 days after the newest as-of date whose horizon has passed."""
    impact = revenue_impact_summary(session, filters, today=today)
    if not impact["available"]:
        return {"kind": "text", "text": f"Revenue impact by band: {impact['reason']}"}
    # fx_warnings: taken off by `summary_sections` and shown as their own lines.
    result = impact["result"]
    days = impact["horizon_days"]
    currency = impact["currency"]
    return {
        "kind": "table",
        "title": f"Revenue impact by band: ARR ({currency}) in the {days} days after {impact['as_of']:%d %b %Y} "
        "(95% interval)",
        "headers": ["Band", "Accounts", "Starting ARR", "ARR churned", "ARR contracted", "ARR expanded"],
        "rows": [
            [
                group["label"],
                format_count(group["accounts"]),
                format_money(group["arr_start"], currency),
                *(_share(group["arr_share"][o]) for o in ("churned", "contracted", "expanded")),
            ]
            for group in [*result["bands"], result["book"]]
        ],
        "fx_warnings": impact["fx_warnings"],
    }


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}"


def summary_sections(
    session: Session, filters: Filters, frequency: str, today: date | None = None
) -> list[dict[str, Any]]:
    today = today or date.today()
    days = PERIOD_DAYS[frequency]
    since = today - timedelta(days=days)
    moves = band_moves(session, filters, since, today)
    before_counts = {b: sum(n for (old, _), n in moves.items() if old == b) for b in BANDS}
    now_counts = {b: sum(n for (_, new), n in moves.items() if new == b) for b in BANDS}
    kpis = overview_q.kpis(session, filters, today)
    sections: list[dict[str, Any]] = [
        *fx_sections(kpis.fx_warnings),
        kpi_section(kpis),
        {
            "kind": "table",
            "title": f"Band migration since {since:%d %b %Y}",
            "headers": ["Band", f"On {since:%d %b}", "Now", "Change", "Moved in", "Moved out"],
            "rows": [
                [
                    band.capitalize(),
                    format_count(before_counts[band]),
                    format_count(now_counts[band]),
                    f"{now_counts[band] - before_counts[band]:+,}",
                    format_count(sum(n for (o, nw), n in moves.items() if nw == band and o != band)),
                    format_count(sum(n for (o, nw), n in moves.items() if o == band and nw != band)),
                ]
                for band in BANDS
            ],
        },
    ]
    trend_filters = merge(filters, period=max(days, 14), trend_from=None, trend_to=None)
    sections.append(
        {
            "kind": "figure",
            "title": "Band migration",
            "figure": band_migration(overview_q.band_trend(session, trend_filters, today), "light"),
        }
    )
    sections.append(
        {
            "kind": "table",
            "title": "Accounts at risk",
            "headers": ["Account", "Score", "ARR", "Why it moved"],
            "rows": [
                [r["name"], f"{r['score']:.0f}", format_money(r["arr"], r["currency"]), r["why"] or ""]
                for r in at_risk(session, filters)
            ],
        }
    )
    movers = overview_q.movers(session, filters, days=7 if days == 7 else 30, today=today)
    for title, rows in (("Biggest drops", movers["down"]), ("Biggest gains", movers["up"])):
        sections.append(
            {
                "kind": "table",
                "title": f"{title} ({days} days)",
                "headers": ["Account", "Score", "Change", "Why it moved"],
                "rows": [
                    [r["name"], f"{r['score']:.0f}", _signed(r["change"]), r["why"] or ""] for r in rows
                ],
            }
        )
    renewals = overview_q.renewals_at_risk(session, filters, today=today)
    sections.append(
        {
            "kind": "table",
            "title": "Renewals at risk (next 90 days)",
            "headers": ["Account", "Score", "Renews", "ARR", "Why it moved"],
            "rows": [
                [
                    r["name"],
                    f"{r['score']:.0f}",
                    r["renewal_date"].isoformat(),
                    format_money(r["arr"], r["currency"]),
                    r["why"] or "",
                ]
                for r in renewals
            ],
        }
    )
    impact = revenue_impact_section(session, filters, today)
    sections.append(impact)
    sections.extend(fx_sections(impact.pop("fx_warnings", [])))
    return sections
