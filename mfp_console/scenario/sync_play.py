"""Playing the ``sync`` step and checking ``expect: {sync: …}`` through the fleet facade (issue 6).

Actions that need an Administrator log in with the machine's System Manager ID and PIN and log out again
after, like the other engine shortcuts; a login user who was at that panel stays logged in (the facade's
``logout`` ends both sessions, so the user's session is put back as it was, without a new login).
Personal data actions act as ``user`` or, when it is not written, as the user logged in at that machine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mfp_console.domain.sync_items import CommonItem, PersonalItem, SharingRange
from mfp_console.domain.sync_settings import BackupMode, BackupSchedule, UserLimitAction
from mfp_console.scenario import model as m
from mfp_console.scenario.expectations import Mismatch
from mfp_console.scenario.vocabulary import SYNC_ACTIONS

__all__ = ["SyncStepProblem", "check_sync", "play_sync_action"]

class SyncStepProblem(Exception):
    """A ``sync`` step cannot be played as written (e.g. nobody is logged in to add data for)."""


async def play_sync_action(fleet: Any, action: m.SyncAction, credentials: Mapping[str, tuple[str, str]]) -> None:
    """Plays one action of a ``sync`` step: its form (:data:`SYNC_ACTIONS`) says whether as Administrator."""
    name = action.action
    where = str(action.get("server") or action.get("old") or action.get("machine") or "")
    play = _PLAY[name]
    if SYNC_ACTIONS[name].admin:
        await _as_admin(fleet, where, credentials, lambda: play(fleet, action, where))
        return
    result = play(fleet, action, where)
    if hasattr(result, "__await__"):
        await result


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


Play = Callable[[Any, m.SyncAction, str], Any]
"""Plays one action on ``where`` through the fleet facade; may return an awaitable."""


async def _login_range(fleet: Any, action: m.SyncAction, where: str) -> None:
    # One login after another, as people walking up to the panel would (SYNC-03's order is theirs).
    pattern = str(action.get("user"))
    for n in range(int(action.get("first")), int(action.get("last")) + 1):
        fleet.users.login_user(where, pattern.format(n=n))
        await fleet.settle()


def _as_user(work: Callable[[Any, m.SyncAction, str, str], Any]) -> Play:
    """A personal-data action: as ``user``, or as the user logged in at that machine."""

    def play(fleet: Any, action: m.SyncAction, where: str) -> Any:
        user = str(action.get("user") or fleet.users.logged_in_user(where))
        if not user:
            raise SyncStepProblem(f"'{action.action}': nobody is logged in at {where}; add a 'login' first "
                                  "or name 'user'")
        return work(fleet, action, where, user)

    return play


def _client_settings(fleet: Any, action: m.SyncAction, where: str) -> None:
    current = fleet.sync.client_settings(where)
    address = action.get("address", current.address)
    fleet.sync.set_client_settings(where, str(address), int(action.get("search_depth", current.search_depth)))


def _schedule(fleet: Any, action: m.SyncAction, where: str) -> None:
    get = action.get
    current = fleet.sync_server.backup_schedule(where)
    schedule = BackupSchedule(BackupMode(get("mode")), str(get("start", current.start)),
                              str(get("weekday", current.weekday)), str(get("target", current.target)))
    fleet.sync_server.set_backup_schedule(where, schedule)


def _keychain(fleet: Any, action: m.SyncAction, where: str, user: str) -> None:
    destination = str(action.get("destination"))
    fleet.users.add_keychain_entry(where, user, int(destination) if destination.isdigit() else destination,
                                   action.get("account"))


def _export(personal: bool) -> Play:
    def play(fleet: Any, action: m.SyncAction, where: str) -> Any:
        folder = fleet.state_dir / "exports"  # with the scenario's machines, not left behind in /tmp
        if personal:
            return fleet.import_export.export_personal_data(where, folder / f"{where}-personal.json")
        return fleet.import_export.export_device_info(where, folder / f"{where}.json")

    return play


_PLAY: dict[str, Play] = {
    "start_server": lambda f, a, w: f.sync.start_server(w),
    "stop_server": lambda f, a, w: f.sync.stop_server(w),
    "start_client": lambda f, a, w: f.sync.start_client(w),
    "stop_client": lambda f, a, w: f.sync.stop_client(w),
    "restart": lambda f, a, w: f.faults.restart(w),
    "logout": lambda f, a, w: f.panel.logout(w),
    "malfunction": lambda f, a, w: f.sync.malfunction(w),
    "client_settings": _client_settings,
    "login": lambda f, a, w: f.users.login_user(w, str(a.get("user"))),
    "login_range": _login_range,
    "energy_saver": lambda f, a, w: f.panel.energy_saver(w),
    "use_proxy": lambda f, a, w: f.data.set_setting_value(w, "Preferences/Network/Use Proxy", str(a.get("value"))),
    "replica_source": lambda f, a, w: f.sync_server.set_replica_source(w, a.get("source")),
    "add_address": _as_user(lambda f, a, w, u: f.users.add_personal_address(
        w, u, a.get("name"), a.get("address"), a.get("type", "E-Mail"))),
    "add_button": _as_user(lambda f, a, w, u: f.users.add_personal_button(w, u, a.get("label"),
                                                                            a.get("function", "Copy"))),
    "add_shortcut": _as_user(lambda f, a, w, u: f.users.add_shortcut(w, u, a.get("label"), a.get("function", "Copy"))),
    "add_group_address": _as_user(lambda f, a, w, u: f.users.add_group_address(
        w, u, a.get("group"), a.get("name"), a.get("address"), a.get("type", "E-Mail"))),
    "add_keychain": _as_user(_keychain),
    "set_item": _as_user(lambda f, a, w, u: f.users.set_personal_item(w, u, PersonalItem(a.get("item")),
                                                                        a.get("value"))),
    "connection_destination": lambda f, a, w: f.users.register_connection_destination(w, a.get("name")),
    "common": lambda f, a, w: f.users.set_common_setting(w, CommonItem(a.get("item")), a.get("value")),
    "sharing": lambda f, a, w: f.sync_server.set_sharing_range(w, PersonalItem(a.get("item")),
                                                               SharingRange(a.get("range"))),
    "delete_users": lambda f, a, w: f.sync_server.delete_user_data(w, list(a.get("users"))),
    "stop_client_from_server": lambda f, a, w: f.sync_server.stop_client(w, a.get("client")),
    "backup": lambda f, a, w: f.sync_server.backup(w, a.get("target", "device")),
    "restore_backup": lambda f, a, w: f.sync_server.restore(w, a.get("path")),
    "schedule": _schedule,
    "replica": lambda f, a, w: f.sync_server.set_replica(w, a.get("machine")),
    "replicate": lambda f, a, w: f.sync_server.replicate(w, a.get("to")),
    "begin_server_change": lambda f, a, w: f.sync_server.begin_server_change(w, a.get("new")),
    "user_limit_action": lambda f, a, w: f.users.set_personal_settings_action(w, UserLimitAction(a.get("action"))),
    "group_management": lambda f, a, w: f.sync.set_user_group_management(w, bool(a.get("by_department"))),
    "export": _export(personal=False),
    "export_personal": _export(personal=True),
}
"""How each action of :data:`SYNC_ACTIONS` is played; the two tables name the same actions (checked below)."""

if _PLAY.keys() != SYNC_ACTIONS.keys():  # a new action written in one table only fails at import, not mid-play
    raise RuntimeError(f"sync actions out of step: {sorted(_PLAY.keys() ^ SYNC_ACTIONS.keys())}")


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
