"""The demo book generator: deterministic, realistically proportioned, and with churn that has real but
imperfect warning signs."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict

from dashapp.demo import vocab
from dashapp.demo.book import TABLES, DemoBook, generate, generate_block
from dashapp.demo.events import FIRST_PAGE, LOGIN
from dashapp.demo.plan import plan_book

TODAY = date(2026, 11, 25)
FEATURES = list(vocab.FEATURES)
DAY = 86400


@pytest.fixture(scope="module")
def book() -> DemoBook:
    """Big enough for stable proportions and a churn signal (about 150 churners within 90 days)."""
    return generate(3000, 18, seed=11, today=TODAY, raw_event_days=0)


@pytest.fixture(scope="module")
def small() -> DemoBook:
    return generate(120, 3, seed=5, today=TODAY, raw_event_days=3)


def _day0(book: DemoBook) -> int:
    return int((book.plan.window.start - np.datetime64("1970-01-01", "D")).astype(np.int64))


def _day_of(book: DemoBook, column: pd.Series) -> np.ndarray:
    values = column.to_numpy("datetime64[D]")
    return np.where(np.isnat(values), 10**6, (values - book.plan.window.start).astype(np.int64))


# --- determinism ----------------------------------------------------------------------------------------


def test_same_seed_gives_identical_frames() -> None:
    a = generate(300, 6, seed=5, today=TODAY)
    b = generate(300, 6, seed=5, today=TODAY)
    pd.testing.assert_frame_equal(a.accounts, b.accounts)
    for name in TABLES:
        pd.testing.assert_frame_equal(a.table(name), b.table(name))


def test_different_seed_gives_a_different_book() -> None:
    a = generate(300, 6, seed=5, today=TODAY)
    b = generate(300, 6, seed=6, today=TODAY)
    assert (a.accounts["segment"] != b.accounts["segment"]).any()
    assert (a.accounts["mrr_cents"] != b.accounts["mrr_cents"]).mean() > 0.9
    assert len(a.table("daily_metrics")) != len(b.table("daily_metrics"))


def test_a_block_depends_only_on_the_plan_and_its_number() -> None:
    whole = generate(1200, 4, seed=9, today=TODAY)
    again = generate_block(plan_book(1200, 4, 9, TODAY), 2)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(whole.blocks[2], name), getattr(again, name))


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one account"):
        plan_book(0, 18, 1, TODAY)
    with pytest.raises(ValueError, match="at least one month"):
        plan_book(10, 0, 1, TODAY)


# --- proportions ----------------------------------------------------------------------------------------


def test_segment_mix_and_plans_per_segment(book: DemoBook) -> None:
    accounts = book.accounts
    share = accounts["segment"].value_counts(normalize=True)
    for segment, expected in zip(vocab.SEGMENTS, vocab.SEGMENT_SHARE, strict=True):
        assert share[segment] == pytest.approx(expected, abs=0.03)
    plans = pd.crosstab(accounts["segment"], accounts["plan"], normalize="index")
    assert plans.loc["enterprise", ["starter", "growth"]].sum() == 0
    assert plans.loc["smb", "enterprise"] == 0
    assert plans.loc["smb", ["starter", "growth"]].sum() > 0.85
    assert plans.loc["enterprise", "enterprise"] > 0.6


def test_mrr_by_segment_has_a_long_tail(book: DemoBook) -> None:
    mrr = book.accounts.groupby("segment", observed=True)["mrr_cents"]
    median = mrr.median()
    assert median["enterprise"] > 5 * median["mid-market"] > 25 * median["smb"]
    assert (mrr.max() / median)["enterprise"] > 4
    assert (book.accounts["mrr_cents"] > 0).all()


def test_churn_rate_reasons_and_dates(book: DemoBook) -> None:
    accounts = book.accounts
    churned = accounts["churned_at"].notna()
    assert 0.10 <= churned.mean() <= 0.20
    assert accounts.loc[churned, "churn_reason"].notna().all()
    assert accounts.loc[~churned, "churn_reason"].isna().all()
    today = pd.Timestamp(TODAY)
    assert (accounts.loc[churned, "churned_at"] < today).all()
    assert (accounts.loc[churned, "lifecycle_stage"] == "churned").all()
    assert (accounts.loc[~churned, "renewal_date"] >= today).all()
    # SMB churns more than enterprise.
    by_segment = churned.groupby(accounts["segment"], observed=True).mean()
    assert by_segment["smb"] > by_segment["enterprise"]


def test_contracts_spread_renewals_soon_owners_and_hierarchies(book: DemoBook) -> None:
    accounts = book.accounts
    start = pd.Timestamp(book.plan.window.start)
    inside = accounts["contract_start"] >= start
    assert 0.25 < inside.mean() < 0.55
    assert accounts.loc[inside, "contract_start"].dt.to_period("Q").nunique() >= 6
    renewing = accounts["lifecycle_stage"] == "renewing"
    assert renewing.sum() > 100
    assert set(accounts["lifecycle_stage"]) == {"onboarding", "adopting", "mature", "renewing", "churned"}
    owned = accounts["owner"] >= 0
    assert owned[accounts["segment"] == "enterprise"].all()
    assert accounts.loc[owned, "owner"].nunique() == len(book.plan.owners)
    parent = accounts["parent"]
    children = accounts[parent >= 0]
    assert 10 <= len(children) <= 0.05 * len(accounts)
    assert (accounts.loc[children["parent"], "parent"] == -1).all()  # one level deep
    assert (children["parent"] != children.index).all()
    assert accounts["external_id"].is_unique and accounts["domain"].is_unique


def test_expansions_and_contractions(book: DemoBook) -> None:
    story = book.plan.story
    changed = story["change_day"].notna()
    assert (story.loc[changed, "mrr_now_cents"] > story.loc[changed, "mrr_before_cents"]).sum() > 100
    assert (story.loc[changed, "mrr_now_cents"] < story.loc[changed, "mrr_before_cents"]).sum() > 50


# --- daily metrics ----------------------------------------------------------------------------------------


def test_a_row_for_every_live_account_day_and_none_after_churn(book: DemoBook) -> None:
    metrics = book.table("daily_metrics")
    story = book.plan.story
    first = _day_of(book, story["first_day"])
    last = _day_of(book, story["last_day"])
    per_account = metrics.groupby("account")["day"].agg(["min", "max", "count"])
    assert (per_account["min"].to_numpy() == first).all()
    assert (per_account["max"].to_numpy() == last).all()
    assert (per_account["count"].to_numpy() == last - first + 1).all()
    assert not metrics.duplicated(["account", "day"]).any()


def test_metrics_obey_the_roll_up_definitions(book: DemoBook) -> None:
    m = book.table("daily_metrics")
    features = m[FEATURES].sum(axis=1)
    assert (m["sessions"] >= m["active_users"]).all()
    assert (m["sessions"] <= 6 * m["active_users"]).all()
    assert (m["events"] >= m["sessions"]).all()
    assert (m["logins"] <= m["sessions"]).all()
    assert (m["events"] >= m["logins"] + features).all()
    assert ((m["active_users"] == 0) == (m["events"] == 0)).all()


def test_weekday_seasonality(book: DemoBook) -> None:
    m = book.table("daily_metrics")
    weekday = (
        book.plan.window.start.astype("datetime64[D]").astype(np.int64) + m["day"] + 3
    ) % 7  # 0 = Monday
    by_day = m.groupby(weekday)["active_users"].mean()
    assert by_day[[0, 1, 2, 3]].min() > 2.5 * by_day[[5, 6]].max()


def test_onboarding_grows_usage_and_feature_breadth(book: DemoBook) -> None:
    m = book.table("daily_metrics")
    story = book.plan.story
    new = np.flatnonzero(story["first_day"] > pd.Timestamp(book.plan.window.start))
    age = m["day"].to_numpy() - _day_of(book, story["first_day"])[m["account"].to_numpy()]
    m = m.assign(age=age, breadth=(m[FEATURES] > 0).sum(axis=1))
    m = m[m["account"].isin(new) & ~m["account"].isin(np.flatnonzero(story["decline_start"].notna()))]
    early = m[m["age"] < 14].groupby("account")[["active_users", "breadth"]].mean()
    later = m[(m["age"] >= 90) & (m["age"] < 120)].groupby("account")[["active_users", "breadth"]].mean()
    both = early.join(later, how="inner", suffixes=("_early", ""))
    assert len(both) > 200
    assert (both["active_users"] > both["active_users_early"]).mean() > 0.8
    assert both["breadth"].mean() > 1.5 * both["breadth_early"].mean()


# --- churn precursors -------------------------------------------------------------------------------------


def _window_stats(book: DemoBook, end_day: np.ndarray, accounts: np.ndarray) -> pd.DataFrame:
    """Per account: usage and support in the 60 days before `end_day` vs days -180..-90 before it."""
    m = book.table("daily_metrics")
    m = m[m["account"].isin(accounts)]
    rel = m["day"].to_numpy() - end_day[m["account"].to_numpy()]
    recent, earlier = (rel >= -60) & (rel < 0), (rel >= -180) & (rel < -90)
    m = m.assign(breadth=(m[FEATURES] > 0).sum(axis=1))
    cols = ["active_users", "logins", "breadth"]
    out = (
        m[recent]
        .groupby("account")[cols]
        .mean()
        .join(m[earlier].groupby("account")[cols].mean(), suffixes=("", "_0"))
    )

    t = book.table("tickets")
    t = t[t["account"].isin(accounts)]
    trel = (t["opened_at"].to_numpy() // DAY - _day0(book)) - end_day[t["account"].to_numpy()]
    urgent = t["priority"] >= 2
    out["tickets"] = t[(trel >= -60) & (trel < 0)].groupby("account").size() / 60
    out["tickets_0"] = t[(trel >= -180) & (trel < -90)].groupby("account").size() / 90
    out["urgent_share"] = urgent[(trel >= -60) & (trel < 0)].groupby(t["account"]).mean()
    out["urgent_share_0"] = urgent[(trel >= -180) & (trel < -90)].groupby(t["account"]).mean()
    return out.fillna({"tickets": 0, "tickets_0": 0})


def _survivor_end(book: DemoBook, survivors: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Give survivors an 'end' drawn from the churners' churn days, so both are compared at like times."""
    end = np.full(len(book.accounts), book.plan.window.days, dtype=np.int64)
    end[survivors] = np.random.default_rng(0).choice(like, len(survivors))
    return end


