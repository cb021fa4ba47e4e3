"""Validation of the ``sync`` step and of ``expect: {sync: …}`` (Personalized Data Synchronization).

A ``sync`` step is a mapping of actions applied in the written order, like ``world``; the fields each
action takes are declared in :data:`~mfp_console.scenario.vocabulary.SYNC_ACTIONS`. A bare value (or a
list) stands for the action's main field::

    - sync: {start_server: host, start_client: [client-a, client-b]}
    - sync: {login: {machine: client-a, user: alice}, add_address: {machine: client-a, name: Bob, address: bob@x}}
    - expect: {sync: {machine: client-b, user: alice, addresses: [Bob]}}
"""

from __future__ import annotations

from typing import Any

from mfp_console.domain.schedule import parse_start_time
from mfp_console.domain.sync_items import (
    ADDRESS_TYPES,
    CommonItem,
    PersonalItem,
    SharingRange,
)
from mfp_console.domain.sync_settings import BackupMode, DeviceState, UserLimitAction
from mfp_console.errors import RuleRefusal
from mfp_console.scenario import model as m
from mfp_console.scenario.reading import MISSING, Reader
from mfp_console.scenario.vocabulary import SYNC_ACTIONS, SYNC_EXPECT_FIELDS
from mfp_console.yaml_source import Mark, nearest

__all__ = ["read_sync_check", "read_sync_step", "sync_item", "sync_range"]

_LOG_LEVELS = ("Info", "Warning", "Error")


LOGIN_RANGE_LIMIT = 10_000
"""The most users one ``login_range`` logs in (ten times the server's limit, SYNC-03)."""


def _fold(text: str) -> str:
    text = " ".join(str(text).split()).strip()
    if len(text) >= 2 and (text[0], text[-1]) in (("<", ">"), ("[", "]")):
        text = text[1:-1].strip()
    return text.casefold().replace("-", "_").replace(" ", "_")


def sync_item(text: str) -> PersonalItem | None:
    """A personal item by its key (``personal_address_list``) or label (``Personal Address List``)."""
    wanted = _fold(text)
    for item in PersonalItem:
        if wanted in (_fold(item.value), _fold(item.label)):
            return item
    return None


def sync_range(text: str) -> SharingRange | None:
    """A sharing range: ``shared``/``device_specific`` or its label ``[Shared across All Devices]`` …"""
    wanted = _fold(text)
    for value in SharingRange:
        if wanted in (_fold(value.value), _fold(value.label)) or wanted.startswith(_fold(value.value)):
            return value
    return None


def _common(text: str) -> CommonItem | None:
    wanted = _fold(text)
    return next((c for c in CommonItem if wanted in (_fold(c.value), _fold(c.label))), None)


def _limit_action(text: str) -> UserLimitAction | None:
    wanted = _fold(text)
    return next((a for a in UserLimitAction if wanted in (_fold(a.value), _fold(a.name))), None)


