"""The records of a sync session as typed, frozen values, checked by type and bound before anything is written.

A sync message carries *records*: JSON objects with ``user``, ``item``, ``value``, ``version`` and
``range`` (see :data:`~mfp_console.protocol.message_schema.RECORD_KEYS`). The wire schema checks only
those five keys' kinds; what a record *means* is decided here. Every record a peer sends is turned into
one of the classes below by :func:`parse_client_records` (what a server takes from a client) or
:func:`parse_server_records` (what a client takes from its server), which check every field — names,
known items, value shapes (:func:`~mfp_console.domain.sync_items.check_item_value`), sizes, nesting —
and refuse the *whole* message with one :class:`~mfp_console.errors.RemoteProtocolError` naming the
record at fault. Nothing of a message is used before all of it passed (issue 17: one rogue member must
not be able to stall or poison the others).

Bounds (**D**, the manuals give none; they belong in the project's limits table):

* a user name is 1 to :data:`MAX_USER_NAME` characters, no control characters, not starting with ``@``;
* an item's value is at most :data:`MAX_ITEM_BYTES` bytes of JSON, nested at most :data:`MAX_VALUE_DEPTH`
  deep, with finite numbers only;
* one message carries at most :data:`MAX_RECORDS_PER_PUSH` records for at most :data:`MAX_USERS_PER_PUSH`
  users (the server's own user limit, SYNC-03);
* a device profile lists at most :data:`MAX_DESTINATIONS` connection destinations of at most
  :data:`MAX_TEXT` characters each.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Union

from mfp_console.domain.sync_items import (
    CommonItem,
    PersonalItem,
    SharingRange,
    check_common_value,
    check_item_value,
)
from mfp_console.domain.sync_settings import MAX_SYNC_USERS
from mfp_console.errors import RemoteProtocolError

__all__ = [
    "DELETED",
    "DEVICE",
    "LOGIN",
    "MAX_DESTINATIONS",
    "MAX_ITEM_BYTES",
    "MAX_RECORDS_PER_PUSH",
    "MAX_TEXT",
    "MAX_USERS_PER_PUSH",
    "MAX_USER_NAME",
    "MAX_VALUE_DEPTH",
    "REGISTER",
    "SHARING",
    "ClientRecord",
    "CommonChange",
    "CommonCopy",
    "DeletedNotice",
    "DeviceProfile",
    "ItemChange",
    "ItemCopy",
    "LoginRecord",
    "LoginTime",
    "Registration",
    "ServerRecord",
    "SharingNotice",
    "check_user_name",
    "check_value_shape",
    "parse_client_records",
    "parse_server_records",
    "wire",
]

LOGIN = "@login"
REGISTER = "@register"
DELETED = "@deleted"
DEVICE = "@device"
SHARING = "@sharing"

MAX_USER_NAME = 64
"""Characters in a login user name (D)."""
MAX_ITEM_BYTES = 64 * 1024
"""JSON bytes of one item's value (D): a personal address list of 300 entries needs about a third of it."""
MAX_VALUE_DEPTH = 16
"""Nesting of lists and objects inside one value (D): the deepest default (job settings) is 3."""
MAX_USERS_PER_PUSH = MAX_SYNC_USERS
"""Users one message may name: never more than the server keeps (SYNC-03)."""
MAX_RECORDS_PER_PUSH = 10_000
"""Records in one message (every item of 1,000 users fits)."""
MAX_DESTINATIONS = 100
"""Connection destinations a device profile may list (SYNC-16)."""
MAX_TEXT = 256
"""Characters of a connection destination or another short text of a device profile."""

_ITEMS = {i.value: i for i in PersonalItem}
_COMMONS = {c.value: c for c in CommonItem}
_RANGES = {r.value: r for r in SharingRange}
_POWERS = ("On", "Sleep")


# --- the records ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginRecord:
    """A user logged in at the client (SYNC-03). The server stamps the time itself; the client's is ignored."""

    user: str


@dataclass(frozen=True)
class ItemChange:
    """A user changed an item at the client; ``base`` is the server version the change was made on (0: none)."""

    user: str
    item: PersonalItem
    value: Any
    sharing: SharingRange
    base: int


