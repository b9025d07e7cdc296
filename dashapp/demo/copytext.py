"""Vectorised formatting of PostgreSQL COPY text rows.

Building millions of lines with Python string formatting costs a few microseconds a row, more than
PostgreSQL needs to ingest them. `Lines` instead lays every row out in one byte buffer with numpy:
each field is a *segment* whose per-row length is known up front (the digits of an integer, a word from
a vocabulary, a constant), so the offset of every segment of every row is one cumulative sum, and each
segment is then written with a handful of whole-array scatter operations.

Values are never escaped: vocabularies are checked once (`Vocabulary`) to hold no character COPY text
treats specially, and integers are digits. `\\N` writes NULL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_FORBIDDEN = ("\t", "\n", "\r", "\\")
_POW10 = 10 ** np.arange(19, dtype=np.int64)
NULL = "\\N"


def _digits(values: np.ndarray) -> np.ndarray:
    """Number of decimal digits of non-negative integers (0 has one)."""
    return np.searchsorted(_POW10, values, side="right").clip(1).astype(np.int64)


@dataclass(frozen=True)
class Vocabulary:
    """A list of strings stored as one flat byte array plus offsets, for per-row lookups by code."""

    flat: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, words: Sequence[str]) -> Vocabulary:
        encoded = []
        for word in words:
            if any(ch in word for ch in _FORBIDDEN):
                raise ValueError(f"{word!r} holds a character COPY text would need escaped")
            encoded.append(word.encode())
        lengths = np.fromiter((len(w) for w in encoded), dtype=np.int64, count=len(encoded))
        starts = np.zeros(len(encoded), dtype=np.int64)
        if len(encoded) > 1:
            np.cumsum(lengths[:-1], out=starts[1:])
        flat = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
        return cls(flat=flat, starts=starts, lengths=lengths)

    @classmethod
    def of_array(cls, words: np.ndarray) -> Vocabulary:
        """The same from a numpy array of str, without a Python loop over its items."""
        encoded = np.strings.encode(np.asarray(words, dtype=str), "utf-8")
        width = encoded.dtype.itemsize
        lengths = np.strings.str_len(encoded).astype(np.int64)
        if width == 0 or len(encoded) == 0:
            return cls(flat=np.zeros(1, np.uint8), starts=np.zeros(len(encoded), np.int64), lengths=lengths)
        matrix = encoded.view(np.uint8).reshape(len(encoded), width)
        flat = matrix[np.arange(width)[None, :] < lengths[:, None]]
        for ch in _FORBIDDEN:
            if (flat == ord(ch)).any():
                raise ValueError(f"a word holds {ch!r}, which COPY text would need escaped")
        starts = np.zeros(len(encoded), dtype=np.int64)
        if len(encoded) > 1:
            np.cumsum(lengths[:-1], out=starts[1:])
        return cls(flat=flat, starts=starts, lengths=lengths)

    def __len__(self) -> int:
        return len(self.lengths)


class Lines:
    """Rows of COPY text built column by column; `tobytes()` lays them out.

    Each method appends one segment. `where` (a boolean array) limits a segment to some rows: the others
    get nothing (or `\\N` with `null_where`), which is how optional JSON keys and NULLs are written.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._segments: list[tuple[np.ndarray, str, tuple]] = []

    # --- segments -------------------------------------------------------------------------------
    def text(self, value: str, where: np.ndarray | None = None) -> Lines:
        raw = value.encode()
        if any(ch in value for ch in _FORBIDDEN) and value not in ("\t", "\n", NULL):
            raise ValueError(f"{value!r} would need escaping")
        length = np.full(self.n, len(raw), dtype=np.int64)
        if where is not None:
            length = np.where(where, length, 0)
        self._segments.append((length, "text", (np.frombuffer(raw, dtype=np.uint8), where)))
        return self

    def int(self, values: np.ndarray, where: np.ndarray | None = None) -> Lines:
        """Non-negative integers in decimal."""
        values = np.asarray(values, dtype=np.int64)
        if values.size and values.min() < 0:
            raise ValueError("Lines.int writes non-negative integers only")
        length = _digits(values)
        if where is not None:
            length = np.where(where, length, 0)
        self._segments.append((length, "int", (values, where)))
        return self

    def fixed(self, values: np.ndarray, width: int, where: np.ndarray | None = None) -> Lines:
        """Non-negative integers zero-padded to `width` digits (times, cents)."""
        values = np.asarray(values, dtype=np.int64)
        length = np.full(self.n, width, dtype=np.int64)
        if where is not None:
            length = np.where(where, length, 0)
        self._segments.append((length, "fixed", (values, width, where)))
        return self

    def word(self, codes: np.ndarray, vocabulary: Vocabulary, where: np.ndarray | None = None) -> Lines:
        """`vocabulary[codes[i]]` for each row."""
        codes = np.asarray(codes, dtype=np.int64)
        length = vocabulary.lengths[codes]
        if where is not None:
            length = np.where(where, length, 0)
        self._segments.append((length, "word", (codes, vocabulary, where)))
        return self

    def int_or_null(self, values: np.ndarray, present: np.ndarray) -> Lines:
        self.int(np.where(present, values, 0), where=present)
        return self.text(NULL, where=~present)

    def word_or_null(self, codes: np.ndarray, vocabulary: Vocabulary, present: np.ndarray) -> Lines:
        self.word(np.where(present, codes, 0), vocabulary, where=present)
        return self.text(NULL, where=~present)

    def tab(self) -> Lines:
        return self.text("\t")

    # --- layout ---------------------------------------------------------------------------------
    def tobytes(self) -> bytes:
        if self.n == 0:
            return b""
        lengths = np.stack([seg[0] for seg in self._segments] + [np.ones(self.n, dtype=np.int64)])
        row_len = lengths.sum(axis=0)
        row_start = np.zeros(self.n, dtype=np.int64)
        np.cumsum(row_len[:-1], out=row_start[1:])
        buf = np.empty(int(row_len.sum()), dtype=np.uint8)
        offset = row_start.copy()
        for length, kind, args in self._segments:
            _WRITERS[kind](buf, offset, length, *args)
            offset += length
        buf[offset] = ord("\n")
        return buf.tobytes()


