"""A machine's functions (distribution sender and receiver, sync server and client) behind one interface.

A function is a capability a machine switches on (M-01). Each is its own class over the shared machine and
implements :class:`MachineFunction`: the machine calls :meth:`~MachineFunction.start` when it comes on
(the fleet started it, or it was powered on), :meth:`~MachineFunction.stop` when it goes off (a power cut
ends its conversations and timers; its settings stay), and :meth:`~MachineFunction.close` when it stops
running in this process. What an operator's ``<Start>``/``<Stop>`` key does is the function's own business.

:class:`MachineFunctions` holds a machine's functions in slots typed by class, so a part asks for
``machine.functions.get(SyncClient)`` and gets a ``SyncClient`` (or None) without this module importing
the feature packages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeVar, runtime_checkable

from mfp_console.errors import RuleRefusal

__all__ = ["MachineFunction", "MachineFunctions"]


@runtime_checkable
class MachineFunction(Protocol):
    """What every function of a machine does when the machine comes on, goes off, or stops."""

    def start(self) -> None:
        """The machine is on: begin (or resume) work."""

    def stop(self) -> None:
        """The machine goes off: end conversations and timers; settings stay."""

    def close(self) -> None:
        """The machine stops running in this process: release everything."""


F = TypeVar("F", bound=MachineFunction)


class MachineFunctions:
    """A machine's functions, one slot per function class."""

    def __init__(self) -> None:
        self._slots: dict[type[MachineFunction], MachineFunction] = {}
        self._closed = False

    def add(self, function: MachineFunction) -> None:
        """Fills the slot of ``function``'s class."""
        kind = type(function)
        if kind in self._slots:
            raise ValueError(f"the machine already has a {kind.__name__}")
        self._slots[kind] = function

    def get(self, kind: type[F]) -> F | None:
        """The function of class ``kind``, or None when the machine does not run one."""
        found = self._slots.get(kind)
        return found if isinstance(found, kind) else None

    def require(self, kind: type[F], why: str, rule_id: str = "") -> F:
        """The function of class ``kind``.

        Raises:
            RuleRefusal: The machine has no such function (``why`` says so).
        """
        found = self.get(kind)
        if found is None:
            raise RuleRefusal(why, rule_id)
        return found

    def __iter__(self) -> Iterator[MachineFunction]:
        return iter(list(self._slots.values()))

    def start_all(self) -> None:
        """The machine came on."""
        for function in self:
            function.start()

    def stop_all(self) -> None:
        """The machine goes off."""
        for function in self:
            function.stop()

    def close_all(self) -> None:
        """The machine stops running here (once; later calls do nothing)."""
        if self._closed:
            return
        self._closed = True
        for function in self:
            function.close()
