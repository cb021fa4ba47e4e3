"""``<Set Auto Distribution>`` at work: fire the saved distribution at each set time (DID-21, DID-22).

APScheduler's cron triggers compute the fire times; the fleet's clock decides when "now" is (APScheduler's
own schedulers read the wall clock and drop jobs whose time a virtual jump passed). One timer is pending
per host at a time: when it fires, the job starts (unless the host is off or a run is still going, which
is logged and skipped) and the next time is computed from the fired one. Missed destinations are not
retried: they wait for the next set time like every other destination (DID-22).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.machine import PowerState
from mfp_console.domain.schedule import AutoDistribution, ScheduleMode
from mfp_console.engine.cron_timer import CronTimer, next_cron_time
from mfp_console.engine.events import ScheduleFired

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine
    from mfp_console.engine.runtime import Runtime

__all__ = ["AUTO_DISTRIBUTION_KEY", "AutoDistributionTimer", "next_fire_time"]

AUTO_DISTRIBUTION_KEY = "auto_distribution"
_log = logging.getLogger(__name__)


def next_fire_time(schedule: AutoDistribution, after: datetime) -> datetime | None:
    """The first set time strictly after ``after`` (slots at the same minute count once, DID-22)."""
    if schedule.mode is ScheduleMode.OFF:
        return None
    return next_cron_time(schedule.cron_fields(), after)


class AutoDistributionTimer(CronTimer):
    """Keeps one pending clock timer for a host's saved auto distribution.

    Args:
        runtime: The fleet's clock and bus.
        host: The distributing machine.
        running_job: The job number of the host's running distribution (None when none runs).
        start_job: Starts the saved distribution (categories, destinations, network settings).
    """

    def __init__(self, runtime: Runtime, host: Machine, running_job: Callable[[], int | None],
                 start_job: Callable[[AutoDistribution], object]) -> None:
        super().__init__(runtime.clock, f"{host.name} auto distribution")
        self.runtime = runtime
        self.host = host
        self._running_job = running_job
        self._start_job = start_job

    def schedule(self) -> AutoDistribution:
        """The host's saved schedule (``<Off>`` when none)."""
        data = self.host.store.get_config(AUTO_DISTRIBUTION_KEY)
        return AutoDistribution.from_json(data) if data else AutoDistribution()

    def next_after(self, after: datetime) -> datetime | None:
        return next_fire_time(self.schedule(), after)

    def fire(self, when: datetime) -> None:
        slot = f"{when:%a %H%M}"
        skipped = self._skip_reason()
        self.runtime.bus.publish(ScheduleFired(at=self.runtime.clock.now(), machine=self.host.name, slot=slot,
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
            self._start_job(self.schedule())

    def _skip_reason(self) -> str:
        if self.host.state.power is PowerState.OFF:
            return "the host is off"
        job_id = self._running_job()
        if job_id is not None:
            return f"distribution #{job_id} is still running"
        return ""
