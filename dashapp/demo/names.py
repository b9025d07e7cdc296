"""Company names, domains and custom attributes, built with numpy string operations (no per-row loops)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashapp.demo import vocab

S = np.strings


def add_identity(rng: np.random.Generator, accounts: pd.DataFrame, story: pd.DataFrame) -> None:
    """Fill `name`, `domain` and `custom_attributes` (JSON text) of the planned accounts in place."""
    n = len(accounts)
    first = np.asarray(vocab.NAME_FIRST)[rng.integers(0, len(vocab.NAME_FIRST), n)]
    second = np.asarray(vocab.NAME_SECOND)[rng.integers(0, len(vocab.NAME_SECOND), n)]
    suffix = np.asarray(vocab.NAME_SUFFIX)[rng.integers(0, len(vocab.NAME_SUFFIX), n)]
    base = S.add(S.add(first, " "), second)
    # The same name twice is real life (and subsidiaries); the domain must still tell them apart.
    dup = pd.Series(base).groupby(base).cumcount().to_numpy()
    name = np.where(suffix == "", base, S.add(S.add(base, " "), suffix))
    stem = S.lower(S.add(first, second))
    stem = np.where(dup > 0, S.add(stem, dup.astype("U")), stem)
    tld = np.asarray(vocab.TLDS)[rng.integers(0, len(vocab.TLDS), n)]
    accounts["name"] = name
    accounts["domain"] = S.add(S.add(stem, "."), tld)

    seats = story["seats"].to_numpy()
    tier = np.where(accounts["segment"].cat.codes.to_numpy() == 2, "tech-touch", "high-touch")
    residency = np.where(accounts["region"].cat.codes.to_numpy() == 1, "eu", "us")
    sso = rng.random(n) < np.where(accounts["segment"].cat.codes.to_numpy() == 2, 0.2, 0.8)
    accounts["custom_attributes"] = _json(
        ("seats", seats.astype("U")),
        ("contract_term_months", story["term"].to_numpy().astype("U")),
        ("cs_tier", _quoted(tier)),
        ("data_residency", _quoted(residency)),
        ("sso", np.where(sso, "true", "false")),
    )


def _quoted(values: np.ndarray) -> np.ndarray:
    return S.add(S.add('"', values), '"')


def _json(*items: tuple[str, np.ndarray]) -> np.ndarray:
    out = np.asarray("{")
    for i, (key, value) in enumerate(items):
        out = S.add(S.add(out, f'{", " if i else ""}"{key}": '), value)
    return S.add(out, "}")


def subsidiary_names(accounts: pd.DataFrame) -> None:
    """Children of a parent take the parent's name and a regional suffix, and a subdomain of its domain."""
    parent = accounts["parent"].to_numpy()
    child = np.flatnonzero(parent >= 0)
    if not len(child):
        return
    region = np.asarray(["US", "EMEA", "APAC", "LATAM"])[accounts["region"].cat.codes.to_numpy()[child]]
    names = accounts["name"].to_numpy()
    domains = accounts["domain"].to_numpy()
    unit = child.astype("U")
    accounts.loc[child, "name"] = S.add(S.add(names[parent[child]], " "), region)
    accounts.loc[child, "domain"] = S.add(S.add(S.add(S.lower(region), unit), "."), domains[parent[child]])
