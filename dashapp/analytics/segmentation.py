"""Behaviour segments: k-means over scaled usage, support and billing features, with names, sizes and stability.

Plain functions over a DataFrame (one row per account, the columns of `FEATURES`); no database here.

- Each feature is transformed (`log1p` for counts and money) and standardised over the book, so a cluster's
  mean of a scaled feature is how many book standard deviations it sits from the book's average.
- k is the value in `k_range` with the best silhouette (fitted on a seeded sample of at most `K_SAMPLE`
  accounts, measured on `SILHOUETTE_SAMPLE` of them); the final fit uses every account.
- Clusters are numbered by size (1 = largest), so the numbers are stable when the data barely moves.
- A cluster's name is built from the features that set it apart most (|z| >= `NAME_THRESHOLD`), at most one
  per group (usage, support, billing), e.g. "heavy users, many tickets"; "typical accounts" when none does.
- Stability: the clustering is refitted on `reruns` bootstrap samples with other seeds (three k-means++
  starts each, so one poor local optimum does not read as instability); each refit labels
  every account and is compared with the reference by the adjusted Rand index (1 = identical partition,
  about 0 = chance). Each cluster also gets its mean best-match Jaccard similarity across the reruns
  (Hennig's cluster-wise stability; above about 0.75 is stable, below 0.5 is not).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from dashapp.analytics.segment_features import BY_KEY, FEATURES, GROUPS, NAME_THRESHOLD

SILHOUETTE_SAMPLE = 3000  # silhouette is quadratic in the accounts it reads
K_SAMPLE = 10_000  # accounts the candidate values of k are fitted on
K_RANGE = (2, 8)
MIN_ACCOUNTS = 10
RERUNS = 5


class SegmentationError(ValueError):
    """The data cannot be segmented (too few accounts, or nothing varies)."""


@dataclass(frozen=True)
class FeatureProfile:
    key: str
    label: str
    z: float  # cluster mean of the scaled feature (book standard deviations)
    mean: float  # cluster mean in the feature's own unit
    book_mean: float
    unit: str


@dataclass(frozen=True)
class ClusterSummary:
    cluster: int
    name: str
    size: int
    share: float
    stability: float  # mean best-match Jaccard across reruns
    features: list[FeatureProfile]  # by |z|, largest first

    def defining(self, threshold: float = NAME_THRESHOLD) -> list[FeatureProfile]:
        return [f for f in self.features if abs(f.z) >= threshold]


@dataclass(frozen=True)
class Segmentation:
    k: int
    labels: pd.Series  # account id -> cluster number (1 = largest)
    silhouette: float
    silhouette_by_k: dict[int, float]
    stability: float  # mean adjusted Rand index across reruns
    ari: list[float]
    clusters: list[ClusterSummary]
    features: list[str]
    dropped: list[str] = field(default_factory=list)  # features constant over the book, left out

    def details(self) -> dict[str, Any]:
        return {
            "ari": [round(a, 4) for a in self.ari],
            "ari_min": round(min(self.ari), 4) if self.ari else None,
            "reruns": len(self.ari),
            "silhouette_by_k": {str(k): round(v, 4) for k, v in self.silhouette_by_k.items()},
            "features": self.features,
            "dropped": self.dropped,
            "name_threshold": NAME_THRESHOLD,
        }

    def cluster_rows(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.clusters]


def prepare(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Transformed, standardised features; missing values take the book median. Returns (scaled, used,
    dropped)."""
    missing = [f.key for f in FEATURES if f.key not in frame.columns]
    if missing:
        raise SegmentationError(f"missing feature columns: {', '.join(missing)}")
    used, dropped, columns = [], [], {}
    for feature in FEATURES:
        values = pd.to_numeric(frame[feature.key], errors="coerce").astype(float)
        values = values.fillna(values.median() if values.notna().any() else 0.0)
        if feature.log:
            values = np.log1p(values.clip(lower=0))
        std = float(values.std(ddof=0))
        if not np.isfinite(std) or std < 1e-9:
            dropped.append(feature.key)
            continue
        columns[feature.key] = (values - values.mean()) / std
        used.append(feature.key)
    if not used:
        raise SegmentationError("no feature varies across these accounts, so there is nothing to cluster")
    return pd.DataFrame(columns, index=frame.index), used, dropped


def _fit(x: np.ndarray, k: int, seed: int, n_init: int = 4) -> KMeans:
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(x)