def _value(kind: str, raw: Any, mark: Mark | None, reader: Reader, what: str) -> Any:
    """Reads one field of ``kind`` (see the vocabulary); adds a problem and returns MISSING when wrong."""
    optional_empty = kind.endswith("?")
    kind = kind.rstrip("?")
    if kind == "machine":
        return reader.machine(raw, mark, what)
    if kind == "any":
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            reader.add(mark, f"{what} is true or false, got {raw!r}")
            return MISSING
        return raw
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            reader.add(mark, f"{what} is a whole number, got {raw!r}")
            return MISSING
        return raw
    if kind == "item_values":
        mapping = reader.mapping(raw, mark, what, "{job_defaults: {copy: {sides: 1-Sided}}}")
        if mapping is None:
            return MISSING
        out_pairs = []
        for key, value in mapping.items():
            item = _value("item", key, reader.key_mark(mapping, key), reader, what)
            if item is MISSING:
                return MISSING
            out_pairs.append((item, value))
        return tuple(out_pairs)
    if kind == "on_off":  # YAML reads a bare On/Off as true/false: both spellings mean the same
        if raw in (True, False):
            return "On" if raw else "Off"
        match = next((w for w in ("On", "Off") if str(raw).casefold() == w.casefold()), None)
        if match is None:
            reader.add(mark, f"{what} is On or Off, got {raw!r}")
            return MISSING
        return match
    if kind == "user_format":
        text = raw if isinstance(raw, str) else ""
        try:
            ok = "{n" in text and text.format(n=1) != text.format(n=2)
        except (KeyError, IndexError, ValueError):
            ok = False
        if not ok:
            reader.add(mark, f"{what} is a user name with {{n}} for the number, e.g. \"user{{n:04d}}\", got {raw!r}")
            return MISSING
        return text
    if kind == "int_or_none":
        if raw in ("none", None):
            return "none"
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 6:
            reader.add(mark, f"{what} is a step number 1 to 6 or 'none', got {raw!r}")
            return MISSING
        return raw
    if kind == "text":
        if raw is None or isinstance(raw, (bool, dict, list)):
            reader.add(mark, f"{what} must be text, got {raw!r}")
            return MISSING
        text = raw if isinstance(raw, str) else reader.written(raw, mark)
        if not text.strip() and not optional_empty:
            reader.add(mark, f"{what} is empty")
            return MISSING
        return text
    if kind == "texts":
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for index, item in enumerate(items):
            imark = reader.item_mark(raw, index) if isinstance(raw, list) else mark
            text = _value("text?" if optional_empty else "text", item, imark, reader, what)
            if text is MISSING:
                return MISSING
            out.append(text)
        return tuple(out)
    if kind in ("item", "items"):
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for item in items:
            found = sync_item(str(item))
            if found is None:
                choices = [i.value for i in PersonalItem]
                reader.add(mark, f"{what}: unknown personal item {item!r}", nearest(str(item), choices))
                return MISSING
            out.append(found.value)
        return out[0] if kind == "item" else tuple(out)
    if kind == "range":
        found_range = sync_range(str(raw))
        if found_range is None:
            reader.add(mark, f"{what} is 'shared' ([Shared across All Devices]) or 'device_specific' "
                             f"([Device-Specific (Not Shared)]), got {raw!r}")
            return MISSING
        return found_range.value
    if kind == "ranges":
        mapping = reader.mapping(raw, mark, what, "{keychain: device_specific}")
        if mapping is None:
            return MISSING
        out_pairs = []
        for key, value in mapping.items():
            item = _value("item", key, reader.key_mark(mapping, key), reader, what)
            rng = _value("range", value, reader.value_mark(mapping, key), reader, what)
            if MISSING in (item, rng):
                return MISSING
            out_pairs.append((item, rng))
        return tuple(out_pairs)
    if kind == "common_item":
        found_common = _common(str(raw))
        if found_common is None:
            reader.add(mark, f"{what}: unknown shared setting {raw!r}",
                       nearest(str(raw), [c.value for c in CommonItem]))
            return MISSING
        return found_common.value
    if kind == "commons":
        mapping = reader.mapping(raw, mark, what, "{guest_home_screen: {buttons: [Copy]}}")
        if mapping is None:
            return MISSING
        out_pairs = []
        for key, value in mapping.items():
            item = _value("common_item", key, reader.key_mark(mapping, key), reader, what)
            if item is MISSING:
                return MISSING
            out_pairs.append((item, value))
        return tuple(out_pairs)
    if kind == "address_type":
        match = next((t for t in ADDRESS_TYPES if str(raw).casefold() == t.casefold()), None)
        if match is None:
            reader.add(mark, f"{what} is one of {', '.join(ADDRESS_TYPES)}, got {raw!r}", nearest(str(raw), ADDRESS_TYPES))
            return MISSING
        return match
    if kind == "backup_mode":
        raw = "Off" if raw is False else raw
        match = next((b.value for b in BackupMode if str(raw).casefold() == b.value.casefold()), None)
        if match is None:
            reader.add(mark, f"{what} is Off, Daily or Weekly, got {raw!r}")
            return MISSING
        return match
    if kind == "start_time":
        written = reader.written(raw, mark)
        try:
            parse_start_time(written)
        except RuleRefusal as exc:
            reader.add(mark, f"{what}: {exc.reason} ({exc.rule_id})")
            return MISSING
        return written
    if kind == "limit_action":
        found_action = _limit_action(str(raw))
        if found_action is None:
            reader.add(mark, f"{what} is 'Delete Oldest User Settings' or 'Discard New User Settings', got {raw!r}")
            return MISSING
        return found_action.value
    if kind == "running":
        if str(raw).casefold() not in ("running", "stopped"):
            reader.add(mark, f"{what} is running or stopped, got {raw!r}")
            return MISSING
        return str(raw).casefold()
    if kind == "device_states":
        mapping = reader.mapping(raw, mark, what, "{client-a: Synchronized}")
        if mapping is None:
            return MISSING
        states = [s.value for s in DeviceState]
        out_pairs = []
        for key, value in mapping.items():
            match = next((s for s in states if str(value).casefold() == s.casefold()), None)
            if match is None:
                reader.add(reader.value_mark(mapping, key), f"a device state is one of {', '.join(states)}",
                           nearest(str(value), states))
                return MISSING
            out_pairs.append((str(key), match))
        return tuple(out_pairs)
    if kind == "log":
        mapping = reader.mapping(raw, mark, what, "{level: Error, contains: E-LIMIT}")
        if mapping is None:
            return MISSING
        reader.unknown_keys(mapping, ("level", "contains", "count"), what)
        level = mapping.get("level", "")
        if level and level not in _LOG_LEVELS:
            reader.add(reader.value_mark(mapping, "level"), f"a log level is Info, Warning or Error, got {level!r}",
                       nearest(str(level), _LOG_LEVELS))
            return MISSING
        count = mapping.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            reader.add(reader.value_mark(mapping, "count"), f"'count' is a whole number, got {count!r}")
            return MISSING
        return (("level", level), ("contains", str(mapping.get("contains", ""))), ("count", count))
    raise AssertionError(kind)  # pragma: no cover - the vocabulary and this reader agree


