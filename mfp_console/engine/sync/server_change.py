"""The server change in progress (SYNC-19), shared by the sync functions and the server's Remote UI."""

from __future__ import annotations

from mfp_console.domain.sync_procedure import ChangeStep, ServerChange
from mfp_console.engine.machine import MachineRoster
from mfp_console.engine.sync.client import SyncClient
from mfp_console.engine.sync.server import SyncServer

__all__ = ["CHANGE_KEY", "ServerChangeTracker", "running_clients"]

CHANGE_KEY = "sync_server_change"


def running_clients(machines: MachineRoster) -> list[str]:
    """Machines running here whose client function is started."""
    return [m.name for m in machines.running() if (c := m.functions.get(SyncClient)) is not None and c.running]


class ServerChangeTracker:
    """Remembers the procedure's progress; every server machine's store keeps a copy."""

    def __init__(self, machines: MachineRoster) -> None:
        self._machines = machines
        self._change: ServerChange | None = None

    def current(self) -> ServerChange | None:
        """The change in progress (None when none); step 1 is done once no client runs."""
        change = self._change
        if change is not None and ChangeStep.STOP_CLIENTS not in change.done and not running_clients(self._machines):
            change = change.complete(ChangeStep.STOP_CLIENTS)
            self.save(change)
        return change

    def save(self, change: ServerChange | None) -> None:
        """Records the new progress (None: the procedure ended)."""
        self._change = change
        for machine in self._machines.running():
            if machine.functions.get(SyncServer) is not None:
                try:
                    machine.store.set_config(CHANGE_KEY, change.to_json() if change else None)
                except Exception:  # pragma: no cover - a machine closing
                    pass
