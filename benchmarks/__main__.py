"""`python -m benchmarks [NAME ...] [--quick] [--json FILE]`: run benchmarks and print their figures as a table."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_"))


def load(name: str) -> Callable[[list[str] | None], dict[str, Any]]:
    module = importlib.import_module(f"benchmarks.{name}")
    run = getattr(module, "run", None)
    if not callable(run):
        raise TypeError(f"benchmarks/{name}.py defines no run(argv) function")
    return run


def normalise(value: Any) -> tuple[str, str, str]:
    """A figure as (value, unit, note) strings."""
    if isinstance(value, dict):
        return _number(value.get("value", "")), str(value.get("unit", "")), str(value.get("note", ""))
    if isinstance(value, tuple | list) and len(value) in (2, 3):
        return _number(value[0]), str(value[1]), str(value[2]) if len(value) == 3 else ""
    return _number(value), "", ""


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def table(name: str, seconds: float, figures: dict[str, Any]) -> str:
    rows = [(label, *normalise(value)) for label, value in figures.items()]
    widths = [
        max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(("figure", "value", "unit", "note"))
    ]
    lines = [f"== {name} ({seconds:.1f} s)"]
    header = ("figure", "value", "unit", "note")
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for label, value, unit, note in rows:
        cells = (label.ljust(widths[0]), value.rjust(widths[1]), unit.ljust(widths[2]), note)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(available())})"
    )
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a quick check")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    names = args.names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available())}")

    results: dict[str, Any] = {}
    failed = []
    for name in names:
        print(f"-- running {name}...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            figures = load(name)(["--quick"] if args.quick else [])
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        seconds = time.perf_counter() - started
        results[name] = {"seconds": round(seconds, 2), "figures": figures}
        print(table(name, seconds, figures), flush=True)
        print(flush=True)

    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
