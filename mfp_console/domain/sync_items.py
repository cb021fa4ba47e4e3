"""The personalized data a login user carries between synchronized machines (SYNC-08, SYNC-09, SYNC-17).

Each :class:`PersonalItem` is one unit of a user's data as the server keeps it: a JSON value with a
default, checked by :func:`check_item_value` before it is stored. :class:`CommonItem` names the settings
that are shared between machines although they belong to no user (SYNC-09). The values are plain JSON so
that the store, the wire and a backup file all hold the same thing.

Keychain entries point at a connection destination by its *registration number* on the machine
(SYNC-16), not by name; :func:`keychain_targets` resolves them against one machine's list, which is how a
keychain reaches the wrong server where two machines registered their destinations in another order.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ADDRESS_TYPES",
    "CommonItem",
    "DISPLAY_LANGUAGES",
    "FIRMWARE_LIMITED_ITEMS",
    "OPTION_PARTS",
    "OptionPart",
    "PersonalData",
    "PersonalItem",
    "SharingRange",
    "check_common_value",
    "check_item_value",
    "firmware_below",
    "keep_unreflected",
    "keychain_targets",
    "reflected_value",
    "unreflected_parts",
]


class SharingRange(enum.Enum):
    """An item's sharing range on the server's ``[Data Sharing Details]`` (SYNC-10)."""

    SHARED = "shared"
    DEVICE_SPECIFIC = "device_specific"

    @property
    def label(self) -> str:
        """The label as the Remote UI shows it."""
        return "[Shared across All Devices]" if self is SharingRange.SHARED else "[Device-Specific (Not Shared)]"


DISPLAY_LANGUAGES = ("English", "Japanese", "French", "German", "Italian", "Spanish", "Estonian", "Chinese (Simplified)")
ADDRESS_TYPES = ("E-Mail", "Fax", "File", "I-Fax")


class PersonalItem(enum.Enum):
    """One personalizable item of a login user (SYNC-08)."""

    DISPLAY_LANGUAGE = "display_language"
    ACCESSIBILITY = "accessibility"
    PERSONAL_BUTTONS = "personal_buttons"
    HOME_SCREEN = "home_screen"
    JOB_DEFAULTS = "job_defaults"
    SHORTCUTS = "shortcuts"
    PERSONAL_ADDRESS_LIST = "personal_address_list"
    GROUP_ADDRESS_LISTS = "group_address_lists"
    KEYCHAIN = "keychain"

    @property
    def label(self) -> str:
        """The item's name on the panel and on ``[Data Sharing Details]``."""
        return _LABELS[self]

    def default(self) -> Any:
        """The value a user starts with, and the value SYNC-11 returns lost device-specific data to."""
        return _copy(_DEFAULTS[self])


_LABELS = {
    PersonalItem.DISPLAY_LANGUAGE: "Display Language/Keyboard",
    PersonalItem.ACCESSIBILITY: "Accessibility",
    PersonalItem.PERSONAL_BUTTONS: "Personal Buttons",
    PersonalItem.HOME_SCREEN: "Home Screen",
    PersonalItem.JOB_DEFAULTS: "Job Default Settings",
    PersonalItem.SHORTCUTS: "Shortcuts",
    PersonalItem.PERSONAL_ADDRESS_LIST: "Personal Address List",
    PersonalItem.GROUP_ADDRESS_LISTS: "User Group Address Lists",
    PersonalItem.KEYCHAIN: "Keychain",
}

_DEFAULTS: dict[PersonalItem, Any] = {
    PersonalItem.DISPLAY_LANGUAGE: {"language": "English", "keyboard": "English (US)"},
    PersonalItem.ACCESSIBILITY: {"key_repeat": "Normal", "invert_colors": False},
    PersonalItem.PERSONAL_BUTTONS: [],
    PersonalItem.HOME_SCREEN: {"layout": "Standard", "timeline": True},
    PersonalItem.JOB_DEFAULTS: {
        "copy": {"color": "Auto (Color/B&W)", "sides": "1-Sided"},
        "fax": {"resolution": "200x100 dpi"},
        "scan_and_send": {"file_format": "PDF", "resolution": "300x300 dpi"},
        "scan_and_store": {"resolution": "300x300 dpi"},
    },
    PersonalItem.SHORTCUTS: [],
    PersonalItem.PERSONAL_ADDRESS_LIST: [],
    PersonalItem.GROUP_ADDRESS_LISTS: {},
    PersonalItem.KEYCHAIN: [],
}

