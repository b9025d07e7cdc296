"""Value parsers shared by every way data comes in (Segment traits, CSV cells, webhook fields).

Each takes a raw value (a CSV string or a JSON scalar) and returns the typed value, or raises `ValueError`
whose message says what is wrong in words a user can act on. Blank strings mean "no value" (None).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from models.account import LIFECYCLE_STAGES, SEGMENTS

_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
MAX_MONEY = Decimal("999999999999.99")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def text(value: Any, max_length: int = 255) -> str | None:
    if type(value) is str:  # the common case (every CSV cell), without the general checks
        stripped = value.strip()
        if not stripped:
            return None
        if len(stripped) <= max_length:
            return stripped
    if blank(value):
        return None
    if isinstance(value, dict | list):
        raise ValueError("expected text, got a JSON object or list")
    result = str(value).strip()
    if len(result) > max_length:
        raise ValueError(f"is {len(result)} characters long; at most {max_length} are allowed")
    return result


def long_text(value: Any) -> str | None:
    return text(value, max_length=100_000)


def decimal(value: Any, *, minimum: Decimal | None = None, allow_negative: bool = True) -> Decimal | None:
    """Numbers like 1234.5, 1,234.50 or a JSON number; two decimal places are kept exactly."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("expected a number, got true/false")
    raw = str(value).strip()
    if _THOUSANDS.match(raw):
        raw = raw.replace(",", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{str(value)[:40]!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{str(value)[:40]!r} is not a finite number")
    if not allow_negative and number < 0:
        raise ValueError(f"{raw} is negative; it must be 0 or more")
    if minimum is not None and number < minimum:
        raise ValueError(f"{raw} is below the minimum {minimum}")
    if abs(number) > MAX_MONEY:
        raise ValueError(f"{raw} is too large")
    return number.quantize(Decimal("0.01"))


def money(value: Any) -> Decimal | None:
    return decimal(value, allow_negative=False)


def integer(value: Any, *, low: int | None = None, high: int | None = None) -> int | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got true/false")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{str(value)[:40]!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"{str(value)[:40]!r} is not a whole number")
    result = int(number)
    if (low is not None and result < low) or (high is not None and result > high):
        raise ValueError(f"{result} is out of range ({low}..{high})")
    return result


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 date-times ('2024-05-01T10:00:00Z', '2024-05-01 10:00', '2024-05-01'), or Unix seconds.

    Values without an offset are taken as UTC.
    """
    if blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{value} is not a valid Unix timestamp") from None
    raw = str(value).strip()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"{raw[:40]!r} is not a date-time; use ISO 8601 like 2024-05-01T10:00:00Z or 2024-05-01"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1900 <= parsed.year <= 2200:
        raise ValueError(f"{raw[:40]!r} has an implausible year")
    return parsed


def parse_date(value: Any) -> date | None:
    if blank(value):
        return None
    raw = str(value).strip()
    try:
        result = date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw).date()
    except ValueError:
        raise ValueError(f"{raw[:40]!r} is not a date; use ISO 8601 like 2024-05-01") from None
    if not 1900 <= result.year <= 2200:
        raise ValueError(f"{raw[:40]!r} has an implausible year")
    return result


CHURN_YES = frozenset({"1", "yes", "y", "true", "t", "churned"})
CHURN_NO = frozenset({"0", "no", "n", "false", "f", "active"})


def churn_flag(value: Any) -> datetime | bool | None:
    """A churn column as a per-customer table has it: yes/no, 1/0, true/false (True when churned, None
    when not), or the date it churned."""
    if blank(value):
        return None
    raw = str(value).strip().lower()
    if raw in CHURN_YES:
        return True
    if raw in CHURN_NO:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise ValueError(f"{str(value)[:40]!r} is not yes/no, 1/0, true/false or a date") from None


def date_as_datetime(value: Any) -> datetime | None:
    """A date-time column that also accepts plain dates (midnight UTC)."""
    parsed = parse_datetime(value)
    if parsed is None or isinstance(parsed, datetime):
        return parsed
    return datetime.combine(parsed, time(), UTC)  # pragma: no cover - fromisoformat returns datetimes


def email(value: Any) -> str | None:
    result = text(value, 320)
    if result is None:
        return None
    if not _EMAIL.match(result):
        raise ValueError(f"{result[:60]!r} is not an email address")
    return result.lower()


def currency(value: Any) -> str | None:
    result = text(value, 3)
    if result is None:
        return None
    if not _CURRENCY.match(result):
        raise ValueError(f"{result!r} is not a 3-letter currency code like USD")
    return result.upper()


def _choice(value: Any, choices: tuple[str, ...], what: str) -> str | None:
    result = text(value, 64)
    if result is None:
        return None
    normalised = result.lower().replace("_", "-").replace(" ", "-")
    if normalised not in choices:
        raise ValueError(f"{result!r} is not a {what}; use one of {', '.join(choices)}")
    return normalised


def segment(value: Any) -> str | None:
    return _choice(value, SEGMENTS, "segment")


def lifecycle_stage(value: Any) -> str | None:
    return _choice(value, LIFECYCLE_STAGES, "lifecycle stage")


def choice(choices: tuple[str, ...], what: str):
    def parse(value: Any) -> str | None:
        return _choice(value, choices, what)

    return parse


def domain(value: Any) -> str | None:
    """A bare host name: 'https://www.Example.com/about' -> 'example.com'."""
    result = text(value)
    if result is None:
        return None
    host = re.sub(r"^[a-z]+://", "", result.lower()).split("/")[0].split(":")[0]
    host = host.removeprefix("www.")
    if not host or " " in host:
        raise ValueError(f"{result[:60]!r} is not a domain name")
    return host
