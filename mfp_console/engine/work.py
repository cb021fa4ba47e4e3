"""The fleet's account of work in flight: engine tasks, conversations, and the progress counter.

Under a virtual clock the engine must not let time jump while bytes are still moving (see "Virtual time
with real sockets" in docs/architecture.md). Every engine task is spawned here, every incoming conversation
and every message awaiting an answer is counted here, and every byte moved bumps :attr:`WorkTracker.progress`.
:meth:`WorkTracker.settle` waits until nothing is in flight, or until everything in flight is parked on the
virtual clock with no bytes moving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from mfp_console.clock import Clock
from mfp_console.errors import MfpError

__all__ = ["WorkTracker"]

_log = logging.getLogger(__name__)


class WorkTracker:
    """Counts work in flight for one fleet.

    Args:
        clock: The fleet's clock (its ``sleepers`` say which work is parked on virtual time).
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tasks: set[asyncio.Task[Any]] = set()
        self._conversations = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.progress = 0
        """Counts bytes moved and work finished; :meth:`settle` watches it."""

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        """Runs engine work as a tracked task; :meth:`settle` waits for it."""
        task = asyncio.get_running_loop().create_task(coro, name=name or None)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self.progress += 1
        if not task.cancelled() and task.exception() is not None:
            _log.error("engine task %s failed", task.get_name(), exc_info=task.exception())
        self._update_idle()

    def track_conversation(self, delta: int) -> None:
        """Counts conversations (or awaited messages) in flight; they keep the fleet from being quiescent."""
        self._conversations += delta
        self.progress += 1
        self._update_idle()

    def note_progress(self) -> None:
        """Called whenever bytes move or work completes."""
        self.progress += 1

    def _update_idle(self) -> None:
        if not self._tasks and self._conversations <= 0:
            self._idle.set()
        else:
            self._idle.clear()

    @property
    def busy(self) -> bool:
        """True while tasks or conversations are in flight."""
        return bool(self._tasks) or self._conversations > 0

    async def cancel_all(self) -> None:
        """Cancels every tracked task and waits for them to end (the fleet is stopping)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def settle(self, timeout: float = 60.0, window: float = 0.003) -> None:
        """Waits (real time, bounded) until the fleet is quiescent.

        Quiescent means no work in flight, or work in flight that is parked on the virtual clock with no
        bytes moving: the progress counter stays still over a short real-time window. Only then may a
        virtual clock jump.

        Raises:
            MfpError: Work was still moving after ``timeout`` real seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.busy:
            if self._clock.sleepers:
                before = self.progress
                for _ in range(3):
                    await asyncio.sleep(0)
                await asyncio.sleep(window)
                if self.progress == before and self._clock.sleepers:
                    return
            else:
                try:
                    await asyncio.wait_for(self._idle.wait(), 0.05)
                except asyncio.TimeoutError:
                    pass
            if loop.time() > deadline:
                raise MfpError(f"the fleet did not settle within {timeout:g} s (work still in flight)")
