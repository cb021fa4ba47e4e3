"""A machine's device information: the data Device Information Distribution moves, as pure values.

Each category of DID-03 is one value object with ``to_json()``/``from_json()`` so that the store and the
wire share one encoding. :class:`DeviceInformation` holds them all plus the inbox URL Send settings that
DID-17 may clear.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
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


_CATEGORY_FIELDS = {
    Category.ADDRESS_BOOK: "address_book",
    Category.DEPARTMENT_ID: "department_ids",
    Category.PRINTER_SETTINGS: "printer_settings",
    Category.PAPER_INFORMATION: "paper_types",
    Category.SETTINGS_VALUES: "settings_values",
}


# --- JSON encoding shared by the store and the wire -------------------------------------------------


def category_to_json(category: Category, value: Any) -> Any:
    """Encodes one category's value as JSON-ready data."""
    if category is Category.ADDRESS_BOOK:
        book: AddressBook = value
        return {
            "entries": [_asdict(e) for e in book.entries],
            "forwarding": [_asdict(f) for f in book.forwarding],
            "favourites": [
                {"number": f.number, "name": f.name, "settings": [list(p) for p in f.settings]}
                for f in book.favourites
            ],
        }
    if category is Category.DEPARTMENT_ID:
        depts: DepartmentIds = value
        return {
            "system_manager": _asdict(depts.system_manager),
            "departments": [
                {
                    "dept_id": d.dept_id,
                    "password_hash": d.password_hash,
                    "limits": _asdict(d.limits),
                    "counters": _asdict(d.counters),
                }
                for d in depts.departments
            ],
        }
    if category is Category.PRINTER_SETTINGS:
        return [list(p) for p in value]
    if category is Category.PAPER_INFORMATION:
        return [_asdict(p) for p in value]
    if category is Category.SETTINGS_VALUES:
        return [_asdict(s) for s in value]
    raise ValueError(category)


def category_from_json(category: Category, data: Any) -> Any:
    """Decodes one category's value; raises ``ValueError``/``TypeError``/``KeyError`` on bad data."""
    if category is Category.ADDRESS_BOOK:
        return AddressBook(
            entries=tuple(AddressEntry(**e) for e in data["entries"]),
            forwarding=tuple(ForwardingRule(**f) for f in data["forwarding"]),
            favourites=tuple(
                FavoriteSetting(f["number"], f["name"], tuple((str(k), str(v)) for k, v in f["settings"]))
                for f in data["favourites"]
            ),
        )
    if category is Category.DEPARTMENT_ID:
        return DepartmentIds(
            system_manager=SystemManagerInfo(**data["system_manager"]),
            departments=tuple(
                DepartmentId(
                    d["dept_id"], d["password_hash"], PageCounts(**d["limits"]), PageCounts(**d["counters"])
                )
                for d in data["departments"]
            ),
        )
    if category is Category.PRINTER_SETTINGS:
        return tuple((str(k), str(v)) for k, v in data)
    if category is Category.PAPER_INFORMATION:
        return tuple(PaperType(**p) for p in data)
    if category is Category.SETTINGS_VALUES:
        return tuple(SettingValue(**s) for s in data)
    raise ValueError(category)


def inbox_to_json(inbox: InboxUrlSend) -> dict[str, Any]:
    """Encodes inbox URL Send settings."""
    return {"enabled": inbox.enabled, "entries": [list(p) for p in inbox.entries]}


def inbox_from_json(data: Mapping[str, Any]) -> InboxUrlSend:
    """Decodes inbox URL Send settings."""
    return InboxUrlSend(bool(data["enabled"]), tuple((str(k), str(v)) for k, v in data["entries"]))


def device_info_to_json(info: DeviceInformation) -> dict[str, Any]:
    """Encodes a whole :class:`DeviceInformation`."""
    out: dict[str, Any] = {c.value: category_to_json(c, info.category(c)) for c in Category}
    out["inbox_url_send"] = inbox_to_json(info.inbox_url_send)
    return out


def device_info_from_json(data: Mapping[str, Any]) -> DeviceInformation:
    """Decodes a whole :class:`DeviceInformation`."""
    info = DeviceInformation(inbox_url_send=inbox_from_json(data["inbox_url_send"]))
    for c in Category:
        info = info.with_category(c, category_from_json(c, data[c.value]))
    return info


def _asdict(value: Any) -> dict[str, Any]:
    # dataclasses.asdict deep-copies; these values are flat and frozen, so a shallow dict is enough.
    return {f: getattr(value, f) for f in value.__dataclass_fields__}