FIRMWARE_LIMITED_ITEMS = frozenset({PersonalItem.SHORTCUTS, PersonalItem.KEYCHAIN})
"""What a machine with old firmware does not synchronize (SYNC-17)."""


class CommonItem(enum.Enum):
    """Settings shared between synchronized machines that belong to no user (SYNC-09)."""

    GROUP_LIST_PUBLIC_VIEW = "group_list_public_view"
    GUEST_HOME_SCREEN = "guest_home_screen"

    @property
    def label(self) -> str:
        """The setting's name on the panel."""
        if self is CommonItem.GROUP_LIST_PUBLIC_VIEW:
            return "Public View Settings of User Group Address Lists"
        return "Home Screen for Users Not Logged In"

    def default(self) -> Any:
        """The value before anyone changed it."""
        if self is CommonItem.GROUP_LIST_PUBLIC_VIEW:
            return {}
        return {"buttons": ["Copy", "Fax", "Scan and Send", "Print"]}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# --- checking values ----------------------------------------------------------------------------------


def _need(condition: bool, problem: str) -> None:
    if not condition:
        raise ValueError(problem)


def _text(value: Any, what: str) -> None:
    _need(isinstance(value, str) and bool(value.strip()), f"{what} must be non-empty text")


def _entries(value: Any, keys: Sequence[str], what: str) -> None:
    _need(isinstance(value, list), f"{what} must be a list")
    for entry in value:
        _need(isinstance(entry, dict), f"each entry of {what} must be an object")
        for key in keys:
            _need(key in entry, f"an entry of {what} lacks {key!r}")


def _address_entries(value: Any, what: str) -> None:
    _entries(value, ("name", "address", "type"), what)
    for entry in value:
        _text(entry["name"], "an address name")
        _text(entry["address"], "an address")
        _need(entry["type"] in ADDRESS_TYPES, f"address type must be one of {', '.join(ADDRESS_TYPES)}")


def check_item_value(item: PersonalItem, value: Any) -> None:
    """Checks that ``value`` is a valid value of ``item``.

    Raises:
        ValueError: Says what is wrong, in words a person can act on.
    """
    if item is PersonalItem.DISPLAY_LANGUAGE:
        _need(isinstance(value, dict) and value.get("language") in DISPLAY_LANGUAGES,
              f"display language must be one of {', '.join(DISPLAY_LANGUAGES)}")
    elif item in (PersonalItem.ACCESSIBILITY, PersonalItem.HOME_SCREEN, PersonalItem.JOB_DEFAULTS):
        _need(isinstance(value, dict), f"{item.label} must be a set of named settings")
    elif item is PersonalItem.PERSONAL_BUTTONS:
        _entries(value, ("label", "function"), "personal buttons")
        for entry in value:
            _text(entry["label"], "a button label")
    elif item is PersonalItem.SHORTCUTS:
        _entries(value, ("label", "function"), "shortcuts")
    elif item is PersonalItem.PERSONAL_ADDRESS_LIST:
        _address_entries(value, "the personal address list")
    elif item is PersonalItem.GROUP_ADDRESS_LISTS:
        _need(isinstance(value, dict), "user group address lists must map a group to its entries")
        for group, entries in value.items():
            _text(group, "a group ID")
            _address_entries(entries, f"group {group}'s address list")
    elif item is PersonalItem.KEYCHAIN:
        _entries(value, ("destination", "account"), "the keychain")
        for entry in value:
            number = entry["destination"]
            _need(isinstance(number, int) and not isinstance(number, bool) and number >= 1,
                  "a keychain entry names its destination by registration number (1, 2, …)")
            _text(entry["account"], "a keychain account")


def check_common_value(item: CommonItem, value: Any) -> None:
    """Checks a value of a shared non-personal setting (SYNC-09).

    Raises:
        ValueError: Says what is wrong.
    """
    if item is CommonItem.GROUP_LIST_PUBLIC_VIEW:
        _need(isinstance(value, dict) and all(isinstance(v, bool) for v in value.values()),
              "public view settings map a group ID to On/Off")
    else:
        _need(isinstance(value, dict) and isinstance(value.get("buttons"), list),
              "the Home screen for users not logged in is a list of buttons")


