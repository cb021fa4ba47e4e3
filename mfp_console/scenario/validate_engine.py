"""Validation of the engine shortcuts: ``distribute``, ``cancel``, ``receiving``, ``auto_distribution``,
``restore`` and ``destinations`` (steps that call the fleet facade without the panel)."""

from __future__ import annotations

from typing import Any

from mfp_console.domain.schedule import WEEKDAYS, ScheduleMode, parse_start_time
from mfp_console.errors import RuleRefusal
from mfp_console.scenario import model as m
from mfp_console.scenario.reading import MISSING, Reader
from mfp_console.yaml_source import Mark, nearest

__all__ = ["read_engine_step"]


# --- engine shortcuts --------------------------------------------------------------------------------


def read_engine_step(kind: str, value: Any, mark: Mark, reader: Reader, default_host: str) -> m.Action | object:
    """Reads ``distribute``, ``cancel``, ``receiving``, ``auto_distribution``, ``restore``, ``destinations`` or
    ``system_manager``."""
    if kind == "cancel":
        if value in (True, ""):
            return m.Cancel(default_host)
        name = reader.machine(value, mark, "'cancel'")
        return MISSING if name is MISSING else m.Cancel(name)  # type: ignore[arg-type]
    if kind == "distribute":
        return _read_distribute(value, mark, reader, default_host)
    if kind == "receiving":
        return _read_receiving(value, mark, reader)
    if kind == "auto_distribution":
        return _read_auto(value, mark, reader, default_host)
    if kind == "destinations":
        return _read_destinations(value, mark, reader, default_host)
    if kind == "sync":
        from mfp_console.scenario.validate_sync import read_sync_step

        return read_sync_step(value, mark, reader)
    if kind == "restore":
        mapping = reader.mapping(value, mark, "'restore'", "{machine: client-a, categories: [Address Book]}")
        if mapping is None:
            return MISSING
        reader.unknown_keys(mapping, ("machine", "categories"), "'restore'")
        name = reader.machine_at(mapping, "machine", "'restore'")
        categories = reader.categories(mapping, "categories", "'restore'")
        if MISSING in (name, categories):
            return MISSING
        return m.Restore(name, categories)  # type: ignore[arg-type]
    if kind == "system_manager":
        return _read_system_manager(value, mark, reader)
    raise AssertionError(kind)  # pragma: no cover - the step registry and this dispatch agree


def _read_system_manager(value: Any, mark: Mark, reader: Reader) -> m.SystemManager | object:
    """``<System Manager Information Settings>``: the values are checked by the machine (M-02), not here,
    so a scenario can rehearse a refusal."""
    mapping = reader.mapping(value, mark, "'system_manager'",
                             '{machine: client-b, id: "7654321", pin: "1111111", confirm: "1111111"}')
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("machine", "id", "pin", "confirm"), "'system_manager'")
    name = reader.machine_at(mapping, "machine", "'system_manager'")
    manager_id = reader.quoted_digits(mapping, "id", "'system_manager'")
    pin = reader.quoted_digits(mapping, "pin", "'system_manager'")
    confirm = reader.quoted_digits(mapping, "confirm", "'system_manager'") if "confirm" in mapping else pin
    if MISSING in (name, manager_id, pin, confirm):
        return MISSING
    return m.SystemManager(name, manager_id, pin, confirm)  # type: ignore[arg-type]


def _read_credentials(mapping: Any, reader: Reader, what: str) -> tuple[str, str] | None | object:
    if "login" not in mapping:
        return None
    login = reader.mapping(mapping["login"], reader.value_mark(mapping, "login"), f"'login' of {what}",
                           '{id: "7654321", pin: "7654321"}')
    if login is None:
        return MISSING
    reader.unknown_keys(login, ("id", "pin"), f"'login' of {what}")
    manager_id = reader.quoted_digits(login, "id", f"'login' of {what}")
    pin = reader.quoted_digits(login, "pin", f"'login' of {what}")
    return MISSING if MISSING in (manager_id, pin) else (manager_id, pin)


