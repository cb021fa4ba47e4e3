"""Changing the sync server, step by step (SYNC-19).

The manual's order is: stop every client → back up → stop the server → start the new server → restore →
start the clients. :class:`ServerChange` remembers which steps are done and refuses a step whose
predecessors are not, with a message that names the first missing step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from mfp_console.errors import RuleRefusal

__all__ = ["ChangeStep", "ServerChange"]


class ChangeStep(enum.Enum):
    """The steps of a server change, in order."""

    STOP_CLIENTS = 1
    BACK_UP = 2
    STOP_SERVER = 3
    START_NEW_SERVER = 4
    RESTORE = 5
    START_CLIENTS = 6

    def text(self, old: str, new: str) -> str:
        """What the step asks for, naming the machines."""
        return {
            ChangeStep.STOP_CLIENTS: "stop synchronization on every client",
            ChangeStep.BACK_UP: f"back up the synchronization data of {old}",
            ChangeStep.STOP_SERVER: f"stop the server function on {old}",
            ChangeStep.START_NEW_SERVER: f"start the server function on {new}",
            ChangeStep.RESTORE: f"restore the backup on {new}",
            ChangeStep.START_CLIENTS: "start synchronization on the clients",
        }[self]


@dataclass(frozen=True)
class ServerChange:
    """A server change in progress from ``old`` to ``new``.

    Attributes:
        old: The current server.
        new: The machine that becomes the server.
        done: The steps completed so far.
        backup: The backup file made in step 2 (what step 5 restores).
    """

    old: str
    new: str
    done: frozenset[ChangeStep] = field(default_factory=frozenset)
    backup: str = ""

    def missing_before(self, step: ChangeStep) -> ChangeStep | None:
        """The first step before ``step`` that is not done (None when all are)."""
        for earlier in ChangeStep:
            if earlier.value >= step.value:
                return None
            if earlier not in self.done:
                return earlier
        return None

    def require(self, step: ChangeStep, detail: str = "") -> None:
        """Refuses ``step`` unless every earlier step is done.

        Raises:
            RuleRefusal: (SYNC-19) naming the first missing step.
        """
        missing = self.missing_before(step)
        if missing is not None:
            tail = f" ({detail})" if detail else ""
            raise RuleRefusal(
                f"changing the server from {self.old} to {self.new}: step {missing.value} "
                f"\"{missing.text(self.old, self.new)}\" must come before step {step.value} "
                f"\"{step.text(self.old, self.new)}\"{tail}",
                "SYNC-19",
            )

    def complete(self, step: ChangeStep, backup: str = "") -> ServerChange:
        """Returns the change with ``step`` done (and the backup made in step 2 remembered)."""
        return replace(self, done=self.done | {step}, backup=backup or self.backup)

    @property
    def next_step(self) -> ChangeStep | None:
        """The first step not done yet (None when the change is finished)."""
        for step in ChangeStep:
            if step not in self.done:
                return step
        return None

    @property
    def finished(self) -> bool:
        """True once the clients were started again."""
        return self.next_step is None

    def to_json(self) -> dict[str, Any]:
        """Encodes for a store."""
        return {"old": self.old, "new": self.new, "done": sorted(s.value for s in self.done), "backup": self.backup}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerChange:
        """Decodes from a store."""
        return cls(data["old"], data["new"], frozenset(ChangeStep(v) for v in data["done"]), data.get("backup", ""))
