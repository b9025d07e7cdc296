"""The filter model: parsing (including hostile input), canonical query strings, words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dashapp import filters as fm
from dashapp.filters import AttrCondition, Filters, describe, parse, to_dict, to_query


def test_empty_query_is_every_active_account() -> None:
    f, errors = parse({})
    assert f == Filters() and errors == [] and f.is_empty()
    assert to_query(f) == ""
    assert describe(f) == "Active accounts"


def test_full_query_parses_and_round_trips() -> None:
    query = (
        "segment=smb&segment=enterprise&plan=growth&region=EMEA&industry=Media%2C+Entertainment"
        "&owner=7&owner=none&stage=mature&band=red,yellow&score_min=20&score_max=70.5"
        "&change7_min=-5&change30_max=-10&change90_min=-50&status=all&arr_min=10000&arr_max=2.5e5"
        "&renewal_from=2026-01-01&renewal_to=2026-12-31&renewal_within=next90d"
        "&attr.tier=gold&attr.tier=silver&attr.seats=%3E%3D10&attr.legacy=!%3Dyes"
        "&q=Acme&period=30d"
    )
    f, errors = parse(query)
    assert errors == []
    assert f.segment == ("enterprise", "smb")
    assert f.industry == ("Media, Entertainment",)
    assert f.owner == (7, "none")
    assert f.band == ("red", "yellow")
    assert f.score_max == 70.5 and f.change30_max == -10
    assert f.arr_max == Decimal("250000")
    assert f.renewal_within == 90 and f.period == 30
    assert AttrCondition(key="seats", op=">=", value="10") in f.attrs
    assert AttrCondition(key="legacy", op="!=", value="yes") in f.attrs
    again, errors = parse(to_query(f))
    assert again == f and errors == []
    assert to_query(again) == to_query(f)
    # The mapping shape Dash hands to layout(**query) parses the same.
    assert parse(to_dict(f))[0] == f


def test_mapping_with_lists_like_dash_pages() -> None:
    f, errors = parse({"segment": ["smb", "enterprise"], "score_min": "40", "band": "red"})
    assert errors == []
    assert f.segment == ("enterprise", "smb") and f.score_min == 40 and f.band == ("red",)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"score_min": "abc"}, "score_min: 'abc' is not a number"),
        ({"score_max": "150"}, "score_max: 150 is outside 0 to 100"),
        ({"score_min": "nan"}, "score_min: 'nan' is not a number"),
        ({"score_min": "inf"}, "score_min: 'inf' is not a number"),
        ({"change30_max": "-1e400"}, "change30_max: '-1e400' is not a number"),
        ({"band": "purple"}, "band: 'purple' is not one of red, yellow, green, unscored"),
        ({"stage": "zombie"}, "stage: 'zombie' is not one of"),
        ({"status": "gone"}, "status: 'gone' is not one of active, churned, all"),
        ({"owner": "bob"}, "owner: 'bob' is not a user id (or 'me' or 'none')"),
        ({"owner": "99999999999999999999999"}, "is not a user id"),
        ({"arr_min": "-5"}, "arr_min: '-5' is not an amount"),
        ({"renewal_from": "2026-02-30"}, "renewal_from: '2026-02-30' is not a date (YYYY-MM-DD)"),
        ({"renewal_to": "tomorrow"}, "renewal_to: 'tomorrow' is not a date"),
        ({"renewal_within": "soon"}, "renewal_within: 'soon' is not a number of days"),
        ({"period": "0"}, "period: '0' is not a number of days (1 to 3660)"),
        ({"from": "99999-01-01"}, "from: '99999-01-01' is not a date"),
        ({"attr.seats": ">lots"}, "attr.seats: 'lots' is not a number (needed for >)"),
        ({"attr.bad key!": "x"}, "attribute names use letters"),
        ({"colour": "blue"}, "'colour' is not a filter"),
        (
            {"score_min": "80", "score_max": "20"},
            "score_min (80) is above score_max (20); both were left out",
        ),
        ({"from": "2026-05-01", "to": "2026-01-01"}, "from is after to"),
    ],
)
def test_bad_values_are_named_and_dropped(query: dict, message: str) -> None:
    f, errors = parse(query)
    assert any(message in e for e in errors), errors
    assert f == Filters()


def test_bad_values_do_not_lose_the_good_ones() -> None:
    f, errors = parse({"segment": "smb", "score_min": "abc", "band": ["red", "purple"], "plan": "pro"})
    assert f.segment == ("smb",) and f.plan == ("pro",) and f.band == ("red",)
    assert len(errors) == 2


def test_repeated_scalar_keeps_the_last_and_says_so() -> None:
    f, errors = parse("score_min=10&score_min=30")
    assert f.score_min == 30
    assert errors == ["score_min: given 2 times; the last one is used"]


def test_injection_attempts_are_plain_values() -> None:
    hostile = "smb'; DROP TABLE accounts; --"
    f, errors = parse({"segment": hostile, "q": "%' OR 1=1 --", "attr.tier": 'x" OR "1"="1'})
    assert errors == []
    assert f.segment == (hostile,)
    assert f.q == "%' OR 1=1 --"
    # Parameters, never inlined SQL text.
    sql = str(fm.accounts_query(f).compile())
    assert "DROP TABLE" not in sql and "OR 1=1" not in sql


def test_huge_lists_are_capped() -> None:
    f, errors = parse({"segment": [f"s{i}" for i in range(5000)]})
    assert len(f.segment) == fm.MAX_VALUES
    assert errors == [f"segment: 5000 values given, at most {fm.MAX_VALUES} are used"]


def test_long_values_and_too_many_fields() -> None:
    f, errors = parse({"q": "x" * 5000, "plan": "p" * 500})
    assert len(f.q) == fm.MAX_TEXT and f.plan == ()
    assert len(errors) == 2
    f, errors = parse("&".join(f"k{i}=1" for i in range(5000)))
    assert f == Filters() and errors == ["the query string has too many fields"]


def test_unicode_and_control_characters() -> None:
    f, errors = parse({"q": "  Ünïcødé 株式会社\x00\x1b ", "region": "Zürich", "segment": "\u200b"})
    assert errors == []
    assert f.q == "Ünïcødé 株式会社" and f.region == ("Zürich",)
    assert parse(to_query(f))[0] == f


def test_extra_keys_are_ignored() -> None:
    f, errors = parse({"sort": "score", "columns": "name", "band": "red"}, extra_keys={"sort", "columns"})
    assert errors == [] and f.band == ("red",)


def test_the_model_validates_direct_construction() -> None:
    with pytest.raises(ValidationError):
        Filters(score_min=200)
    with pytest.raises(ValidationError):
        Filters(score_min=80, score_max=10)
    with pytest.raises(ValidationError):
        Filters(band=("purple",))
    with pytest.raises(ValidationError):
        AttrCondition(key="seats", op=">", value="many")
    assert Filters.model_validate_json(Filters(band=("red",)).model_dump_json()) == Filters(band=("red",))


def test_describe_says_it_in_words() -> None:
    f, _ = parse(
        "status=churned&segment=smb&band=red&score_min=10&score_max=40&change30_max=-10"
        "&arr_min=10000&renewal_within=90&attr.tier=gold&q=acme&owner=3&period=30"
    )
    text = describe(f, owner_names={3: "Dana"})
    assert text == (
        "Churned accounts · Segment: smb · Owner: Dana · Band: red · Score 10 to 40 · "
        "30-day score change at most -10 points · ARR at least $10k · Renewal within the next 90 days · "
        "tier = gold · Search “acme” · Trends over the last 30 days"
    )


def test_trend_window() -> None:
    today = date(2026, 6, 30)
    assert Filters().trend_window(today) == (date(2026, 4, 2), today)
    assert Filters(period=7).trend_window(today) == (date(2026, 6, 24), today)
    f = Filters(trend_from=date(2026, 1, 1), trend_to=date(2026, 2, 1))
    assert f.trend_window(today) == (date(2026, 1, 1), date(2026, 2, 1))


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s.strip() and s.isprintable()
)


@settings(max_examples=150, deadline=None)
@given(
    segment=st.lists(_text, max_size=4),
    score=st.tuples(st.integers(0, 100), st.integers(0, 100)).map(sorted),
    band=st.lists(st.sampled_from(fm.BAND_CHOICES), max_size=4),
    q=st.one_of(st.just(""), _text),
    within=st.one_of(st.none(), st.integers(0, 3660)),
    attr=st.one_of(st.none(), st.tuples(st.sampled_from([">", "<=", "="]), st.integers(-1000, 1000))),
)
def test_round_trip_property(segment, score, band, q, within, attr) -> None:
    attrs = () if attr is None else (AttrCondition(key="seats", op=attr[0], value=str(attr[1])),)
    f = Filters(
        segment=tuple(sorted({s.strip() for s in segment})),
        score_min=float(score[0]),
        score_max=float(score[1]),
        band=tuple(sorted(set(band))),
        q=q.strip(),
        renewal_within=within,
        attrs=attrs,
    )
    again, errors = parse(to_query(f))
    assert errors == []
    assert again == f


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*sorted(fm.FILTER_KEYS), "attr.x", "zz"]), st.lists(st.text(max_size=30))
    )
)
def test_parse_never_raises(query) -> None:
    f, errors = parse(query)
    assert isinstance(f, Filters) and isinstance(errors, list)
    assert parse(to_query(f)) == (f, [])


def test_parse_sort() -> None:
    assert fm.parse_sort("-score,name") == ([("score", True), ("name", False)], [])
    assert fm.parse_sort(["arr", "x;drop"]) == ([("arr", False)], ["sort: 'x;drop' is not a column"])
    assert fm.to_sort([("score", True), ("name", False)]) == "-score,name"
    assert fm.parse_sort(None) == ([], [])


def test_owner_me_and_team_me_parse_and_round_trip() -> None:
    f, errors = parse({"owner": ["me", "7", "none"], "team": "ME"})
    assert errors == []
    assert f.owner == (7, "me", "none") and f.team == "me"
    assert parse(to_query(f))[0] == f
    _bad, errors = parse({"team": "others"})
    assert errors == ["team: 'others' is not 'me'"]
