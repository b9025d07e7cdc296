"""The vectorised COPY text formatter writes exactly what Python's own formatting would."""

import numpy as np
import pytest

from dashapp.demo.calendar import add_months, anniversaries_between
from dashapp.demo.copytext import Lines, Vocabulary


def test_integers_words_nulls_and_fixed_widths_match_python_formatting() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    ints = np.concatenate([[0, 9, 10, 99, 100, 2**31, 2**40], rng.integers(0, 10**12, n - 7)])
    words = ["alpha", "", "béta", "gamma delta"]
    codes = rng.integers(0, len(words), n)
    present = rng.random(n) < 0.7
    small = rng.integers(0, 100, n)

    lines = Lines(n).int(ints).tab().word(codes, Vocabulary.of(words)).tab().int_or_null(small, present)
    lines.tab().fixed(small, 2).text("x", where=present).text("\n")
    got = lines.tobytes().decode()

    expected = "".join(
        f"{i}\t{words[c]}\t{s if p else chr(92) + 'N'}\t{s:02d}{'x' if p else ''}\n\n"
        for i, c, s, p in zip(ints.tolist(), codes.tolist(), small.tolist(), present.tolist(), strict=True)
    )
    assert got == expected


def test_vocabulary_from_array_equals_vocabulary_from_list() -> None:
    words = np.array(["ACME-000001", "zürich.example.com", "", "x"])
    a, b = Vocabulary.of(list(words)), Vocabulary.of_array(words)
    assert a.flat[: a.lengths.sum()].tobytes() == b.flat[: b.lengths.sum()].tobytes()
    assert a.lengths.tolist() == b.lengths.tolist()


@pytest.mark.parametrize("bad", ["tab\there", "new\nline", "back\\slash"])
def test_words_copy_would_need_escaped_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="escap"):
        Vocabulary.of(["fine", bad])
    with pytest.raises(ValueError, match="escap"):
        Vocabulary.of_array(np.array(["fine", bad]))


def test_negative_integers_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        Lines(2).int(np.array([1, -1]))


def test_empty_lines_give_an_empty_payload() -> None:
    assert Lines(0).int(np.array([], dtype=np.int64)).tobytes() == b""


def test_add_months_clips_to_the_end_of_the_month() -> None:
    days = np.array(["2025-01-31", "2024-01-31", "2025-03-15", "2025-12-31"], dtype="datetime64[D]")
    got = add_months(days, np.array([1, 1, -1, 2]))
    assert got.astype(str).tolist() == ["2025-02-28", "2024-02-29", "2025-02-15", "2026-02-28"]


def test_anniversaries_between_counts_renewals_in_a_range() -> None:
    start = np.array(["2023-03-10", "2025-01-31", "2025-06-01"], dtype="datetime64[D]")
    term = np.array([12, 1, 12])
    lo = np.array(["2024-01-01", "2025-02-01", "2025-06-02"], dtype="datetime64[D]")
    hi = np.array(["2025-12-31", "2025-05-31", "2026-05-31"], dtype="datetime64[D]")
    first, count = anniversaries_between(start, term, lo, hi)
    assert count.tolist() == [2, 4, 0]  # 2024-03-10 and 2025-03-10; Feb 28, Mar 31, Apr 30, May 31
    assert add_months(start[:2], first[:2] * term[:2]).astype(str).tolist() == ["2024-03-10", "2025-02-28"]
