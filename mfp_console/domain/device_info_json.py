"""The JSON encoding of device information, shared by the store, the wire and export files.

Encoding turns the frozen values of :mod:`mfp_console.domain.device_info` into plain JSON data. Decoding
checks every field by type and, for data from another machine or a file, by the bounds of
:mod:`mfp_console.limits` before any value is built (:mod:`mfp_console.domain.record_reading`), so
bad data is one :class:`~mfp_console.errors.RecordError` naming where it stood — never a ``TypeError``
from a constructor, an unhashable Department ID found late, or a 200,000-entry address book stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import compress
from operator import is_not
from typing import Any

from mfp_console.domain.device_info import (
    ADDRESS_KINDS,
    AddressBook,
    AddressEntry,
    Category,
    DepartmentId,
    DepartmentIds,
    DeviceInformation,
    FavoriteSetting,
    ForwardingRule,
    InboxUrlSend,
    PageCounts,
    PaperType,
    SettingValue,
    SystemManagerInfo,
)
from mfp_console.domain.record_reading import (
    RecordError,
    flag,
    items,
    record,
    text,
    text_pair,
    whole,
)
from mfp_console.limits import (
    ADDRESS_BOOK_ENTRIES,
    DEPARTMENT_IDS,
    FAVOURITE_SETTING_ITEMS,
    FAVOURITE_SETTINGS,
    FORWARDING_RULES,
    INBOX_URL_SEND_ENTRIES,
    INTEGER,
    PAPER_TYPES,
    PRINTER_SETTINGS,
    SETTINGS_VALUES,
    TEXT_CHARS,
)

__all__ = [
    "ItemTexts",
    "category_from_json",
    "category_text",
    "category_to_json",
    "compact_json",
    "device_info_from_json",
    "device_info_to_json",
    "inbox_from_json",
    "inbox_to_json",
]


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
            "departments": [_department_json(d) for d in depts.departments],
        }
    if category is Category.PRINTER_SETTINGS:
        return [list(p) for p in value]
    if category is Category.PAPER_INFORMATION:
        return [_asdict(p) for p in value]
    if category is Category.SETTINGS_VALUES:
        return [_asdict(s) for s in value]
    raise ValueError(category)


def compact_json(value: Any) -> str:
    """Compact JSON text (no spaces, non-ASCII as is, keys in order), the one text the store and the wire
    keep; a NaN or infinity is a ``ValueError``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


OWN_SETTINGS_KEPT = 4096
"""The most settings values of clients' own whose texts one :class:`ItemTexts` keeps."""


