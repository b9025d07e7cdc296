"""A JSON record checked exactly as a CSV row with the same columns would be: the same field parsers, the
same defaults and the same messages (`dashapp.ingest.mapping.convert`), so a bad value reads the same
whether it came in a file or through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashapp.ingest.fields import FIELDS, field_named
from dashapp.ingest.mapping import Mapping, RowValues, convert


@dataclass(frozen=True)
class RowError:
    """One refused value: the field and the CSV import's reason, word for word."""

    field: str
    message: str


def check_record(
    kind: str, record: dict[str, Any], *, partial: bool = False
) -> tuple[RowValues, list[RowError]]:
    """Typed values of `record` (field name -> JSON value) and its errors. `partial` (a PATCH) does not ask
    for the required fields that are absent; a present one that is null or blank is still refused."""
    names = [name for name in record if field_named(kind, name) is not None]
    fields = {i: field_named(kind, name) for i, name in enumerate(names)}
    values = convert(Mapping(kind, names, fields=fields), [record[name] for name in names])  # type: ignore[arg-type]
    errors = [RowError(column, reason) for column, _, reason in values.errors]
    if not partial:
        for spec in FIELDS[kind]:
            named_by_id = kind == "accounts" and spec.name == "name"  # an account without a name: its id
            if spec.required and spec.name not in record and not named_by_id:
                errors.append(RowError(spec.name, f"{spec.name} is required"))
    return values, errors