def read_sync_step(value: Any, mark: Mark, reader: Reader) -> m.SyncStep | object:
    """Reads a ``sync`` step: its actions in the written order."""
    mapping = reader.mapping(value, mark, "'sync'", "{start_server: host, start_client: [client-a, client-b]}")
    if mapping is None:
        return MISSING
    if not mapping:
        reader.add(mark, "'sync' needs an action, e.g. {start_server: host}")
        return MISSING
    actions: list[m.SyncAction] = []
    ok = True
    for action, raw in mapping.items():
        amark = reader.value_mark(mapping, action)
        if action not in SYNC_ACTIONS:
            reader.add(reader.key_mark(mapping, action), f"unknown sync action {action!r}",
                       nearest(str(action), list(SYNC_ACTIONS)))
            ok = False
            continue
        form = SYNC_ACTIONS[action]
        main, fields, required = form.main, form.fields, form.required
        if isinstance(raw, dict):
            written = [raw]
        elif main:
            written = [{main: item} for item in (raw if isinstance(raw, list) else [raw])]
        else:
            reader.add(amark, f"'{action}' takes a mapping of {', '.join(fields)}")
            ok = False
            continue
        for args in written:
            read = _read_action(action, args, fields, required, amark, reader)
            if read is MISSING:
                ok = False
            else:
                actions.append(read)  # type: ignore[arg-type]
    return m.SyncStep(tuple(actions)) if ok else MISSING


def _read_action(action: str, args: dict[str, Any], fields: dict[str, str], required: tuple[str, ...],
                 mark: Mark | None, reader: Reader) -> m.SyncAction | object:
    what = f"'{action}'"
    reader.unknown_keys(args, fields, what)
    missing = [key for key in required if key not in args]
    if missing:
        reader.add(mark, f"{what} needs {', '.join(repr(k) for k in missing)}")
        return MISSING
    out = []
    for key, raw in args.items():
        if key not in fields:
            return MISSING
        kmark = reader.value_mark(args, key) or mark
        value = _value(fields[key], raw, kmark, reader, f"'{key}' of {what}")
        if value is MISSING:
            return MISSING
        out.append((key, value))
    if action == "login_range":
        first, last = args["first"], args["last"]
        if not first <= last <= first + LOGIN_RANGE_LIMIT - 1:
            reader.add(mark, f"{what} logs in {LOGIN_RANGE_LIMIT} users at most, from 'first' up to 'last'")
            return MISSING
    return m.SyncAction(action, tuple(out))


def read_sync_check(raw: Any, mark: Mark, reader: Reader) -> m.SyncCheck | object:
    """Reads ``expect: {sync: {machine: …, …}}``."""
    mapping = reader.mapping(raw, mark, "'sync'", "{machine: client-b, user: alice, addresses: [Bob]}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, SYNC_EXPECT_FIELDS, "'sync'")
    if ("machine" in mapping) == ("server" in mapping):
        reader.add(mark, "'sync' expectations name either 'machine' or 'server'")
        return MISSING
    personal = ("addresses", "buttons", "shortcuts", "keychain", "groups", "display_language", "withheld",
                "keychain_targets", "same_as_server", "values")
    if any(key in mapping for key in personal) and "user" not in mapping:
        reader.add(mark, "personal data expectations need 'user'")
        return MISSING
    out = []
    for key, value in mapping.items():
        if key not in SYNC_EXPECT_FIELDS:
            return MISSING
        read = _value(SYNC_EXPECT_FIELDS[key], value, reader.value_mark(mapping, key) or mark, reader,
                      f"'{key}' of 'sync'")
        if read is MISSING:
            return MISSING
        out.append((key, read))
    if "same_as_server" in mapping and "machine" not in mapping:
        reader.add(mark, "'same_as_server' compares a machine's copy with the server's: name 'machine'")
        return MISSING
    return m.SyncCheck(tuple(out))