@dataclass(frozen=True)
class Registration:
    """Every item of a user the server lacks, offered whole (SYNC-06, SYNC-07).

    Attributes:
        items: ``(item, value, sharing range)`` as the client holds them.
        last_login: When the user last logged in there, as the client says (the server never takes a
            time later than its own clock).
    """

    user: str
    items: tuple[tuple[PersonalItem, Any, SharingRange], ...]
    last_login: datetime | None = None


@dataclass(frozen=True)
class DeviceProfile:
    """What the server's device list learns about a client (SYNC-11, -13, -15, -16, -17, -22)."""

    destinations: tuple[str, ...] = ()
    withheld: frozenset[PersonalItem] = frozenset()
    power: str = "On"
    reset_device_specific: bool = False
    unreflected: tuple[str, ...] = ()

    def registry_entry(self) -> dict[str, Any]:
        """The fields kept in the server's device registry."""
        return {"destinations": list(self.destinations), "withheld": sorted(i.value for i in self.withheld),
                "power": self.power, "unreflected": list(self.unreflected)}


@dataclass(frozen=True)
class CommonChange:
    """A shared non-personal setting changed at a client (SYNC-09), made on server version ``base``."""

    item: CommonItem
    value: Any
    base: int


@dataclass(frozen=True)
class ItemCopy:
    """The server's copy of one item of a user (its version is the server's, SYNC-07)."""

    user: str
    item: PersonalItem
    value: Any
    version: int
    sharing: SharingRange


@dataclass(frozen=True)
class LoginTime:
    """When a user last logged in anywhere, as the server stamped it."""

    user: str
    at: datetime | None


@dataclass(frozen=True)
class DeletedNotice:
    """The server deleted a user's data (SYNC-03 eviction); clients delete their copy too."""

    user: str
    reason: str = "limit"
    limit: int = 0


@dataclass(frozen=True)
class CommonCopy:
    """The server's copy of a shared non-personal setting (SYNC-09)."""

    item: CommonItem
    value: Any
    version: int


@dataclass(frozen=True)
class SharingNotice:
    """Every item's sharing range as the server has it (SYNC-10)."""

    ranges: Mapping[PersonalItem, SharingRange] = field(default_factory=dict)


ClientRecord = Union[LoginRecord, ItemChange, Registration, DeviceProfile, CommonChange]
"""What a client may push to its server."""
ServerRecord = Union[ItemCopy, LoginTime, DeletedNotice, CommonCopy, SharingNotice]
"""What a server may push or answer to a client."""


# --- checking -------------------------------------------------------------------------------------------


def check_user_name(user: Any) -> str:
    """Checks a login user name from the wire; returns it.

    Raises:
        ValueError: Not 1 to :data:`MAX_USER_NAME` characters of text without control characters, or it
            starts with ``@`` (reserved for the session's own records).
    """
    if type(user) is not str or not user:
        raise ValueError("a user name must be non-empty text")
    if len(user) > MAX_USER_NAME:
        raise ValueError(f"a user name is at most {MAX_USER_NAME} characters")
    if user.startswith("@") or any(ord(ch) < 32 or ord(ch) == 127 for ch in user):
        raise ValueError(f"{user[:20]!r} is not a user name")
    return user


def check_value_shape(value: Any, limit: int = MAX_ITEM_BYTES) -> None:
    """Checks that ``value`` is plain JSON within the bounds: finite numbers, nesting, encoded size.

    Raises:
        ValueError: Says which bound it breaks.
    """
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_VALUE_DEPTH:
            raise ValueError(f"a value is nested more than {MAX_VALUE_DEPTH} deep")
        kind = type(item)
        if kind is dict:
            for key, inner in item.items():
                if type(key) is not str:
                    raise ValueError("object keys must be text")
                pending.append((inner, depth + 1))
        elif kind is list:
            pending.extend((inner, depth + 1) for inner in item)
        elif kind is float:
            if not math.isfinite(item):
                raise ValueError("a number must be finite")
        elif item is not None and kind not in (str, int, bool):
            raise ValueError(f"a value cannot hold {kind.__name__}")
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8"))
    if size > limit:
        raise ValueError(f"a value of {size} bytes is over the {limit}-byte bound")


def _item_value(item: PersonalItem, value: Any) -> Any:
    check_value_shape(value)
    check_item_value(item, value)
    return value


def _personal_item(name: Any) -> PersonalItem:
    found = _ITEMS.get(name) if type(name) is str else None
    if found is None:
        raise ValueError(f"{str(name)[:40]!r} is not a personalized item")
    return found


