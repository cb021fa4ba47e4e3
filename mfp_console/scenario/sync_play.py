"""Playing the ``sync`` step and checking ``expect: {sync: …}`` through the fleet facade (issue 6).

Actions that need an Administrator log in with the machine's System Manager ID and PIN and log out again
after, like the other engine shortcuts; a login user who was at that panel stays logged in (the facade's
``logout`` ends both sessions, so the user's session is put back as it was, without a new login).
Personal data actions act as ``user`` or, when it is not written, as the user logged in at that machine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mfp_console.domain.sync_items import CommonItem, PersonalItem, SharingRange
from mfp_console.domain.sync_settings import BackupMode, BackupSchedule, UserLimitAction
from mfp_console.scenario import model as m
from mfp_console.scenario.expectations import Mismatch

__all__ = ["SyncStepProblem", "check_sync", "play_sync_action"]

_ADMIN_ACTIONS = {
    "start_server", "stop_server", "start_client", "stop_client", "client_settings", "connection_destination",
    "common", "sharing", "delete_users", "stop_client_from_server", "backup", "restore_backup", "schedule",
    "replica", "replicate", "begin_server_change", "user_limit_action", "group_management", "export",
    "use_proxy", "replica_source", "export_personal",
}


class SyncStepProblem(Exception):
    """A ``sync`` step cannot be played as written (e.g. nobody is logged in to add data for)."""


async def play_sync_action(fleet: Any, action: m.SyncAction, credentials: Mapping[str, tuple[str, str]]) -> None:
    """Plays one action of a ``sync`` step."""
    name = action.action
    where = str(action.get("server") or action.get("old") or action.get("machine") or "")
    if name in _ADMIN_ACTIONS:
        await _as_admin(fleet, where, credentials, lambda: _admin_call(fleet, action, where))
        return
    if name == "restart":
        fleet.faults.restart(where)
    elif name == "logout":
        fleet.panel.logout(where)
    elif name == "malfunction":
        fleet.sync.malfunction(where)
    elif name == "login":
        fleet.users.login_user(where, str(action.get("user")))
    elif name == "login_range":
        # One login after another, as people walking up to the panel would (SYNC-03's order is theirs).
        pattern = str(action.get("user"))
        for n in range(int(action.get("first")), int(action.get("last")) + 1):
            fleet.users.login_user(where, pattern.format(n=n))
            await fleet.settle()
    elif name == "energy_saver":
        fleet.panel.energy_saver(where)
    else:
        user = str(action.get("user") or fleet.users.logged_in_user(where))
        if not user:
            raise SyncStepProblem(f"'{name}': nobody is logged in at {where}; add a 'login' first or name 'user'")
        _personal(fleet, action, where, user)


def _personal(fleet: Any, action: m.SyncAction, where: str, user: str) -> None:
    get = action.get
    if action.action == "add_address":
        fleet.users.add_personal_address(where, user, get("name"), get("address"), get("type", "E-Mail"))
    elif action.action == "add_button":
        fleet.users.add_personal_button(where, user, get("label"), get("function", "Copy"))
    elif action.action == "add_shortcut":
        fleet.users.add_shortcut(where, user, get("label"), get("function", "Copy"))
    elif action.action == "add_group_address":
        fleet.users.add_group_address(where, user, get("group"), get("name"), get("address"), get("type", "E-Mail"))
    elif action.action == "add_keychain":
        destination = str(get("destination"))
        fleet.users.add_keychain_entry(where, user, int(destination) if destination.isdigit() else destination,
                                 get("account"))
    elif action.action == "set_item":
        fleet.users.set_personal_item(where, user, PersonalItem(get("item")), get("value"))
    else:  # pragma: no cover - the vocabulary and this dispatch agree
        raise SyncStepProblem(f"unknown sync action {action.action!r}")


async def _as_admin(fleet: Any, name: str, credentials: Mapping[str, tuple[str, str]],
                    work: Callable[[], Any]) -> None:
    was_admin = fleet.panel.is_admin(name)
    if not was_admin:
        fleet.panel.login_admin(name, *credentials[name])
    try:
        result = work()
        if hasattr(result, "__await__"):
            await result
    finally:
        if not was_admin and fleet.is_running(name):
            fleet.panel.logout_admin(name)  # a login user's session goes on


def _admin_call(fleet: Any, action: m.SyncAction, where: str) -> Any:
    get, name = action.get, action.action
    if name == "start_server":
        return fleet.sync.start_server(where)
    if name == "stop_server":
        return fleet.sync.stop_server(where)
    if name == "start_client":
        return fleet.sync.start_client(where)
    if name == "stop_client":
        return fleet.sync.stop_client(where)
    if name == "client_settings":
        current = fleet.sync.client_settings(where)
        address = get("address", current.address)
        return fleet.sync.set_client_settings(where, str(address), int(get("search_depth", current.search_depth)))
    if name == "connection_destination":
        return fleet.users.register_connection_destination(where, get("name"))
    if name == "common":
        return fleet.users.set_common_setting(where, CommonItem(get("item")), get("value"))
    if name == "sharing":
        return fleet.sync_server.set_sharing_range(where, PersonalItem(get("item")), SharingRange(get("range")))
    if name == "delete_users":
        return fleet.sync_server.delete_user_data(where, list(get("users")))  # type: ignore[arg-type]
    if name == "stop_client_from_server":
        return fleet.sync_server.stop_client(where, get("client"))
    if name == "backup":
        return fleet.sync_server.backup(where, get("target", "device"))
    if name == "restore_backup":
        return fleet.sync_server.restore(where, get("path"))
    if name == "schedule":
        current = fleet.sync_server.backup_schedule(where)
        schedule = BackupSchedule(BackupMode(get("mode")), str(get("start", current.start)),
                                  str(get("weekday", current.weekday)), str(get("target", current.target)))
        return fleet.sync_server.set_backup_schedule(where, schedule)
    if name == "replica":
        return fleet.sync_server.set_replica(where, get("machine"))
    if name == "replicate":
        return fleet.sync_server.replicate(where, get("to"))
    if name == "begin_server_change":
        return fleet.sync_server.begin_server_change(where, get("new"))
    if name == "user_limit_action":
        return fleet.users.set_personal_settings_action(where, UserLimitAction(get("action")))
    if name == "group_management":
        return fleet.sync.set_user_group_management(where, bool(get("by_department")))
    if name == "use_proxy":
        return fleet.data.set_setting_value(where, "Preferences/Network/Use Proxy", str(get("value")))
    if name == "replica_source":
        return fleet.sync_server.set_replica_source(where, get("source"))
    if name == "export":
        folder = Path(tempfile.mkdtemp(prefix="mfp-sync-export-"))
        return fleet.import_export.export_device_info(where, folder / f"{where}.json")
    if name == "export_personal":
        folder = Path(tempfile.mkdtemp(prefix="mfp-sync-export-"))
        return fleet.import_export.export_personal_data(where, folder / f"{where}-personal.json")
    raise SyncStepProblem(f"unknown sync action {name!r}")  # pragma: no cover


# --- expectations ------------------------------------------------------------------------------------


def _names(entries: Any, key: str) -> list[str]:
    return sorted(str(e.get(key, "")) for e in entries)


def check_sync(c: m.SyncCheck, fleet: Any) -> Mismatch | None:
    """Checks every field of ``c``; the first that does not hold is the mismatch.

    With ``machine`` the personal fields read what that machine holds; with ``server`` they read the server
    copies that machine keeps as the sync server (shared items), like ``users`` does.
    """
    where = str(c.get("machine") or c.get("server"))
    user = str(c.get("user") or "")
    data = None
    if user:
        data = fleet.sync_server.server_personal_data(where, user) if c.get("server") else \
            fleet.users.personal_data(where, user)
    for key, wanted in c.fields:
        if key in ("machine", "server", "user"):
            continue
        got = _actual(fleet, c, key, where, data)
        if key in ("sharing", "device_state", "common", "values"):  # only the items, devices or settings named
            named = {k for k, _ in wanted}
            got = tuple(pair for pair in got if pair[0] in named)
        if key in ("log", "device_notes", "has_users", "lacks_users"):
            held, shown_want = _contains(key, wanted, got)
        else:
            shown_want = _shown(wanted, key)
            held = _shown(got, key) == shown_want
        if not held:
            if key == "log":
                got = "; ".join(f"{e.level}: {e.message}" for e in got[:6]) or "(empty log)"
            elif key == "device_notes":
                got = "; ".join(got) or "(no notes)"
            who = f"{user}'s " if user and data is not None and key in _PERSONAL else ""
            return Mismatch(f"{who}{key.replace('_', ' ')} on {where} differs", shown_want, _shown(got, key))
    return None


_PERSONAL = ("addresses", "buttons", "shortcuts", "keychain", "groups", "display_language", "withheld", "values",
             "keychain_targets")


def _actual(fleet: Any, c: m.SyncCheck, key: str, where: str, data: Any) -> Any:
    status = fleet.sync.status(where)
    if key == "addresses":
        return _names(data.personal_addresses, "name")
    if key == "buttons":
        return _names(data.personal_buttons, "label")
    if key == "shortcuts":
        return _names(data[PersonalItem.SHORTCUTS], "label")
    if key == "keychain":
        return _names(data[PersonalItem.KEYCHAIN], "account")
    if key == "groups":
        return sorted(data[PersonalItem.GROUP_ADDRESS_LISTS])
    if key == "display_language":
        return data.display_language
    if key == "withheld":
        return sorted(item.value for item in data.withheld)
    if key == "keychain_targets":
        return [target for _, _, target in fleet.users.keychain_targets(where, data.user)]
    if key in ("users", "has_users", "lacks_users"):
        return sorted(fleet.sync_server.users(where) if c.get("server") else fleet.users.users_on(where))
    if key == "log":
        return fleet.sync.log_entries(where)
    if key == "server_function":
        return "running" if status.server_running else "stopped"
    if key == "client_function":
        return "running" if status.client_running else "stopped"
    if key == "connected_to":
        return status.connected_to or "none"
    if key == "devices":
        return sorted(row.device_name for row in fleet.sync_server.device_list(where))
    if key == "device_state":
        return tuple(sorted((row.device_name, row.state.value) for row in fleet.sync_server.device_list(where)))
    if key == "device_notes":
        return [note for row in fleet.sync_server.device_list(where) for note in row.notes]
    if key == "sharing":
        return tuple(sorted((item.value, rng.value) for item, rng in fleet.sync_server.sharing_ranges(where).items()))
    if key == "user_limit_action":
        return fleet.users.personal_settings_action(where).value
    if key == "sleep_refused":
        return bool(fleet.sync.sleep_refusal(where))
    if key == "backups":  # the server's own storage (a share needs a real SMB server: tests/sync/test_sync18_smb.py)
        return len(fleet.sync_server.device_backups(where))
    if key == "server_change_next":
        change = fleet.sync_server.server_change()
        return change.next_step.value if change is not None and change.next_step is not None else "none"
    if key == "pending_changes":
        return status.pending_changes
    if key == "logged_in":
        return fleet.users.logged_in_user(where) or "none"
    if key == "settings_pending":
        return status.settings_pending
    if key == "common":
        return tuple(sorted((item.value, fleet.users.common_setting(where, item)) for item in CommonItem))
    if key == "values":
        return tuple(sorted((item.value, data.values[item]) for item in PersonalItem))
    if key == "same_as_server":
        server = str(c.get("same_as_server"))
        differ = fleet.sync_server.copy_differences(server, where, data.user)
        return "differs in " + ", ".join(differ) if differ else server
    raise KeyError(key)  # pragma: no cover


def _shown(value: Any, key: str) -> str:
    if key in ("device_state", "sharing", "common", "values") and isinstance(value, tuple):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value, key=lambda pair: str(pair[0])))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in sorted(value, key=str)) + "]"
    return str(value)


def _contains(key: str, wanted: Any, got: Any) -> tuple[bool, str]:
    if key == "log":
        level, contains, count = (dict(wanted)[k] for k in ("level", "contains", "count"))
        hits = [e for e in got if (not level or e.level == level) and contains.casefold() in e.message.casefold()]
        text = f"{count if count is not None else 'an'} entr{'y' if count in (None, 1) else 'ies'}" \
               f"{' of level ' + level if level else ''}{' containing ' + repr(contains) if contains else ''}"
        return (len(hits) == count if count is not None else bool(hits)), text
    if key == "device_notes":
        return any(str(wanted).casefold() in note.casefold() for note in got), f"a note containing {wanted!r}"
    if key == "has_users":
        return set(wanted) <= set(got), f"at least {_shown(wanted, key)}"
    return not set(wanted) & set(got), f"none of {_shown(wanted, key)}"  # lacks_users
