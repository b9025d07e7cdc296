"""Streaming CSV reading: one record at a time from a binary file, never the whole file in memory.

Encoding: UTF-8 (a byte-order mark is skipped), or Latin-1 / Windows-1252 when asked. The file is
split into physical lines in binary (safe for UTF-8: a newline byte never occurs inside a character),
and each line is decoded on its own, so a line that is not valid in the file's encoding makes *its row*
fail — with the byte offset of the first bad byte — while every other row is read. A header that cannot
be decoded, a UTF-16/32 file, or an empty file is refused as a whole (`FileProblem`).

Row numbers are physical line numbers where the record starts, the header being row 1, as a
spreadsheet shows them.
"""

from __future__ import annotations

import codecs
import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "latin-1": "latin-1", "latin1": "latin-1",
             "iso-8859-1": "latin-1", "cp1252": "cp1252", "windows-1252": "cp1252"}  # fmt: skip
MAX_FIELD = 1024 * 1024
csv.field_size_limit(MAX_FIELD)


class FileProblem(ValueError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass(slots=True)
class Record:
    row: int
    cells: list[str]
    error: str | None = None


def normalise_encoding(name: str | None) -> str:
    key = (name or "utf-8").strip().lower()
    if key not in ENCODINGS:
        raise FileProblem(f"encoding {name!r} is not supported; use utf-8 (default), latin-1 or cp1252")
    return ENCODINGS[key]


class CsvStream:
    """Iterate `Record`s after reading the header; `bytes_read` tracks progress through the file."""

    def __init__(self, binary: BinaryIO, encoding: str = "utf-8") -> None:
        self.encoding = normalise_encoding(encoding)
        self.bytes_read = 0
        self._binary = binary
        self._bad: deque[tuple[int, str]] = deque()  # (line number, reason) of lines not yet consumed
        self._line_no = 0
        self._reader = csv.reader(self._lines(), strict=False)
        self.header = self._read_header()

    def _lines(self) -> Iterator[str]:
        decode = codecs.getdecoder(self.encoding)
        for raw in self._binary:
            self._line_no += 1
            start = self.bytes_read
            self.bytes_read += len(raw)
            if self._line_no == 1:
                stripped = self._strip_bom(raw)
                start += len(raw) - len(stripped)
                raw = stripped
            try:
                text = decode(raw)[0]
            except UnicodeDecodeError as exc:
                byte = raw[exc.start : exc.start + 1].hex()
                self._bad.append(
                    (
                        self._line_no,
                        f"bytes at offset {start + exc.start} (0x{byte}) are not valid {self.encoding}; "
                        "if the file is Latin-1 or Windows-1252, import it again with that encoding",
                    )
                )
                text = raw.decode(self.encoding, errors="replace")
            if "\x00" in text:
                self._bad.append((self._line_no, "the line contains a NUL byte; is this a binary file?"))
                text = text.replace("\x00", "")
            yield text

    def _strip_bom(self, raw: bytes) -> bytes:
        if raw.startswith(codecs.BOM_UTF8):
            return raw[3:]
        if raw.startswith(
            (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        ):
            raise FileProblem(
                "the file is UTF-16 or UTF-32 encoded; save it as UTF-8 CSV and import it again"
            )
        return raw

    def _read_header(self) -> list[str]:
        try:
            header = next(self._reader, None)
        except csv.Error as exc:
            raise FileProblem(f"the header row cannot be read as CSV: {exc}") from None
        if header is None or not any(cell.strip() for cell in header):
            raise FileProblem("the file is empty: it needs a header row naming the columns, then data rows")
        if self._bad and self._bad[0][0] == 1:
            raise FileProblem(f"the header row cannot be read: {self._bad[0][1]}")
        names = [cell.strip() for cell in header]
        seen: set[str] = set()
        for index, name in enumerate(names):
            if not name:
                names[index] = f"column_{index + 1}"
            if names[index].lower() in seen:
                raise FileProblem(
                    f"the header names column {names[index]!r} twice; column names must be unique"
                )
            seen.add(names[index].lower())
        self._consumed = self._reader.line_num
        return names

    def __iter__(self) -> Iterator[Record]:
        width = len(self.header)
        while True:
            start = self._consumed + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self._consumed = self._reader.line_num
                yield Record(start, [], f"the row cannot be read as CSV: {exc}")
                continue
            self._consumed = self._reader.line_num
            error = None
            while self._bad and self._bad[0][0] <= self._consumed:
                _line, reason = self._bad.popleft()
                error = error or reason
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # blank line
            if len(cells) != width:
                extra = cells[width:]
                if len(cells) > width and not any(c.strip() for c in extra):
                    cells = cells[:width]
                elif error is None:
                    error = f"the row has {len(cells)} cells but the header has {width} columns"
            yield Record(start, cells, error)
