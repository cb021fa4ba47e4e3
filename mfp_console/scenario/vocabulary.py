"""The words a scenario file may use: rule IDs, step kinds, world actions, expectations, panel toggles.

Everything the validator checks against lives here, in one place, so that the documentation
(``docs/scenarios.md``), the ``did you mean`` hints and the runner agree. The rule IDs mirror the normative
list in the project's rules (M, DID, SYNC, UI); a scenario's ``covers:`` may only name these.
"""

from __future__ import annotations

from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import Activity, PowerState

__all__ = [
    "BUSY_ACTIVITIES",
    "DATA_ITEMS",
    "ERROR_CODES",
    "EXPECT_KINDS",
    "KNOWN_RULE_IDS",
    "NO_ARGUMENT_STEPS",
    "PANEL_STEPS",
    "SETTINGS_KEYS",
    "STATUS_WORDS",
    "STEP_KINDS",
    "TOGGLE_LABELS",
    "TOP_LEVEL_KEYS",
    "WORLD_ACTIONS",
    "category_labels",
]


def _ids(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}-{n:02d}" for n in range(1, count + 1))


KNOWN_RULE_IDS: frozenset[str] = frozenset(
    (*_ids("M", 7), *_ids("DID", 24), *_ids("SYNC", 20), *_ids("UI", 5))
)
"""Every rule ID of the behaviour rules (M-01…M-07, DID-01…DID-24, SYNC-01…SYNC-20, UI-01…UI-05)."""

TOP_LEVEL_KEYS = ("name", "description", "covers", "fleet", "clock", "settings", "steps")
REQUIRED_TOP_LEVEL_KEYS = ("name", "steps")

SETTINGS_KEYS = (
    "update_seconds_per_mib",
    "concurrency",
    "destination_limit",
    "lockout_threshold",
    "lockout_minutes",
)
"""Fleet settings a scenario may override (on top of its fleet's ``fleet:`` block)."""

PANEL_STEPS = ("at", "login", "logout", "press", "set", "tick", "type")
"""Steps a person does at a machine's panel; they always go through the real app."""

ENGINE_STEPS = ("distribute", "cancel", "receiving", "auto_distribution", "restore")
"""Shortcuts that call the fleet facade directly (headless tests; no panel needed)."""

TIME_STEPS = ("advance", "goto", "next_event", "wait")

STEP_KINDS = (*PANEL_STEPS, "world", *TIME_STEPS, *ENGINE_STEPS, "expect", "note")

NO_ARGUMENT_STEPS = ("logout", "next_event")
"""Steps written as a bare word (``- logout``)."""

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

EXPECT_KINDS = ("status", "data", "department", "log", "panel", "state", "restorable", "refused")

DATA_ITEMS = (
    "address_book",
    "department_ids",
    "printer_settings",
    "paper_types",
    "settings_values",
    "network_settings",
    "inbox_url_send",
)
"""What ``expect: {data: …}`` can compare; ``network_settings`` are the settings values flagged network."""

DATA_ITEM_CATEGORY = {
    "address_book": Category.ADDRESS_BOOK,
    "department_ids": Category.DEPARTMENT_ID,
    "printer_settings": Category.PRINTER_SETTINGS,
    "paper_types": Category.PAPER_INFORMATION,
    "settings_values": Category.SETTINGS_VALUES,
    "network_settings": Category.SETTINGS_VALUES,
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