def _sharing(text: Any) -> SharingRange:
    found = _RANGES.get(text) if type(text) is str else None
    if found is None:
        raise ValueError(f"{str(text)[:40]!r} is not a sharing range")
    return found


def _count(value: Any, what: str) -> int:
    if type(value) is not int or not 0 <= value <= 2**63 - 1:
        raise ValueError(f"{what} must be a whole number from 0")
    return value


def _time(text: Any) -> datetime | None:
    if text in ("", None):
        return None
    if type(text) is not str or len(text) > 40:
        raise ValueError("a time must be ISO text")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO time") from None
    if when.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return when


def _texts(value: Any, what: str, most: int) -> tuple[str, ...]:
    if type(value) is not list or len(value) > most:
        raise ValueError(f"{what} must be a list of at most {most} texts")
    for text in value:
        if type(text) is not str or not text or len(text) > MAX_TEXT:
            raise ValueError(f"each of {what} must be text of 1 to {MAX_TEXT} characters")
    return tuple(value)


def _device_profile(value: Any) -> DeviceProfile:
    known = {"destinations", "withheld", "power", "reset_device_specific", "unreflected"}
    if type(value) is not dict or not set(value) <= known:
        raise ValueError(f"a device profile is an object of {', '.join(sorted(known))}")
    withheld = frozenset(_personal_item(name) for name in _texts(value.get("withheld", []), "withheld", len(_ITEMS)))
    power = value.get("power", "On")
    if power not in _POWERS:
        raise ValueError(f"a device's power is {' or '.join(_POWERS)}")
    reset = value.get("reset_device_specific", False)
    if type(reset) is not bool:
        raise ValueError("reset_device_specific must be true or false")
    return DeviceProfile(_texts(value.get("destinations", []), "destinations", MAX_DESTINATIONS), withheld, power,
                         reset, _texts(value.get("unreflected", []), "unreflected", MAX_DESTINATIONS))


def _registration(user: str, value: Any) -> Registration:
    if type(value) is not dict or set(value) != {"items", "last_login"} or type(value["items"]) is not dict:
        raise ValueError('a registration holds {"items": {item: {"value", "range"}}, "last_login": time}')
    items = []
    for name, entry in value["items"].items():
        item = _personal_item(name)
        if type(entry) is not dict or set(entry) != {"value", "range"}:
            raise ValueError(f"{name}: a registered item holds exactly value and range")
        items.append((item, _item_value(item, entry["value"]), _sharing(entry["range"])))
    return Registration(user, tuple(items), _time(value["last_login"]))


def _common(item: Any) -> CommonItem | None:
    return _COMMONS.get(item) if type(item) is str else None


def _client_record(rec: Mapping[str, Any]) -> ClientRecord:
    user, item, value = rec["user"], rec["item"], rec["value"]
    if user == "":
        if item == DEVICE:
            return _device_profile(value)
        common = _common(item)
        if common is None:
            raise ValueError(f"{str(item)[:40]!r} is not a shared setting a client may change")
        check_value_shape(value)
        check_common_value(common, value)
        return CommonChange(common, value, _count(rec.get("base", 0), "base"))
    check_user_name(user)
    if item == LOGIN:
        return LoginRecord(user)
    if item == REGISTER:
        return _registration(user, value)
    personal = _personal_item(item)
    return ItemChange(user, personal, _item_value(personal, value), _sharing(rec["range"]),
                      _count(rec.get("base", 0), "base"))


def _server_record(rec: Mapping[str, Any]) -> ServerRecord:
    user, item, value = rec["user"], rec["item"], rec["value"]
    if user == "":
        if item == SHARING:
            if type(value) is not dict:
                raise ValueError("sharing ranges are an object of item: range")
            return SharingNotice({_personal_item(k): _sharing(v) for k, v in value.items()})
        common = _common(item)
        if common is None:
            raise ValueError(f"{str(item)[:40]!r} is not a shared setting")
        check_value_shape(value)
        check_common_value(common, value)
        return CommonCopy(common, value, _count(rec["version"], "version"))
    check_user_name(user)
    if item == LOGIN:
        return LoginTime(user, _time(value))
    if item == DELETED:
        if type(value) is not dict:
            raise ValueError("a deletion notice is an object")
        reason, limit = value.get("reason", "limit"), value.get("limit", 0)
        if type(reason) is not str or len(reason) > MAX_TEXT:
            raise ValueError("a deletion's reason must be short text")
        return DeletedNotice(user, reason, _count(limit, "limit"))
    personal = _personal_item(item)
    version = _count(rec["version"], "version")
    if version < 1:
        raise ValueError("a server copy's version starts at 1")
    return ItemCopy(user, personal, _item_value(personal, value), version, _sharing(rec["range"]))


