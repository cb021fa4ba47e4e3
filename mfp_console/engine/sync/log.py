"""Each machine's synchronization log (SYNC-14): levels ``Info``, ``Warning`` and ``Error``.

Entries are kept in the machine's store as one configuration document (the newest :data:`LOG_LIMIT`
entries) and every entry is also published on the bus as a :class:`~mfp_console.engine.events.SyncEvent`,
so the panel's log screen and the event log see the same line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mfp_console.domain.sync_settings import SyncLogEntry
from mfp_console.engine.events import SyncEvent

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = ["LOG_LIMIT", "SYNC_LOG_KEY", "read_sync_log", "sync_log"]

SYNC_LOG_KEY = "sync_log"
LOG_LIMIT = 300
LEVELS = ("Info", "Warning", "Error")

_log = logging.getLogger(__name__)


def sync_log(machine: Machine, level: str, message: str, peer: str = "") -> SyncLogEntry:
    """Appends one entry to ``machine``'s sync log and publishes it."""
    assert level in LEVELS, level
    runtime = machine.runtime
    entry = SyncLogEntry(runtime.clock.now(), level, message, peer)
    try:
        entries = list(machine.store.get_config(SYNC_LOG_KEY) or [])
        entries.append(entry.to_json())
        machine.store.set_config(SYNC_LOG_KEY, entries[-LOG_LIMIT:])
    except Exception:  # the machine may be closing; the event still reaches the bus
        _log.debug("%s: sync log entry not stored: %s", machine.name, message)
    runtime.bus.publish(SyncEvent(at=entry.at, machine=machine.name, level=level, message=message))
    return entry


def read_sync_log(machine: Machine, level: str | None = None) -> list[SyncLogEntry]:
    """The machine's sync log, newest first, optionally only one level."""
    entries = [SyncLogEntry.from_json(e) for e in machine.store.get_config(SYNC_LOG_KEY) or []]
    entries.reverse()
    return [e for e in entries if level is None or e.level == level]
