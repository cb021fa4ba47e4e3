"""A clock timer that follows a cron-like schedule: the shared machinery of auto distribution and sync backup.

APScheduler's :class:`CronTrigger` only does the maths (the next fire time after a moment); the fleet's
:class:`~mfp_console.clock.Clock` decides when "now" is. One timer is pending at a time: when it fires,
the subclass does its work and the next time is computed from the fired one, so a jump of virtual time
fires every due slot in order and none twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from mfp_console.clock import Clock, TimerHandle

__all__ = ["CronTimer", "next_cron_time"]


def next_cron_time(fields: Iterable[Mapping[str, Any]], after: datetime) -> datetime | None:
    """The earliest fire time strictly after ``after`` among several sets of CronTrigger fields."""
    best: datetime | None = None
    probe = after + timedelta(microseconds=1)
    for one in fields:
        when = _cron_trigger()(timezone=after.tzinfo, second=0, **one).get_next_fire_time(None, probe)
        if when is not None and (best is None or when < best):
            best = when
    return best


class CronTimer:
    """Keeps one pending clock timer; subclasses say when (:meth:`next_after`) and what (:meth:`fire`)."""

    def __init__(self, clock: Clock, label: str) -> None:
        self._clock = clock
        self._label = label
        self.handle: TimerHandle | None = None

    def next_after(self, after: datetime) -> datetime | None:  # pragma: no cover - abstract
        """The next fire time after ``after`` (None when the schedule is off)."""
        raise NotImplementedError

    def fire(self, when: datetime) -> None:  # pragma: no cover - abstract
        """Does the scheduled work for the slot at ``when``."""
        raise NotImplementedError

    def rearm(self, after: datetime | None = None) -> datetime | None:
        """Cancels the pending timer and sets the next one; returns its time."""
        self.stop()
        when = self.next_after(after or self._clock.now())
        if when is not None:
            self.handle = self._clock.call_at(when, lambda: self._fired(when), f"{self._label} {when:%a %H:%M}")
        return when

    def stop(self) -> None:
        """Cancels the pending timer."""
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None

    @property
    def next_time(self) -> datetime | None:
        """When the timer fires next."""
        return self.handle.when if self.handle is not None else None

    def _fired(self, when: datetime) -> None:
        self.handle = None
        try:
            self.fire(when)
        finally:
            self.rearm(when)


def _cron_trigger() -> Any:
    """APScheduler's CronTrigger, imported on the first schedule computed (not on the panel's start-up)."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger
