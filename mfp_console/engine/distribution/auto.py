"""``<Set Auto Distribution>`` at work: fire the saved distribution at each set time (DID-21, DID-22).

APScheduler's cron triggers compute the fire times; the fleet's clock decides when "now" is (APScheduler's
own schedulers read the wall clock and drop jobs whose time a virtual jump passed). One timer is pending
per host at a time: when it fires, the job starts (unless the host is off or a run is still going, which
is logged and skipped) and the next time is computed from the fired one. Missed destinations are not
retried: they wait for the next set time like every other destination (DID-22).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from mfp_console.domain.machine import PowerState
from mfp_console.domain.schedule import AutoDistribution, ScheduleMode
from mfp_console.engine.cron_timer import CronTimer, next_cron_time
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
    return next_cron_time(schedule.cron_fields(), after)


class AutoDistributionTimer(CronTimer):
    """Keeps one pending clock timer for a host's saved auto distribution."""

    def __init__(self, fleet: Fleet, host: Machine) -> None:
        super().__init__(fleet.clock, f"{host.name} auto distribution")
        self.fleet = fleet
        self.host = host

    def schedule(self) -> AutoDistribution:
        """The host's saved schedule (``<Off>`` when none)."""
        data = self.host.store.get_config(AUTO_DISTRIBUTION_KEY)
        return AutoDistribution.from_json(data) if data else AutoDistribution()

    def next_after(self, after: datetime) -> datetime | None:
        return next_fire_time(self.schedule(), after)

    def fire(self, when: datetime) -> None:
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

    def _skip_reason(self) -> str:
        if self.host.state.power is PowerState.OFF:
            return "the host is off"
        job = self.fleet.current_job(self.host.name)
        if job is not None:
            return f"distribution #{job.job_id} is still running"
        return ""
