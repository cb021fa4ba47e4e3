"""``fleet.sync_server``: the sync server's Remote UI screens: devices, users, sharing, backup, server change.

Every change here needs an Administrator logged in at the server's panel (M-03); the Remote UI of the real
machine asks for the same rights.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mfp_console.domain.machine import Function
from mfp_console.domain.sync_items import PersonalData, PersonalItem, SharingRange
from mfp_console.domain.sync_procedure import ChangeStep, ServerChange
from mfp_console.domain.sync_rules import keychain_order_problem, sharing_change_problem
from mfp_console.domain.sync_settings import (
    BackupFile,
    BackupSchedule,
    BackupTarget,
    DeviceRow,
    DeviceState,
)
from mfp_console.engine.machine import MachineRoster
from mfp_console.engine.panel import PanelPart
from mfp_console.engine.runtime import Runtime
from mfp_console.engine.sync.backup import (
    LAST_BACKUP_KEY,
    device_backups,
    list_backups,
    load_backup,
    replicate,
    save_schedule,
    write_backup,
)
from mfp_console.engine.sync.client import SyncClient, connection_destinations_of
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.part import sync_server_of
from mfp_console.engine.sync.replica import SOURCE_KEY, replica_source
from mfp_console.engine.sync.server import SyncServer
from mfp_console.engine.sync.server_change import ServerChangeTracker, running_clients
from mfp_console.errors import ConfigError, RuleRefusal, ShareError
from mfp_console.smb import ShareCredentials

__all__ = ["SyncServerPart"]


class SyncServerPart:
    """The server-side sync screens.

    Args:
        runtime: The fleet's clock, state folder and settings.
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

    def _server(self, name: str) -> SyncServer:
        return sync_server_of(self._machines(name))

    # --- the server's Remote UI screens -----------------------------------------------------------------

    def device_list(self, server: str) -> list[DeviceRow]:
        """``[Check Device Information]`` (SYNC-15) with the keychain-order warning (SYNC-16)."""
        srv = self._server(server)
        reference = connection_destinations_of(self._machines(server))
        rows = []
        for name, entry in sorted(srv.registered().items()):
            link = srv.links.get(name)
            if link is not None and not link.closed.is_set():
                state = DeviceState.SYNCHRONIZING if link.awaiting else DeviceState.SYNCHRONIZED
                if entry.get("power") == "Sleep":
                    state = DeviceState.PAUSED
            else:
                state = DeviceState.DISCONNECTED
            notes = []
            destinations = entry.get("destinations")
            if destinations is not None and name != server:
                problem = keychain_order_problem(server, reference, destinations)
                if problem:
                    notes.append(problem + " (SYNC-16)")
            if entry.get("unreflected"):
                notes.append(f"not shown on this device, kept on the server: {'; '.join(entry['unreflected'])}")
            if entry.get("withheld"):
                notes.append(f"firmware {entry.get('firmware')}: {', '.join(entry['withheld'])} not synchronized (SYNC-17)")
            last = srv.last_sync.get(name)
            rows.append(DeviceRow(entry.get("device_name", name), entry.get("product_name", ""), entry.get("location", ""),
                                  entry.get("address", ""), entry.get("role", "Client"), state, last,
                                  entry.get("firmware", ""), tuple(notes)))
        return rows

    def users(self, server: str) -> list[str]:
        """``[User Data]``: the users whose data the server keeps (empty search lists all), oldest first."""
        return self._server(server).data.oldest_first()

    def server_copy(self, server: str, user: str) -> dict[str, Any]:
        """The server's copies of one user's items (keys ``item`` or ``item@device``)."""
        return {k: v.value for k, v in self._server(server).data.users.get(user, {}).items()}

    def server_personal_data(self, server: str, user: str) -> PersonalData:
        """The server's copy of a user as personalized data (shared items; defaults where it holds none)."""
        items = self._server(server).data.users.get(user, {})
        values = {item: items[item.value].value if item.value in items else item.default() for item in PersonalItem}
        versions = {item: items[item.value].version for item in PersonalItem if item.value in items}
        return PersonalData(user, values, {item: SharingRange.SHARED for item in PersonalItem}, versions)

    def copy_differences(self, server: str, machine: str, user: str) -> tuple[str, ...]:
        """The shared items of ``user`` where ``machine`` holds another value than the server's copy (SYNC-23).

        Items the machine does not synchronize (SYNC-17) and device-specific items are left out; an item
        neither holds is equal (both show its default).
        """
        srv = self._server(server)
        held = srv.data.users.get(user, {})
        ranges = srv.data.sharing()
        live = self._machines(machine)
        client = live.functions.get(SyncClient)
        withheld = {i.value for i in client.withheld} if client is not None else set()
        mine = live.store.user_items(user)
        out = []
        for item in PersonalItem:
            if item.value in withheld or ranges.get(item) is SharingRange.DEVICE_SPECIFIC:
                continue
            there = held[item.value].value if item.value in held else item.default()
            here = mine[item.value].value if item.value in mine else item.default()
            if there != here:
                out.append(item.value)
        return tuple(out)

    def delete_user_data(self, server: str, users: Sequence[str]) -> list[str]:
        """``[Delete User Data]`` › ``[Yes]`` (SYNC-07; Administrator); returns the users deleted.

        Raises:
            RuleRefusal: (SYNC-07) the server's synchronization is not running.
        """
        self._panel.require_admin(server)
        srv = self._server(server)
        if not srv.running:
            raise RuleRefusal(f"deleting user data needs the synchronization of {server} running: start its "
                              "server function first", "SYNC-07")
        return srv.delete_users(list(users))

    def stop_client(self, server: str, client: str) -> None:
        """Stops a broken client's synchronization from the server; it no longer counts (SYNC-02)."""
        self._panel.require_admin(server)
        srv = self._server(server)
        link = srv.links.get(client)
        if link is not None:
            link.abort("stopped from the server")
        if not srv.unregister(client, "stopped from the server"):
            raise RuleRefusal(f"{client} is not synchronizing with {server}", "SYNC-02")

    def sharing_ranges(self, server: str) -> dict[PersonalItem, SharingRange]:
        """``[Data Sharing Details]`` (SYNC-10)."""
        return self._server(server).data.sharing()

    def set_sharing_range(self, server: str, item: PersonalItem | str, sharing: SharingRange | str) -> None:
        """Changes an item's sharing range: only while every client is stopped (SYNC-10; Administrator)."""
        self._panel.require_admin(server)
        srv = self._server(server)
        problem = sharing_change_problem(list(srv.registered()))
        if problem:
            raise RuleRefusal(problem, "SYNC-10")
        srv.change_sharing(PersonalItem(item).value, SharingRange(sharing))

    # --- backup, restore, replication (SYNC-18) ----------------------------------------------------------

    async def backup(self, server: str, target: str = "device", *,
                     credentials: ShareCredentials | None = None) -> BackupFile:
        """Backs up the server's synchronization data now, to its storage or ``smb://host[:port]/share/folder``
        (with ``credentials``, or those saved with the schedule for that share).

        Raises:
            ShareError: The SMB server refused or failed (also an ``Error`` in the sync log).
        """
        self._panel.require_admin(server)
        srv = self._server(server)
        parsed = BackupTarget.parse(target)
        change = self._change.current()
        if change is not None and server == change.old:
            running = running_clients(self._machines)
            if running:
                raise RuleRefusal(f"changing the server from {change.old} to {change.new}: step 1 \"stop "
                                  f"synchronization on every client\" must come first (still running: "
                                  f"{', '.join(running)})", "SYNC-19")
            change = change.complete(ChangeStep.STOP_CLIENTS)
        try:
            file = await write_backup(self._runtime, srv, parsed, credentials)
        except (ShareError, ConfigError, OSError) as exc:
            sync_log(srv.machine, "Error", f"backup to {parsed} failed: {exc}")
            raise
        if change is not None and server == change.old:
            self._change.save(change.complete(ChangeStep.BACK_UP, file.location))
        sync_log(srv.machine, "Info", f"synchronization data backed up to {parsed}: {file.name}")
        return file

    async def restore(self, server: str, path: BackupFile | Path | str | None = None, *,
                      credentials: ShareCredentials | None = None) -> int:
        """Restores the server's data from a backup (only while every client is stopped); returns the users.

        ``path`` is a backup file, its path, or ``smb://…/file.json``; the latest backup when omitted.

        Raises:
            ShareError: The SMB server refused or failed (also an ``Error`` in the sync log).
        """
        self._panel.require_admin(server)
        srv = self._server(server)
        holders = [srv.machine]
        change = self._change.current()
        if change is not None and server == change.new:
            change.require(ChangeStep.RESTORE)
            path = path or change.backup
            if change.old in self._machines:  # the backup was made there: its saved SMB account opens it
                holders.append(self._machines(change.old))
        running = sorted(set(running_clients(self._machines)) | set(srv.registered()))
        if running:
            raise RuleRefusal(f"a restore needs every client stopped (still synchronizing: {', '.join(running)})",
                              "SYNC-18")
        if not path:
            last = self._machines(server).store.get_config(LAST_BACKUP_KEY) or {}
            path = last.get("path", "")
        if not path:
            raise RuleRefusal("no backup to restore: pick a backup file", "SYNC-18")
        location = path.location if isinstance(path, BackupFile) else str(path)
        name = location.replace("\\", "/").rsplit("/", 1)[-1]
        try:
            dump = await load_backup(self._runtime, location, holders, credentials)
        except (ShareError, ConfigError) as exc:
            sync_log(srv.machine, "Error", f"restore from {location} failed: {exc}")
            raise
        try:
            count = srv.data.load_dump(dump, self._runtime.clock.now())
        except (ValueError, KeyError, TypeError) as exc:
            raise RuleRefusal(f"{location}: {exc}", "SYNC-18") from None
        if change is not None and server == change.new:
            self._change.save(change.complete(ChangeStep.RESTORE))
        sync_log(srv.machine, "Info", f"restored {count} users from {name}")
        return count

    async def backups(self, server: str, target: str = "device", *,
                      credentials: ShareCredentials | None = None) -> list[BackupFile]:
        """The backup files of ``server`` at ``target``, newest first (what ``restore`` can pick).

        Raises:
            ShareError: The SMB server refused or failed (also an ``Error`` in the sync log).
        """
        parsed = BackupTarget.parse(target)
        machine = self._machines(server)
        try:
            return await list_backups(self._runtime, machine, parsed, credentials)
        except (ShareError, ConfigError) as exc:
            sync_log(machine, "Error", f"listing the backups on {parsed} failed: {exc}")
            raise

    def device_backups(self, server: str) -> list[BackupFile]:
        """The backup files on ``server``'s own storage, newest first (no network needed)."""
        return device_backups(self._runtime.state_dir, server)

    def backup_schedule(self, server: str) -> BackupSchedule:
        """The saved backup schedule."""
        server_function = self._machines(server).functions.get(SyncServer)
        return server_function.backup_timer.schedule() if server_function is not None else BackupSchedule()

    def set_backup_schedule(self, server: str, schedule: BackupSchedule, *,
                            credentials: ShareCredentials | None = None) -> datetime | None:
        """Saves the backup schedule (Administrator) and, for an SMB target, the share's user name and
        password, encrypted (None keeps those saved for the same share); returns the next backup time."""
        self._panel.require_admin(server)
        server_function = self._server(server)
        save_schedule(self._runtime, self._machines(server), schedule, credentials)
        return server_function.backup_timer.rearm()

    def set_replica(self, server: str, replica: str) -> None:
        """Names the machine that receives replicas (empty: none); they are sent with each scheduled backup."""
        self._panel.require_admin(server)
        self._server(server)
        if replica:
            self._runtime.spec.machine(replica)
            if Function.SYNC_SERVER not in self._runtime.spec.machine(replica).identity.functions:
                raise RuleRefusal(f"{replica} has no server function and cannot hold a replica", "SYNC-18")
        self._machines(server).store.set_config("sync_replica_target", {"machine": replica})

    def set_replica_source(self, machine: str, source: str) -> None:
        """Sets the server ``machine`` takes replicas from (empty: none) — on the replica's own Remote UI
        (Administrator there). A replica from any other machine is refused (SYNC-18)."""
        self._panel.require_admin(machine)
        self._server(machine)
        if source:
            spec = self._runtime.spec.machine(source)
            if Function.SYNC_SERVER not in spec.identity.functions or source == machine:
                raise RuleRefusal(f"{source} cannot be the server {machine} replicates", "SYNC-18")
        self._machines(machine).store.set_config(SOURCE_KEY, {"machine": source})
        sync_log(self._machines(machine), "Info",
                 f"takes replicas from {source}" if source else "takes no replicas")

    def replica_source(self, machine: str) -> str:
        """The server ``machine`` takes replicas from (empty: none)."""
        return replica_source(self._server(machine))

    async def replicate(self, server: str, replica: str | None = None) -> int:
        """Replicates the server's data to ``replica`` (or the saved one) now; returns the users sent."""
        self._panel.require_admin(server)
        srv = self._server(server)
        target = replica or (self._machines(server).store.get_config("sync_replica_target") or {}).get("machine", "")
        if not target:
            raise RuleRefusal("name a machine to replicate to", "SYNC-18")
        return await replicate(self._runtime, srv, target)

    # --- changing the server (SYNC-19) -----------------------------------------------------------------

    def begin_server_change(self, old: str, new: str) -> ServerChange:
        """Starts the server change procedure from ``old`` to ``new`` (Administrator at ``old``)."""
        self._panel.require_admin(old)
        if not self._server(old).running:
            raise RuleRefusal(f"{old} does not run the sync server", "SYNC-19")
        self._server(new)
        if old == new:
            raise RuleRefusal("the new server must be another machine", "SYNC-19")
        change = ServerChange(old, new)
        self._change.save(change)
        return change

    def server_change(self) -> ServerChange | None:
        """The server change in progress (None when none)."""
        return self._change.current()
