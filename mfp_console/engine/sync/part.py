"""Personalized Data Synchronization as fleet-facade methods: users, their data, server, clients, backup.

:class:`SyncOperations` is mixed into :class:`~mfp_console.engine.fleet.Fleet`; the panel, the scenarios,
the CLI and the tests call the same methods. Values handed out are domain values
(:mod:`mfp_console.domain.sync_items`, :mod:`~mfp_console.domain.sync_settings`), so the TUI needs no
engine internals. :func:`attach_sync` gives each started machine its sync functions.

Administrator-only (M-03): starting and stopping the functions, client connection settings, the server's
Remote UI screens (data sharing details, delete user data, stop a client, backup, restore, replication),
and the shared non-personal settings. A logged-in user changes only their own data (SYNC-08).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfp_console.domain.machine import Function, PowerState
from mfp_console.domain.sync_items import (
    ADDRESS_TYPES,
    CommonItem,
    PersonalData,
    PersonalItem,
    SharingRange,
    check_common_value,
    check_item_value,
    keychain_targets,
)
from mfp_console.domain.sync_procedure import ChangeStep
from mfp_console.domain.sync_rules import users_to_evict
from mfp_console.domain.sync_settings import (
    MAX_SYNC_USERS,
    SyncClientSettings,
    SyncLogEntry,
    SyncStatus,
    UserLimitAction,
)
from mfp_console.engine.events import DataChanged, LoginEvent, MachineStopped
from mfp_console.engine.sync.backup import BackupTimer
from mfp_console.engine.sync.client import COMMON_KEY, DESTINATIONS_KEY, SETTINGS_KEY, SyncClient
from mfp_console.engine.sync.log import read_sync_log, sync_log
from mfp_console.engine.sync.server import SyncServer
from mfp_console.engine.sync.server_part import SyncServerOperations
from mfp_console.errors import AuthError, MachineBusy, RuleRefusal

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = ["SyncOperations", "attach_sync"]

PERSONAL_SETTINGS_KEY = "manage_personal_settings"
GROUPS_KEY = "sync_group_management"
EXPORT_WINDOW_KEY = "sync_export_window_until"
EXPORT_WINDOW = timedelta(minutes=15)


def attach_sync(fleet: Any, machine: Machine) -> None:
    """Gives a started machine its sync functions (server, backup timer, client) and their clean-up."""
    functions = machine.identity.functions
    attached: list[Any] = []
    if Function.SYNC_SERVER in functions:
        server = SyncServer(fleet, machine)
        machine.functions["sync_server"] = server
        machine.responders["sync"] = server.serve
        timer = BackupTimer(fleet, machine)
        machine.functions["sync_backup"] = timer
        timer.rearm()
        attached += [server, timer]
    if Function.SYNC_CLIENT in functions or Function.SYNC_SERVER in functions:
        client = SyncClient(fleet, machine)  # a server machine's own client uses localhost:8443 (SYNC-01)
        machine.functions["sync_client"] = client
        attached.append(client)

    def stopped(event: MachineStopped) -> None:
        if event.machine != machine.name:
            return
        subscription.close()
        for function in attached:
            (function.stop if isinstance(function, BackupTimer) else function.close)()

    subscription = fleet.bus.subscribe(MachineStopped, stopped)


class SyncOperations(SyncServerOperations):
    """Synchronization actions of the fleet facade (mixed into ``Fleet``): functions, users, restrictions."""

    # --- helpers ------------------------------------------------------------------------------------------

    def _server(self, name: str) -> SyncServer:
        server = self.machine(name).functions.get("sync_server")
        if server is None:
            raise RuleRefusal(f"{name} has no sync server function (this model can only be a client)", "SYNC-01")
        return server

    def _client(self, name: str) -> SyncClient:
        client = self.machine(name).functions.get("sync_client")
        if client is None:
            raise RuleRefusal(f"{name} has no sync client function", "SYNC-01")
        return client

    def _running_servers(self) -> list[str]:
        return [n for n, m in self.machines.items() if (s := m.functions.get("sync_server")) and s.running]

    def _running_clients(self) -> list[str]:
        return [n for n, m in self.machines.items() if (c := m.functions.get("sync_client")) and c.running]

    def _sync_in_use(self, name: str) -> bool:
        functions = self.machine(name).functions
        server, client = functions.get("sync_server"), functions.get("sync_client")
        return bool((server and server.running) or (client and client.running))

    # --- the functions (SYNC-01, SYNC-20) ---------------------------------------------------------------

    def start_sync_server(self, name: str) -> None:
        """``<Synchronize Custom Settings (Server)>`` ``<Start>`` (Administrator)."""
        self.require_admin(name)
        server = self._server(name)
        change = self.server_change()
        if change is not None and name == change.new:
            change.require(ChangeStep.START_NEW_SERVER)
        others = [s for s in self._running_servers() if s != name]
        if others:
            if change is not None:
                change.require(ChangeStep.START_NEW_SERVER, f"the server function of {others[0]} still runs")
            raise RuleRefusal(f"{others[0]} already runs the sync server: stop it first and follow the server "
                              "change procedure (begin_server_change)", "SYNC-19")
        server.start()
        if change is not None and name == change.new:
            self._save_change(change.complete(ChangeStep.START_NEW_SERVER))
        self.bus.publish(DataChanged(at=self.clock.now(), machine=name, what="sync", detail="server started"))

    def stop_sync_server(self, name: str) -> None:
        """``<Synchronize Custom Settings (Server)>`` ``<Stop>`` (Administrator)."""
        self.require_admin(name)
        server = self._server(name)
        change = self.server_change()
        if change is not None and name == change.old:
            change.require(ChangeStep.STOP_SERVER)
        server.stop()
        if change is not None and name == change.old:
            self._save_change(change.complete(ChangeStep.STOP_SERVER))
        self.bus.publish(DataChanged(at=self.clock.now(), machine=name, what="sync", detail="server stopped"))

    def start_sync_client(self, name: str) -> None:
        """``<Synchronize Custom Settings (Client)>`` ``<Start>``: synchronization starts with the settings saved now."""
        self.require_admin(name)
        machine = self.machine(name)
        client = self._client(name)
        if Function.SYNC_CLIENT not in machine.identity.functions and not client.settings().server.is_localhost:
            raise RuleRefusal(f"{name} is a server machine: its own client connects to localhost:8443", "SYNC-01")
        change = self.server_change()
        if change is not None:
            change.require(ChangeStep.START_CLIENTS)
        client.start()
        if change is not None:
            self._save_change(None)
            sync_log(self.machine(change.new), "Info", f"server change from {change.old} to {change.new} completed")
        self.bus.publish(DataChanged(at=self.clock.now(), machine=name, what="sync", detail="client started"))

    def stop_sync_client(self, name: str) -> None:
        """``<Synchronize Custom Settings (Client)>`` ``<Stop>`` (Administrator)."""
        self.require_admin(name)
        self._client(name).stop()
        self.bus.publish(DataChanged(at=self.clock.now(), machine=name, what="sync", detail="client stopped"))

    def sync_client_settings(self, name: str) -> SyncClientSettings:
        """The saved connection settings."""
        return self._client(name).settings()

    def set_sync_client_settings(self, name: str, address: str = "", search_depth: int = 4) -> SyncClientSettings:
        """Saves ``[Destination Server Address:]`` and the search depth; a running client uses them after a restart (SYNC-20)."""
        self.require_admin(name)
        settings = SyncClientSettings(address, search_depth)
        self.machine(name).store.set_config(SETTINGS_KEY, settings.to_json())
        client = self._client(name)
        if client.running:
            sync_log(self.machine(name), "Info", "connection settings saved: they take effect when the machine restarts")
        return settings

    def restart_machine(self, name: str) -> None:
        """Turns the machine off and on again (connection settings take effect, SYNC-20)."""
        machine = self.machine(name)
        machine.set_power(PowerState.OFF)
        machine.set_power(PowerState.ON)

    def sync_status(self, name: str) -> SyncStatus:
        """What ``<Synchronize Custom Settings>`` shows for one machine."""
        functions = self.machine(name).functions
        server, client = functions.get("sync_server"), functions.get("sync_client")
        return SyncStatus(
            machine=name,
            server_running=bool(server and server.running),
            client_running=bool(client and client.running),
            connected_to=client.server if client and client.link is not None else "",
            client_state=client.state if client else "Stopped",
            settings=client.settings() if client else SyncClientSettings(),
            settings_pending=bool(client and client.settings_pending),
            clients=tuple(sorted(server.links)) if server else (),
            pending_changes=client.pending_changes if client else 0,
        )

    def sync_log_entries(self, name: str, level: str | None = None) -> list[SyncLogEntry]:
        """The machine's sync log, newest first (SYNC-14)."""
        return read_sync_log(self.machine(name), level)

    # --- login users and their data (SYNC-08, SYNC-09) -----------------------------------------------------

    def login_user(self, name: str, user: str, password: str = "") -> None:
        """Logs a user in at the panel; on a synchronized machine they get their data from the server.

        Raises:
            AuthError: The machine does not use user authentication, or the name is empty.
        """
        machine = self.machine(name)
        machine.require_operable("login")
        if not machine.spec.user_authentication:
            raise AuthError(f"{name} does not use user authentication: there is no user login", "SYNC-08")
        user = user.strip()
        if not user or any(ord(ch) < 32 for ch in user):
            raise AuthError("type a user name", "SYNC-08")
        del password  # the emulated login service accepts every user (D): the rules are about their data
        store, now = machine.store, self.clock.now()
        new = not any(u.user == user for u in store.list_users())
        store.touch_login(user, now)
        if new and not self._sync_in_use(name):
            self._local_user_limit(machine, user)
        machine.panel.user = user
        self.bus.publish(LoginEvent(at=now, machine=name, kind="user logged in", detail=user))
        client = machine.functions.get("sync_client")
        if client is not None and client.running:
            client.logged_in(user)

    def _local_user_limit(self, machine: Machine, newcomer: str) -> None:
        users = [u.user for u in machine.store.list_users()]
        if len(users) <= MAX_SYNC_USERS:
            return
        if self.personal_settings_action(machine.name) is UserLimitAction.DISCARD_NEW:
            machine.store.delete_user(newcomer)
            return
        for victim in users_to_evict(users, MAX_SYNC_USERS, {newcomer}):
            machine.store.delete_user(victim)

    def logged_in_user(self, name: str) -> str:
        """The user logged in at the panel (empty when none)."""
        return self.machine(name).panel.user

    def users_on(self, name: str) -> list[str]:
        """Users whose data this machine holds, least recently logged in first."""
        return [u.user for u in self.machine(name).store.list_users()]

    def personal_data(self, name: str, user: str) -> PersonalData:
        """A user's personalized data on this machine (defaults where nothing is stored)."""
        machine = self.machine(name)
        stored = machine.store.user_items(user)
        client = machine.functions.get("sync_client")
        values, sharing, versions = {}, {}, {}
        for item in PersonalItem:
            it = stored.get(item.value)
            values[item] = it.value if it is not None else item.default()
            sharing[item] = SharingRange(it.sharing.value) if it is not None else SharingRange.SHARED
            if it is not None:
                versions[item] = it.version
        withheld = client.withheld if client is not None else frozenset()
        return PersonalData(user, values, sharing, versions, withheld)

    def _require_user(self, name: str, user: str) -> Machine:
        machine = self.machine(name)
        machine.require_operable("changing personal settings")
        if machine.panel.user != user:
            raise AuthError(f"log in as {user} at {name} to change {user}'s settings", "SYNC-08")
        return machine

    def set_personal_item(self, name: str, user: str, item: PersonalItem | str, value: Any) -> int:
        """Changes one item of the logged-in user's data; returns its new version here."""
        machine = self._require_user(name, user)
        item = PersonalItem(item)
        try:
            check_item_value(item, value)
        except ValueError as exc:
            raise RuleRefusal(str(exc), "SYNC-08") from None
        if (not self._sync_in_use(name) and len(machine.store.user_items(user)) == 0
                and self.personal_settings_action(name) is UserLimitAction.DISCARD_NEW
                and len(machine.store.list_users()) > MAX_SYNC_USERS):
            raise RuleRefusal("the maximum number of users is reached: new user settings are discarded", "SYNC-03")
        store = machine.store
        before = {k: v.version for k, v in store.user_items(user).items()}
        client = machine.functions.get("sync_client")
        sharing = client.sharing_of(item.value) if client is not None else None
        versions = store.put_user_items(user, {item.value: value}, self.clock.now(), sharing)
        if client is not None:
            client.changed(user, versions, before)
        self.bus.publish(DataChanged(at=self.clock.now(), machine=name, what="personal_data",
                                     detail=f"{user}: {item.label}"))
        return versions[item.value]

    def _append(self, name: str, user: str, item: PersonalItem, entry: Any) -> int:
        current = self.personal_data(name, user)[item]
        return self.set_personal_item(name, user, item, [*current, entry])

    def add_personal_address(self, name: str, user: str, entry_name: str, address: str, kind: str = "E-Mail") -> int:
        """Adds an entry to the user's personal address list."""
        if kind not in ADDRESS_TYPES:
            raise RuleRefusal(f"address type must be one of {', '.join(ADDRESS_TYPES)}", "SYNC-08")
        return self._append(name, user, PersonalItem.PERSONAL_ADDRESS_LIST,
                            {"name": entry_name, "address": address, "type": kind})

    def add_personal_button(self, name: str, user: str, label: str, function: str = "Copy") -> int:
        """Adds a personal button to the user's Home screen."""
        return self._append(name, user, PersonalItem.PERSONAL_BUTTONS, {"label": label, "function": function})

    def add_shortcut(self, name: str, user: str, label: str, function: str = "Copy") -> int:
        """Adds a shortcut (Copy, Fax, Scan and Send)."""
        return self._append(name, user, PersonalItem.SHORTCUTS, {"label": label, "function": function})

    def add_group_address(self, name: str, user: str, group: str, entry_name: str, address: str,
                          kind: str = "E-Mail") -> int:
        """Adds an entry to one of the user's group address lists."""
        lists = dict(self.personal_data(name, user)[PersonalItem.GROUP_ADDRESS_LISTS])
        lists[group] = [*lists.get(group, []), {"name": entry_name, "address": address, "type": kind}]
        return self.set_personal_item(name, user, PersonalItem.GROUP_ADDRESS_LISTS, lists)

    def add_keychain_entry(self, name: str, user: str, destination: str | int, account: str) -> int:
        """Adds a keychain entry for a connection destination, stored by its registration number (SYNC-16)."""
        if isinstance(destination, str):
            registered = self.connection_destinations(name)
            if destination not in registered:
                raise RuleRefusal(f"{destination!r} is not a connection destination of {name}", "SYNC-16")
            destination = registered.index(destination) + 1
        return self._append(name, user, PersonalItem.KEYCHAIN, {"destination": destination, "account": account})

    def keychain_targets(self, name: str, user: str) -> list[tuple[int, str, str]]:
        """Where the user's keychain entries lead on this machine: ``(number, account, destination)`` (SYNC-16)."""
        return keychain_targets(self.personal_data(name, user)[PersonalItem.KEYCHAIN], self.connection_destinations(name))

    def connection_destinations(self, name: str) -> list[str]:
        """The machine's connection destinations (Advanced Space, file servers) in registration order."""
        return list(self.machine(name).store.get_config(DESTINATIONS_KEY) or [])

    def register_connection_destination(self, name: str, destination: str) -> int:
        """Registers a connection destination; returns its registration number (Administrator)."""
        self.require_admin(name)
        registered = self.connection_destinations(name)
        if destination in registered:
            raise RuleRefusal(f"{destination} is already registered", "SYNC-16")
        registered.append(destination)
        machine = self.machine(name)
        machine.store.set_config(DESTINATIONS_KEY, registered)
        client = machine.functions.get("sync_client")
        if client is not None:
            client.send_profile()
        return len(registered)

    def common_setting(self, name: str, item: CommonItem | str) -> Any:
        """A shared non-personal setting as this machine holds it (SYNC-09)."""
        item = CommonItem(item)
        entry = (self.machine(name).store.get_config(COMMON_KEY) or {}).get(item.value)
        return entry["value"] if entry else item.default()

    def set_common_setting(self, name: str, item: CommonItem | str, value: Any) -> None:
        """Changes a shared non-personal setting here (Administrator); a synchronized machine passes it on."""
        self.require_admin(name)
        item = CommonItem(item)
        try:
            check_common_value(item, value)
        except ValueError as exc:
            raise RuleRefusal(str(exc), "SYNC-09") from None
        machine = self.machine(name)
        common = dict(machine.store.get_config(COMMON_KEY) or {})
        base = int(common.get(item.value, {}).get("version", 0))
        common[item.value] = {"value": value, "version": base + 1}
        machine.store.set_config(COMMON_KEY, common)
        client = machine.functions.get("sync_client")
        if client is not None and client.running:
            client.changed_common(item.value, value, base, base + 1)

    # --- SYNC-03, SYNC-12, SYNC-13, SYNC-11 ----------------------------------------------------------------

    def personal_settings_action(self, name: str) -> UserLimitAction:
        """``<Action When Maximum Number of Users Exceeded>`` (fixed while sync is in use, SYNC-03)."""
        if self._sync_in_use(name):
            return UserLimitAction.DELETE_OLDEST
        data = self.machine(name).store.get_config(PERSONAL_SETTINGS_KEY) or {}
        return UserLimitAction(data.get("action", UserLimitAction.DELETE_OLDEST.value))

    def set_personal_settings_action(self, name: str, action: UserLimitAction) -> None:
        """Changes ``<Action When Maximum Number of Users Exceeded>`` (Administrator); refused while syncing (SYNC-03)."""
        self.require_admin(name)
        if self._sync_in_use(name) and action is not UserLimitAction.DELETE_OLDEST:
            raise RuleRefusal("while synchronization is in use this is fixed to <Delete Oldest User Settings>", "SYNC-03")
        self.machine(name).store.set_config(PERSONAL_SETTINGS_KEY, {"action": action.value})

    def set_user_group_management(self, name: str, groups_by_department: bool) -> None:
        """Sets whether user groups are Department IDs (then the IDs must match for SYNC-04; Administrator)."""
        self.require_admin(name)
        self.machine(name).store.set_config(GROUPS_KEY, {"groups_by_department": groups_by_department})

    def require_no_sync_for_import_export(self, name: str) -> None:
        """Raises while this machine's client synchronizes (SYNC-12); Import/Export calls this first."""
        client = self.machine(name).functions.get("sync_client")
        if client is None or not client.running:
            return
        until = self.machine(name).store.get_config(EXPORT_WINDOW_KEY)
        if until and self.clock.now() < datetime.fromisoformat(until):
            return
        raise RuleRefusal(f"{name} synchronizes personalized data: import and export of synchronized data "
                          "(the Address Book too) are not possible until its client function is stopped", "SYNC-12")

    def prepare_user_data_export(self, server: str) -> datetime:
        """``[Prepare for User Data Export]``: allows import/export for 15 minutes on a localhost server/client."""
        self.require_admin(server)
        self._server(server)
        client = self._client(server)
        if not (client.running and client.settings().server.is_localhost):
            raise RuleRefusal("only on a server machine whose own client connects to localhost:8443", "SYNC-12")
        until = self.clock.now() + EXPORT_WINDOW
        self.machine(server).store.set_config(EXPORT_WINDOW_KEY, until.isoformat())
        return until

    def sleep_refusal(self, name: str) -> str:
        """Why the machine would not enter Sleep now because of sync (SYNC-13); empty when it would."""
        server = self.machine(name).functions.get("sync_server")
        return server.sleep_refusal() if server is not None else ""

    def malfunction(self, name: str) -> int:
        """Fault: the machine malfunctions while synchronizing (SYNC-11); returns the device-specific items lost."""
        machine = self.machine(name)
        if not self._sync_in_use(name):
            raise MachineBusy(f"{name} does not synchronize: nothing to lose", "SYNC-11")
        lost = 0
        client = machine.functions.get("sync_client")
        if client is not None and client.running:
            lost += client.malfunction()
        server = machine.functions.get("sync_server")
        if server is not None and server.running:
            server._drop_device_copies(name, self.clock.now())
            for link in list(server.links.values()):
                link.abort("the server malfunctioned")
        machine.set_error("E-SYNC")
        sync_log(machine, "Error", f"malfunction during synchronization: {lost} device-specific item(s) could not "
                 "be recovered and return to their defaults (SYNC-11)")
        return lost
