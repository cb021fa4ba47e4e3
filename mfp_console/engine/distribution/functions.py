"""The two distribution functions of a machine: the host's sender and the client's receiver (M-01)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mfp_console.domain.schedule import AutoDistribution
from mfp_console.engine.distribution.auto import AutoDistributionTimer
from mfp_console.engine.distribution.forecast import serve_forecast
from mfp_console.engine.distribution.job import DistributionJob
from mfp_console.engine.distribution.receiver import serve_distribution
from mfp_console.engine.net.channel import Channel
from mfp_console.engine.views import JobStatus
from mfp_console.protocol.messages import Hello, Purpose, Welcome

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine
    from mfp_console.engine.runtime import Runtime

__all__ = ["DistributionReceiver", "DistributionSender"]


class DistributionReceiver:
    """The client function: answers conversations of purpose ``distribution`` (DID-08…DID-20), and the
    emulator's pre-flight checks (purpose ``forecast``), which only a machine that receives can answer."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        machine.responders[Purpose.DISTRIBUTION.value] = self.serve
        machine.responders[Purpose.FORECAST.value] = self.forecast

    async def serve(self, channel: Channel, hello: Hello, welcome: Welcome) -> None:
        """Serves one distribution from a host."""
        await serve_distribution(self.machine, channel, hello, welcome)

    async def forecast(self, channel: Channel, hello: Hello, welcome: Welcome) -> None:
        """Answers one pre-flight check from a host, changing nothing."""
        await serve_forecast(self.machine, channel, hello, welcome)

    def start(self) -> None:
        """Nothing to resume: the listener brings the next distribution."""

    def stop(self) -> None:
        """Nothing to end: the machine cancels the conversation it is serving (DID-12)."""

    def close(self) -> None:
        """Nothing to release."""


class DistributionSender:
    """The host function: its latest job and its ``<Set Auto Distribution>`` timer (DID-04, DID-21, DID-22).

    Args:
        runtime: The fleet's clock and bus.
        machine: The host.
        start_auto: Starts the saved auto distribution when a set time comes.
    """

    def __init__(self, runtime: Runtime, machine: Machine, start_auto: Callable[[AutoDistribution], object]) -> None:
        self.machine = machine
        self.job: DistributionJob | None = None
        """The most recent distribution (running or finished)."""
        self.timer = AutoDistributionTimer(runtime, machine, self._running_job_id, start_auto)

    @property
    def current_job(self) -> DistributionJob | None:
        """The running distribution, if any."""
        job = self.job
        return job if job is not None and job.status is not JobStatus.FINISHED else None

    def _running_job_id(self) -> int | None:
        job = self.current_job
        return job.job_id if job is not None else None

    def start(self) -> None:
        """Arms the auto-distribution timer (if it is not armed already)."""
        if self.timer.handle is None:
            self.timer.rearm()

    def stop(self) -> None:
        """The host was switched off: a job still preparing ends without sending anything (DID-25). The
        timer stays: a set time that comes while the host is off is logged as skipped (DID-22)."""
        job = self.current_job
        if job is not None:
            job.host_switched_off()

    def close(self) -> None:
        """Cancels the pending timer."""
        self.timer.stop()
