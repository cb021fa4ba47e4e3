"""The words a scenario file may use: rule IDs, step kinds, world actions, expectations, panel toggles.

Everything the validator checks against lives here, in one place, so that the documentation
(``docs/scenarios.md``), the ``did you mean`` hints and the runner agree. The rule IDs mirror the normative
list in the project's rules (M, DID, SYNC, UI); a scenario's ``covers:`` may only name these.
"""

from __future__ import annotations

from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import Activity, PowerState
from mfp_console.domain.rules import RULES

__all__ = [
    "BUSY_ACTIVITIES",
    "DATA_ITEMS",
    "ERROR_CODES",
    "EXPECT_KINDS",
    "KNOWN_RULE_IDS",
    "SETTINGS_KEYS",
    "STATUS_WORDS",
    "SYNC_ACTIONS",
    "SYNC_EXPECT_FIELDS",
    "TOGGLE_LABELS",
    "TOP_LEVEL_KEYS",
    "WORLD_ACTIONS",
    "category_labels",
]


KNOWN_RULE_IDS: frozenset[str] = frozenset(RULES)
"""Every rule ID of the behaviour rules (M-01…M-10, DID-01…DID-28, SYNC-01…SYNC-23, UI-01…UI-07)."""

TOP_LEVEL_KEYS = ("name", "description", "covers", "fleet", "clock", "settings", "steps")
REQUIRED_TOP_LEVEL_KEYS = ("name", "steps")

SETTINGS_KEYS = (
    "update_seconds_per_mib",
    "prepare_seconds_per_mib",
    "concurrency",
    "destination_limit",
    "lockout_threshold",
    "lockout_minutes",
)
"""Fleet settings a scenario may override (on top of its fleet's ``fleet:`` block)."""

WORLD_ACTIONS = (
    "power_off",
    "power_on",
    "sleep",
    "busy",
    "idle",
    "cut_network",
    "restore_network",
    "remove_tls_key",
    "regenerate_tls_key",
    "change_pin",
    "clear_error",
)

EXPECT_KINDS = (
    "status", "data", "department", "log", "panel", "state", "restorable", "refused", "destinations", "sync",
)

DATA_ITEMS = (
    "address_book",
    "department_ids",
    "printer_settings",
    "paper_types",
    "settings_values",
    "network_settings",
    "protected_inboxes",
    "inbox_url_send",
)
"""What ``expect: {data: …}`` can compare; ``network_settings`` are the settings values flagged network,
``protected_inboxes`` the settings values of the machine's inboxes protected by a password (DID-27)."""

DATA_ITEM_CATEGORY = {
    "address_book": Category.ADDRESS_BOOK,
    "department_ids": Category.DEPARTMENT_ID,
    "printer_settings": Category.PRINTER_SETTINGS,
    "paper_types": Category.PAPER_INFORMATION,
    "settings_values": Category.SETTINGS_VALUES,
    "network_settings": Category.SETTINGS_VALUES,
    "protected_inboxes": Category.SETTINGS_VALUES,
}

ERROR_CODES = (
    "E-UNREACH",
    "E-TLS",
    "E-AUTH",
    "E-MODEL",
    "E-BUSY",
    "E-REFUSED",
    "E-INTERRUPTED",
    "E-PROTOCOL",
)
"""The ``NG`` codes of a destination's ``<Status>`` (DID-05)."""

STATUS_WORDS = ("Waiting", "Distributing", "OK", "Canceled", *(f"NG {code}" for code in ERROR_CODES))
"""Every value a ``<Status>`` cell can show (DID-05)."""

POWER_WORDS = tuple(p.value for p in PowerState)
ACTIVITY_WORDS = tuple(a.value for a in Activity)
BUSY_ACTIVITIES = tuple(a.value for a in Activity if a.is_busy and a is not Activity.UPDATING)
"""What ``world: {busy: …}`` can make a machine do (Updating only comes from a distribution)."""

_ON_OFF = ("On", "Off")

TOGGLE_LABELS: dict[str, tuple[str, ...]] = {
    **{category.label: _ON_OFF for category in Category},
    "Network Settings": ("Include", "Exclude"),
    "Restrict Receiving Device Information": _ON_OFF,
    "Display Host Name": _ON_OFF,
}
"""The panel's toggles a ``set:`` step may switch, with the values each accepts (DID-02, DID-03, DID-18/19)."""


def category_labels() -> tuple[str, ...]:
    """The five category labels in panel order."""
    return tuple(category.label for category in Category)


# --- Personalized Data Synchronization ------------------------------------------------------------------

SyncFields = dict[str, str]