def _write_text(buf, offset, length, raw, where) -> None:
    at = offset if where is None else offset[where]
    for j, byte in enumerate(raw.tolist()):
        buf[at + j if j else at] = byte


def _write_int(buf, offset, length, values, where) -> None:
    if where is not None:
        offset, length, values = offset[where], length[where], values[where]
    # Unsigned 32-bit division by a constant is several times faster than 64-bit.
    rest = values.astype(np.uint32) if values.size and values.max() < 2**32 else values
    end = offset + length - 1
    k = 0
    while True:
        quotient = rest // 10
        buf[end - k if k else end] = (rest - quotient * 10).astype(np.uint8) + 48
        k += 1
        keep = length > k
        if not keep.any():
            break
        if not keep.all():
            end, length, quotient = end[keep], length[keep], quotient[keep]
        rest = quotient


def _write_fixed(buf, offset, length, values, width, where) -> None:
    if where is not None:
        offset, values = offset[where], values[where]
    rest = values.astype(np.uint32) if values.size and values.max() < 2**32 else values
    for k in range(width):
        quotient = rest // 10
        buf[offset + (width - 1 - k)] = (rest - quotient * 10).astype(np.uint8) + 48
        rest = quotient


def _write_word(buf, offset, length, codes, vocabulary: Vocabulary, where) -> None:
    if where is not None:
        offset, length, codes = offset[where], length[where], codes[where]
    total = int(length.sum())
    if total == 0:
        return
    src = vocabulary.starts[codes]
    # Ragged gather: for each row, `length` bytes from `src` to `offset`.
    row_first = np.zeros(len(length), dtype=np.int64)
    np.cumsum(length[:-1], out=row_first[1:])
    within = np.arange(total, dtype=np.int64) - np.repeat(row_first, length)
    buf[np.repeat(offset, length) + within] = vocabulary.flat[np.repeat(src, length) + within]


_WRITERS = {"text": _write_text, "int": _write_int, "fixed": _write_fixed, "word": _write_word}
