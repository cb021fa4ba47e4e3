"""``fleet.sync``: Personalized Data Synchronization's functions on each machine's panel (SYNC-01, -12, -13, -20).

``<Synchronize Custom Settings>`` starts and stops the server and client functions; a client's connection
settings wait for the next restart (SYNC-20). This part also answers what synchronization means for the
rest of the machine: import/export is refused while its client synchronizes (SYNC-12), the server does
not sleep while clients operate (SYNC-13), and a malfunction loses device-specific data (SYNC-11).
Values handed out are domain values (:mod:`mfp_console.domain.sync_settings`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mfp_console.domain.machine import Function
from mfp_console.domain.sync_preview import JoinPreview
from mfp_console.domain.sync_procedure import ChangeStep
from mfp_console.domain.sync_settings import (
    SyncClientSettings,
    SyncClientState,
    SyncLogEntry,
    SyncStatus,
)
from mfp_console.engine.events import DataChanged
from mfp_console.engine.machine import Machine, MachineRoster
from mfp_console.engine.panel import PanelPart
from mfp_console.engine.runtime import Runtime
from mfp_console.engine.sync.client import RUN_KEY as CLIENT_RUN_KEY
from mfp_console.engine.sync.client import SETTINGS_KEY, SyncClient
from mfp_console.engine.sync.log import read_sync_log, sync_log
from mfp_console.engine.sync.preview import ask_preview
from mfp_console.engine.sync.proof import GROUPS_KEY
from mfp_console.engine.sync.server import RUN_KEY as SERVER_RUN_KEY
from mfp_console.engine.sync.server import SyncServer
from mfp_console.engine.sync.server_change import ServerChangeTracker
from mfp_console.errors import MachineBusy, RuleRefusal
from mfp_console.fleet_file import MachineSpec

__all__ = ["EXPORT_WINDOW", "SyncPart", "sync_client_of", "sync_server_of"]

EXPORT_WINDOW_KEY = "sync_export_window_until"
EXPORT_WINDOW = timedelta(minutes=15)


def sync_server_of(machine: Machine) -> SyncServer:
    """The machine's server function.

    Raises:
        RuleRefusal: (SYNC-01) the model can only be a client.
    """
    return machine.functions.require(
        SyncServer, f"{machine.name} has no sync server function (this model can only be a client)", "SYNC-01")


def sync_client_of(machine: Machine) -> SyncClient:
    """The machine's client function.

    Raises:
        RuleRefusal: (SYNC-01) the machine has none.
    """
    return machine.functions.require(SyncClient, f"{machine.name} has no sync client function", "SYNC-01")


class SyncPart:
    """The sync functions of every machine.

    Args:
        runtime: The fleet's clock, bus and work tracker.
        machines: The machines running here.
        panel: Who is logged in (Administrator, M-03).
        change: The server change in progress (SYNC-19).
    """

    def __init__(self, runtime: Runtime, machines: MachineRoster, panel: PanelPart,
                 change: ServerChangeTracker) -> None:
        self._runtime = runtime
        self._machines = machines
        self._panel = panel
        self._change = change

    def attach(self, machine: Machine) -> None:
        """Gives a machine its sync functions (before it starts).

        A server machine also runs a client function: its own, which connects to ``localhost:8443``
        (SYNC-01).
        """
        functions = machine.identity.functions
        if Function.SYNC_SERVER in functions:
            machine.functions.add(SyncServer(self._runtime, machine))
        if Function.SYNC_CLIENT in functions or Function.SYNC_SERVER in functions:
            machine.functions.add(SyncClient(self._runtime, machine))

    @staticmethod
    def seed_configs(spec: MachineSpec) -> dict[str, Any]:
        """What a new machine's store starts with: the sync functions the fleet file starts (``sync:``).

        A machine with the server function whose client runs connects to itself (``localhost:8443``,
        SYNC-01); another client searches for the server (blank address).
        """
        configs: dict[str, Any] = {}
        if spec.sync.server:
            configs[SERVER_RUN_KEY] = {"running": True}
        if spec.sync.client:
            configs[CLIENT_RUN_KEY] = {"running": True}
            if Function.SYNC_SERVER in spec.identity.functions:
                configs[SETTINGS_KEY] = SyncClientSettings("localhost:8443").to_json()
        return configs

    def _publish(self, name: str, detail: str) -> None:
        self._runtime.bus.publish(DataChanged(at=self._runtime.clock.now(), machine=name, what="sync", detail=detail))

    def in_use(self, name: str) -> bool:
        """True while the machine's server or client function is started."""
        functions = self._machines(name).functions
        server, client = functions.get(SyncServer), functions.get(SyncClient)
        return bool((server and server.running) or (client and client.running))

    # --- the functions (SYNC-01, SYNC-19, SYNC-20) ------------------------------------------------------

    def start_server(self, name: str) -> None:
        """``<Synchronize Custom Settings (Server)>`` ``<Start>`` (Administrator)."""
        self._panel.require_admin(name)
        server = sync_server_of(self._machines(name))
        change = self._change.current()
        if change is not None and name == change.new:
            change.require(ChangeStep.START_NEW_SERVER)
        others = [m.name for m in self._machines.running()
                  if m.name != name and (s := m.functions.get(SyncServer)) is not None and s.running]
        if others:
            if change is not None:
                change.require(ChangeStep.START_NEW_SERVER, f"the server function of {others[0]} still runs")
            raise RuleRefusal(f"{others[0]} already runs the sync server: stop it first and follow the server "
                              "change procedure (begin_server_change)", "SYNC-19")
        server.switch_on()
        if change is not None and name == change.new:
            self._change.save(change.complete(ChangeStep.START_NEW_SERVER))
        self._publish(name, "server started")

    def stop_server(self, name: str) -> None:
        """``<Synchronize Custom Settings (Server)>`` ``<Stop>`` (Administrator)."""
        self._panel.require_admin(name)
        server = sync_server_of(self._machines(name))
        change = self._change.current()
        if change is not None and name == change.old:
            change.require(ChangeStep.STOP_SERVER)
        server.switch_off()
        if change is not None and name == change.old:
            self._change.save(change.complete(ChangeStep.STOP_SERVER))
        self._publish(name, "server stopped")

    def start_client(self, name: str) -> None:
        """``<Synchronize Custom Settings (Client)>`` ``<Start>``: synchronization starts with the settings saved now."""
        self._panel.require_admin(name)
        machine = self._machines(name)
        client = sync_client_of(machine)
        if Function.SYNC_CLIENT not in machine.identity.functions and not client.settings().server.is_localhost:
            raise RuleRefusal(f"{name} is a server machine: its own client connects to localhost:8443", "SYNC-01")
        change = self._change.current()
        if change is not None:
            change.require(ChangeStep.START_CLIENTS)
        client.switch_on()
        if change is not None:
            self._change.save(None)
            sync_log(self._machines(change.new), "Info", f"server change from {change.old} to {change.new} completed")
        self._publish(name, "client started")

    async def preview_join(self, name: str) -> JoinPreview:
        """What ``<Start>`` of ``name``'s client function would do to each of its users now (the emulator's
        aid, docs/panel.md): asked from the server over a read-only sync conversation; nothing changes."""
        return await ask_preview(sync_client_of(self._machines(name)))

    def stop_client(self, name: str) -> None:
        """``<Synchronize Custom Settings (Client)>`` ``<Stop>`` (Administrator)."""
        self._panel.require_admin(name)
        sync_client_of(self._machines(name)).switch_off()
        self._publish(name, "client stopped")

    def client_settings(self, name: str) -> SyncClientSettings:
        """The saved connection settings."""
        return sync_client_of(self._machines(name)).settings()

    def set_client_settings(self, name: str, address: str = "", search_depth: int = 4) -> SyncClientSettings:
        """Saves ``[Destination Server Address:]`` and the search depth; a running client uses them after a restart (SYNC-20)."""
        self._panel.require_admin(name)
        machine = self._machines(name)
        client = sync_client_of(machine)
        settings = SyncClientSettings(address, search_depth)
        machine.store.set_config(SETTINGS_KEY, settings.to_json())
        if client.running:
            sync_log(machine, "Info", "connection settings saved: they take effect when the machine restarts")
        return settings

    def status(self, name: str) -> SyncStatus:
        """What ``<Synchronize Custom Settings>`` shows for one machine."""
        functions = self._machines(name).functions
        server, client = functions.get(SyncServer), functions.get(SyncClient)
        return SyncStatus(
            machine=name,
            server_running=bool(server and server.running),
            client_running=bool(client and client.running),
            connected_to=client.server if client and client.link is not None else "",
            client_state=client.state if client else SyncClientState.STOPPED,
            settings=client.settings() if client else SyncClientSettings(),
            settings_pending=bool(client and client.settings_pending),
            clients=tuple(sorted(server.links)) if server else (),
            pending_changes=client.pending_changes if client else 0,
        )

    def log_entries(self, name: str, level: str | None = None) -> list[SyncLogEntry]:
        """The machine's sync log, newest first (SYNC-14)."""
        return read_sync_log(self._machines(name), level)

    def set_user_group_management(self, name: str, groups_by_department: bool) -> None:
        """Sets whether user groups are Department IDs (then the IDs must match for SYNC-04; Administrator)."""
        self._panel.require_admin(name)
        self._machines(name).store.set_config(GROUPS_KEY, {"groups_by_department": groups_by_department})

    # --- what synchronization means for the rest of the machine (SYNC-11, -12, -13) ----------------------

    def import_export_guard(self, name: str) -> None:
        """Raises while this machine's client synchronizes (SYNC-12); Import/Export asks this first."""
        machine = self._machines(name)
        client = machine.functions.get(SyncClient)
        if client is None or not client.running:
            return
        until = machine.store.get_config(EXPORT_WINDOW_KEY)
        if until and self._runtime.clock.now() < datetime.fromisoformat(until):
            return
        raise RuleRefusal(f"{name} synchronizes personalized data: import and export of synchronized data "
                          "(the Address Book too) are not possible until its client function is stopped", "SYNC-12")

    def prepare_user_data_export(self, server: str) -> datetime:
        """``[Prepare for User Data Export]``: allows import/export for 15 minutes on a localhost server/client."""
        self._panel.require_admin(server)
        machine = self._machines(server)
        sync_server_of(machine)
        client = sync_client_of(machine)
        if not (client.running and client.settings().server.is_localhost):
            raise RuleRefusal("only on a server machine whose own client connects to localhost:8443", "SYNC-12")
        until = self._runtime.clock.now() + EXPORT_WINDOW
        machine.store.set_config(EXPORT_WINDOW_KEY, until.isoformat())
        return until

    def sleep_refusal(self, name: str) -> str:
        """Why the machine would not enter Sleep now because of sync (SYNC-13); empty when it would."""
        server = self._machines(name).functions.get(SyncServer)
        return server.sleep_refusal() if server is not None else ""

    def malfunction(self, name: str) -> int:
        """Fault: the machine malfunctions while synchronizing (SYNC-11); returns the device-specific items lost."""
        machine = self._machines(name)
        if not self.in_use(name):
            raise MachineBusy(f"{name} does not synchronize: nothing to lose", "SYNC-11")
        lost = 0
        client = machine.functions.get(SyncClient)
        if client is not None and client.running:
            lost += client.malfunction()
        server = machine.functions.get(SyncServer)
        if server is not None and server.running:
            server.malfunction()
        machine.set_error("E-SYNC")
        sync_log(machine, "Error", f"malfunction during synchronization: {lost} device-specific item(s) could not "
                 "be recovered and return to their defaults (SYNC-11)")
        return lost
