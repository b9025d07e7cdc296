"""The `cluster` (behaviour segment) field of THE filter model: parse, validate, serialise, words, SQL."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components.filter_bar import control_values, read_filter_bar
from dashapp.analytics.segment_store import store
from dashapp.analytics.segmentation import segment
from dashapp.filters import Filters, accounts_query, count_query, describe, parse, to_dict, to_query
from dashapp.queries.options import cluster_names
from models.segments import SegmentAssignment, SegmentRun
from tests.analytics.test_segmentation import book as feature_book
from tests.support.factories import make_account


def test_cluster_parses_sorts_dedupes_and_round_trips() -> None:
    filters, errors = parse("cluster=3&cluster=1,2&cluster=3")
    assert errors == [] and filters.cluster == (1, 2, 3)
    assert to_query(filters) == "cluster=1&cluster=2&cluster=3"
    assert parse(to_query(filters))[0] == filters
    assert to_dict(filters) == {"cluster": ["1", "2", "3"]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "cluster: '0' is not a behaviour segment number (1 to 20)"),
        ("21", "cluster: '21' is not a behaviour segment number (1 to 20)"),
        ("-1", "cluster: '-1' is not a behaviour segment number (1 to 20)"),
        ("heavy", "cluster: 'heavy' is not a behaviour segment number (1 to 20)"),
        ("1.5", "cluster: '1.5' is not a behaviour segment number (1 to 20)"),
        ("٣", "cluster: '٣' is not a behaviour segment number (1 to 20)"),
        ("9" * 30, "is not a behaviour segment number"),
    ],
)
def test_bad_cluster_values_are_named_and_the_good_ones_kept(value: str, message: str) -> None:
    filters, errors = parse({"cluster": [value, "2"], "band": "red"})
    assert len(errors) == 1 and message in errors[0]
    assert filters.cluster == (2,) and filters.band == ("red",)


def test_the_model_refuses_out_of_range_clusters() -> None:
    with pytest.raises(ValidationError):
        Filters(cluster=(0,))
    assert Filters(cluster=(20,)).cluster == (20,)


def test_words_use_the_segment_names() -> None:
    filters = parse("cluster=1&cluster=4")[0]
    assert "Behaviour segment: #1 Heavy users or #4" in describe(filters, cluster_names={1: "Heavy users"})
    assert "Behaviour segment: #1 or #4" in describe(filters)


def test_the_filter_bar_shows_and_reads_clusters() -> None:
    filters = parse("cluster=2")[0]
    assert control_values(filters)["cluster"] == ["2"]
    ids = [{"type": "fb", "page": "/accounts", "key": "cluster"}]
    assert read_filter_bar([["2", "5"]], ids)[0].cluster == (2, 5)
    _, errors = read_filter_bar([["99"]], ids)
    assert errors and "99" in errors[0]


def test_filter_by_cluster_selects_the_newest_runs_members(session: Session) -> None:
    """End to end: cluster a book, store it, and filter accounts by the stored segments."""
    frame = feature_book()
    ids = {}
    for old in frame.index:
        ids[old] = make_account(session, external_id=f"seg-{old}").id
    frame.index = [ids[i] for i in frame.index]
    frame.index.name = "account_id"
    assert session.scalar(count_query(parse("cluster=1")[0])) == 0  # no run yet: no members
    result = segment(frame, k=3, reruns=2)
    run = store(session, result, date(2026, 6, 1))
    assert session.scalar(select(func.count()).select_from(SegmentAssignment)) == len(frame)
    names = cluster_names(session)
    assert set(names) == {1, 2, 3} and names[2] == "Heavy users, many tickets"
    heavy = {ids[i] for i in range(1001, 1061)}
    rows = session.execute(accounts_query(parse("cluster=2")[0], ["id"])).scalars().all()
    assert set(rows) == heavy
    both = session.scalar(count_query(parse("cluster=2&cluster=3")[0]))
    assert both == 100
    # a newer run moves accounts: the filter follows the newest run only
    relabelled = result.labels.replace({2: 3, 3: 2})
    store(session, type(result)(**{**result.__dict__, "labels": relabelled}), date(2026, 6, 2))
    rows = session.execute(accounts_query(parse("cluster=3")[0], ["id"])).scalars().all()
    assert set(rows) == heavy
    assert session.scalar(select(func.count()).select_from(SegmentRun)) >= 2 and run.k == 3
