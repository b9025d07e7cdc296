"""Segmentation core on constructed books where what sets each group apart is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashapp.analytics.segmentation import (
    FEATURES,
    SegmentationError,
    name_cluster,
    prepare,
    segment,
    stability,
)

BASE = {
    "active_users": 10.0,
    "sessions": 20.0,
    "active_days": 0.6,
    "features_used": 6.0,
    "tickets": 2.0,
    "urgent_share": 0.1,
    "csat": 4.0,
    "mrr": 1000.0,
    "late_payments": 0.05,
}


NOISY = ("active_users", "tickets", "csat", "mrr", "late_payments")


def _group(rng: np.random.Generator, n: int, start: int, **changes: float) -> pd.DataFrame:
    """`n` accounts around BASE (with `changes`); the NOISY features vary a little within the group, the
    others are the same for every account (so the clustering sees only what the test sets)."""
    values = {**BASE, **changes}
    rows = {}
    for key, centre in values.items():
        noise = rng.normal(0, 0.05, n) if key in NOISY or key in changes else np.zeros(n)
        rows[key] = np.clip(centre * (1 + noise), 0, None)
    frame = pd.DataFrame(rows, index=pd.RangeIndex(start, start + n, name="account_id"))
    for key in ("active_days", "urgent_share", "late_payments"):
        frame[key] = frame[key].clip(0, 1)
    return frame


def book(seed: int = 7) -> pd.DataFrame:
    """Three groups: heavy users with many tickets; light users who pay late; and the middle of the book."""
    rng = np.random.default_rng(seed)
    return pd.concat(
        [
            _group(rng, 120, 1),
            _group(rng, 60, 1001, active_users=60.0, tickets=25.0),
            _group(rng, 40, 2001, active_users=1.0, late_payments=0.8),
        ]
    )


def test_clusters_are_found_sized_and_named_by_what_sets_them_apart() -> None:
    result = segment(book(), k_range=(2, 6))
    assert result.k == 3
    by_size = {c.size: c for c in result.clusters}
    assert sorted(by_size) == [40, 60, 120]
    assert [c.cluster for c in result.clusters] == [1, 2, 3]  # numbered by size, largest first
    assert by_size[120].cluster == 1 and by_size[40].cluster == 3
    assert by_size[60].name == "Heavy users, many tickets"
    assert by_size[40].name == "Light usage, late payments"
    # the middle group sits below the book on usage and tickets, but its defining features are named
    assert by_size[120].share == pytest.approx(120 / 220)
    # labels follow the constructed groups exactly
    labels = result.labels
    assert labels.loc[1001:1060].nunique() == 1 and labels.loc[1001] == by_size[60].cluster
    assert labels.loc[2001:2040].nunique() == 1 and labels.loc[2001] == 3
    heavy = by_size[60]
    top = {f.key for f in heavy.defining()}
    assert {"active_users", "tickets"} <= top and "csat" not in top
    users = next(f for f in heavy.features if f.key == "active_users")
    assert users.mean == pytest.approx(60, rel=0.05) and users.book_mean == pytest.approx(
        (120 * 10 + 60 * 60 + 40 * 1.0) / 220, rel=0.05
    )


def test_well_separated_clusters_are_stable_and_the_measure_is_stored() -> None:
    result = segment(book(), k_range=(2, 6), reruns=4)
    assert len(result.ari) == 4 and min(result.ari) > 0.95 and result.stability > 0.95
    assert all(c.stability > 0.9 for c in result.clusters)
    details = result.details()
    assert (
        details["reruns"] == 4
        and details["ari_min"] > 0.95
        and set(details["silhouette_by_k"])
        == {
            "2",
            "3",
            "4",
            "5",
            "6",
        }
    )
    assert result.silhouette == max(result.silhouette_by_k.values())


def test_unstructured_data_is_reported_as_unstable() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(10, 1, (300, len(FEATURES))), columns=[f.key for f in FEATURES]).abs()
    x = prepare(frame)[0].to_numpy()
    from sklearn.cluster import KMeans

    reference = KMeans(6, n_init=2, random_state=0).fit(x).labels_
    aris, jaccard = stability(x, reference, 6, reruns=4)
    assert np.mean(aris) < 0.8  # noise gives no reproducible partition into 6
    assert min(jaccard.values()) < 0.75


def test_a_cluster_like_the_book_is_typical_and_one_phrase_per_group() -> None:
    z = pd.Series({f.key: 0.1 for f in FEATURES})
    assert name_cluster(z) == "Typical accounts"
    z = pd.Series({**{f.key: 0.0 for f in FEATURES}, "active_users": 2.0, "sessions": 1.9, "mrr": -0.8})
    # sessions is the same group (usage) as active users, so billing comes second
    assert name_cluster(z) == "Heavy users, low MRR"
    z = pd.Series({**{f.key: 0.0 for f in FEATURES}, "csat": -1.2, "late_payments": 0.7})
    assert name_cluster(z) == "Unhappy with support, late payments"


def test_clashing_names_get_a_third_feature() -> None:
    rng = np.random.default_rng(11)
    frame = pd.concat(
        [
            _group(rng, 100, 1),
            _group(rng, 50, 1001, active_users=60.0, tickets=25.0, mrr=8000.0),
            _group(rng, 50, 2001, active_users=60.0, tickets=25.0, mrr=100.0),
        ]
    )
    result = segment(frame, k=3, reruns=0)
    names = sorted(c.name for c in result.clusters)
    assert len(set(names)) == 3
    assert any(n.endswith("high MRR") for n in names) and any(n.endswith("low MRR") for n in names)


def test_constant_features_are_dropped_and_missing_values_take_the_median() -> None:
    frame = book()
    frame["tickets"] = 0.0
    frame.loc[frame.index[:50], "csat"] = np.nan
    result = segment(frame, k_range=(2, 4), reruns=0)
    assert result.dropped == ["sessions", "active_days", "features_used", "tickets", "urgent_share"]
    assert result.features == ["active_users", "csat", "mrr", "late_payments"]
    assert all("ticket" not in c.name for c in result.clusters)


def test_too_little_data_is_refused_with_a_reason() -> None:
    with pytest.raises(SegmentationError, match="at least 10"):
        segment(book().head(5))
    flat = pd.DataFrame({f.key: [1.0] * 30 for f in FEATURES})
    with pytest.raises(SegmentationError, match="no feature varies"):
        segment(flat)
    with pytest.raises(SegmentationError, match="k must be between"):
        segment(book(), k=1)
    with pytest.raises(SegmentationError, match="missing feature columns: mrr"):
        segment(book().drop(columns=["mrr"]))


def test_reruns_with_the_same_seed_give_the_same_answer() -> None:
    a, b = segment(book(), reruns=2), segment(book(), reruns=2)
    assert (
        (a.labels == b.labels).all()
        and a.ari == b.ari
        and [c.name for c in a.clusters] == [c.name for c in b.clusters]
    )
