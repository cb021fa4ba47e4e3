"""The one clock every part of mfp-console reads time from: real for the app, virtual for tests and scenarios.

Nothing in the project calls ``datetime.now()`` or ``asyncio.sleep()`` for machine time; it asks a
:class:`Clock`. A :class:`RealClock` follows the wall clock and the asyncio loop. A :class:`VirtualClock`
stands still until it is advanced; advancing fires the timers that fall due, strictly in time order
(ties in the order they were set), so "the 03:00 auto distribution" runs in microseconds and always the
same way.

Virtual time and real sockets meet in one place: a conversation still moves bytes in real time while
the virtual clock stands still. The engine therefore advances virtual time only when it is quiescent;
:attr:`VirtualClock.sleepers` tells how many coroutines are parked on the clock, which the engine uses to
tell "waiting for time" from "working".
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Protocol

__all__ = ["Clock", "RealClock", "TimerHandle", "VirtualClock", "parse_clock_time"]


@dataclass(order=True)
class TimerHandle:
    """A timer set on a clock; :meth:`cancel` stops it from firing."""

    when: datetime
    seq: int
    callback: Callable[[], None] = field(compare=False)
    label: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)
    _loop_handle: asyncio.TimerHandle | None = field(default=None, compare=False, repr=False)

    def cancel(self) -> None:
        """Stops the timer; cancelling twice is harmless."""
        self.cancelled = True
        if self._loop_handle is not None:
            self._loop_handle.cancel()


class Clock(Protocol):
    """What every reader of time needs."""

    @property
    def tz(self) -> tzinfo:
        """The fleet's time zone (machine time)."""

    @property
    def is_virtual(self) -> bool:
        """True for a clock that moves only when advanced."""

    @property
    def sleepers(self) -> int:
        """Coroutines parked in :meth:`sleep` (always 0 on a real clock: real time moves by itself)."""

    def now(self) -> datetime:
        """Returns the current machine time, time-zone aware."""

    def monotonic(self) -> float:
        """Returns seconds on a clock that never goes back."""

    def call_at(self, when: datetime, callback: Callable[[], None], label: str = "") -> TimerHandle:
        """Runs ``callback`` at ``when`` (machine time)."""

    def call_later(self, delay: float, callback: Callable[[], None], label: str = "") -> TimerHandle:
        """Runs ``callback`` after ``delay`` seconds of machine time."""

    async def sleep(self, seconds: float) -> None:
        """Waits ``seconds`` of machine time."""

    def next_timer(self) -> TimerHandle | None:
        """Returns the earliest pending timer, if any."""


class _TimerQueue:
    """A heap of timers ordered by (time, sequence)."""

    def __init__(self) -> None:
        self._heap: list[TimerHandle] = []
        self._seq = itertools.count()

    def push(self, when: datetime, callback: Callable[[], None], label: str) -> TimerHandle:
        handle = TimerHandle(when, next(self._seq), callback, label)
        heapq.heappush(self._heap, handle)
        return handle

    def peek(self) -> TimerHandle | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0] if self._heap else None

    def pop_due(self, until: datetime) -> TimerHandle | None:
        head = self.peek()
        if head is not None and head.when <= until:
            return heapq.heappop(self._heap)
        return None

    def discard_fired(self, handle: TimerHandle) -> None:
        handle.cancelled = True


class RealClock:
    """Wall-clock time, with timers carried by the running asyncio loop."""

    is_virtual = False
    sleepers = 0

    def __init__(self, tz: tzinfo | None = None) -> None:
        self._tz = tz or datetime.now().astimezone().tzinfo or timezone.utc
        self._queue = _TimerQueue()

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def now(self) -> datetime:
        return datetime.now(self._tz)

    def monotonic(self) -> float:
        return time.monotonic()

    def call_at(self, when: datetime, callback: Callable[[], None], label: str = "") -> TimerHandle:
        delay = max(0.0, (when - self.now()).total_seconds())
        handle = self._queue.push(when, callback, label)

        def fire() -> None:
            self._queue.discard_fired(handle)
            callback()

        handle._loop_handle = asyncio.get_running_loop().call_later(delay, fire)
        return handle

    def call_later(self, delay: float, callback: Callable[[], None], label: str = "") -> TimerHandle:
        return self.call_at(self.now() + timedelta(seconds=delay), callback, label)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def next_timer(self) -> TimerHandle | None:
        return self._queue.peek()


class VirtualClock:
    """A clock that stands still until advanced; it fires due timers in time order.

    Args:
        start: The initial machine time; a naive value is taken in ``tz``.
        tz: The fleet's time zone (UTC when not given).
    """

    is_virtual = True

    def __init__(self, start: datetime, tz: tzinfo | None = None) -> None:
        self._tz = tz or start.tzinfo or timezone.utc
        self._now = start if start.tzinfo else start.replace(tzinfo=self._tz)
        self._origin = self._now
        self._queue = _TimerQueue()
        self.sleepers = 0
        """How many coroutines are parked in :meth:`sleep` right now."""

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return (self._now - self._origin).total_seconds()

    def call_at(self, when: datetime, callback: Callable[[], None], label: str = "") -> TimerHandle:
        if when.tzinfo is None:
            when = when.replace(tzinfo=self._tz)
        return self._queue.push(max(when, self._now), callback, label)

    def call_later(self, delay: float, callback: Callable[[], None], label: str = "") -> TimerHandle:
        return self.call_at(self._now + timedelta(seconds=max(0.0, delay)), callback, label)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        handle = self.call_later(seconds, wake, "sleep")
        self.sleepers += 1
        try:
            await future
        finally:
            self.sleepers -= 1
            handle.cancel()

    def next_timer(self) -> TimerHandle | None:
        return self._queue.peek()

    def advance_to(self, when: datetime) -> int:
        """Moves time forward to ``when``, firing every timer due by then in order.

        A callback may set new timers; those that fall due by ``when`` fire in the same call.

        Returns:
            How many timers fired.
        """
        if when.tzinfo is None:
            when = when.replace(tzinfo=self._tz)
        fired = 0
        while (handle := self._queue.pop_due(when)) is not None:
            self._now = max(self._now, handle.when)
            if not handle.cancelled:
                handle.cancelled = True
                handle.callback()
                fired += 1
        self._now = max(self._now, when)
        return fired

    def advance(self, seconds: float) -> int:
        """Moves time forward by ``seconds``; see :meth:`advance_to`."""
        return self.advance_to(self._now + timedelta(seconds=seconds))

    def jump_to_next(self) -> TimerHandle | None:
        """Advances exactly to the earliest pending timer and fires everything due then."""
        head = self.next_timer()
        if head is None:
            return None
        self.advance_to(head.when)
        return head


def parse_clock_time(text: str, tz: tzinfo | None = None) -> datetime:
    """Parses ``2026-11-20T09:00`` (seconds and offset optional) into an aware datetime.

    Raises:
        ValueError: The text is not an ISO-8601 date and time.
    """
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz or timezone.utc)
    return value
