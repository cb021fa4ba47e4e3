"""The engine's event bus: one path on which every engine event travels to its subscribers."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from mfp_console.engine.events import EngineEvent

__all__ = ["EventBus", "Subscription"]

_log = logging.getLogger(__name__)

E = TypeVar("E", bound=EngineEvent)


class Subscription:
    """A handle returned by :meth:`EventBus.subscribe`; :meth:`close` ends it."""

    def __init__(self, bus: EventBus, kind: type[EngineEvent], callback: Callable[[EngineEvent], None]) -> None:
        self._bus = bus
        self.kind = kind
        self.callback = callback

    def close(self) -> None:
        """Stops delivering events to this subscriber."""
        self._bus._remove(self)


class EventBus:
    """Delivers each published event synchronously to every subscriber of its class (or a base class).

    A subscriber that raises does not stop delivery to the others; the error is logged. The bus keeps the
    most recent ``history`` events so that a late subscriber (a panel opened later, a test) can look back.

    Args:
        history: How many recent events to keep.
    """

    def __init__(self, history: int = 2000) -> None:
        self._subs: list[Subscription] = []
        self.recent: deque[EngineEvent] = deque(maxlen=history)

    def subscribe(self, kind: type[E], callback: Callable[[E], None]) -> Subscription:
        """Calls ``callback`` for every future event that is an instance of ``kind``."""
        sub = Subscription(self, kind, callback)  # type: ignore[arg-type]
        self._subs.append(sub)
        return sub

    def publish(self, event: EngineEvent) -> None:
        """Delivers ``event`` to its subscribers, in subscription order."""
        self.recent.append(event)
        for sub in tuple(self._subs):
            if isinstance(event, sub.kind):
                try:
                    sub.callback(event)
                except Exception:  # a broken subscriber must not break the engine
                    _log.exception("event subscriber failed on %s", type(event).__name__)

    def history_of(self, kind: type[E]) -> list[E]:
        """Returns the kept events of class ``kind``, oldest first."""
        return [e for e in self.recent if isinstance(e, kind)]

    def _remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)
