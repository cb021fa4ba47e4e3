"""What every mixin of the fleet facade may rely on: the attributes and methods ``Fleet`` provides.

The facade is one class (:class:`~mfp_console.engine.fleet.Fleet`) assembled from feature mixins (panel,
distribution, import/export, synchronization). Each mixin inherits :class:`FacadeBase` so that it states,
in one place, what it expects from the assembled facade; ``Fleet`` and ``PanelOperations`` come first in the
method resolution order and provide the real implementations.
"""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = ["FacadeBase"]


class FacadeBase:
    """The shared surface of the fleet facade's mixins."""

    clock: Any
    bus: Any
    spec: Any
    pki: Any
    state_dir: Path
    machines: dict[str, Any]

    def machine(self, name: str) -> Machine:  # pragma: no cover - provided by Fleet
        """The machine called ``name`` running in this process."""
        raise NotImplementedError

    def require_admin(self, name: str, rule_id: str = "M-03") -> None:  # pragma: no cover - PanelOperations
        """Raises unless an Administrator is logged in at ``name``."""
        raise NotImplementedError

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> Any:  # pragma: no cover - Fleet
        """Runs engine work as a tracked task."""
        raise NotImplementedError