def _parse(records: Sequence[Mapping[str, Any]], one: Any, who: str) -> list[Any]:
    if len(records) > MAX_RECORDS_PER_PUSH:
        raise RemoteProtocolError(f"{who}: {len(records)} records in one message, at most {MAX_RECORDS_PER_PUSH}")
    out = []
    users: set[str] = set()
    for index, rec in enumerate(records):
        try:
            parsed = one(rec)
        except (ValueError, TypeError, KeyError) as exc:
            raise RemoteProtocolError(f"{who}: record {index} ({_label(rec)}): {exc}") from None
        user = getattr(parsed, "user", "")
        if user:
            users.add(user)
            if len(users) > MAX_USERS_PER_PUSH:
                raise RemoteProtocolError(f"{who}: more than {MAX_USERS_PER_PUSH} users in one message")
        out.append(parsed)
    return out


def _label(rec: Any) -> str:
    if not isinstance(rec, Mapping):
        return "not an object"
    return f"{str(rec.get('user', ''))[:20]!r}/{str(rec.get('item', ''))[:30]!r}"


def parse_client_records(records: Sequence[Mapping[str, Any]]) -> list[ClientRecord]:
    """Every record of a client's push, typed and checked.

    Raises:
        RemoteProtocolError: A record is not one a client may send, or breaks a bound; the message names it.
    """
    return _parse(records, _client_record, "a client's push")


def parse_server_records(records: Sequence[Mapping[str, Any]]) -> list[ServerRecord]:
    """Every record of a server's push or answer, typed and checked.

    Raises:
        RemoteProtocolError: A record is not one a server may send, or breaks a bound.
    """
    return _parse(records, _server_record, "the server's records")


# --- back to the wire -----------------------------------------------------------------------------------


def _record(user: str, item: str, value: Any, version: int = 0, sharing: str = "shared",
            **extra: Any) -> dict[str, Any]:
    data = {"user": user, "item": item, "value": value, "version": version, "range": sharing}
    data.update(extra)
    return data


def wire(record: ClientRecord | ServerRecord) -> dict[str, Any]:
    """The wire form of a typed record (the inverse of the parsers)."""
    if isinstance(record, ItemCopy):
        return _record(record.user, record.item.value, record.value, record.version, record.sharing.value)
    if isinstance(record, ItemChange):
        return _record(record.user, record.item.value, record.value, 0, record.sharing.value, base=record.base)
    if isinstance(record, LoginRecord):
        return _record(record.user, LOGIN, "")
    if isinstance(record, LoginTime):
        return _record(record.user, LOGIN, record.at.isoformat() if record.at else "")
    if isinstance(record, Registration):
        items = {item.value: {"value": value, "range": sharing.value} for item, value, sharing in record.items}
        return _record(record.user, REGISTER, {"items": items,
                                               "last_login": record.last_login.isoformat() if record.last_login else ""})
    if isinstance(record, DeletedNotice):
        return _record(record.user, DELETED, {"reason": record.reason, "limit": record.limit})
    if isinstance(record, DeviceProfile):
        value: dict[str, Any] = {"destinations": list(record.destinations),
                                 "withheld": sorted(i.value for i in record.withheld), "power": record.power}
        if record.reset_device_specific:
            value["reset_device_specific"] = True
        if record.unreflected:
            value["unreflected"] = list(record.unreflected)
        return _record("", DEVICE, value)
    if isinstance(record, CommonChange):
        return _record("", record.item.value, record.value, 0, base=record.base)
    if isinstance(record, CommonCopy):
        return _record("", record.item.value, record.value, record.version)
    if isinstance(record, SharingNotice):
        return _record("", SHARING, {item.value: r.value for item, r in record.ranges.items()})
    raise TypeError(f"not a sync record: {record!r}")  # pragma: no cover


def wire_all(records: Iterable[ClientRecord | ServerRecord]) -> list[dict[str, Any]]:
    """:func:`wire` of each record."""
    return [wire(r) for r in records]


__all__ += ["wire_all"]