class ItemTexts:
    """The JSON text of the list items many values share, each encoded once, and a quick writer for the rest.

    A distribution's clients each store the host's Department IDs and settings values merged with their
    own: most items of every client's result are the same objects (the host's, or the host's with counters
    0). Those are the ``shared`` items: each is encoded at its first use and its text kept, known by
    identity (each is held here, so its identity is not reused while it is known). Any other item is a
    client's own (a setting it keeps, a Department ID with its own counters). A Department ID of a client's
    is written every time and never kept, or the texts would grow with every client a bundle is applied
    to; one that is a shared one with other counters is spliced: the shared one's text up to
    ``"counters":``, then its own counters. A client's own settings value is kept, up to
    :data:`OWN_SETTINGS_KEPT` of them: decoding hands out the same value for the same fields (machines
    share most of their settings), so the next client's text finds it.

    A *run* is a list of shared items that many values hold whole but for a few items of their own (the
    host's Department IDs with counters 0, where each client puts in its own counters): its items' texts
    are listed once, and a value that is the run with a few items replaced takes that list with those
    items' texts put in. A thousand Department IDs then cost a client one comparison of identities done
    in C and a copy of the list, instead of a thousand look-ups.
    """

    def __init__(self, shared: Iterable[object] = (), runs: Iterable[Sequence[object]] = ()) -> None:
        self._shared: dict[int, object] = {id(item): item for item in shared}
        self._texts: dict[int, tuple[object, str]] = {}
        self._own_settings_kept = 0
        self._heads: dict[str, tuple[DepartmentId, str]] = {}
        for item in self._shared.values():
            if type(item) is DepartmentId:
                self._heads.setdefault(item.dept_id, (item, ""))
        self._runs: dict[int, _Run] = {}
        for run in runs:
            items = tuple(run)
            if items and all(self._shared.get(id(item)) is item for item in items):
                self._runs.setdefault(len(items), _Run(items))

    def text(self, item: object, encode: Callable[[Any], Any]) -> str:
        """The compact JSON text of ``encode(item)``: kept for a shared item, written afresh for another."""
        known = self._texts.get(id(item))
        if known is not None and known[0] is item:
            return known[1]
        keep = self._shared.get(id(item)) is item
        if encode is _department_json and type(item) is DepartmentId:
            text = self._department_text(item)
        elif encode is _asdict and type(item) is SettingValue:
            text = setting_value_text(item)
            if not keep and self._own_settings_kept < OWN_SETTINGS_KEPT:
                self._own_settings_kept += 1
                keep = True
        else:
            text = compact_json(encode(item))
        if keep:
            self._texts[id(item)] = (item, text)
        return text

    def joined(self, values: Sequence[object], encode: Callable[[Any], Any], head: str = "", tail: str = "") -> str:
        """``head``, the items' texts joined by commas (the inside of a JSON array), then ``tail``.

        The whole is made in one piece: a Department IDs text is some 200 KiB, and each further copy of
        it is a fresh block of memory to fault in.
        """
        run = self._runs.get(len(values))
        out = self._from_run(run, values, encode) if run is not None else None
        if out is None:
            texts = self._texts
            out = []
            for item in values:
                known = texts.get(id(item))
                out.append(known[1] if known is not None and known[0] is item else self.text(item, encode))
        if not out:
            return head + tail
        out[0] = head + out[0]
        out[-1] = out[-1] + tail
        return ",".join(out)

    def _from_run(self, run: _Run, values: Sequence[object], encode: Callable[[Any], Any]) -> list[str] | None:
        """The texts of ``values`` taken from ``run``'s when they are its items but for a few (then those few
        are written), or None when they are mostly others."""
        items = run.items
        changed = list(compress(range(len(items)), map(is_not, values, items)))
        if len(changed) * 4 > len(items):
            return None  # mostly other items: looking each up is no dearer
        if run.texts is None:
            run.texts = [self.text(item, encode) for item in items]
        texts = list(run.texts)
        for i in changed:
            texts[i] = self.text(values[i], encode)
        return texts

    def _department_text(self, dept: DepartmentId) -> str:
        """A Department ID's text, spliced from a shared one's head when only the counters differ."""
        found = self._heads.get(dept.dept_id)
        counters = _counts_text(dept.counters)
        if found is None or counters is None:
            return compact_json(_department_json(dept))
        shared, head = found
        if not (shared.password_hash == dept.password_hash
                and (shared.limits is dept.limits or shared.limits == dept.limits)):
            return compact_json(_department_json(dept))
        if not head:
            head = _department_head(shared)
            if not head:
                return compact_json(_department_json(dept))
            self._heads[dept.dept_id] = (shared, head)
        return head + counters + "}"

    def __len__(self) -> int:
        return len(self._texts)


class _Run:
    """A run of shared items (see :class:`ItemTexts`) and their texts, written at its first use."""

    __slots__ = ("items", "texts")

    def __init__(self, items: tuple[object, ...]) -> None:
        self.items = items
        self.texts: list[str] | None = None


def category_text(category: Category, value: Any, items: ItemTexts | None = None) -> str:
    """A category's compact JSON text: exactly ``compact_json(category_to_json(category, value))``.

    With ``items``, the Department IDs and settings values are spliced from their items' texts, each shared
    item encoded once however many values hold it.
    """
    if items is None or category not in (Category.DEPARTMENT_ID, Category.SETTINGS_VALUES):
        return compact_json(category_to_json(category, value))
    if category is Category.SETTINGS_VALUES:
        return items.joined(value, _asdict, "[", "]")
    depts: DepartmentIds = value
    return items.joined(depts.departments, _department_json,
                        '{"system_manager":' + compact_json(_asdict(depts.system_manager)) + ',"departments":[', "]}")


def setting_value_text(item: SettingValue) -> str:
    """Exactly ``compact_json(_asdict(item))`` for a settings value (its fields are two texts and two flags),
    written without building a dictionary: a client's merge writes a few hundred of them."""
    if not (type(item.key) is str and type(item.value) is str and type(item.deliverable) is bool
            and type(item.network) is bool):
        return compact_json(_asdict(item))  # not the types a decoded value has: the encoder says what it is
    return (f'{{"key":{_text_json(item.key)},"value":{_text_json(item.value)},'
            f'"deliverable":{_FLAG_JSON[item.deliverable]},"network":{_FLAG_JSON[item.network]}}}')


_text_json = json.encoder.encode_basestring  # what compact_json writes for a text (ensure_ascii=False)
_FLAG_JSON = {True: "true", False: "false"}