SYNC_ACTIONS: dict[str, tuple[str, SyncFields, tuple[str, ...]]] = {
    # name: (field a bare value or list stands for, {field: kind}, required fields)
    "start_server": ("machine", {"machine": "machine"}, ("machine",)),
    "stop_server": ("machine", {"machine": "machine"}, ("machine",)),
    "start_client": ("machine", {"machine": "machine"}, ("machine",)),
    "stop_client": ("machine", {"machine": "machine"}, ("machine",)),
    "restart": ("machine", {"machine": "machine"}, ("machine",)),
    "logout": ("machine", {"machine": "machine"}, ("machine",)),
    "malfunction": ("machine", {"machine": "machine"}, ("machine",)),
    "client_settings": ("", {"machine": "machine", "address": "text?", "search_depth": "int"}, ("machine",)),
    "login": ("", {"machine": "machine", "user": "text"}, ("machine", "user")),
    "login_range": ("", {"machine": "machine", "user": "user_format", "first": "int", "last": "int"},
                    ("machine", "user", "first", "last")),
    "energy_saver": ("machine", {"machine": "machine"}, ("machine",)),
    "use_proxy": ("", {"machine": "machine", "value": "on_off"}, ("machine", "value")),
    "replica_source": ("", {"machine": "machine", "source": "machine"}, ("machine", "source")),
    "add_address": ("", {"machine": "machine", "user": "text", "name": "text", "address": "text",
                         "type": "address_type"}, ("machine", "name", "address")),
    "add_button": ("", {"machine": "machine", "user": "text", "label": "text", "function": "text"},
                   ("machine", "label")),
    "add_shortcut": ("", {"machine": "machine", "user": "text", "label": "text", "function": "text"},
                     ("machine", "label")),
    "add_group_address": ("", {"machine": "machine", "user": "text", "group": "text", "name": "text",
                               "address": "text", "type": "address_type"}, ("machine", "group", "name", "address")),
    "add_keychain": ("", {"machine": "machine", "user": "text", "destination": "text", "account": "text"},
                     ("machine", "destination", "account")),
    "set_item": ("", {"machine": "machine", "user": "text", "item": "item", "value": "any"},
                 ("machine", "item", "value")),
    "connection_destination": ("", {"machine": "machine", "name": "text"}, ("machine", "name")),
    "common": ("", {"machine": "machine", "item": "common_item", "value": "any"}, ("machine", "item", "value")),
    "sharing": ("", {"server": "machine", "item": "item", "range": "range"}, ("server", "item", "range")),
    "delete_users": ("", {"server": "machine", "users": "texts"}, ("server", "users")),
    "stop_client_from_server": ("", {"server": "machine", "client": "machine"}, ("server", "client")),
    "backup": ("", {"server": "machine", "target": "text"}, ("server",)),
    "restore_backup": ("", {"server": "machine", "path": "text"}, ("server",)),
    "schedule": ("", {"server": "machine", "mode": "backup_mode", "start": "start_time", "weekday": "text",
                      "target": "text"}, ("server", "mode")),
    "replica": ("", {"server": "machine", "machine": "machine"}, ("server", "machine")),
    "replicate": ("", {"server": "machine", "to": "machine"}, ("server",)),
    "begin_server_change": ("", {"old": "machine", "new": "machine"}, ("old", "new")),
    "user_limit_action": ("", {"machine": "machine", "action": "limit_action"}, ("machine", "action")),
    "group_management": ("", {"machine": "machine", "by_department": "bool"}, ("machine", "by_department")),
    "export": ("machine", {"machine": "machine"}, ("machine",)),
    "export_personal": ("machine", {"machine": "machine"}, ("machine",)),
}
"""The actions of a ``sync:`` step (engine shortcuts of Personalized Data Synchronization)."""

SYNC_EXPECT_FIELDS: SyncFields = {
    "machine": "machine",
    "server": "machine",
    "user": "text",
    "addresses": "texts",
    "buttons": "texts",
    "shortcuts": "texts",
    "keychain": "texts",
    "groups": "texts",
    "display_language": "text",
    "withheld": "items",
    "keychain_targets": "texts?",
    "users": "texts",
    "has_users": "texts",
    "lacks_users": "texts",
    "log": "log",
    "server_function": "running",
    "client_function": "running",
    "connected_to": "text",
    "devices": "texts",
    "device_state": "device_states",
    "device_notes": "text",
    "sharing": "ranges",
    "user_limit_action": "limit_action",
    "sleep_refused": "bool",
    "backups": "int",
    "server_change_next": "int_or_none",
    "pending_changes": "int",
    "logged_in": "text",
    "settings_pending": "bool",
    "common": "commons",
    "same_as_server": "machine",
    "values": "item_values",
}
"""The keys of ``expect: {sync: …}``; ``machine`` (what that machine holds) or ``server`` (what that machine
holds *as the sync server*: its users and their server copies) names where to look."""
