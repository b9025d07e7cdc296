"""The quick-filter row and its callbacks as functions: a click changes the filter bar's controls (which then
write the URL), the buttons show what the controls say, and only declared pages get the row."""

from __future__ import annotations

from dash import no_update

from components.filter_bar import CONTROL_KEYS, control_values, fid
from components.quick_filters import make_quick_filters, quick_id
from dashapp.explore import registry
from dashapp.filters import QUICK_FILTERS, parse
from dashapp.ui.quickfilters import pressed, toggled_values
from tests.explore.test_page_functions import text_of

IDS = [fid(k, "/accounts") for k in CONTROL_KEYS]
BUTTONS = [quick_id(q.name, "/accounts") for q in QUICK_FILTERS]


def _values(query: str) -> list:
    values = control_values(parse(query)[0])
    return [values[k] for k in CONTROL_KEYS]


def _changed(new: list) -> dict:
    return {k: v for k, v in zip(CONTROL_KEYS, new, strict=True) if v is not no_update}


def test_a_click_sets_only_the_controls_the_quick_filter_changes() -> None:
    assert _changed(toggled_values("at-risk", _values("segment=smb"), IDS)) == {"band": ["red", "yellow"]}
    assert _changed(toggled_values("dropped", _values(""), IDS)) == {"change30_max": -10.0}
    assert _changed(toggled_values("renewing", _values("renewal_within=30"), IDS)) == {"renewal_within": "90"}
    assert _changed(toggled_values("mine", _values("owner=7"), IDS)) == {"owner": ["7", "me"]}
    # A second click turns it off again.
    assert _changed(toggled_values("renewing", _values("renewal_within=90"), IDS)) == {"renewal_within": ""}
    assert _changed(toggled_values("at-risk", _values("band=red&band=yellow&band=green"), IDS)) == {
        "band": ["green"]
    }


def test_buttons_show_what_the_controls_say() -> None:
    aria, classes = pressed(_values("band=red&band=yellow&owner=none&renewal_within=60"), IDS, BUTTONS)
    assert aria == ["false", "true", "false", "false", "true"]
    assert ["active" in c for c in classes] == [False, True, False, False, True]


def test_the_row_is_toggle_buttons_for_declared_pages_only() -> None:
    row = text_of(make_quick_filters(parse("change30_max=-10")[0], "/accounts"))
    assert row.count('"aria-pressed": "false"') == 4 and row.count('"aria-pressed": "true"') == 1
    assert '"role": "group"' in row and "Dropped 10+ in 30 days" in row
    declared = {p.path for p in registry.all_pages() if p.quick_filters}
    assert declared == {"/", "/accounts"}
