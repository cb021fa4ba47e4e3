"""The words a scenario file may use: rule IDs, step kinds, world actions, expectations, panel toggles.

Everything the validator checks against lives here, in one place, so that the documentation
(``docs/scenarios.md``), the ``did you mean`` hints and the runner agree. The rule IDs mirror the normative
list in the project's rules (M, DID, SYNC, UI); a scenario's ``covers:`` may only name these.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "SyncActionForm",
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


@dataclass(frozen=True)
class SyncActionForm:
    """How a ``sync:`` action is written and played.

    Attributes:
        main: The field a bare value or list stands for (empty: only a mapping is accepted).
        fields: Each field's kind, as the validator reads it.
        required: The fields that must be written.
        admin: Played as the machine's Administrator (logged in and out around it, as a technician would).
    """

    main: str
    fields: SyncFields
    required: tuple[str, ...]
    admin: bool = False


SYNC_ACTIONS: dict[str, SyncActionForm] = {
    "start_server": SyncActionForm("machine", {"machine": "machine"}, ("machine",), admin=True),
    "stop_server": SyncActionForm("machine", {"machine": "machine"}, ("machine",), admin=True),
    "start_client": SyncActionForm("machine", {"machine": "machine"}, ("machine",), admin=True),
    "stop_client": SyncActionForm("machine", {"machine": "machine"}, ("machine",), admin=True),
    "restart": SyncActionForm("machine", {"machine": "machine"}, ("machine",)),
    "logout": SyncActionForm("machine", {"machine": "machine"}, ("machine",)),
    "malfunction": SyncActionForm("machine", {"machine": "machine"}, ("machine",)),
    "client_settings": SyncActionForm("", {"machine": "machine", "address": "text?", "search_depth": "int"},
                                      ("machine",), admin=True),
    "login": SyncActionForm("", {"machine": "machine", "user": "text"}, ("machine", "user")),
    "login_range": SyncActionForm("", {"machine": "machine", "user": "user_format", "first": "int", "last": "int"},
                                  ("machine", "user", "first", "last")),
    "energy_saver": SyncActionForm("machine", {"machine": "machine"}, ("machine",)),
    "use_proxy": SyncActionForm("", {"machine": "machine", "value": "on_off"}, ("machine", "value"), admin=True),
    "replica_source": SyncActionForm("", {"machine": "machine", "source": "machine"},
                                     ("machine", "source"), admin=True),
    "add_address": SyncActionForm("", {"machine": "machine", "user": "text", "name": "text", "address": "text",
                                   "type": "address_type"},
                                  ("machine", "name", "address")),
    "add_button": SyncActionForm("", {"machine": "machine", "user": "text", "label": "text", "function": "text"},
                                 ("machine", "label")),
    "add_shortcut": SyncActionForm("", {"machine": "machine", "user": "text", "label": "text", "function": "text"},
                                   ("machine", "label")),
    "add_group_address": SyncActionForm("", {"machine": "machine", "user": "text", "group": "text",
                                         "name": "text", "address": "text", "type": "address_type"},
                                        ("machine", "group", "name", "address")),
    "add_keychain": SyncActionForm("", {"machine": "machine", "user": "text", "destination": "text",
                                    "account": "text"},
                                   ("machine", "destination", "account")),
    "set_item": SyncActionForm("", {"machine": "machine", "user": "text", "item": "item", "value": "any"},
                               ("machine", "item", "value")),
    "connection_destination": SyncActionForm("", {"machine": "machine", "name": "text"},
                                             ("machine", "name"), admin=True),
    "common": SyncActionForm("", {"machine": "machine", "item": "common_item", "value": "any"},
                             ("machine", "item", "value"), admin=True),
    "sharing": SyncActionForm("", {"server": "machine", "item": "item", "range": "range"},
                              ("server", "item", "range"), admin=True),
    "delete_users": SyncActionForm("", {"server": "machine", "users": "texts"}, ("server", "users"), admin=True),
    "stop_client_from_server": SyncActionForm("", {"server": "machine", "client": "machine"},
                                              ("server", "client"), admin=True),
    "backup": SyncActionForm("", {"server": "machine", "target": "text"}, ("server",), admin=True),
    "restore_backup": SyncActionForm("", {"server": "machine", "path": "text"}, ("server",), admin=True),
    "schedule": SyncActionForm("", {"server": "machine", "mode": "backup_mode", "start": "start_time",
                                "weekday": "text", "target": "text"},
                               ("server", "mode"), admin=True),
    "replica": SyncActionForm("", {"server": "machine", "machine": "machine"}, ("server", "machine"), admin=True),
    "replicate": SyncActionForm("", {"server": "machine", "to": "machine"}, ("server",), admin=True),
    "begin_server_change": SyncActionForm("", {"old": "machine", "new": "machine"}, ("old", "new"), admin=True),
    "user_limit_action": SyncActionForm("", {"machine": "machine", "action": "limit_action"},
                                        ("machine", "action"), admin=True),
    "group_management": SyncActionForm("", {"machine": "machine", "by_department": "bool"},
                                       ("machine", "by_department"), admin=True),
    "export": SyncActionForm("machine", {"machine": "machine"}, ("machine",), admin=True),
    "export_personal": SyncActionForm("machine", {"machine": "machine"}, ("machine",), admin=True),
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
