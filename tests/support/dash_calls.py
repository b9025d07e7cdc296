"""Call Dash callbacks over HTTP the way the browser does (POST /_dash-update-component)."""

from __future__ import annotations

from typing import Any


def _strip_hash(output: str) -> str:
    """`a.children@1f2e...` (an allow_duplicate output) -> `a.children`."""
    return ".".join(part.split("@")[0] for part in output.split("."))


def resolve_outputs(client: Any, outputs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Outputs as Dash registered them (with the `@hash` of allow_duplicate outputs), from /_dash-dependencies."""
    deps = client.get("/_dash-dependencies").json
    for dep in deps:
        parts = dep["output"].strip(".").split("...")
        plain = [_strip_hash(p) for p in parts]
        if plain == [f"{i}.{p}" for i, p in outputs]:
            return [tuple(part.rsplit(".", 1)) for part in parts]  # type: ignore[misc]
    raise AssertionError(f"no callback with outputs {outputs}")


def callback_body(
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, Any]],
    state: list[tuple[str, str, Any]] | None = None,
    *,
    client: Any = None,
) -> dict[str, Any]:
    """The JSON the browser posts. Pass `client` to resolve allow_duplicate outputs to their registered ids."""
    if client is not None:
        outputs = resolve_outputs(client, outputs)
    if len(outputs) == 1:
        output = f"{outputs[0][0]}.{outputs[0][1]}"
        outputs_field: Any = {"id": outputs[0][0], "property": outputs[0][1]}
    else:
        output = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        outputs_field = [{"id": i, "property": p} for i, p in outputs]
    return {
        "output": output,
        "outputs": outputs_field,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"] if inputs else [],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in (state or [])],
    }


def render_page(client: Any, pathname: str, search: str = "") -> Any:
    """Ask Dash's page router for the layout of `pathname` (what the browser does on navigation)."""
    body = callback_body(
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", pathname), ("_pages_location", "search", search)],
    )
    return client.post("/_dash-update-component", json=body)
