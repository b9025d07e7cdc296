"""Uploaded CSV files for the admin page: saved under the data directory, previewed, imported by a job.

The web process and the workers share `HEALTHDASH_DATA_DIR` (`<data dir>/uploads`); the import job
deletes the file when it is done. Files never imported are removed once older than
UPLOAD_RETENTION_HOURS, by the next upload and when a worker starts (`remove_abandoned_uploads`).
Large files are better imported with `healthdash import` on a host that has them, since a browser
upload travels in one request.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
import uuid
from itertools import islice
from pathlib import Path
from typing import Any

from dashapp.ingest.csv_reader import CsvStream, FileProblem
from dashapp.ingest.fields import EXTRA_TARGET, FIELDS
from dashapp.ingest.mapping import build_mapping, convert
from dashapp.settings import Settings

# A browser upload travels base64-encoded in one request, which the server caps at 64 MB.
MAX_UPLOAD_BYTES = 45 * 1024 * 1024
PREVIEW_ROWS = 8
IGNORE = "__ignore__"
EXTRA = "__extra__"


def upload_dir(settings: Settings) -> Path:
    path = settings.data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(settings: Settings, filename: str, contents: str) -> Path:
    """Decode a browser upload (`data:<type>;base64,<data>`) into a new file; returns its path."""
    _, _, data = contents.partition(",")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise FileProblem("the upload could not be decoded; try again") from None
    if len(raw) > MAX_UPLOAD_BYTES:
        raise FileProblem("the file is over 45 MB; import it with `healthdash import` instead")
    remove_abandoned_uploads(settings)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)[-80:] or "upload.csv"
    path = upload_dir(settings) / f"{uuid.uuid4().hex}-{safe}"
    path.write_bytes(raw)
    return path


def remove_abandoned_uploads(settings: Settings, now: float | None = None) -> int:
    """Delete uploads older than `upload_retention_hours` (never imported); returns how many."""
    cutoff = (time.time() if now is None else now) - settings.upload_retention_hours * 3600
    removed = 0
    for path in upload_dir(settings).iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile by its import or another sweep
            continue
    return removed


def resolve_upload(settings: Settings, name: str) -> Path:
    """An upload's path from its file name, refusing anything outside the uploads folder."""
    path = (upload_dir(settings) / Path(name).name).resolve()
    if path.parent != upload_dir(settings).resolve() or not path.is_file():
        raise FileProblem("the uploaded file is no longer there; upload it again")
    return path


def overrides_from_choices(header: list[str], choices: list[str | None]) -> dict[str, str]:
    """The page's per-column choices (field name, IGNORE, EXTRA) as mapping overrides."""
    out: dict[str, str] = {}
    for column, choice in zip(header, choices, strict=False):
        if not choice:
            continue
        out[column] = "" if choice == IGNORE else (f"custom.{column}" if choice == EXTRA else choice)
    return out


def choice_options(kind: str) -> list[dict[str, str]]:
    options = [
        {"label": f.name + (" (required)" if f.required else ""), "value": f.name} for f in FIELDS[kind]
    ]
    if EXTRA_TARGET[kind]:
        options.append({"label": f"keep as {EXTRA_TARGET[kind]}", "value": EXTRA})
    options.append({"label": "ignore this column", "value": IGNORE})
    return options


def preview(path: Path, kind: str, overrides: dict[str, str], encoding: str = "utf-8") -> dict[str, Any]:
    """Header, mapping (column -> field/custom/ignore choice) and the first rows as they would import."""
    with path.open("rb") as binary:
        stream = CsvStream(binary, encoding)
        header = stream.header
        try:
            mapping = build_mapping(kind, header, overrides)
        except FileProblem as exc:
            return {
                "header": header,
                "choices": _choices(header, kind, overrides),
                "problem": str(exc),
                "rows": [],
            }
        rows = []
        for record in islice(stream, PREVIEW_ROWS):
            if record.error:
                rows.append({"row": record.row, "values": {}, "errors": [record.error]})
                continue
            result = convert(mapping, record.cells)
            rows.append(
                {
                    "row": record.row,
                    "values": {k: "" if v is None else str(v) for k, v in result.values.items()},
                    "errors": [reason for _column, _value, reason in result.errors],
                }
            )
    described = mapping.describe()
    choices = {c: (EXTRA if t.startswith("custom.") else (t or IGNORE)) for c, t in described.items()}
    return {
        "header": header,
        "choices": choices,
        "problem": None,
        "rows": rows,
        "fields": sorted(mapping.mapped),
    }


def _choices(header: list[str], kind: str, overrides: dict[str, str]) -> dict[str, str]:
    return {c: overrides.get(c, "") or IGNORE for c in header}