def test_churners_show_the_usual_precursors(book: DemoBook) -> None:
    story = book.plan.story
    churn = _day_of(book, book.accounts["churned_at"])
    first = _day_of(book, story["first_day"])
    churners = np.flatnonzero((churn < 10**6) & (churn - first >= 180))
    survivors = np.flatnonzero((churn == 10**6) & (first < 60))
    end = _survivor_end(book, survivors, churn[churners])
    end[churners] = churn[churners]
    stats = _window_stats(book, end, np.concatenate([churners, survivors]))
    c, s = stats.loc[stats.index.isin(churners)], stats.loc[stats.index.isin(survivors)]
    assert len(c) > 150 and len(s) > 1000

    def ratio(frame: pd.DataFrame, col: str) -> pd.Series:
        return (frame[col] + 0.5) / (frame[f"{col}_0"] + 0.5)

    # Usage falls in the last two months for churners, not for survivors.
    for col in ("active_users", "logins", "breadth"):
        assert ratio(c, col).median() < 0.8, col
        assert ratio(s, col).median() > 0.9, col
        assert ratio(c, col).median() < ratio(s, col).median() - 0.15, col
    # Tickets rise and get more urgent.
    assert (c["tickets"] / (c["tickets_0"] + 0.01)).median() > 1.3 * (
        s["tickets"] / (s["tickets_0"] + 0.01)
    ).median()
    assert c["urgent_share"].mean() > c["urgent_share_0"].mean() + 0.08
    assert c["urgent_share"].mean() > s["urgent_share"].mean() + 0.08

    # Failed payments and detractors are more frequent before churn.
    def recent_share(frame: pd.DataFrame, when: str, hit: pd.Series, accounts: np.ndarray) -> float:
        day = frame[when].to_numpy() // DAY - _day0(book)
        rel = day - end[frame["account"].to_numpy()]
        mask = frame["account"].isin(accounts).to_numpy() & (rel >= -90) & (rel < 0)
        return float(hit[mask].mean())

    payments = book.table("payments")
    failed = payments["status"] == 1
    assert recent_share(payments, "attempted_at", failed, churners) > 3 * recent_share(
        payments, "attempted_at", failed, survivors
    )
    nps = book.table("surveys")
    nps = nps[nps["kind"] == 0]
    detractor = nps["score"] <= 6
    assert recent_share(nps, "responded_at", detractor, churners) > 2 * recent_share(
        nps, "responded_at", detractor, survivors
    )


