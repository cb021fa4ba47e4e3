"""A machine's device information: the data Device Information Distribution moves, as pure values.

Each category of DID-03 is one value object with ``to_json()``/``from_json()`` so that the store and the
wire share one encoding. :class:`DeviceInformation` holds them all plus the inbox URL Send settings that
DID-17 may clear.

The JSON encoding lives in :mod:`mfp_console.domain.device_info_json`, which checks every decoded field
by type and bound.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "ADDRESS_KINDS",
    "AddressBook",
    "AddressEntry",
    "Category",
    "DepartmentId",
    "DepartmentIds",
    "DeviceInformation",
    "FavoriteSetting",
    "ForwardingRule",
    "InboxUrlSend",
    "PageCounts",
    "PaperType",
    "SettingValue",
    "SystemManagerInfo",
]


class Category(enum.Enum):
    """The five distribution categories of DID-03, in the panel's order."""

    ADDRESS_BOOK = "address_book"
    DEPARTMENT_ID = "department_id"
    PRINTER_SETTINGS = "printer_settings"
    PAPER_INFORMATION = "paper_information"
    SETTINGS_VALUES = "settings_values"

    @property
    def label(self) -> str:
        """The label exactly as the panel shows it (without the angle brackets)."""
        return _CATEGORY_LABELS[self]

    @classmethod
    def from_label(cls, label: str) -> Category:
        """Finds a category by its panel label or its value; raises ``ValueError`` when unknown."""
        text = label.strip().strip("<>")
        for category in cls:
            if text in (category.label, category.value):
                return category
        raise ValueError(f"unknown category {label!r}")


_CATEGORY_LABELS = {
    Category.ADDRESS_BOOK: "Address Book",
    Category.DEPARTMENT_ID: "Department ID/System Manager",
    Category.PRINTER_SETTINGS: "Printer Settings",
    Category.PAPER_INFORMATION: "Paper Information",
    Category.SETTINGS_VALUES: "Settings/Registration Value",
}


@dataclass(frozen=True)
class AddressEntry:
    """One destination of the address book (``[Set Destination]`` > ``[Register Destinations]``).

    Attributes:
        number: The entry's number in the address book (1-based, unique).
        name: Display name.
        kind: ``e-mail``, ``fax``, ``i-fax``, ``file`` or ``group``.
        address: E-mail address, fax number, server path, or member numbers for a group.
        favourite: Listed under favourites.
    """

    number: int
    name: str
    kind: str
    address: str
    favourite: bool = False


@dataclass(frozen=True)
class ForwardingRule:
    """A ``[Forwarding Settings]`` rule: received documents matching ``condition`` go to ``destination``."""

    name: str
    condition: str
    destination: int
    enabled: bool = True


@dataclass(frozen=True)
class FavoriteSetting:
    """A ``[Register/Edit Favorite Settings]`` entry for Send."""

    number: int
    name: str
    settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AddressBook:
    """Everything the ``<Address Book>`` category carries (DID-13)."""

    entries: tuple[AddressEntry, ...] = ()
    forwarding: tuple[ForwardingRule, ...] = ()
    favourites: tuple[FavoriteSetting, ...] = ()


@dataclass(frozen=True)
class PageCounts:
    """Page counts (used both for limits and counters); a limit of 0 means no limit."""

    total: int = 0
    color: int = 0
    black: int = 0


@dataclass(frozen=True)
class DepartmentId:
    """One Department ID with its password, limits and counters (DID-14).

    Attributes:
        dept_id: Digits, 1 to 7 long, stored padded to 7.
        password_hash: Hash of the department password (the password itself is not stored).
        limits: Page limits.
        counters: Pages used so far.
    """

    dept_id: str
    password_hash: str
    limits: PageCounts = PageCounts()
    counters: PageCounts = PageCounts()


@dataclass(frozen=True)
class SystemManagerInfo:
    """``<System Manager Information Settings>`` other than the ID and PIN themselves."""

    name: str = ""
    contact: str = ""
    email: str = ""
    comment: str = ""


@dataclass(frozen=True)
class DepartmentIds:
    """Everything the ``<Department ID/System Manager>`` category carries."""

    system_manager: SystemManagerInfo = SystemManagerInfo()
    departments: tuple[DepartmentId, ...] = ()

    def by_id(self) -> dict[str, DepartmentId]:
        """Returns the departments keyed by ID."""
        return {d.dept_id: d for d in self.departments}


@dataclass(frozen=True)
class PaperType:
    """A user-defined paper type (``<Paper Type Management Settings>``)."""

    name: str
    base_type: str
    weight_gsm: int
    finish: str = "Uncoated"
    color: str = "White"


@dataclass(frozen=True)
class SettingValue:
    """One settings/registration value.

    Attributes:
        key: Menu path of the item, e.g. ``Preferences/Timer/Auto Sleep Time``.
        value: The value as the panel shows it.
        deliverable: False for items DID-16 never overwrites.
        network: True for network settings (sent only with ``<Include>``, DID-03).
    """

    key: str
    value: str
    deliverable: bool = True
    network: bool = False


@dataclass(frozen=True)
class InboxUrlSend:
    """Inbox URL Send settings (DID-17 may clear them)."""

    enabled: bool = False
    entries: tuple[tuple[str, str], ...] = ()

    @property
    def is_clear(self) -> bool:
        """True when nothing is set."""
        return not self.enabled and not self.entries


@dataclass(frozen=True)
class DeviceInformation:
    """A machine's whole device information, one attribute per category plus inbox URL Send."""

    address_book: AddressBook = AddressBook()
    department_ids: DepartmentIds = DepartmentIds()
    printer_settings: tuple[tuple[str, str], ...] = ()
    paper_types: tuple[PaperType, ...] = ()
    settings_values: tuple[SettingValue, ...] = ()
    inbox_url_send: InboxUrlSend = InboxUrlSend()

    def category(self, category: Category) -> Any:
        """Returns the value held for ``category``."""
        return getattr(self, _CATEGORY_FIELDS[category])

    def with_category(self, category: Category, value: Any) -> DeviceInformation:
        """Returns a copy with ``category`` replaced by ``value``."""
        return replace(self, **{_CATEGORY_FIELDS[category]: value})

    def settings_map(self) -> dict[str, SettingValue]:
        """Returns the settings values keyed by their menu path."""
        return {s.key: s for s in self.settings_values}

    def setting(self, key: str, default: str = "") -> str:
        """Returns the value of one setting, or ``default`` when absent."""
        item = self.settings_map().get(key)
        return item.value if item else default


ADDRESS_KINDS = frozenset({"e-mail", "fax", "i-fax", "file", "group"})
"""The kinds of destination an address book entry may be."""

_CATEGORY_FIELDS = {
    Category.ADDRESS_BOOK: "address_book",
    Category.DEPARTMENT_ID: "department_ids",
    Category.PRINTER_SETTINGS: "printer_settings",
    Category.PAPER_INFORMATION: "paper_types",
    Category.SETTINGS_VALUES: "settings_values",
}