# --- firmware (SYNC-17) and keychain destinations (SYNC-16) -------------------------------------------


def _version_key(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.replace("-", ".").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def firmware_below(version: str, minimum: str) -> bool:
    """True when firmware ``version`` is older than ``minimum`` (no minimum: never), e.g. 88.12 < 93.01."""
    if not minimum.strip():
        return False
    return _version_key(version) < _version_key(minimum)


def keychain_targets(keychain: Sequence[Mapping[str, Any]], destinations: Sequence[str]) -> list[tuple[int, str, str]]:
    """Resolves keychain entries on one machine: ``(registration number, account, destination or "")``.

    The number is read against *this* machine's connection destinations in registration order (SYNC-16);
    an empty destination means nothing is registered under that number here.
    """
    resolved = []
    for entry in keychain:
        number = int(entry["destination"])
        target = destinations[number - 1] if 0 < number <= len(destinations) else ""
        resolved.append((number, str(entry["account"]), target))
    return resolved


# --- what a machine's options keep from being reflected (SYNC-22) --------------------------------------


@dataclass(frozen=True)
class OptionPart:
    """A part of an item that needs an option: without it the machine keeps the part but does not show it."""

    item: PersonalItem
    key: str
    option: str
    label: str


OPTION_PARTS = (
    OptionPart(PersonalItem.JOB_DEFAULTS, "fax", "fax_board", "fax settings of Job Default Settings"),
)
"""Synchronized data a machine reflects only with an option fitted (SYNC-22, D: the manual names fax settings)."""


def _lacks(options: Any, part: OptionPart) -> bool:
    return not bool(getattr(options, part.option, False))


def unreflected_parts(options: Any) -> tuple[str, ...]:
    """What a machine with these options does not reflect (SYNC-22): the device list says it."""
    return tuple(f"{part.label} (no {part.option.replace('_', ' ')})" for part in OPTION_PARTS if _lacks(options, part))


def reflected_value(item: PersonalItem, value: Any, options: Any) -> Any:
    """``value`` as the machine shows it: parts that need a missing option left out (SYNC-22)."""
    for part in OPTION_PARTS:
        if part.item is item and _lacks(options, part) and isinstance(value, dict) and part.key in value:
            value = {k: v for k, v in value.items() if k != part.key}
    return value


def keep_unreflected(item: PersonalItem, new: Any, stored: Any, options: Any) -> Any:
    """A value changed on a machine that does not show some parts: the stored parts stay (SYNC-22: kept)."""
    for part in OPTION_PARTS:
        if (part.item is item and _lacks(options, part) and isinstance(new, dict) and isinstance(stored, dict)
                and part.key in stored and part.key not in new):
            new = {**new, part.key: stored[part.key]}
    return new


# --- what the panel shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalData:
    """A user's personalized data as one machine holds it (defaults filled in).

    Attributes:
        user: The login name.
        values: Every item's value.
        sharing: Every item's sharing range as this machine last heard it.
        versions: Every stored item's version (absent: never stored here, the default applies).
        withheld: Items this machine does not synchronize (SYNC-17).
        unreflected: Parts this machine keeps but does not show for want of an option (SYNC-22).
    """

    user: str
    values: Mapping[PersonalItem, Any]
    sharing: Mapping[PersonalItem, SharingRange] = field(default_factory=dict)
    versions: Mapping[PersonalItem, int] = field(default_factory=dict)
    withheld: frozenset[PersonalItem] = frozenset()
    unreflected: tuple[str, ...] = ()

    def __getitem__(self, item: PersonalItem) -> Any:
        return self.values[item]

    @property
    def display_language(self) -> str:
        """The user's display language."""
        return str(self.values[PersonalItem.DISPLAY_LANGUAGE]["language"])

    @property
    def personal_addresses(self) -> list[dict[str, Any]]:
        """The personal address list."""
        return list(self.values[PersonalItem.PERSONAL_ADDRESS_LIST])

    @property
    def personal_buttons(self) -> list[dict[str, Any]]:
        """The personal buttons on the user's Home screen."""
        return list(self.values[PersonalItem.PERSONAL_BUTTONS])
