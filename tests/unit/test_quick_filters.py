"""Quick filters: named changes to the one filter model, combinable, and read back from any URL."""

from __future__ import annotations

import pytest

from dashapp.filters import QUICK_FILTERS, Filters, describe, parse, quick_filter, quick_state, to_query
from dashapp.filters import with_quick as on


def test_each_quick_filter_is_plain_filters_in_the_url() -> None:
    expected = {
        "mine": "owner=me",
        "at-risk": "band=red&band=yellow",
        "renewing": "renewal_within=90",
        "dropped": "change30_max=-10",
        "unowned": "owner=none",
    }
    assert [q.name for q in QUICK_FILTERS] == list(expected)
    for name, query in expected.items():
        filters = on(Filters(), [name])
        assert to_query(filters) == query
        assert quick_state(parse(query)[0]) == {q.name: q.name == name for q in QUICK_FILTERS}


def test_they_combine_and_round_trip() -> None:
    both = on(Filters(), ["at-risk", "renewing"])
    assert to_query(both) == "band=red&band=yellow&renewal_within=90"
    assert parse(to_query(both)) == (both, [])
    everything = on(Filters(), [q.name for q in QUICK_FILTERS])
    assert (
        to_query(everything) == "owner=me&owner=none&band=red&band=yellow&change30_max=-10&renewal_within=90"
    )
    assert parse(to_query(everything))[0] == everything
    assert all(quick_state(everything).values())
    assert describe(everything) == (
        "Active accounts · Owner: me or no owner · Band: red or yellow · 30-day score change at most -10 points"
        " · Renewal within the next 90 days"
    )


def test_toggling_twice_gives_back_the_filters_and_keeps_the_rest() -> None:
    start = parse("segment=smb&owner=7&band=green&change30_min=-20")[0]
    for q in QUICK_FILTERS:
        assert q.toggle(q.toggle(start)) == start
    risky = quick_filter("at-risk").toggle(start)
    assert risky.band == ("green", "red", "yellow") and risky.segment == ("smb",)
    assert quick_filter("at-risk").toggle(risky).band == ("green",)
    mine = quick_filter("mine").toggle(start)
    assert mine.owner == (7, "me") and to_query(mine).startswith("segment=smb&owner=7&owner=me")
    # A renewal window already chosen is replaced; turning the quick filter off clears it.
    renewing = quick_filter("renewing").toggle(parse("renewal_within=30")[0])
    assert renewing.renewal_within == 90
    assert quick_filter("renewing").toggle(renewing).renewal_within is None


def test_a_quick_filter_is_on_only_when_the_filters_say_all_of_it() -> None:
    assert not quick_filter("at-risk").is_on(parse("band=red")[0])
    assert quick_filter("at-risk").is_on(parse("band=yellow,red,unscored")[0])
    assert not quick_filter("dropped").is_on(parse("change30_max=-15")[0])
    assert quick_filter("dropped").is_on(parse("change30_max=-10.0")[0])
    assert not quick_filter("renewing").is_on(parse("renewal_within=60")[0])
    # Turning it on where it is on already changes nothing.
    risky = parse("band=red&band=yellow")[0]
    assert quick_filter("at-risk").turn(risky, True) is risky


def test_turning_on_drops_a_bound_that_would_contradict_it() -> None:
    start = parse("change30_min=-5&change30_max=20")[0]
    dropped = quick_filter("dropped").toggle(start)
    assert (dropped.change30_min, dropped.change30_max) == (None, -10.0)
    kept = quick_filter("dropped").toggle(parse("change30_min=-40")[0])
    assert (kept.change30_min, kept.change30_max) == (-40.0, -10.0)


def test_unknown_names_are_refused() -> None:
    with pytest.raises(KeyError):
        quick_filter("vip")
    with pytest.raises(KeyError):
        on(Filters(), ["mine", "vip"])
