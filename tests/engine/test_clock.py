"""The one injected clock: the virtual clock fires timers strictly in time order and never sleeps."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from mfp_console.clock import RealClock, VirtualClock, parse_clock_time

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def test_virtual_clock_stands_still_until_advanced() -> None:
    clock = VirtualClock(START)
    assert clock.now() == START
    assert clock.now() == START
    clock.advance(90)
    assert clock.now() == START + timedelta(seconds=90)
    assert clock.monotonic() == 90


def test_timers_fire_in_time_order_not_in_the_order_they_were_set() -> None:
    clock = VirtualClock(START)
    fired: list[str] = []
    clock.call_later(30, lambda: fired.append("c"))
    clock.call_later(10, lambda: fired.append("a"))
    clock.call_later(20, lambda: fired.append("b"))
    assert clock.advance(25) == 2
    assert fired == ["a", "b"]
    clock.advance(10)
    assert fired == ["a", "b", "c"]


def test_timers_at_the_same_time_fire_in_the_order_they_were_set() -> None:
    clock = VirtualClock(START)
    fired: list[int] = []
    for n in range(5):
        clock.call_at(START + timedelta(minutes=1), lambda n=n: fired.append(n))
    clock.advance(60)
    assert fired == [0, 1, 2, 3, 4]


def test_each_timer_sees_its_own_time_while_firing() -> None:
    clock = VirtualClock(START)
    seen: list[datetime] = []
    clock.call_later(10, lambda: seen.append(clock.now()))
    clock.call_later(50, lambda: seen.append(clock.now()))
    clock.advance(3600)
    assert seen == [START + timedelta(seconds=10), START + timedelta(seconds=50)]
    assert clock.now() == START + timedelta(hours=1)


def test_a_timer_set_by_a_firing_timer_fires_in_the_same_advance_when_due() -> None:
    clock = VirtualClock(START)
    fired: list[str] = []

    def first() -> None:
        fired.append("first")
        clock.call_later(5, lambda: fired.append("second"))

    clock.call_later(5, first)
    clock.advance(10)
    assert fired == ["first", "second"]


def test_cancelled_timer_does_not_fire() -> None:
    clock = VirtualClock(START)
    fired: list[str] = []
    handle = clock.call_later(5, lambda: fired.append("x"))
    handle.cancel()
    clock.advance(10)
    assert fired == []
    assert clock.next_timer() is None


@pytest.mark.rules("UI-05")
def test_jump_to_next_goes_exactly_to_the_next_timer() -> None:
    """UI-05: under a virtual clock the operator can jump to the next scheduled event."""
    clock = VirtualClock(START)
    clock.call_at(START + timedelta(hours=18), lambda: None, "03:00 auto distribution")
    handle = clock.jump_to_next()
    assert handle is not None and handle.label == "03:00 auto distribution"
    assert clock.now() == START + timedelta(hours=18)
    assert clock.jump_to_next() is None


def test_timer_in_the_past_fires_at_now_not_before() -> None:
    clock = VirtualClock(START)
    clock.advance(100)
    seen: list[datetime] = []
    clock.call_at(START, lambda: seen.append(clock.now()))
    clock.advance(0)
    assert seen == [START + timedelta(seconds=100)]


async def test_virtual_sleep_waits_for_the_clock_and_counts_sleepers() -> None:
    clock = VirtualClock(START)
    task = asyncio.create_task(clock.sleep(60))
    await asyncio.sleep(0)
    assert clock.sleepers == 1
    clock.advance(59)
    await asyncio.sleep(0)
    assert not task.done()
    clock.advance(1)
    await asyncio.wait_for(task, 1)
    assert clock.sleepers == 0


async def test_real_clock_timers_run_on_the_loop() -> None:
    clock = RealClock(timezone.utc)
    fired = asyncio.Event()
    clock.call_later(0, fired.set)
    await asyncio.wait_for(fired.wait(), 2)
    assert clock.next_timer() is None
    assert clock.now().tzinfo is not None


def test_parse_clock_time_accepts_minutes_and_zones() -> None:
    assert parse_clock_time("2026-11-20T09:00") == START
    assert parse_clock_time("2026-11-20T10:00+01:00") == START
    with pytest.raises(ValueError):
        parse_clock_time("tomorrow at nine")
