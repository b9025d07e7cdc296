"""`python -m benchmarks`: finds the benchmark modules, refuses unknown names, prints figures as a table."""

import pytest

from benchmarks import figure, ratio
from benchmarks.__main__ import available, load, main, normalise, table


def test_benchmark_modules_are_found_and_helpers_are_not() -> None:
    names = available()
    assert "login" in names
    assert not any(name.startswith("_") for name in names)
    assert callable(load("login"))


def test_unknown_benchmark_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-benchmark"])
    assert exit_info.value.code == 2
    assert "unknown benchmark(s) no-such-benchmark" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (figure(1234.5, "req/s", "n"), ("1,234", "req/s", "n")),
        ((0.0421, "s"), ("0.0421", "s", "")),
        (12, ("12", "", "")),
        ("text", ("text", "", "")),
        (ratio(1.0, 4.0), ("0.25", "x", "")),
        (ratio(1.0, 0.0), ("0", "x", "")),
    ],
)
def test_figures_in_any_accepted_form(value: object, expected: tuple[str, str, str]) -> None:
    assert normalise(value) == expected


def test_table_lines_up_the_columns() -> None:
    text = table("demo", 2.5, {"rows per second": figure(51234.0, "rows/s"), "vs baseline": ratio(3, 2)})
    lines = text.splitlines()
    assert lines[0] == "== demo (2.5 s)"
    assert lines[1].split() == ["figure", "value", "unit", "note"]
    assert lines[3].split()[-2:] == ["51,234", "rows/s"]
    assert lines[4].split()[-2:] == ["1.50", "x"]
    assert len({line.index(line.split()[-1]) for line in lines[3:5]}) == 1, "units start in the same column"


def test_percentile_of_many_one_and_no_samples() -> None:
    from benchmarks import percentile

    assert percentile([float(v) for v in range(1, 102)], 50) == 51.0
    assert percentile([7.0], 95) == 7.0 and percentile([], 95) == 0.0