def test_the_signal_is_real_but_imperfect(book: DemoBook) -> None:
    """A simple health model over the last 90 days ranks who churns within 90 days well, not perfectly;
    some churners look healthy and some survivors struggle."""
    frame, label = _health_features(book, reference=book.plan.window.days - 150)
    assert 60 < label.sum() < 0.15 * len(label)
    X = ((frame - frame.mean()) / frame.std()).to_numpy()
    predicted = cross_val_predict(LogisticRegression(max_iter=1000), X, label, cv=5, method="predict_proba")[
        :, 1
    ]
    auc = roc_auc_score(label, predicted)
    assert 0.7 < auc < 0.95, auc
    trend_auc = roc_auc_score(label, -frame["usage_trend"])
    assert 0.6 < trend_auc < 0.9, trend_auc

    story = book.plan.story
    assert story["sudden"].sum() > 0.1 * book.accounts["churned_at"].notna().sum()
    assert story["struggling"].sum() > 0.05 * book.accounts["churned_at"].isna().sum()
    # Healthy-looking churners exist: some churners' usage did not fall at all.
    churners = label.index[label.astype(bool)]
    assert (frame.loc[churners, "usage_trend"] > -0.05).mean() > 0.1
    # Struggling survivors exist: more accounts that stay look as bad as a typical churner than there are
    # such churners.
    stayers = label.index[~label.astype(bool)]
    typical_churner = frame.loc[churners, "usage_trend"].median()
    assert (frame.loc[stayers, "usage_trend"] < typical_churner).sum() > len(churners) / 2