def _counts_text(counts: PageCounts) -> str | None:
    """Exactly ``compact_json(_asdict(counts))`` for whole numbers, written directly; None for other types."""
    total, color, black = counts.total, counts.color, counts.black
    if type(total) is int and type(color) is int and type(black) is int:
        return f'{{"total":{total},"color":{color},"black":{black}}}'
    return None


def _department_head(dept: DepartmentId) -> str:
    """A Department ID's text up to and including ``"counters":``; empty when a field is not of the type a
    decoded value has (its text is then left to the encoder)."""
    limits = _counts_text(dept.limits)
    if limits is None or type(dept.dept_id) is not str or type(dept.password_hash) is not str:
        return ""
    return (f'{{"dept_id":{_text_json(dept.dept_id)},"password_hash":{_text_json(dept.password_hash)},'
            f'"limits":{limits},"counters":')


def _department_json(d: DepartmentId) -> dict[str, Any]:
    return {"dept_id": d.dept_id, "password_hash": d.password_hash, "limits": _asdict(d.limits),
            "counters": _asdict(d.counters)}


def category_from_json(category: Category, data: Any, *, bounded: bool = True) -> Any:
    """Decodes one category's value, checking every field's type (and, when ``bounded``, every limit).

    Args:
        category: Which category ``data`` is.
        data: The decoded JSON.
        bounded: Also enforce the sizes of :mod:`mfp_console.limits` (list lengths, text lengths)
            and that IDs, entry numbers and settings keys are unique: True for data from another machine
            or a file; the store reads its own rows with False.

    Raises:
        RecordError: A value has the wrong type, a key is missing or unknown, or a limit is exceeded
            (a ``ValueError``: the receiver reports it as E-PROTOCOL, the store as a StoreError).
    """
    if category is Category.ADDRESS_BOOK:
        return _address_book(data, bounded)
    if category is Category.DEPARTMENT_ID:
        return _department_ids(data, bounded)
    if category is Category.PRINTER_SETTINGS:
        rows = items(data, "the printer settings", _cap(PRINTER_SETTINGS, bounded))
        return tuple(text_pair(row, f"printer setting {i}", bounded) for i, row in enumerate(rows, 1))
    if category is Category.PAPER_INFORMATION:
        rows = items(data, "the paper types", _cap(PAPER_TYPES, bounded))
        return tuple(_paper_type(row, f"paper type {i}", bounded) for i, row in enumerate(rows, 1))
    if category is Category.SETTINGS_VALUES:
        rows = items(data, "the settings/registration values", _cap(SETTINGS_VALUES, bounded))
        values = _setting_values(rows, bounded)
        if bounded:
            _unique((s.key for s in values), "settings key")
        return values
    raise ValueError(category)


def inbox_to_json(inbox: InboxUrlSend) -> dict[str, Any]:
    """Encodes inbox URL Send settings."""
    return {"enabled": inbox.enabled, "entries": [list(p) for p in inbox.entries]}


def inbox_from_json(data: Any, *, bounded: bool = True) -> InboxUrlSend:
    """Decodes inbox URL Send settings (see :func:`category_from_json` for ``bounded`` and errors)."""
    inbox = record(data, "the inbox URL Send settings", ("enabled", "entries"))
    rows = items(inbox["entries"], "the inbox URL Send entries", _cap(INBOX_URL_SEND_ENTRIES, bounded))
    return InboxUrlSend(
        flag(inbox["enabled"], "the inbox URL Send settings: 'enabled'"),
        tuple(text_pair(row, f"inbox URL Send entry {i}", bounded) for i, row in enumerate(rows, 1)),
    )


_DEPT_ID = re.compile(r"[0-9]{1,7}")
_ENTRY_KEYS = frozenset({"number", "name", "kind", "address", "favourite"})
_COUNT_KEYS = frozenset({"total", "color", "black"})
_SETTING_KEYS = frozenset({"key", "value", "deliverable", "network"})


def _cap(limit: int, bounded: bool) -> int | None:
    return limit if bounded else None


def _unique(values: Any, what: str) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise RecordError(f"{what} {value!r} appears twice")
        seen.add(value)


