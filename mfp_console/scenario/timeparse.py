"""Durations (``90s``, ``10m``, ``2h``, ``1d``, ``1h30m``) and moments (``2026-11-21T03:00``, ``03:00``).

Scenario time is always machine time on the fleet's virtual clock. A duration needs a unit: a bare number
is refused, because ``advance: 90`` reads as minutes to one person and seconds to the next. A moment is an
ISO date and time, or a time of day meaning "the next time the clock shows it".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from mfp_console.limits import DURATION_SECONDS

__all__ = ["DurationError", "Moment", "format_duration", "parse_duration", "parse_moment"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhd]\s*)+$")
_TIME_OF_DAY = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class DurationError(ValueError):
    """A duration or moment could not be read; the message says how to write it."""


def parse_duration(value: object) -> float:
    """Reads a duration in seconds.

    Accepts ``90s``, ``10m``, ``2h``, ``1d`` and sums such as ``1h30m`` or ``1d 2h``.

    Raises:
        DurationError: For a bare number, an unknown unit, a negative or an empty value, or one longer than
            :data:`~mfp_console.limits.DURATION_SECONDS` (366 days).
    """
    if isinstance(value, bool) or value is None:
        raise DurationError(f"a duration like 90s, 10m, 2h or 1d is needed, got {value!r}")
    if isinstance(value, (int, float)):
        raise DurationError(f"the duration {value!r} has no unit; write e.g. '{value}s', '{value}m' or '{value}h'")
    text = str(value).strip().lower()
    if not _WHOLE.match(text):
        raise DurationError(
            f"cannot read the duration {str(value)!r}; write a number and a unit: 90s, 10m, 2h, 1d (or 1h30m)"
        )
    seconds = float(sum(float(number) * _UNITS[unit] for number, unit in _PART.findall(text)))
    if not seconds <= DURATION_SECONDS:  # also refuses inf and nan: a number of 400 digits reads as inf
        shown = str(value).strip()
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        raise DurationError(
            f"the duration {shown!r} is longer than {DURATION_SECONDS // 86400} days, the most one step may "
            "take; split it into several steps"
        )
    return seconds


def format_duration(seconds: float) -> str:
    """Writes seconds the way a scenario would, e.g. ``5400`` → ``1h30m``."""
    whole = int(round(seconds))
    if whole == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


@dataclass(frozen=True)
class Moment:
    """A point the clock can go to: an absolute time, or the next occurrence of a time of day."""

    at: datetime | None = None
    time_of_day: time | None = None

    def resolve(self, now: datetime) -> datetime:
        """Returns the machine time this moment names, seen from ``now``."""
        if self.at is not None:
            return self.at if self.at.tzinfo else self.at.replace(tzinfo=now.tzinfo)
        assert self.time_of_day is not None
        candidate = datetime.combine(now.date(), self.time_of_day, tzinfo=now.tzinfo)
        if candidate <= now:
            candidate += timedelta(days=1)
        return candidate

    def __str__(self) -> str:
        if self.at is not None:
            return self.at.strftime("%Y-%m-%dT%H:%M")
        assert self.time_of_day is not None
        return self.time_of_day.strftime("%H:%M")


def parse_moment(value: object, tz: tzinfo, *, source_text: str = "", allow_time_of_day: bool = True) -> Moment:
    """Reads an ISO date-time (``2026-11-21T03:00``) or, when allowed, a time of day (``03:00``).

    Args:
        value: The YAML value (PyYAML turns ``2026-11-21 03:00:00`` into a datetime and ``21:00`` into the
            number 1260, so the text as written is consulted too).
        tz: The fleet's time zone for values written without an offset.
        source_text: The value as it stands in the file, when known.
        allow_time_of_day: False for the scenario's ``clock:``, which needs a full date.

    Raises:
        DurationError: When the value is no date-time.
    """
    written = source_text.strip() or str(value)
    match = _TIME_OF_DAY.match(written)
    if match and allow_time_of_day:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise DurationError(f"{written!r} is not a time of day (00:00 to 23:59)")
        return Moment(time_of_day=time(hour, minute))
    if isinstance(value, datetime):
        return Moment(at=value if value.tzinfo else value.replace(tzinfo=tz))
    if isinstance(value, date):
        return Moment(at=datetime.combine(value, time(0, 0), tzinfo=tz))
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return Moment(at=parsed if parsed.tzinfo else parsed.replace(tzinfo=tz))
    example = "2026-11-20T09:00" + (" or a time of day such as '03:00'" if allow_time_of_day else "")
    raise DurationError(f"cannot read the time {written!r}; write an ISO date and time such as {example}")