def _health_features(book: DemoBook, reference: int) -> tuple[pd.DataFrame, pd.Series]:
    """Accounts live at `reference` with 90 days of history; label: churned within the next 90 days."""
    story = book.plan.story
    first = _day_of(book, story["first_day"])
    churn = _day_of(book, book.accounts["churned_at"])
    population = np.flatnonzero((first <= reference - 90) & (churn > reference))
    label = pd.Series(
        ((churn > reference) & (churn <= reference + 90))[population].astype(int), index=population
    )
    ref_sec = (_day0(book) + reference) * DAY
    m = book.table("daily_metrics")
    m = m[(m["day"] > reference - 90) & (m["day"] <= reference)]
    recent = m[m["day"] > reference - 30].groupby("account")["active_users"].mean()
    earlier = m[m["day"] <= reference - 30].groupby("account")["active_users"].mean()
    out = pd.DataFrame(index=population)
    out["usage_trend"] = np.log((recent.reindex(population) + 0.5) / (earlier.reindex(population) + 0.5))
    t = book.table("tickets")
    last60 = t[(t["opened_at"] > ref_sec - 60 * DAY) & (t["opened_at"] <= ref_sec)]
    before = t[(t["opened_at"] > ref_sec - 240 * DAY) & (t["opened_at"] <= ref_sec - 60 * DAY)]
    out["ticket_trend"] = np.log(
        (last60.groupby("account").size().reindex(population).fillna(0) + 0.5)
        / (before.groupby("account").size().reindex(population).fillna(0) / 3 + 0.5)
    )
    p = book.table("payments")
    failed = p[(p["status"] == 1) & (p["attempted_at"] > ref_sec - 90 * DAY) & (p["attempted_at"] <= ref_sec)]
    out["failed_payments"] = failed.groupby("account").size().reindex(population).fillna(0)
    s = book.table("surveys")
    nps = s[(s["kind"] == 0) & (s["responded_at"] <= ref_sec) & (s["responded_at"] > ref_sec - 180 * DAY)]
    out["last_nps"] = nps.sort_values("responded_at").groupby("account")["score"].last().reindex(population)
    out["last_nps"] = out["last_nps"].fillna(7)
    return out.fillna(0), label


# --- tickets, billing, surveys, contacts ------------------------------------------------------------------


