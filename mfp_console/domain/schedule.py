"""The ``<Set Auto Distribution>`` schedule as data (DID-21) and its cron fields (DID-22).

An :class:`AutoDistribution` is what the host saves after ``<OK>``: the mode, the start times, the
categories and the destinations. :meth:`AutoDistribution.cron_fields` turns the start times into the
keyword arguments of APScheduler cron triggers, one per distinct minute of the day, so that two slots
set to the same minute fire once (DID-22). The engine builds the triggers; this module does not import
APScheduler. Weekdays are named (``"sun"``), never numbered, because APScheduler counts Monday as 0.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mfp_console.domain.device_info import Category
from mfp_console.errors import RuleRefusal

__all__ = [
    "MAX_SLOTS",
    "WEEKDAYS",
    "AutoDistribution",
    "ScheduleMode",
    "format_start_time",
    "parse_start_time",
]

MAX_SLOTS = 5
"""Start times per day: ``<Everyday>`` 1–5, ``<Specify Days>`` 1–5 per weekday (DID-21)."""

WEEKDAYS: tuple[str, ...] = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
"""The panel's weekday labels, in the panel's order."""

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class ScheduleMode(enum.Enum):
    """``<Set Auto Distribution>`` modes; the value is the panel label."""

    OFF = "Off"
    EVERYDAY = "Everyday"
    SPECIFY_DAYS = "Specify Days"


def parse_start_time(text: str) -> tuple[int, int]:
    """Reads a start time typed on the panel: exactly four digits, 24-hour, ``0000``–``2359`` (DID-21).

    Returns:
        ``(hour, minute)``.

    Raises:
        RuleRefusal: (``DID-21``) for anything else, e.g. ``705``, ``2400``, ``2360``, ``12a0`` or nothing.
    """
    value = text.strip()
    hint = "enter exactly four digits, 0000 to 2359 (e.g. 0300 for 3:00 a.m.)"
    if not value:
        raise RuleRefusal(f"Start time is empty; {hint}", "DID-21")
    if not all(ch in "0123456789" for ch in value):
        raise RuleRefusal(f"Start time {text!r} has characters other than digits; {hint}", "DID-21")
    if len(value) != 4:
        extra = f" (did you mean {value.zfill(4)}?)" if len(value) < 4 else ""
        raise RuleRefusal(
            f"Start time {value!r} has {len(value)} digits; {hint}{extra}", "DID-21"
        )
    hour, minute = int(value[:2]), int(value[2:])
    if hour > 23:
        raise RuleRefusal(f"Start time {value}: hours go from 00 to 23; {hint}", "DID-21")
    if minute > 59:
        raise RuleRefusal(f"Start time {value}: minutes go from 00 to 59; {hint}", "DID-21")
    return hour, minute


def format_start_time(hour: int, minute: int) -> str:
    """Formats a start time the way the panel shows it, e.g. ``(3, 5)`` → ``"0305"``."""
    return f"{hour:02d}{minute:02d}"


def _check_slots(slots: Sequence[str], where: str) -> tuple[str, ...]:
    if len(slots) > MAX_SLOTS:
        raise RuleRefusal(
            f"{where} has {len(slots)} start times; at most {MAX_SLOTS} can be set", "DID-21"
        )
    return _trim(tuple(format_start_time(*parse_start_time(s)) if s.strip() else "" for s in slots))


def _trim(slots: tuple[str, ...]) -> tuple[str, ...]:
    while slots and not slots[-1]:
        slots = slots[:-1]
    return slots


@dataclass(frozen=True)
class AutoDistribution:
    """A saved ``<Set Auto Distribution>`` setting (DID-21).

    Attributes:
        mode: ``<Off>``, ``<Everyday>`` or ``<Specify Days>``.
        everyday: Start times (``"HHMM"``) for ``<Everyday>`` slots 1–5 in slot order; ``""`` is an
            empty slot (trailing empty slots are dropped).
        days: Start times for ``<Sun>`` … ``<Sat>`` (seven tuples), slots 1–5 each, as ``everyday``.
        categories: The categories to distribute.
        include_network: ``<Network Settings>`` ``<Include>`` (DID-03).
        destinations: Names of the registered destinations to distribute to, in list order.

    Raises:
        RuleRefusal: (``DID-21``) when a start time is malformed or a day has more than five.
    """

    mode: ScheduleMode = ScheduleMode.OFF
    everyday: tuple[str, ...] = ()
    days: tuple[tuple[str, ...], ...] = field(default=((),) * 7)
    categories: frozenset[Category] = frozenset()
    include_network: bool = False
    destinations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"days must hold seven lists (Sun..Sat), got {len(self.days)}")
        # Normalize to the panel's "HHMM" form; validation raises on the first bad slot.
        object.__setattr__(self, "everyday", _check_slots(self.everyday, "<Everyday>"))
        object.__setattr__(
            self,
            "days",
            tuple(_check_slots(slots, f"<{day}>") for day, slots in zip(WEEKDAYS, self.days)),
        )
        object.__setattr__(self, "destinations", tuple(self.destinations))
        object.__setattr__(self, "categories", frozenset(self.categories))

    # --- building it the way the panel does -------------------------------------------------------

    def with_everyday_slot(self, slot: int, start: str | None) -> AutoDistribution:
        """Returns a copy with ``<Everyday>`` slot ``slot`` (1–5) set to ``start``, or cleared by None."""
        return replace(self, everyday=_set_slot(self.everyday, slot, start))

    def with_day_slot(self, day: str, slot: int, start: str | None) -> AutoDistribution:
        """Returns a copy with slot ``slot`` (1–5) of weekday ``day`` (``"Sun"``…) set or cleared."""
        index = _weekday_index(day)
        days = list(self.days)
        days[index] = _set_slot(days[index], slot, start)
        return replace(self, days=tuple(days))

    def slots_for(self, day: str) -> tuple[str, ...]:
        """The start times that apply on weekday ``day`` under the current mode."""
        if self.mode is ScheduleMode.EVERYDAY:
            return self.everyday
        if self.mode is ScheduleMode.SPECIFY_DAYS:
            return self.days[_weekday_index(day)]
        return ()

    def check_complete(self) -> None:
        """Refuses a schedule that cannot be saved with ``<OK>``: a mode without times or without
        categories or destinations.

        Raises:
            RuleRefusal: (``DID-21``) naming what is missing.
        """
        if self.mode is ScheduleMode.OFF:
            return
        if not self.cron_fields():
            raise RuleRefusal(f"<{self.mode.value}> needs at least one start time", "DID-21")
        if not self.categories:
            raise RuleRefusal("Set at least one category to <On> for auto distribution", "DID-21")
        if not self.destinations:
            raise RuleRefusal("Select at least one destination for auto distribution", "DID-21")

    # --- for the engine ------------------------------------------------------------------------------

    def cron_fields(self) -> list[dict[str, Any]]:
        """Returns one set of CronTrigger keyword arguments per distinct start minute (DID-22).

        Slots at the same minute are merged, across slots and across weekdays: ``day_of_week`` lists
        every day that minute applies to (``"*"`` when it applies every day). Sorted by time.

        Returns:
            E.g. ``[{"day_of_week": "mon,wed", "hour": 3, "minute": 0}]``; empty for ``<Off>``.
        """
        by_minute: dict[tuple[int, int], set[int]] = {}
        for index, day in enumerate(WEEKDAYS):
            for start in filter(None, self.slots_for(day)):
                by_minute.setdefault(parse_start_time(start), set()).add(index)
        fields: list[dict[str, Any]] = []
        for (hour, minute), days in sorted(by_minute.items()):
            day_of_week = "*" if len(days) == 7 else ",".join(_CRON_DAYS[i] for i in sorted(days))
            fields.append({"day_of_week": day_of_week, "hour": hour, "minute": minute})
        return fields

    def to_json(self) -> dict[str, Any]:
        """Encodes the schedule."""
        return {
            "mode": self.mode.value,
            "everyday": list(self.everyday),
            "days": {day: list(slots) for day, slots in zip(WEEKDAYS, self.days)},
            "categories": [c.value for c in Category if c in self.categories],
            "include_network": self.include_network,
            "destinations": list(self.destinations),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AutoDistribution:
        """Decodes a schedule; raises ``KeyError``/``ValueError``/``RuleRefusal`` on bad data."""
        days = data["days"]
        return cls(
            mode=ScheduleMode(data["mode"]),
            everyday=tuple(str(s) for s in data["everyday"]),
            days=tuple(tuple(str(s) for s in days.get(day, ())) for day in WEEKDAYS),
            categories=frozenset(Category(c) for c in data["categories"]),
            include_network=bool(data["include_network"]),
            destinations=tuple(str(d) for d in data["destinations"]),
        )


def _weekday_index(day: str) -> int:
    wanted = day.strip().strip("<>").casefold()
    for index, name in enumerate(WEEKDAYS):
        if name.casefold() == wanted:
            return index
    raise ValueError(f"unknown weekday {day!r}; use one of {', '.join(WEEKDAYS)}")


def _set_slot(slots: tuple[str, ...], slot: int, start: str | None) -> tuple[str, ...]:
    """Sets or clears a 1-based slot; other slots keep their numbers (an empty slot is ``""``)."""
    if not 1 <= slot <= MAX_SLOTS:
        raise RuleRefusal(f"Slot {slot} does not exist; slots are 1 to {MAX_SLOTS}", "DID-21")
    values = [*slots, *([""] * (MAX_SLOTS - len(slots)))]
    values[slot - 1] = "" if start is None else format_start_time(*parse_start_time(start))
    return _trim(tuple(values))
