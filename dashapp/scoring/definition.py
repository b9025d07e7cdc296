"""A scorecard definition: groups of weighted measures, bands and the roll-up rule — validated.

Stored as JSON in `scorecard_versions.definition`; `parse_definition` turns JSON into these types or raises
`ScorecardError` with one line per problem, each naming where it is ("groups[1].measures[0].weight: ...").
"""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dashapp.scoring import metrics

SLUG = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
ROLLUP_RULES = ("mean", "arr_weighted", "worst")
DIRECTIONS = ("higher_is_better", "lower_is_better")


class ScorecardError(ValueError):
    """A scorecard definition (or file) is invalid; the message lists every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    """Step scores: values below `breaks[0]` score `scores[0]`, from `breaks[i-1]` below `breaks[i]` score
    `scores[i]`, from the last break up score `scores[-1]`."""

    type: Literal["thresholds"]
    breaks: list[float] = Field(min_length=1)
    scores: list[float]

    @model_validator(mode="after")
    def _check(self) -> Thresholds:
        if any(later <= earlier for earlier, later in zip(self.breaks, self.breaks[1:], strict=False)):
            raise ValueError("breaks must be strictly increasing")
        if len(self.scores) != len(self.breaks) + 1:
            raise ValueError(f"needs {len(self.breaks) + 1} scores for {len(self.breaks)} breaks")
        if any(not 0 <= s <= 100 for s in self.scores):
            raise ValueError("scores must be between 0 and 100")
        return self


class Linear(_Strict):
    """Straight line from `low` (0, or 100 when lower is better) to `high`; clipped outside."""

    type: Literal["linear"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Linear:
        if self.high <= self.low:
            raise ValueError("high must be greater than low")
        return self


class Percentile(_Strict):
    """Percentile rank (0-100) among peers: the same segment, or all accounts of the scorecard.

    A segment with fewer than `min_peers` accounts with data is ranked against all accounts instead.
    """

    type: Literal["percentile"]
    within: Literal["segment", "all"] = "segment"
    min_peers: int = Field(default=5, ge=2, le=10_000)


class Trend(_Strict):
    """Percent change of the window's value against the window before it, mapped from `low` % to `high` %."""

    type: Literal["trend"]
    low: float = -50.0
    high: float = 10.0

    @model_validator(mode="after")
    def _check(self) -> Trend:
        if self.high <= self.low:
            raise ValueError("high must be greater than low")
        if self.low < -100:
            raise ValueError("low cannot be below -100 (a value cannot fall by more than 100%)")
        return self


Normalisation = Annotated[Thresholds | Linear | Percentile | Trend, Field(discriminator="type")]


class Measure(_Strict):
    key: str
    label: str = Field(min_length=1, max_length=80)
    metric: str
    window_days: int = Field(default=30, ge=1, le=365)
    aggregation: str
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    normalisation: Normalisation
    weight: float = Field(gt=0, le=1000)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be lowercase letters, digits and underscores, starting with a letter")
        return value

    @model_validator(mode="after")
    def _check(self) -> Measure:
        try:
            metric = metrics.lookup(self.metric)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None
        if self.aggregation not in metric.aggregations:
            raise ValueError(
                f"aggregation {self.aggregation!r} does not apply to {self.metric}; "
                f"use {' or '.join(metric.aggregations)}"
            )
        norm = self.normalisation
        if isinstance(norm, Trend) and not metric.windowed:
            raise ValueError(f"trend needs a metric measured over a window; {self.metric} is a current state")
        if isinstance(norm, Thresholds):
            steps = list(zip(norm.scores, norm.scores[1:], strict=False))
            rising = all(b >= a for a, b in steps)
            falling = all(b <= a for a, b in steps)
            if self.direction == "higher_is_better" and not rising:
                raise ValueError("threshold scores must not fall as the value rises when higher is better")
            if self.direction == "lower_is_better" and not falling:
                raise ValueError("threshold scores must not rise as the value rises when lower is better")
        return self

    @property
    def metric_info(self) -> metrics.Metric:
        return metrics.lookup(self.metric)


class Group(_Strict):
    key: str
    label: str = Field(min_length=1, max_length=80)
    weight: float = Field(gt=0, le=1000)
    measures: list[Measure] = Field(min_length=1)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be lowercase letters, digits and underscores, starting with a letter")
        return value


class Band(_Strict):
    name: str
    min_score: float = Field(ge=0, lt=100)
    label: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be lowercase letters, digits and underscores, starting with a letter")
        return value


class ScorecardDefinition(_Strict):
    groups: list[Group] = Field(min_length=1)
    bands: list[Band] = Field(min_length=1, max_length=6)
    rollup: Literal["mean", "arr_weighted", "worst"] = "arr_weighted"

    @model_validator(mode="after")
    def _check(self) -> ScorecardDefinition:
        group_keys = [g.key for g in self.groups]
        if len(set(group_keys)) != len(group_keys):
            raise ValueError(f"group keys must be unique: {', '.join(sorted(_dupes(group_keys)))}")
        measure_keys = [m.key for g in self.groups for m in g.measures]
        if len(set(measure_keys)) != len(measure_keys):
            raise ValueError(f"measure keys must be unique: {', '.join(sorted(_dupes(measure_keys)))}")
        names = [b.name for b in self.bands]
        if len(set(names)) != len(names):
            raise ValueError(f"band names must be unique: {', '.join(sorted(_dupes(names)))}")
        cuts = [b.min_score for b in self.bands]
        if cuts[0] != 0:
            raise ValueError("the first band must start at min_score 0 so every score has a band")
        if any(later <= earlier for earlier, later in itertools.pairwise(cuts)):
            raise ValueError("band min_score values must be strictly increasing (lowest band first)")
        return self

    @property
    def measures(self) -> list[tuple[Group, Measure]]:
        return [(g, m) for g in self.groups for m in g.measures]

    def band_names(self) -> list[str]:
        return [b.name for b in self.bands]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _dupes(items: list[str]) -> set[str]:
    seen: set[str] = set()
    return {i for i in items if i in seen or seen.add(i)}  # type: ignore[func-returns-value]


def _where(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        elif (
            item in ("thresholds", "linear", "percentile", "trend") and parts and parts[-1] == "normalisation"
        ):
            continue  # the discriminated union's branch name adds nothing for a reader
        else:
            parts.append(str(item))
    return ".".join(parts) or "definition"


def format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{_where(tuple(err['loc']))}: {message}")
    return "; ".join(lines)


def parse_definition(data: Any) -> ScorecardDefinition:
    """Validate JSON-like data into a definition; `ScorecardError` lists every problem with its location."""
    if isinstance(data, ScorecardDefinition):
        return data
    if not isinstance(data, dict):
        raise ScorecardError("a scorecard definition must be an object with groups, bands and rollup")
    try:
        return ScorecardDefinition.model_validate(data)
    except ValidationError as exc:
        raise ScorecardError(format_errors(exc)) from None


MATCH_FIELDS = ("segment", "plan", "lifecycle_stage")


def parse_match(data: Any) -> dict[str, list[str]]:
    """Assignment rules: {"segment": [...], "plan": [...], "lifecycle_stage": [...]} (each optional)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScorecardError('match must be an object like {"segment": ["enterprise"]}')
    out: dict[str, list[str]] = {}
    for key, values in data.items():
        if key not in MATCH_FIELDS:
            raise ScorecardError(f"match.{key}: unknown field; use {', '.join(MATCH_FIELDS)}")
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise ScorecardError(f"match.{key}: must be a non-empty list of names")
        out[key] = sorted(set(values))
    return out