def test_tickets_have_consistent_times_and_statuses(book: DemoBook) -> None:
    t = book.table("tickets")
    now = (_day0(book) + book.plan.window.days) * DAY
    responded, closed = t["first_response_at"] >= 0, t["closed_at"] >= 0
    assert (t.loc[responded, "first_response_at"] > t.loc[responded, "opened_at"]).all()
    assert (t.loc[closed, "closed_at"] > t.loc[closed, "first_response_at"]).all()
    assert (t[["opened_at", "first_response_at", "closed_at"]].max(axis=1) < now).all()
    assert set(t.loc[closed, "status"]) <= {3, 4} and set(t.loc[~closed, "status"]) <= {0, 1, 2}
    assert (t.loc[t["csat"] >= 0, "csat"].between(1, 5)).all() and (t.loc[~closed, "csat"] == -1).all()
    assert set(t["priority"]) == {0, 1, 2, 3}


def test_invoices_are_monthly_for_the_mrr_with_failures_and_refunds(book: DemoBook) -> None:
    inv = book.table("invoices")
    pay = book.table("payments")
    gaps = inv.groupby("account")["issued_at"].diff().dropna() / DAY
    assert gaps.between(28, 31).all()
    story = book.plan.story
    assert inv["amount_cents"].isin(np.concatenate([story["mrr_now_cents"], story["mrr_before_cents"]])).all()
    status = inv["status"].value_counts(normalize=True)
    assert 0.003 < status.get(3, 0) < 0.05  # failed
    assert 0 < status.get(4, 0) < 0.02  # refunded
    paid = inv["status"].isin([2, 4])
    succeeded = pay[pay["status"] == 0]
    assert set(succeeded["invoice"]) == set(np.flatnonzero(paid))
    assert (pay.loc[pay["status"] == 2, "amount_cents"].to_numpy() > 0).all()
    recovered = pay[pay["status"] == 1]["invoice"].isin(succeeded["invoice"]).mean()
    assert 0.4 < recovered < 0.95


def test_nps_and_csat_responses(book: DemoBook) -> None:
    s = book.table("surveys")
    nps, csat = s[s["kind"] == 0], s[s["kind"] == 1]
    assert nps["score"].between(0, 10).all() and csat["score"].between(1, 5).all()
    assert nps["score"].nunique() == 11
    tickets = book.table("tickets")
    assert len(csat) == (tickets["csat"] >= 0).sum()
    assert 0.3 < nps["account"].nunique() / len(book.accounts) <= 1


def test_contacts_per_account_and_owners(book: DemoBook) -> None:
    contacts = book.table("contacts")
    per_account = contacts.groupby("account").size()
    segment = book.accounts["segment"]
    assert per_account[segment == "smb"].between(2, 5).all()
    assert per_account[segment == "enterprise"].between(8, 25).all()
    assert len(book.plan.owners) >= 3
    assert all(email.endswith("@demo.healthdash.local") for email, _ in book.plan.owners)


# --- raw events -----------------------------------------------------------------------------------------


def test_raw_events_roll_up_to_the_daily_metrics(small: DemoBook) -> None:
    events = small.table("usage_events")
    metrics = small.table("daily_metrics")
    first_raw = small.plan.window.days - small.plan.raw_event_days
    assert events["day"].min() == first_raw and len(events) > 1000
    events = events.assign(
        hour=events["occurred_at"] % DAY // 3600, day_of=events["occurred_at"] // DAY - _day0(small)
    )
    assert (events["day_of"] == events["day"]).all()
    g = events.groupby(["account", "day"])
    rolled = pd.DataFrame(
        {
            "events": g.size(),
            "active_users": g["user"].nunique(),
            "sessions": events.drop_duplicates(["account", "day", "user", "hour"])
            .groupby(["account", "day"])
            .size(),
            "logins": (events["label"] == LOGIN).groupby([events["account"], events["day"]]).sum(),
        }
    )
    for k, name in enumerate(FEATURES):
        rolled[name] = (events["label"] == k + 1).groupby([events["account"], events["day"]]).sum()
    stored = metrics[(metrics["day"] >= first_raw) & (metrics["events"] > 0)].set_index(["account", "day"])
    stored = stored[rolled.columns].sort_index()
    pd.testing.assert_frame_equal(rolled.sort_index().astype(np.int64), stored.astype(np.int64))
    assert (events["label"] >= FIRST_PAGE).any()


def test_raw_event_window_shrinks_for_big_books() -> None:
    assert plan_book(200, 18, 1, TODAY).raw_event_days == 7
    assert plan_book(100_000, 1, 1, TODAY).raw_event_days == 0
