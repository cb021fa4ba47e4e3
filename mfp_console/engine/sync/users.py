"""``fleet.users``: login users at the panel and their personalized data (SYNC-03, SYNC-08, SYNC-09, SYNC-16).

A user logs in at a machine's panel and finds their personalized data there; on a synchronized machine
the data comes from the sync server and every change goes back to it (SYNC-08). Shared non-personal
settings (SYNC-09) and the machine's connection destinations, which keychain entries point at by number
(SYNC-16), live here too. A logged-in user changes only their own data.
"""

from __future__ import annotations

from typing import Any

from mfp_console.domain.sync_items import (
    ADDRESS_TYPES,
    CommonItem,
    PersonalData,
    PersonalItem,
    SharingRange,
    check_common_value,
    check_item_value,
    keep_unreflected,
    keychain_targets,
    reflected_value,
    unreflected_parts,
)
from mfp_console.domain.sync_rules import users_to_evict
from mfp_console.domain.sync_settings import MAX_SYNC_USERS, UserLimitAction
from mfp_console.engine.events import DataChanged, LoginEvent
from mfp_console.engine.machine import Machine, MachineRoster
from mfp_console.engine.panel import PanelPart
from mfp_console.engine.runtime import Runtime
from mfp_console.engine.sync.client import (
    COMMON_KEY,
    DESTINATIONS_KEY,
    SyncClient,
    connection_destinations_of,
)
from mfp_console.engine.sync.part import SyncPart
from mfp_console.errors import AuthError, RuleRefusal

__all__ = ["UsersPart"]

PERSONAL_SETTINGS_KEY = "manage_personal_settings"