def _address_book(data: Any, bounded: bool) -> AddressBook:
    book = record(data, "the address book", ("entries", "forwarding", "favourites"))
    entries = _address_entries(items(book["entries"], "the address book", _cap(ADDRESS_BOOK_ENTRIES, bounded)), bounded)
    if bounded:
        _unique((e.number for e in entries), "address book entry number")
    forwarding = tuple(
        _forwarding_rule(row, f"forwarding rule {i}", bounded)
        for i, row in enumerate(items(book["forwarding"], "the forwarding rules", _cap(FORWARDING_RULES, bounded)), 1)
    )
    favourites = tuple(
        _favourite(row, f"favourite setting {i}", bounded)
        for i, row in enumerate(items(book["favourites"], "the favourite settings", _cap(FAVOURITE_SETTINGS, bounded)), 1)
    )
    return AddressBook(entries, forwarding, favourites)


def _address_entries(rows: list[Any], bounded: bool) -> tuple[AddressEntry, ...]:
    # A book holds thousands of entries: the common case, a sound entry, is checked with as little work as
    # possible (this made decoding the bench bundle 2x faster); anything else goes through _address_entry,
    # which names what is wrong.
    longest = TEXT_CHARS if bounded else INTEGER
    out = []
    for i, row in enumerate(rows, 1):
        if type(row) is dict and _ENTRY_KEYS.issuperset(row):
            number, name, kind = row.get("number"), row.get("name"), row.get("kind")
            address, favourite = row.get("address"), row.get("favourite", False)
            if (type(number) is int and 0 <= number <= INTEGER and type(name) is str and len(name) <= longest
                    and type(kind) is str and kind in ADDRESS_KINDS and type(address) is str
                    and len(address) <= longest and type(favourite) is bool):
                out.append(AddressEntry(number, name, kind, address, favourite))
                continue
        out.append(_address_entry(row, f"address book entry {i}", bounded))
    return tuple(out)


def _address_entry(value: Any, where: str, bounded: bool) -> AddressEntry:
    e = record(value, where, ("number", "name", "kind", "address"), ("favourite",))
    kind = text(e["kind"], f"{where}: 'kind'", bounded)
    if kind not in ADDRESS_KINDS:
        raise RecordError(f"{where}: 'kind' must be one of {sorted(ADDRESS_KINDS)}, got {kind[:40]!r}")
    return AddressEntry(
        whole(e["number"], f"{where}: 'number'"),
        text(e["name"], f"{where}: 'name'", bounded),
        kind,
        text(e["address"], f"{where}: 'address'", bounded),
        flag(e.get("favourite", False), f"{where}: 'favourite'"),
    )


def _forwarding_rule(value: Any, where: str, bounded: bool) -> ForwardingRule:
    f = record(value, where, ("name", "condition", "destination"), ("enabled",))
    return ForwardingRule(
        text(f["name"], f"{where}: 'name'", bounded),
        text(f["condition"], f"{where}: 'condition'", bounded),
        whole(f["destination"], f"{where}: 'destination'"),
        flag(f.get("enabled", True), f"{where}: 'enabled'"),
    )


def _favourite(value: Any, where: str, bounded: bool) -> FavoriteSetting:
    f = record(value, where, ("number", "name", "settings"))
    rows = items(f["settings"], f"{where}: 'settings'", _cap(FAVOURITE_SETTING_ITEMS, bounded))
    return FavoriteSetting(
        whole(f["number"], f"{where}: 'number'"),
        text(f["name"], f"{where}: 'name'", bounded),
        tuple(text_pair(row, f"{where}: setting {i}", bounded) for i, row in enumerate(rows, 1)),
    )


def _department_ids(data: Any, bounded: bool) -> DepartmentIds:
    depts = record(data, "the Department ID category", ("system_manager", "departments"))
    manager = record(depts["system_manager"], "the System Manager information", (), ("name", "contact", "email", "comment"))
    info = SystemManagerInfo(**{
        key: text(manager[key], f"the System Manager information: {key!r}", bounded) for key in manager
    })
    rows = items(depts["departments"], "the Department IDs", _cap(DEPARTMENT_IDS, bounded))
    departments = tuple(_department(row, f"Department ID {i}", bounded) for i, row in enumerate(rows, 1))
    if bounded:
        _unique((d.dept_id for d in departments), "Department ID")
    return DepartmentIds(info, departments)


def _department(value: Any, where: str, bounded: bool) -> DepartmentId:
    d = record(value, where, ("dept_id", "password_hash", "limits", "counters"))
    dept_id = text(d["dept_id"], f"{where}: 'dept_id'", bounded)
    if not _DEPT_ID.fullmatch(dept_id):
        raise RecordError(f"{where}: 'dept_id' must be 1 to 7 digits, got {dept_id[:40]!r}")
    return DepartmentId(
        dept_id,
        text(d["password_hash"], f"{where}: 'password_hash'", bounded),
        _page_counts(d["limits"], f"{where}: 'limits'"),
        _page_counts(d["counters"], f"{where}: 'counters'"),
    )


