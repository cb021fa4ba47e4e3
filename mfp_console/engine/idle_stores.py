"""Idle machines hold no open database: a store unused for a quiet period is rested (issue 18).

An open SQLite database costs a machine three file descriptors (database, WAL, shared memory) and ~0.1 MiB
of SQLite's per-connection memory; a listening machine with nothing to do needs neither. So every machine's
store is rested as soon as the machine has started, and :class:`IdleStores` rests again every store that
was not used during a whole quiet period; the next read or write opens it again
(:meth:`~mfp_console.store.database.Database.rest`). With that, one process carries 10,000 idle machines
at about one descriptor each (the listener) where it stopped at ~4,900 before.

The sweep runs on the event loop's timer, in real seconds. Under a real clock that is machine time; under
a virtual clock a rest changes nothing a person or a test can observe, and it must not become a timer of
the virtual clock, which scenarios step through timer by timer (``fleet.advance_to_next``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from mfp_console.errors import StoreError
from mfp_console.store import MachineStore

__all__ = ["QUIET_PERIOD_S", "IdleStores"]

QUIET_PERIOD_S = 30.0
"""A store unused for this long (up to twice this long) is rested."""

_log = logging.getLogger(__name__)


class IdleStores:
    """Rests the stores of idle machines every quiet period while the fleet runs.

    Args:
        stores: Gives the stores of the machines running now (read at every sweep).
        quiet_s: The quiet period in seconds.
    """

    def __init__(self, stores: Callable[[], Iterable[MachineStore]], quiet_s: float = QUIET_PERIOD_S) -> None:
        self._stores = stores
        self._quiet_s = quiet_s
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Starts sweeping (idempotent); needs a running event loop."""
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(self._quiet_s, self._sweep)

    def stop(self) -> None:
        """Stops sweeping (idempotent)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def sweep(self) -> int:
        """Rests every store unused since the previous sweep; returns how many it rested."""
        rested = 0
        for store in self._stores():
            try:
                rested += store.rest_if_unused()
            except StoreError as exc:  # closing checkpoints the WAL: a full disk is reported, the machine goes on
                _log.warning("%s: not rested: %s", store.path, exc)
        return rested

    def _sweep(self) -> None:
        self._handle = None
        self.sweep()
        self.start()
