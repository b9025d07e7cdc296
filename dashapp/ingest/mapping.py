"""Column mapping: which CSV column feeds which field, and turning one row into typed values.

Defaults: a column whose normalised header is a field's name or alias maps to that field. Columns that
map to nothing go to the record's JSON attributes (accounts: custom_attributes, contacts: traits,
events: properties) under their header name, or are ignored for kinds without one. A header
`custom.<name>` always goes to the JSON attributes as `<name>`. Overrides (`--map COLUMN=FIELD`) win;
`COLUMN=` ignores a column, `COLUMN=custom.<name>` sends it to the JSON attributes. A FIELD may be named
by any of its aliases (`--map customerID=id`).

Accounts: a churn flag column (`churned`: yes/no, 1/0 or a date) sets `churned_at`, to the mapping's
`churned_on` reference date for a yes (today when none is given); an account without a name is named by
its id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from dashapp.ingest.csv_reader import FileProblem
from dashapp.ingest.fields import EXTRA_TARGET, FIELDS, Field, field_for, field_named, guess_field

EXTRA_PREFIXES = ("custom.", "traits.", "properties.")


@dataclass
class Mapping:
    kind: str
    header: list[str]
    # column index -> field name
    fields: dict[int, Field] = field(default_factory=dict)
    # column index -> key in the JSON attributes
    extras: dict[int, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    # The day a flagged account churned on (accounts with a yes/no churn column).
    churned_on: date | None = None

    @property
    def mapped(self) -> set[str]:
        return {f.name for f in self.fields.values()}

    def describe(self) -> dict[str, str]:
        """header -> what it feeds ("field", "custom.<key>" or "" when ignored)."""
        out: dict[str, str] = {}
        for index, name in enumerate(self.header):
            if index in self.fields:
                out[name] = self.fields[index].name
            elif index in self.extras:
                out[name] = f"custom.{self.extras[index]}"
            else:
                out[name] = ""
        return out


def parse_overrides(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip():
            raise FileProblem(f"mapping {pair!r} is not COLUMN=FIELD (use COLUMN= to ignore a column)")
        out[column.strip()] = target.strip()
    return out


def build_mapping(
    kind: str, header: list[str], overrides: dict[str, str] | None = None, *, churned_on: date | None = None
) -> Mapping:
    """Default mapping plus overrides; refuses unknown columns/fields and missing required fields."""
    overrides = dict(overrides or {})
    mapping = Mapping(kind, header, churned_on=churned_on)
    lookup = {name.lower(): index for index, name in enumerate(header)}
    extra_target = EXTRA_TARGET[kind]
    taken: set[str] = set()
    for column, target in overrides.items():
        index = lookup.get(column.lower())
        if index is None:
            raise FileProblem(
                f"--map names column {column!r}, which is not in the header ({', '.join(header)})"
            )
        if not target:
            mapping.ignored.append(header[index])
            continue
        if target.startswith(EXTRA_PREFIXES):
            if extra_target is None:
                raise FileProblem(f"{kind} have no custom attributes; column {column!r} cannot be kept")
            mapping.extras[index] = target.split(".", 1)[1] or header[index]
            continue
        spec = field_for(kind, target)
        if spec is None:
            names = ", ".join(f.name for f in FIELDS[kind])
            raise FileProblem(
                f"--map {column}={target}: {kind} have no field {target!r}; fields are: {names}"
            )
        if spec.name in taken:
            raise FileProblem(f"two columns are mapped to {spec.name!r}")
        mapping.fields[index] = spec
        taken.add(spec.name)
    handled = set(mapping.fields) | set(mapping.extras) | {lookup[c.lower()] for c in overrides}
    for index, name in enumerate(header):
        if index in handled:
            continue
        if name.lower().startswith("custom.") and extra_target is not None:
            mapping.extras[index] = name.split(".", 1)[1]
            continue
        guess = guess_field(kind, name, taken)
        if guess is not None:
            mapping.fields[index] = field_named(kind, guess)  # type: ignore[assignment]
            taken.add(guess)
        elif extra_target is not None:
            mapping.extras[index] = name
        else:
            mapping.ignored.append(name)
    defaulted = {"name"} if kind == "accounts" else set()  # an account is named by its id
    missing = [f for f in FIELDS[kind] if f.required and f.name not in taken and f.name not in defaulted]
    if missing:
        hints = "; ".join(
            f"{f.name} (a column named {' or '.join([f.name, *f.aliases[:3]])}, or --map COLUMN={f.name})"
            for f in missing
        )
        raise FileProblem(f"the file has no column for the required field(s): {hints}")
    return mapping


@dataclass(slots=True)
class RowValues:
    values: dict[str, Any]
    extras: dict[str, str]
    errors: list[tuple[str, str, str]]  # (column, value, reason)


def convert(mapping: Mapping, cells: list[str]) -> RowValues:
    values: dict[str, Any] = {}
    errors: list[tuple[str, str, str]] = []
    for index, spec in mapping.fields.items():
        raw = cells[index] if index < len(cells) else ""
        try:
            value = spec.parse(raw)
        except ValueError as exc:
            errors.append((mapping.header[index], raw, f"{spec.name}: {exc}"))
            continue
        if value is None and spec.required:
            errors.append((mapping.header[index], raw, f"{spec.name} is required"))
        values[spec.name] = value
    if mapping.kind == "accounts":
        _account_defaults(mapping, values)
    extras = {}
    for index, key in mapping.extras.items():
        raw = cells[index].strip() if index < len(cells) else ""
        if raw:
            extras[key] = raw
    return RowValues(values, extras, errors)


def _account_defaults(mapping: Mapping, values: dict[str, Any]) -> None:
    flag = values.pop("churned", None)
    if flag is not None and values.get("churned_at") is None:
        if flag is True:
            day = mapping.churned_on or datetime.now(UTC).date()
            values["churned_at"] = datetime.combine(day, time(), UTC)
        else:
            values["churned_at"] = flag
    if "name" not in mapping.mapped and values.get("external_id"):
        values["name"] = values["external_id"]