def _page_counts(value: Any, where: str) -> PageCounts:
    if type(value) is dict and _COUNT_KEYS.issuperset(value) and all(
        type(n) is int and 0 <= n <= INTEGER for n in value.values()
    ):
        return PageCounts(**value)  # the common case, cheaply; otherwise the checks below name the fault
    c = record(value, where, (), ("total", "color", "black"))
    return PageCounts(**{key: whole(c[key], f"{where}: {key!r}") for key in c})


def _paper_type(value: Any, where: str, bounded: bool) -> PaperType:
    p = record(value, where, ("name", "base_type", "weight_gsm"), ("finish", "color"))
    return PaperType(
        text(p["name"], f"{where}: 'name'", bounded),
        text(p["base_type"], f"{where}: 'base_type'", bounded),
        whole(p["weight_gsm"], f"{where}: 'weight_gsm'"),
        text(p.get("finish", "Uncoated"), f"{where}: 'finish'", bounded),
        text(p.get("color", "White"), f"{where}: 'color'", bounded),
    )


def _setting_values(rows: list[Any], bounded: bool) -> tuple[SettingValue, ...]:
    # As for address book entries: a sound item is checked with as little work as possible (a client reads
    # its ~300 settings values at every received update); anything else goes through _setting_value.
    longest = TEXT_CHARS if bounded else INTEGER
    out = []
    for i, row in enumerate(rows, 1):
        if type(row) is dict and _SETTING_KEYS.issuperset(row):
            key, value = row.get("key"), row.get("value")
            deliverable, network = row.get("deliverable", True), row.get("network", False)
            if (type(key) is str and len(key) <= longest and type(value) is str and len(value) <= longest
                    and type(deliverable) is bool and type(network) is bool):
                fields = (key, value, deliverable, network)
                item = _settings_seen.get(fields)
                if item is None:
                    item = _remember_setting(fields)
                out.append(item)
                continue
        out.append(_setting_value(row, f"settings value {i}", bounded))
    return tuple(out)


_settings_seen: dict[tuple[str, str, bool, bool], SettingValue] = {}
"""Settings values decoded lately, by their fields. A fleet's machines share most of their settings values
(100 seeded clients hold ~30,000 items, 1,222 of them different), so a decoded value is usually one seen
before: the same frozen value serves again, cheaper than building it, and a merge or a text cache that
compares by identity then finds it equal at once."""
_SETTINGS_SEEN_AT_MOST = 8192


def _remember_setting(fields: tuple[str, str, bool, bool]) -> SettingValue:
    if len(_settings_seen) >= _SETTINGS_SEEN_AT_MOST:
        _settings_seen.clear()  # forget all: the values in use are found again at their next decoding
    item = _settings_seen[fields] = SettingValue(*fields)
    return item


def _setting_value(value: Any, where: str, bounded: bool) -> SettingValue:
    s = record(value, where, ("key", "value"), ("deliverable", "network"))
    return SettingValue(
        text(s["key"], f"{where}: 'key'", bounded),
        text(s["value"], f"{where}: 'value'", bounded),
        flag(s.get("deliverable", True), f"{where}: 'deliverable'"),
        flag(s.get("network", False), f"{where}: 'network'"),
    )


def device_info_to_json(info: DeviceInformation) -> dict[str, Any]:
    """Encodes a whole :class:`DeviceInformation`."""
    out: dict[str, Any] = {c.value: category_to_json(c, info.category(c)) for c in Category}
    out["inbox_url_send"] = inbox_to_json(info.inbox_url_send)
    return out


def device_info_from_json(data: Any, *, bounded: bool = True) -> DeviceInformation:
    """Decodes a whole :class:`DeviceInformation` (see :func:`category_from_json`)."""
    whole_info = record(data, "the device information", (*(c.value for c in Category), "inbox_url_send"))
    info = DeviceInformation(inbox_url_send=inbox_from_json(whole_info["inbox_url_send"], bounded=bounded))
    for c in Category:
        info = info.with_category(c, category_from_json(c, whole_info[c.value], bounded=bounded))
    return info


def _asdict(value: Any) -> dict[str, Any]:
    # dataclasses.asdict deep-copies; these values are flat and frozen, so a shallow dict is enough.
    return {f: getattr(value, f) for f in value.__dataclass_fields__}

