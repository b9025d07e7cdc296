"""The scorecard editor's form as data: which fields it has, and turning their values back into a definition.

Each editable value is one form field whose id carries its place in the definition (`groups.1.weight`,
`groups.0.measures.2.normalisation`, `bands.1.min_score`, `rollup`). `definition_from_fields` applies the
fields to the current definition and validates the result with the scoring core; every problem comes back
as one line naming the field the way the form shows it ("Support > Urgent tickets > weight: ...").
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.scorecard_editor import normalisation_text
from dashapp.scoring.definition import ScorecardDefinition, ScorecardError, parse_definition

PREVIEW_SAMPLE = 2_000  # accounts scored for a live preview when the book is larger
MEASURE_KEYS = ("enabled", "weight", "window_days", "aggregation", "direction", "normalisation")
_LOCATION = re.compile(r"^(?P<where>[\w\[\].]+): (?P<message>.*)$")


@dataclass(frozen=True)
class FormResult:
    definition: ScorecardDefinition | None
    errors: list[str]
    data: dict[str, Any] | None = None


def field_values(definition: Mapping[str, Any]) -> dict[str, Any]:
    """Every form field's path and its value for `definition` (as stored)."""
    values: dict[str, Any] = {"rollup": definition.get("rollup", "arr_weighted")}
    for gi, group in enumerate(definition["groups"]):
        values[f"groups.{gi}.weight"] = group["weight"]
        for mi, measure in enumerate(group["measures"]):
            base = f"groups.{gi}.measures.{mi}"
            values[f"{base}.enabled"] = True
            for key in MEASURE_KEYS[1:]:
                value = measure.get(key)
                values[f"{base}.{key}"] = normalisation_text(value) if key == "normalisation" else value
    for bi, band in enumerate(definition["bands"]):
        values[f"bands.{bi}.min_score"] = band["min_score"]
    return values


def _number(value: Any) -> Any:
    """Numbers arrive as numbers, strings or None; a string that is not a number is left for the validator
    to name (it says what it expected)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
        except ValueError:
            return text or None
    return value


def _label(data: Mapping[str, Any], where: str) -> str:
    """'groups[1].measures[0].weight' -> 'Support > Urgent tickets > weight' (for the data it names)."""
    parts = re.findall(r"(\w+)(?:\[(\d+)\])?", where)
    words: list[str] = []
    node: Any = data
    for name, index in parts:
        child = node.get(name) if isinstance(node, Mapping) else None
        if index and isinstance(child, list) and int(index) < len(child):
            node = child[int(index)]
            if name == "bands":
                words.append(f"Band {node.get('name', index)}")
            else:
                words.append(str(node.get("label") or node.get("key") or f"{name} {int(index) + 1}"))
        else:
            rest = ".".join(n + (f"[{i}]" if i else "") for n, i in parts[parts.index((name, index)) :])
            return " > ".join(words) + (" > " if words else "") + rest
    return " > ".join(words) or where


def name_errors(data: Mapping[str, Any], message: str) -> list[str]:
    lines = []
    for line in message.split("; "):
        match = _LOCATION.match(line)
        lines.append(f"{_label(data, match['where'])}: {match['message']}" if match else line)
    return lines


def definition_from_fields(
    current: Mapping[str, Any], values: Sequence[Any], ids: Sequence[Mapping[str, str]]
) -> FormResult:
    """Apply the form's values to `current` (a stored definition) and validate the result."""
    data = copy.deepcopy(dict(current))
    errors: list[str] = []
    dropped: set[tuple[int, int]] = set()
    for value, cid in zip(values, ids, strict=True):
        path = cid["path"].split(".")
        try:
            if path[0] == "rollup":
                data["rollup"] = value
            elif path[0] == "bands":
                data["bands"][int(path[1])]["min_score"] = _number(value)
            elif path[0] == "groups" and len(path) == 3:
                data["groups"][int(path[1])]["weight"] = _number(value)
            elif path[0] == "groups" and len(path) == 5:
                gi, mi, key = int(path[1]), int(path[3]), path[4]
                group = data["groups"][gi]
                measure = group["measures"][mi]
                where = f"{group['label']} > {measure['label']} > {key}"
                if key == "enabled":
                    if not value:
                        dropped.add((gi, mi))
                elif key == "normalisation":
                    try:
                        measure[key] = json.loads(value or "")
                    except json.JSONDecodeError as exc:
                        errors.append(f"{where}: not valid JSON ({exc.msg} at character {exc.pos + 1})")
                elif key in ("weight", "window_days"):
                    measure[key] = _number(value)
                else:
                    measure[key] = value
            else:
                errors.append(f"{cid['path']}: not a field of this form")
        except (IndexError, KeyError, ValueError):
            errors.append(f"{cid['path']}: not a field of this scorecard (reload the page)")
    for gi, group in enumerate(data["groups"]):
        group["measures"] = [m for mi, m in enumerate(group["measures"]) if (gi, mi) not in dropped]
    if errors:
        return FormResult(None, errors, data)
    try:
        return FormResult(parse_definition(data), [], data)
    except ScorecardError as exc:
        return FormResult(None, name_errors(data, str(exc)), data)
