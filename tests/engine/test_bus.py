"""The event bus delivers typed events to their subscribers and survives a broken subscriber."""

from __future__ import annotations

from datetime import datetime, timezone

from mfp_console.engine.bus import EventBus
from mfp_console.engine.events import (
    ConnectionRefused,
    DataChanged,
    EngineEvent,
    MachineStarted,
)

AT = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def test_subscribers_get_only_their_kind_of_event() -> None:
    bus = EventBus()
    refused: list[ConnectionRefused] = []
    everything: list[EngineEvent] = []
    bus.subscribe(ConnectionRefused, refused.append)
    bus.subscribe(EngineEvent, everything.append)
    bus.publish(MachineStarted(at=AT, machine="host", address="127.0.0.1:1"))
    bus.publish(ConnectionRefused(at=AT, machine="host", peer="x", code="E-TLS", reason="plain TCP"))
    assert [e.code for e in refused] == ["E-TLS"]
    assert len(everything) == 2


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    bus = EventBus()
    got: list[EngineEvent] = []

    def broken(event: EngineEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe(EngineEvent, broken)
    bus.subscribe(EngineEvent, got.append)
    bus.publish(DataChanged(at=AT, machine="host", what="address_book"))
    assert len(got) == 1


def test_closed_subscription_gets_nothing_and_history_keeps_recent_events() -> None:
    bus = EventBus(history=2)
    got: list[EngineEvent] = []
    sub = bus.subscribe(EngineEvent, got.append)
    sub.close()
    for n in range(3):
        bus.publish(DataChanged(at=AT, machine=f"m{n}", what="x"))
    assert got == []
    assert [e.machine for e in bus.history_of(DataChanged)] == ["m1", "m2"]


def test_every_event_has_a_one_line_summary() -> None:
    event = ConnectionRefused(at=AT, machine="client-a", peer="rogue", code="E-TLS", reason="wrong CA")
    assert event.summary() == "client-a: refused rogue (E-TLS): wrong CA"
    assert "\n" not in event.summary()