class UsersPart:
    """Login users and their data on every machine.

    Args:
        runtime: The fleet's clock and bus.
        machines: The machines running here.
        panel: Who is logged in (Administrator-only settings, M-03).
        sync: Whether a machine synchronizes.
    """

    def __init__(self, runtime: Runtime, machines: MachineRoster, panel: PanelPart, sync: SyncPart) -> None:
        self._runtime = runtime
        self._machines = machines
        self._panel = panel
        self._sync = sync

    # --- login users and their data (SYNC-08, SYNC-09) -----------------------------------------------------

    def login_user(self, name: str, user: str, password: str = "") -> None:
        """Logs a user in at the panel; on a synchronized machine they get their data from the server.

        Raises:
            AuthError: The machine does not use user authentication, or the name is empty.
        """
        machine = self._machines(name)
        machine.require_operable("login")
        if not machine.spec.user_authentication:
            raise AuthError(f"{name} does not use user authentication: there is no user login", "SYNC-08")
        user = user.strip()
        if not user or any(ord(ch) < 32 for ch in user):
            raise AuthError("type a user name", "SYNC-08")
        del password  # the emulated login service accepts every user (D): the rules are about their data
        store, now = machine.store, self._runtime.clock.now()
        new = not any(u.user == user for u in store.list_users())
        store.touch_login(user, now)
        if new and not self._sync.in_use(name):
            self._local_user_limit(machine, user)
        machine.panel.user = user
        self._runtime.bus.publish(LoginEvent(at=now, machine=name, kind="user logged in", detail=user))
        client = machine.functions.get(SyncClient)
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
        return self._machines(name).panel.user

    def users_on(self, name: str) -> list[str]:
        """Users whose data this machine holds, least recently logged in first."""
        return [u.user for u in self._machines(name).store.list_users()]

    def personal_data(self, name: str, user: str) -> PersonalData:
        """A user's personalized data on this machine (defaults where nothing is stored)."""
        machine = self._machines(name)
        stored = machine.store.user_items(user)
        client = machine.functions.get(SyncClient)
        values, sharing, versions = {}, {}, {}
        for item in PersonalItem:
            it = stored.get(item.value)
            values[item] = it.value if it is not None else item.default()
            sharing[item] = SharingRange(it.sharing.value) if it is not None else SharingRange.SHARED
            if it is not None:
                versions[item] = it.version
        withheld = client.withheld if client is not None else frozenset()
        options = machine.identity.options
        shown = {item: reflected_value(item, value, options) for item, value in values.items()}
        return PersonalData(user, shown, sharing, versions, withheld, unreflected_parts(options))

    def _require_user(self, name: str, user: str) -> Machine:
        machine = self._machines(name)
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
        if (not self._sync.in_use(name) and len(machine.store.user_items(user)) == 0
                and self.personal_settings_action(name) is UserLimitAction.DISCARD_NEW
                and len(machine.store.list_users()) > MAX_SYNC_USERS):
            raise RuleRefusal("the maximum number of users is reached: new user settings are discarded", "SYNC-03")
        store = machine.store
        stored = store.user_items(user)
        before = {k: v.version for k, v in stored.items()}
        if item.value in stored:  # SYNC-22: what this machine does not show stays as it was
            value = keep_unreflected(item, value, stored[item.value].value, machine.identity.options)
        client = machine.functions.get(SyncClient)
        sharing = client.sharing_of(item.value) if client is not None else None
        versions = store.put_user_items(user, {item.value: value}, self._runtime.clock.now(), sharing)
        if client is not None:
            client.changed(user, versions, before)
        self._runtime.bus.publish(DataChanged(at=self._runtime.clock.now(), machine=name, what="personal_data",
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
        return connection_destinations_of(self._machines(name))

    def register_connection_destination(self, name: str, destination: str) -> int:
        """Registers a connection destination; returns its registration number (Administrator)."""
        self._panel.require_admin(name)
        registered = self.connection_destinations(name)
        if destination in registered:
            raise RuleRefusal(f"{destination} is already registered", "SYNC-16")
        registered.append(destination)
        machine = self._machines(name)
        machine.store.set_config(DESTINATIONS_KEY, registered)
        client = machine.functions.get(SyncClient)
        if client is not None:
            client.send_profile()
        return len(registered)

    def common_setting(self, name: str, item: CommonItem | str) -> Any:
        """A shared non-personal setting as this machine holds it (SYNC-09)."""
        item = CommonItem(item)
        entry = (self._machines(name).store.get_config(COMMON_KEY) or {}).get(item.value)
        return entry["value"] if entry else item.default()

    def set_common_setting(self, name: str, item: CommonItem | str, value: Any) -> None:
        """Changes a shared non-personal setting here (Administrator); a synchronized machine passes it on."""
        self._panel.require_admin(name)
        item = CommonItem(item)
        try:
            check_common_value(item, value)
        except ValueError as exc:
            raise RuleRefusal(str(exc), "SYNC-09") from None
        machine = self._machines(name)
        common = dict(machine.store.get_config(COMMON_KEY) or {})
        base = int(common.get(item.value, {}).get("version", 0))
        common[item.value] = {"value": value, "version": base + 1}
        machine.store.set_config(COMMON_KEY, common)
        client = machine.functions.get(SyncClient)
        if client is not None and client.running:
            client.changed_common(item.value, value, base)

    # --- <Manage Personal Settings> (SYNC-03) -------------------------------------------------------------

    def personal_settings_action(self, name: str) -> UserLimitAction:
        """``<Action When Maximum Number of Users Exceeded>`` (fixed while sync is in use, SYNC-03)."""
        if self._sync.in_use(name):
            return UserLimitAction.DELETE_OLDEST
        data = self._machines(name).store.get_config(PERSONAL_SETTINGS_KEY) or {}
        return UserLimitAction(data.get("action", UserLimitAction.DELETE_OLDEST.value))

    def set_personal_settings_action(self, name: str, action: UserLimitAction) -> None:
        """Changes ``<Action When Maximum Number of Users Exceeded>`` (Administrator); refused while syncing (SYNC-03)."""
        self._panel.require_admin(name)
        if self._sync.in_use(name) and action is not UserLimitAction.DELETE_OLDEST:
            raise RuleRefusal("while synchronization is in use this is fixed to <Delete Oldest User Settings>", "SYNC-03")
        self._machines(name).store.set_config(PERSONAL_SETTINGS_KEY, {"action": action.value})

