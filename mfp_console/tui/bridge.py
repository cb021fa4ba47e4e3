"""The one place where engine events become Textual messages (architecture promise 6).

:class:`EventBridge` subscribes once to the fleet's bus and posts to the app: every event as an
:class:`~mfp_console.tui.messages.EngineEventPosted` (the event log), and, for events that change what a
machine looks like, one :class:`~mfp_console.tui.messages.MachineChanged` per machine at a time: while one
waits, further events for that machine post nothing (the waiting refresh will read them), so a burst of
engine activity costs one refresh per machine, not one per event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfp_console.engine.bus import EventBus, Subscription
from mfp_console.engine.events import (
    ConnectionOpened,
    DataChanged,
    DestinationStatusChanged,
    DistributionFinished,
    DistributionStarted,
    EngineEvent,
    LoginEvent,
    MachineStarted,
    MachineStateChanged,
    MachineStopped,
)
from mfp_console.tui.messages import EngineEventPosted, MachineChanged

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

__all__ = ["EventBridge"]

# Events after which a machine's header, fleet row or open page may show something else.
_CHANGES_MACHINE = (
    MachineStateChanged,
    MachineStarted,
    MachineStopped,
    LoginEvent,
    DataChanged,
    ConnectionOpened,
    DistributionStarted,
    DestinationStatusChanged,
    DistributionFinished,
)


class EventBridge:
    """Posts engine events to ``target`` (the app) as Textual messages.

    Args:
        bus: The fleet's event bus.
        target: Where messages go; the app routes them down to its views.
    """

    def __init__(self, bus: EventBus, target: MessagePump) -> None:
        self._bus = bus
        self._target = target
        self._subscription: Subscription | None = None
        self._waiting: set[str] = set()

    def open(self) -> None:
        """Starts forwarding (idempotent)."""
        if self._subscription is None:
            self._subscription = self._bus.subscribe(EngineEvent, self._forward)

    def close(self) -> None:
        """Stops forwarding."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def refreshed(self, machine: str) -> None:
        """Called by the app as it re-reads ``machine``: later events need a new message again."""
        self._waiting.discard(machine)

    def _forward(self, event: EngineEvent) -> None:
        self._target.post_message(EngineEventPosted(event))
        if isinstance(event, _CHANGES_MACHINE):
            for name in _machines_of(event):
                if name not in self._waiting:  # one refresh already waits: it will read this change too
                    self._waiting.add(name)
                    self._target.post_message(MachineChanged(name))


def _machines_of(event: EngineEvent) -> tuple[str, ...]:
    """The machines whose view an event touches (a destination's status shows on the fleet view too)."""
    names = [event.machine] if event.machine else []
    if isinstance(event, DestinationStatusChanged):
        names.append(event.destination)
    elif isinstance(event, ConnectionOpened) and event.peer and event.peer != "?":
        names.append(event.peer)
    elif isinstance(event, DistributionFinished):
        names.extend(dest for dest, _ in event.results)
    return tuple(dict.fromkeys(names))
