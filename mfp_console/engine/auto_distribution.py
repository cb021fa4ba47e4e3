"""``<Set Auto Distribution>`` at work: fire the saved distribution at each set time (DID-21, DID-22).

APScheduler's cron triggers compute the fire times; the fleet's clock decides when "now" is (APScheduler's
own schedulers read the wall clock and drop jobs whose time a virtual jump passed). One timer is pending
per host at a time: when it fires, the job starts (unless the host is off or a run is still going, which
is logged and skipped) and the next time is computed from the fired one. Missed destinations are not
retried: they wait for the next set time like every other destination (DID-22).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger

from mfp_console.clock import TimerHandle
from mfp_console.domain.machine import PowerState
from mfp_console.domain.schedule import AutoDistribution, ScheduleMode
from mfp_console.engine.events import ScheduleFired
from mfp_console.store.communication_log import LogEntry

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet
    from mfp_console.engine.machine import Machine

__all__ = ["AUTO_DISTRIBUTION_KEY", "AutoDistributionTimer", "next_fire_time"]

AUTO_DISTRIBUTION_KEY = "auto_distribution"
_log = logging.getLogger(__name__)


def next_fire_time(schedule: AutoDistribution, after: datetime) -> datetime | None:
    """The first set time strictly after ``after`` (slots at the same minute count once, DID-22)."""
    if schedule.mode is ScheduleMode.OFF:
        return None
    best: datetime | None = None
    probe = after + timedelta(microseconds=1)
    for fields in schedule.cron_fields():
        trigger = CronTrigger(timezone=after.tzinfo, second=0, **fields)
        when = trigger.get_next_fire_time(None, probe)
        if when is not None and (best is None or when < best):
            best = when
    return best


class AutoDistributionTimer:
    """Keeps one pending clock timer for a host's saved auto distribution."""

    def __init__(self, fleet: Fleet, host: Machine) -> None:
        self.fleet = fleet
        self.host = host
        self.handle: TimerHandle | None = None

    def schedule(self) -> AutoDistribution:
        """The host's saved schedule (``<Off>`` when none)."""
        data = self.host.store.get_config(AUTO_DISTRIBUTION_KEY)
        return AutoDistribution.from_json(data) if data else AutoDistribution()

    def rearm(self, after: datetime | None = None) -> datetime | None:
        """Cancels the pending timer and sets the next one; returns its time."""
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None
        when = next_fire_time(self.schedule(), after or self.fleet.clock.now())
        if when is not None:
            self.handle = self.fleet.clock.call_at(
                when, lambda: self._fire(when), f"{self.host.name} auto distribution {when:%a %H:%M}"
            )
        return when

    def stop(self) -> None:
        """Cancels the pending timer."""
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None

    @property
    def next_time(self) -> datetime | None:
        """When the next auto distribution is due."""
        return self.handle.when if self.handle is not None else None

    def _fire(self, when: datetime) -> None:
        self.handle = None
        slot = f"{when:%a %H%M}"
        skipped = self._skip_reason()
        self.fleet.bus.publish(ScheduleFired(at=self.fleet.clock.now(), machine=self.host.name, slot=slot,
                                             skipped=skipped))
        if skipped:
            _log.info("%s: auto distribution at %s skipped: %s", self.host.name, slot, skipped)
            try:
                self.host.store.append_log(
                    LogEntry(when, when, "Auto", "", (), "NG", "", f"auto distribution at {slot} skipped: {skipped}")
                )
            except Exception:
                pass
        else:
            schedule = self.schedule()
            self.fleet.start_distribution_job(
                self.host.name,
                categories=schedule.categories,
                destinations=schedule.destinations,
                include_network=schedule.include_network,
                trigger="auto",
            )
        self.rearm(when)

    def _skip_reason(self) -> str:
        if self.host.state.power is PowerState.OFF:
            return "the host is off"
        job = self.fleet.current_job(self.host.name)
        if job is not None:
            return f"distribution #{job.job_id} is still running"
        return ""