def _read_destinations(value: Any, mark: Mark, reader: Reader, default_host: str) -> m.Destinations | object:
    mapping = reader.mapping(value, mark, "'destinations'", "{from: host, delete: client-c}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("from", "register", "delete", "search"), "'destinations'")
    host = reader.machine_at(mapping, "from", "'destinations'", default_host)
    changes: list[m.DestinationChange] = []
    ok = host is not MISSING
    for key, raw in mapping.items():
        vmark = reader.value_mark(mapping, key)
        if key == "register":
            items = raw if isinstance(raw, list) else [raw]
            for index, item in enumerate(items):
                imark = reader.item_mark(raw, index) if isinstance(raw, list) else vmark
                entry = reader.mapping(item, imark, "'register'", "{name: branch-printer, address: client-c}")
                if entry is None:
                    ok = False
                    continue
                reader.unknown_keys(entry, ("name", "address"), "'register'")
                name = reader.text(entry, "name", "'register'")
                address = reader.text(entry, "address", "'register'")
                if MISSING in (name, address):
                    ok = False
                    continue
                changes.append(m.DestinationChange("register", name, address))  # type: ignore[arg-type]
        elif key == "delete":
            items = raw if isinstance(raw, list) else [raw]
            for index, item in enumerate(items):
                imark = reader.item_mark(raw, index) if isinstance(raw, list) else vmark
                name = reader.destination(item, imark, "'delete'")
                if name is MISSING:
                    ok = False
                    continue
                changes.append(m.DestinationChange("delete", name))  # type: ignore[arg-type]
        elif key == "search":
            if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 8:
                reader.add(vmark, f"'search' is the <Search Depth (Router)>, 1 to 8, got {raw!r}")
                ok = False
                continue
            changes.append(m.DestinationChange("search", depth=raw))
    if ok and not changes:
        reader.add(mark, "'destinations' needs 'register', 'delete' or 'search'")
        return MISSING
    return m.Destinations(host, tuple(changes)) if ok else MISSING  # type: ignore[arg-type]


def _read_distribute(value: Any, mark: Mark, reader: Reader, default_host: str) -> m.Distribute | object:
    mapping = reader.mapping(value, mark, "'distribute'", "{from: host, categories: [Address Book], to: [client-a]}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("from", "categories", "to", "include_network", "login"), "'distribute'")
    host = reader.machine_at(mapping, "from", "'distribute'", default_host)
    categories = reader.categories(mapping, "categories", "'distribute'")
    to = reader.machines_list(mapping, "to", "'distribute'")
    include = reader.boolean(mapping, "include_network", "'distribute'", False)
    credentials = _read_credentials(mapping, reader, "'distribute'")
    if MISSING in (host, categories, to, credentials):
        return MISSING
    return m.Distribute(host, categories, to, include, credentials)  # type: ignore[arg-type]


def _read_receiving(value: Any, mark: Mark, reader: Reader) -> m.Receiving | object:
    mapping = reader.mapping(value, mark, "'receiving'", "{machine: client-d, restrict_model: Off}")
    if mapping is None:
        return MISSING
    if "restrict" in mapping:
        # DID-19 was turned the seed's way round: the old key's On meant "refused". Playing an old file
        # with the meaning silently flipped would invert it, so the key is refused with the replacement.
        reader.add(reader.key_mark(mapping, "restrict"),
                   "'restrict' of 'receiving' was replaced: its On meant refused, but on the machine <On> "
                   "receives a category and <Off> refuses it (DID-19); write 'receive' with the switches "
                   "as the panel shows them, e.g. receive: {Printer Settings: Off} for a refused category")
    reader.unknown_keys(mapping, ("machine", "restrict_model", "receive", "restrict"), "'receiving'")
    name = reader.machine_at(mapping, "machine", "'receiving'")
    restrict_model = None
    if "restrict_model" in mapping:
        restrict_model = reader.boolean(mapping, "restrict_model", "'receiving'", True)
    receive = []
    if "receive" in mapping:
        switches = reader.mapping(mapping["receive"], reader.value_mark(mapping, "receive"),
                                  "'receive' of 'receiving'", "{Printer Settings: Off}")
        for key in switches or {}:
            category = reader.category(key, reader.key_mark(switches, key), "'receive'")
            if category is not MISSING:
                receive.append((category, reader.boolean(switches, key, "'receive'", True)))
    if name is MISSING or "restrict" in mapping:
        return MISSING
    return m.Receiving(name, restrict_model, tuple(receive))  # type: ignore[arg-type]


def _start_times(raw: Any, mark: Mark | None, reader: Reader, what: str) -> tuple[str, ...] | object:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for index, item in enumerate(items):
        item_mark = reader.item_mark(raw, index) if isinstance(raw, list) else mark
        written = reader.written(item, item_mark)
        try:
            parse_start_time(written)
        except RuleRefusal as exc:
            reader.add(item_mark, f"{what}: {exc.reason} ({exc.rule_id})")
            continue
        out.append(written)
    return tuple(out) if len(out) == len(items) else MISSING


def _read_auto(value: Any, mark: Mark, reader: Reader, default_host: str) -> m.AutoDistributionStep | object:
    mapping = reader.mapping(value, mark, "'auto_distribution'",
                             "{mode: Everyday, everyday: [\"0300\"], categories: [Address Book], to: [client-a]}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("from", "mode", "everyday", "days", "categories", "to", "include_network"),
                        "'auto_distribution'")
    host = reader.machine_at(mapping, "from", "'auto_distribution'", default_host)
    raw_mode = mapping.get("mode", "Everyday")
    raw_mode = "Off" if raw_mode is False else str(raw_mode)
    modes = [mode.value for mode in ScheduleMode]
    mode = next((v for v in modes if v.lower() == raw_mode.lower()), None)
    if mode is None:
        reader.add(reader.value_mark(mapping, "mode"), f"'mode' is {', '.join(modes)}; got {raw_mode!r}",
                   nearest(raw_mode, modes))
        return MISSING
    if mode == "Off":
        return MISSING if host is MISSING else m.AutoDistributionStep(host, mode)  # type: ignore[arg-type]
    everyday: tuple[str, ...] | object = ()
    days: list[tuple[str, tuple[str, ...]]] = []
    if mode == "Everyday":
        if "everyday" not in mapping:
            reader.add(mark, "<Everyday> needs 'everyday': a list of start times like \"0300\"")
            return MISSING
        everyday = _start_times(mapping["everyday"], reader.value_mark(mapping, "everyday"), reader, "'everyday'")
    else:
        raw_days = reader.mapping(mapping.get("days"), reader.value_mark(mapping, "days") if "days" in mapping else mark,
                                  "'days'", '{Mon: ["0300"], Thu: ["2100"]}')
        for day, raw in (raw_days or {}).items():
            label = next((w for w in WEEKDAYS if w.lower() == str(day).lower()[:3]), None)
            if label is None:
                reader.add(reader.key_mark(raw_days, day), f"unknown day {day!r}", nearest(str(day), WEEKDAYS))
                continue
            times = _start_times(raw, reader.value_mark(raw_days, day), reader, f"'{label}'")
            if times is not MISSING:
                days.append((label, times))  # type: ignore[arg-type]
    categories = reader.categories(mapping, "categories", "'auto_distribution'")
    to = reader.machines_list(mapping, "to", "'auto_distribution'")
    include = reader.boolean(mapping, "include_network", "'auto_distribution'", False)
    if MISSING in (host, everyday, categories, to):
        return MISSING
    return m.AutoDistributionStep(host, mode, everyday, tuple(days), categories, to, include)  # type: ignore[arg-type]