def choose_k(x: np.ndarray, k_range: tuple[int, int] = K_RANGE, seed: int = 0) -> dict[int, float]:
    """Silhouette of each k in the (inclusive, bounded) range, on a seeded sample."""
    distinct = len(np.unique(x, axis=0))
    low, high = max(2, k_range[0]), min(k_range[1], distinct - 1, len(x) - 1)
    if high < low:
        raise SegmentationError(f"only {distinct} distinct behaviour profiles; at least 3 are needed")
    rng = np.random.default_rng(seed)
    sample = x if len(x) <= K_SAMPLE else x[rng.choice(len(x), K_SAMPLE, replace=False)]
    scores = {}
    for k in range(low, high + 1):
        labels = _fit(sample, k, seed, n_init=2).labels_
        if len(np.unique(labels)) < 2:
            continue
        size = min(SILHOUETTE_SAMPLE, len(sample))
        scores[k] = float(silhouette_score(sample, labels, sample_size=size, random_state=seed))
    if not scores:
        raise SegmentationError("no k in the range gave two or more clusters")
    return scores


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Cluster numbers 1..k by size (largest first; ties by the lower original label)."""
    ids, counts = np.unique(labels, return_counts=True)
    order = sorted(zip(ids, counts, strict=True), key=lambda t: (-t[1], t[0]))
    mapping = {old: new for new, (old, _) in enumerate(order, start=1)}
    return np.vectorize(mapping.get)(labels)


def stability(
    x: np.ndarray, reference: np.ndarray, k: int, reruns: int = RERUNS, seed: int = 0
) -> tuple[list[float], dict[int, float]]:
    """ARI of each bootstrap rerun against `reference`, and each reference cluster's mean best Jaccard."""
    rng = np.random.default_rng(seed + 1000)
    aris: list[float] = []
    jaccard: dict[int, list[float]] = {int(c): [] for c in np.unique(reference)}
    for r in range(reruns):
        sample = rng.choice(len(x), len(x), replace=True)
        model = _fit(x[sample], k, seed + r + 1, n_init=3)
        labels = model.predict(x)
        aris.append(float(adjusted_rand_score(reference, labels)))
        for c in jaccard:
            in_ref = reference == c
            best = 0.0
            for other in np.unique(labels):
                in_other = labels == other
                union = np.count_nonzero(in_ref | in_other)
                best = max(best, np.count_nonzero(in_ref & in_other) / union if union else 0.0)
            jaccard[c].append(best)
    return aris, {c: float(np.mean(v)) for c, v in jaccard.items()}


def name_cluster(z: pd.Series, threshold: float = NAME_THRESHOLD, parts: int = 2) -> str:
    """A name from the features that set a cluster apart (largest |z| first, one per group), said in the
    order usage, support, billing."""
    chosen: list[tuple[int, str]] = []
    groups: set[str] = set()
    for key in z.abs().sort_values(ascending=False, kind="stable").index:
        value = float(z[key])
        if abs(value) < threshold or len(chosen) == parts:
            break
        feature = BY_KEY[key]
        if feature.group in groups:
            continue
        groups.add(feature.group)
        chosen.append((GROUPS.index(feature.group), feature.high if value > 0 else feature.low))
    if not chosen:
        return "Typical accounts"
    text = ", ".join(phrase for _, phrase in sorted(chosen))
    return text[0].upper() + text[1:]


def _unique_names(profiles: dict[int, pd.Series], threshold: float) -> dict[int, str]:
    """Names for every cluster; clusters that would share one get a third distinguishing feature, then
    (if still the same) their number."""
    names = {c: name_cluster(z, threshold) for c, z in profiles.items()}
    clashing = [c for c, n in names.items() if list(names.values()).count(n) > 1]
    for c in clashing:
        names[c] = name_cluster(profiles[c], threshold, parts=3)
    counts = Counter(names.values())
    return {c: f"{n} (segment {c})" if counts[n] > 1 else n for c, n in names.items()}


def segment(
    frame: pd.DataFrame,
    *,
    k: int | None = None,
    k_range: tuple[int, int] = K_RANGE,
    reruns: int = RERUNS,
    seed: int = 0,
    threshold: float = NAME_THRESHOLD,
) -> Segmentation:
    """Cluster the accounts in `frame` (index: account id; columns: the keys of `FEATURES`)."""
    if len(frame) < MIN_ACCOUNTS:
        raise SegmentationError(f"{len(frame)} accounts with data; at least {MIN_ACCOUNTS} are needed")
    if k is not None and not (2 <= k <= min(20, len(frame) - 1)):
        raise SegmentationError(f"k must be between 2 and {min(20, len(frame) - 1)}, not {k}")
    scaled, used, dropped = prepare(frame)
    x = scaled.to_numpy()
    by_k = {k: float("nan")} if k is not None else choose_k(x, k_range, seed)
    best = k if k is not None else max(by_k, key=lambda kk: (by_k[kk], -kk))
    model = _fit(x, best, seed, n_init=4)
    labels = _renumber(model.labels_)
    if k is not None:
        size = min(SILHOUETTE_SAMPLE, len(x))
        by_k = {k: float(silhouette_score(x, labels, sample_size=size, random_state=seed))}
    aris, jaccard = stability(x, labels, best, reruns, seed) if reruns else ([], {})
    raw = frame[used].apply(pd.to_numeric, errors="coerce").astype(float)
    profiles = {int(c): scaled[labels == c].mean() for c in np.unique(labels)}
    names = _unique_names(profiles, threshold)
    clusters = []
    for c, z in profiles.items():
        members = raw[labels == c]
        order = z.abs().sort_values(ascending=False, kind="stable").index
        clusters.append(
            ClusterSummary(
                cluster=c,
                name=names[c],
                size=len(members),
                share=float(len(members) / len(frame)),
                stability=round(jaccard.get(c, float("nan")), 4),
                features=[
                    FeatureProfile(
                        key=key,
                        label=BY_KEY[key].label,
                        z=round(float(z[key]), 3),
                        mean=_finite(members[key].mean()),
                        book_mean=_finite(raw[key].mean()),
                        unit=BY_KEY[key].unit,
                    )
                    for key in order
                ],
            )
        )
    return Segmentation(
        k=best,
        labels=pd.Series(labels, index=frame.index, name="cluster"),
        silhouette=by_k[best],
        silhouette_by_k=by_k,
        stability=float(np.mean(aris)) if aris else float("nan"),
        ari=aris,
        clusters=sorted(clusters, key=lambda s: s.cluster),
        features=used,
        dropped=dropped,
    )


def _finite(value: Any) -> float:
    number = float(value)
    return round(number, 4) if np.isfinite(number) else 0.0


def feature_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows with `account_id` and feature columns -> the frame `segment` reads."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=[f.key for f in FEATURES])
    return frame.set_index("account_id")
