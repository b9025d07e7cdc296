"""Call any registered Dash callback over HTTP, including pattern-matching ones, the way the browser does."""

from __future__ import annotations

import json
from typing import Any


def fb_all(page: str) -> str:
    """The registered key of a page's filter-bar wildcard, as in /_dash-dependencies."""
    return json.dumps({"key": ["ALL"], "page": page, "type": "fb"}, separators=(",", ":"))


def theme_key(page: str) -> str:
    return json.dumps({"page": page, "type": "page-theme"}, separators=(",", ":")) + ".data"


def _parse_id(text: str) -> Any:
    return json.loads(text) if text.startswith("{") else text


def _split_output(output: str) -> list[tuple[Any, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        out.append((_parse_id(cid), prop))
    return out


def find_dependency(client: Any, output_contains: str) -> dict[str, Any]:
    deps = client.get("/_dash-dependencies").json
    matches = [d for d in deps if output_contains in d["output"]]
    assert len(matches) == 1, (
        f"{len(matches)} callbacks write {output_contains}: {[d['output'] for d in matches]}"
    )
    return matches[0]


def _entries(specs: list[dict[str, str]], values: dict[str, Any]) -> list[Any]:
    entries: list[Any] = []
    for spec in specs:
        key = f"{spec['id']}.{spec['property']}"
        value = values.get(key)
        if '["ALL"]' in spec["id"]:
            entries.append(
                [{"id": cid, "property": spec["property"], "value": v} for cid, v in (value or [])]
            )
        else:
            entries.append({"id": _parse_id(spec["id"]), "property": spec["property"], "value": value})
    return entries


def invoke(
    client: Any,
    output_contains: str,
    inputs: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    *,
    triggered: str | None = None,
) -> Any:
    """POST the callback writing `output_contains`. `inputs`/`state` map "id.prop" (as registered) to values;
    a wildcard (ALL) input takes a list of (concrete id, value) pairs."""
    dep = find_dependency(client, output_contains)
    inputs = inputs or {}
    outputs = _split_output(dep["output"])
    outputs_field: Any = [{"id": i, "property": p} for i, p in outputs]
    if not dep["output"].startswith(".."):
        outputs_field = outputs_field[0]
    body = {
        "output": dep["output"],
        "outputs": outputs_field,
        "inputs": _entries(dep["inputs"], inputs),
        "state": _entries(dep["state"], state or {}),
        "changedPropIds": [triggered] if triggered else [next(iter(inputs), "")],
    }
    return client.post("/_dash-update-component", json=body)


def fb(page: str, **values: Any) -> list[tuple[dict[str, str], Any]]:
    """A page's filter-bar controls for a wildcard input, as (id, value) pairs."""
    return [({"type": "fb", "page": page, "key": k}, v) for k, v in values.items()]


def fb_ids(page: str, *keys: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    """The same controls' ids (the wildcard State of their "id" property)."""
    return [({"type": "fb", "page": page, "key": k},) * 2 for k in keys]
