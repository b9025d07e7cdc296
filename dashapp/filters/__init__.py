"""THE filter model: which accounts a page, a saved view, an export, the API or an alert is about.

One `Filters` value is read from a URL query string (`parse`), written back to one (`to_query`, canonical so
it round-trips), said in words (`describe`) and turned into SQL over `accounts LEFT JOIN account_health`
(`conditions`, `apply`, `accounts_query`). Pure: no Flask or Dash here.

Query keys (lists repeat the key, e.g. `segment=smb&segment=enterprise`):

    segment, plan, region, industry      any text; several values mean "any of"
    owner                                user id, or `none` for unassigned
    stage                                lifecycle stage
    band                                 red, yellow, green or `unscored`
    cluster                              behaviour segment number (1-20) in the newest segmentation run
    score_min, score_max                 current score, 0-100
    change7_min ... change90_max         score change over 7/30/90 days (e.g. `change30_max=-10`)
    status                               active (default), churned or all
    arr_min, arr_max                     annual recurring revenue
    renewal_from, renewal_to             renewal date range (YYYY-MM-DD)
    renewal_within                       renewal in the next N days (e.g. `90` or `90d`), relative to today
    attr.<key>                           custom attribute: `attr.tier=gold`, `attr.seats=>=10`
                                         (operators =, !=, >, >=, <, <=; several `=` values mean "any of")
    q                                    free text over name, domain and external id
    period                               trend window in days back from today (e.g. `90d`)
    from, to                             trend window as dates (instead of `period`)

Quick filters (`quick.py`: "My accounts", "At risk", ...) are named changes to these fields, not keys.
"""

from dashapp.filters.model import (
    BAND_CHOICES,
    DEFAULT_TREND_DAYS,
    FILTER_KEYS,
    MAX_ATTRS,
    MAX_TEXT,
    MAX_VALUES,
    STATUSES,
    AttrCondition,
    Filters,
)
from dashapp.filters.querystring import merge, parse, to_dict, to_pairs, to_query
from dashapp.filters.quick import QUICK_FILTERS, QuickFilter, quick_filter, quick_state, with_quick
from dashapp.filters.sql import (
    COLUMNS,
    accounts_query,
    apply,
    conditions,
    count_query,
    health_join,
    parse_sort,
    to_sort,
)
from dashapp.filters.words import describe

__all__ = [
    "BAND_CHOICES",
    "COLUMNS",
    "DEFAULT_TREND_DAYS",
    "FILTER_KEYS",
    "MAX_ATTRS",
    "MAX_TEXT",
    "MAX_VALUES",
    "QUICK_FILTERS",
    "STATUSES",
    "AttrCondition",
    "Filters",
    "QuickFilter",
    "accounts_query",
    "apply",
    "conditions",
    "count_query",
    "describe",
    "health_join",
    "merge",
    "parse",
    "parse_sort",
    "quick_filter",
    "quick_state",
    "to_dict",
    "to_pairs",
    "to_query",
    "to_sort",
    "with_quick",
]
