"""The Textual messages engine events become (posted only by :mod:`mfp_console.tui.bridge`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from mfp_console.engine.events import EngineEvent

__all__ = ["EngineEventPosted", "MachineChanged"]


@dataclass
class EngineEventPosted(Message):
    """One engine event, for the event log (never replaced: the log shows every event)."""

    event: EngineEvent


@dataclass
class MachineChanged(Message):
    """Something shown about ``machine`` may have changed; views re-read it from the facade.

    Frequent: a waiting message for the same machine is replaced by the newer one, because views
    re-read the whole state anyway.
    """

    machine: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MachineChanged) and message.machine == self.machine
