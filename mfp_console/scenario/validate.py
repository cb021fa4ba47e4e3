"""Validates a located scenario document and builds the :class:`~mfp_console.scenario.model.Scenario`.

The whole file is checked in one pass and every problem is reported together: unknown keys, steps, world
actions and expectations (each with the nearest valid word), bad durations and times, machine names not
in the fleet, unknown menu buttons, toggles and categories, wrong value types, missing keys, rule IDs not
in the rules. The fleet is read first (the default, a fleet file relative to the scenario, or inline
machines validated in place) so that machine names can be checked against it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mfp_console.domain.machine import Function
from mfp_console.domain.menu import MENU_TREE, MenuPathError, normalize_label
from mfp_console.fleet_file import FleetSpec, load_fleet_file, parse_fleet
from mfp_console.errors import FileProblem, FileProblemsError, RuleRefusal
from mfp_console.scenario import model as m
from mfp_console.scenario.reading import MISSING, Reader
from mfp_console.scenario.timeparse import DurationError, Moment, parse_duration, parse_moment
from mfp_console.scenario.validate_engine import read_engine_step
from mfp_console.scenario.validate_expect import read_condition, read_expect
from mfp_console.scenario.vocabulary import (
    BUSY_ACTIVITIES,
    KNOWN_RULE_IDS,
    NO_ARGUMENT_STEPS,
    SETTINGS_KEYS,
    STEP_KINDS,
    TOGGLE_LABELS,
    TOP_LEVEL_KEYS,
    WORLD_ACTIONS,
    category_labels,
)
from mfp_console.yaml_source import Mark, Problems, mark_of, nearest

__all__ = ["DEFAULT_CLOCK", "build_scenario"]

DEFAULT_CLOCK = "2026-11-20T09:00"
"""Machine time at the start when a scenario gives no ``clock:`` (a Friday morning)."""

_EXAMPLE = "'- press: Next'"


def build_scenario(
    doc: Any,
    path: str,
    lines: Sequence[str],
    step_end_lines: Sequence[int],
    earlier: Sequence[FileProblem] = (),
) -> m.Scenario:
    """Checks a located document; returns the scenario or raises every problem at once.

    Raises:
        FileProblemsError: The problems, sorted by position (fleet-file problems keep their own path).
    """
    problems = Problems(path)
    problems.items.extend(earlier)
    if not isinstance(doc, dict):
        problems.add(mark_of(doc) or Mark(1, 1),
                     "a scenario must be a mapping with 'name', 'fleet', 'clock' and 'steps'")
        _raise(problems)
    problems.unknown_keys(doc, TOP_LEVEL_KEYS, "the scenario")
    fleet, fleet_source, fleet_problems = _read_fleet(doc, path, problems)
    names = fleet.names if fleet is not None else None
    reader = Reader(problems, lines, names)
    name = _read_name(doc, reader)
    covers = _read_covers(doc, reader)
    description = doc.get("description", "")
    if not isinstance(description, str):
        reader.add(reader.value_mark(doc, "description"), "'description' must be text")
        description = ""
    tz = _timezone(fleet)
    clock = _read_clock(doc, reader, tz)
    settings = _read_settings(doc, reader)
    if fleet is not None and settings:
        fleet = replace(fleet, settings=replace(fleet.settings, **settings))
    default_host = _default_host(fleet)
    steps = _read_steps(doc, reader, step_end_lines, tz, clock, default_host)
    all_problems = [*problems.items, *fleet_problems]
    if all_problems:
        raise FileProblemsError(sorted(all_problems, key=lambda p: (p.path != path, p.path, p.line, p.column)))
    assert fleet is not None and isinstance(name, str)
    return m.Scenario(
        name=name,
        path=Path(path),
        covers=covers,
        fleet=fleet,
        fleet_source=fleet_source,
        clock=clock,
        steps=tuple(steps),
        source_lines=tuple(lines),
        description=description,
    )


def _raise(problems: Problems) -> None:
    problems.raise_if_any()


# --- top level ---------------------------------------------------------------------------------------


def _read_name(doc: Any, reader: Reader) -> str | object:
    if "name" not in doc:
        reader.add(Mark(1, 1), "the scenario needs a 'name' (it names the test and the demo)")
        return MISSING
    value = doc["name"]
    if not isinstance(value, str) or not value.strip():
        reader.add(reader.value_mark(doc, "name"), f"'name' must be non-empty text, got {value!r}")
        return MISSING
    return value.strip()


def _read_covers(doc: Any, reader: Reader) -> tuple[str, ...]:
    if "covers" not in doc:
        return ()
    value = doc["covers"]
    items = value if isinstance(value, list) else [value]
    out = []
    for index, item in enumerate(items):
        mark = reader.item_mark(value, index) if isinstance(value, list) else reader.value_mark(doc, "covers")
        rule = str(item).strip() if isinstance(item, str) else item
        if not isinstance(rule, str) or rule not in KNOWN_RULE_IDS:
            hint = rule_hint(str(item))
            reader.add(mark, f"unknown rule ID {item!r} in 'covers'", hint)
            continue
        out.append(rule)
    return tuple(out)


def rule_hint(written: str) -> str:
    """``did you mean …`` for a rule ID: ``did-4`` → ``DID-04``, else the nearest known ID."""
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*-?\s*(\d+)\s*", written)
    if match:
        candidate = f"{match.group(1).upper()}-{int(match.group(2)):02d}"
        if candidate in KNOWN_RULE_IDS:
            return f"did you mean {candidate!r}?"
    return nearest(written.upper(), sorted(KNOWN_RULE_IDS))


def _read_fleet(doc: Any, path: str, problems: Problems) -> tuple[FleetSpec | None, str, list[FileProblem]]:
    """The fleet to run on; fleet-file problems are returned separately (they keep their own path)."""
    value = doc.get("fleet", "default")
    mark = problems_value_mark(doc, "fleet")
    if value is None or value == "default":
        return load_fleet_file(None), "default", []
    if isinstance(value, dict):
        try:
            return parse_fleet(value, path), "inline", []
        except FileProblemsError as exc:
            return None, "inline", list(exc.problems)
    if not isinstance(value, str):
        problems.add(mark, "'fleet' must be 'default', a fleet file's path, or a mapping with 'machines'")
        return None, "", []
    fleet_path = (Path(path).parent / value) if not Path(value).is_absolute() else Path(value)
    if not fleet_path.is_file():
        problems.add(mark, f"fleet file {value!r} not found (looked for {fleet_path})",
                     "paths are relative to the scenario file; use 'default' for the built-in fleet")
        return None, str(fleet_path), []
    try:
        return load_fleet_file(fleet_path), str(fleet_path), []
    except FileProblemsError as exc:
        problems.add(mark, f"the fleet file {value!r} has {len(exc.problems)} problem(s), listed below")
        return None, str(fleet_path), list(exc.problems)


def problems_value_mark(doc: Any, key: str) -> Mark | None:
    """Where the value of a top-level key stands."""
    return Reader.value_mark(doc, key)


def _timezone(fleet: FleetSpec | None) -> tzinfo:
    if fleet is None or fleet.settings.timezone.upper() == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(fleet.settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _read_clock(doc: Any, reader: Reader, tz: tzinfo) -> datetime:
    default = parse_moment(DEFAULT_CLOCK, tz, allow_time_of_day=False).resolve(datetime.now(tz))
    if "clock" not in doc:
        return default
    mark = reader.value_mark(doc, "clock")
    try:
        moment = parse_moment(doc["clock"], tz, source_text=reader.written(doc["clock"], mark),
                              allow_time_of_day=False)
    except DurationError as exc:
        reader.add(mark, f"'clock': {exc}")
        return default
    assert moment.at is not None
    return moment.at


def _read_settings(doc: Any, reader: Reader) -> dict[str, Any]:
    raw = doc.get("settings")
    if raw is None:
        return {}
    mapping = reader.mapping(raw, reader.value_mark(doc, "settings"), "'settings'", "{update_seconds_per_mib: 600}")
    if mapping is None:
        return {}
    reader.unknown_keys(mapping, SETTINGS_KEYS, "'settings'")
    out: dict[str, Any] = {}
    for key in SETTINGS_KEYS:
        if key not in mapping:
            continue
        value = mapping[key]
        mark = reader.value_mark(mapping, key)
        if key in ("update_seconds_per_mib", "prepare_seconds_per_mib"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                reader.add(mark, f"'{key}' must be a number of machine seconds, 0 or more, got {value!r}")
                continue
            out[key] = float(value)
        else:
            low, high = {"concurrency": (1, 1000), "destination_limit": (1, 100_000),
                         "lockout_threshold": (1, 10), "lockout_minutes": (1, 60)}[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                reader.add(mark, f"'{key}' must be a whole number from {low} to {high}, got {value!r}")
                continue
            out[key] = value
    return out


def _default_host(fleet: FleetSpec | None) -> str:
    if fleet is None:
        return ""
    for spec in fleet.machines:
        if Function.DISTRIBUTION_SENDER in spec.identity.functions:
            return spec.name
    return fleet.machines[0].name if fleet.machines else ""


# --- steps -------------------------------------------------------------------------------------------


def _read_steps(doc: Any, reader: Reader, ends: Sequence[int], tz: tzinfo, clock: datetime,
                default_host: str) -> list[m.Step]:
    if "steps" not in doc:
        reader.add(Mark(1, 1), "the scenario needs 'steps': a list of what happens, in order")
        return []
    raw = doc["steps"]
    if not isinstance(raw, list):
        reader.add(reader.value_mark(doc, "steps"), f"'steps' must be a list of steps like {_EXAMPLE}")
        return []
    if not raw:
        reader.add(reader.key_mark(doc, "steps"), "'steps' is empty; a scenario needs at least one step")
        return []
    reader.registered = _registered_names(raw)
    steps: list[m.Step] = []
    for index, item in enumerate(raw):
        mark = reader.item_mark(raw, index) or Mark(0, 0)
        end = ends[index] if index < len(ends) else mark.line
        read = _read_step(item, mark, reader, tz, clock, default_host)
        if read is not None:
            kind, action, key_mark = read
            steps.append(m.Step(index + 1, kind, action, key_mark.line, key_mark.column, max(end, key_mark.line)))
    return steps


def _registered_names(raw: list[Any]) -> set[str]:
    """Destination names registered by the scenario's own ``destinations`` steps (usable anywhere)."""
    names: set[str] = set()
    for item in raw:
        change = item.get("destinations") if isinstance(item, dict) else None
        register = change.get("register") if isinstance(change, dict) else None
        for entry in register if isinstance(register, list) else [register]:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                names.add(entry["name"])
    return names


def _read_step(item: Any, mark: Mark, reader: Reader, tz: tzinfo, clock: datetime,
               default_host: str) -> tuple[str, m.Action, Mark] | None:
    if isinstance(item, str):
        word = item.strip()
        if word in NO_ARGUMENT_STEPS:
            return word, (m.Logout() if word == "logout" else m.NextEvent()), mark
        if word in STEP_KINDS:
            reader.add(mark, f"step '{word}' needs a value, e.g. '- {word}: …'")
        else:
            reader.add(mark, f"unknown step {word!r}", nearest(word, STEP_KINDS))
        return None
    if item is None:
        reader.add(mark, f"empty step; write a step like {_EXAMPLE}")
        return None
    if not isinstance(item, dict):
        reader.add(mark, f"each step is a mapping with one key, like {_EXAMPLE}; got {type(item).__name__}")
        return None
    if not item:
        reader.add(mark, f"empty step; write a step like {_EXAMPLE}")
        return None
    keys = list(item)
    if len(keys) > 1:
        extra = keys[1]
        hint = "start each step with its own '- '" if extra in STEP_KINDS else nearest(str(extra), STEP_KINDS)
        reader.add(reader.key_mark(item, extra),
                   f"a step has exactly one key, but this one also has {extra!r} after {keys[0]!r}", hint)
    kind = keys[0]
    key_mark = reader.key_mark(item, kind) or mark
    if kind not in STEP_KINDS:
        reader.add(key_mark, f"unknown step {kind!r}", nearest(str(kind), STEP_KINDS))
        return None
    value = item[kind]
    vmark = reader.value_mark(item, kind) or key_mark
    action = _read_action(kind, value, vmark, item, reader, tz, clock, default_host)
    if action is MISSING or action is None:
        return None
    return kind, action, key_mark  # type: ignore[return-value]


def _read_action(kind: str, value: Any, mark: Mark, holder: Any, reader: Reader, tz: tzinfo, clock: datetime,
                 default_host: str) -> m.Action | object:
    if kind in NO_ARGUMENT_STEPS:
        if value not in (None, {}, True):
            reader.add(mark, f"'{kind}' takes no value; write '- {kind}'")
            return MISSING
        return m.Logout() if kind == "logout" else m.NextEvent()
    if value is None:
        reader.add(reader.key_mark(holder, kind), f"step '{kind}' needs a value")
        return MISSING
    if kind == "at":
        name = reader.machine(value, mark, "'at'")
        return MISSING if name is MISSING else m.At(name)  # type: ignore[arg-type]
    if kind == "login":
        return _read_login(value, mark, reader)
    if kind == "press":
        return _read_press(value, mark, reader)
    if kind == "set":
        return _read_set(value, mark, reader)
    if kind == "tick":
        return _read_tick(value, mark, reader)
    if kind == "type":
        return _read_type(value, mark, reader)
    if kind == "world":
        return _read_world(value, mark, reader)
    if kind == "advance":
        try:
            return m.Advance(parse_duration(value))
        except DurationError as exc:
            reader.add(mark, f"'advance': {exc}")
            return MISSING
    if kind == "goto":
        return _read_goto(value, mark, reader, tz, clock)
    if kind == "wait":
        return _read_wait(value, mark, reader)
    if kind == "note":
        if not isinstance(value, str):
            reader.add(mark, "'note' must be text (quote it if it contains ': ')")
            return MISSING
        return m.Note(value)
    if kind == "expect":
        return read_expect(value, mark, reader, default_host)
    return read_engine_step(kind, value, mark, reader, default_host)


def _read_login(value: Any, mark: Mark, reader: Reader) -> m.Login | object:
    mapping = reader.mapping(value, mark, "'login'", '{id: "7654321", pin: "7654321"}')
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("id", "pin"), "'login'")
    manager_id = reader.quoted_digits(mapping, "id", "'login'")
    pin = reader.quoted_digits(mapping, "pin", "'login'")
    if manager_id is MISSING or pin is MISSING:
        return MISSING
    return m.Login(manager_id, pin)  # type: ignore[arg-type]


def _read_press(value: Any, mark: Mark, reader: Reader) -> m.Press | object:
    items = value if isinstance(value, list) else [value]
    if not items:
        reader.add(mark, "'press' needs a button label or a list of labels")
        return MISSING
    labels = []
    for index, item in enumerate(items):
        item_mark = reader.item_mark(value, index) if isinstance(value, list) else mark
        if not isinstance(item, str) or not item.strip():
            reader.add(item_mark, f"a button label must be text, got {item!r}")
            return MISSING
        labels.append(item.strip())
    if normalize_label(labels[0]) == normalize_label(MENU_TREE.label):
        _check_menu_path(labels, value if isinstance(value, list) else None, mark, reader)
    return m.Press(tuple(labels))


def _check_menu_path(labels: list[str], located: Any, mark: Mark, reader: Reader) -> None:
    """Checks a path that starts at ``Settings/Registration`` down to the first screen (buttons on a screen
    are the screen's own and cannot be checked here)."""
    node = MENU_TREE
    for index, label in enumerate(labels[1:], start=1):
        if node.is_screen:
            return
        child = node.child(label)
        if child is None:
            where = [MENU_TREE.label, *labels[1:index]]
            error = MenuPathError(label, where, [c.label for c in node.children])
            hint = f"did you mean {error.suggestion!r}?" if error.suggestion else ""
            item_mark = reader.item_mark(located, index) if located is not None else mark
            reader.add(item_mark, f"no button {label!r} under {' › '.join(where)}", hint)
            return
        node = child


def _read_set(value: Any, mark: Mark, reader: Reader) -> m.SetToggles | object:
    mapping = reader.mapping(value, mark, "'set'", "{Address Book: On}")
    if mapping is None:
        return MISSING
    items = []
    by_norm = {normalize_label(label): label for label in TOGGLE_LABELS}
    ok = True
    for key, raw in mapping.items():
        label = by_norm.get(normalize_label(str(key)))
        if label is None:
            reader.add(reader.key_mark(mapping, key), f"no toggle {key!r} on the panel",
                       nearest(str(key).strip("<>"), TOGGLE_LABELS))
            ok = False
            continue
        allowed = TOGGLE_LABELS[label]
        text = ("On" if raw else "Off") if isinstance(raw, bool) else str(raw).strip().strip("<>")
        match = next((a for a in allowed if a.lower() == text.lower()), None)
        if match is None:
            shown = reader.written(raw, reader.value_mark(mapping, key))
            reader.add(reader.value_mark(mapping, key),
                       f"{label!r} is {' or '.join(allowed)}, got {shown!r}", nearest(shown, allowed))
            ok = False
            continue
        items.append((label, match))
    return m.SetToggles(tuple(items)) if ok else MISSING


def _read_tick(value: Any, mark: Mark, reader: Reader) -> m.Tick | object:
    items = value if isinstance(value, list) else [value]
    if not items:
        reader.add(mark, "'tick' needs a list of items (destinations or categories)")
        return MISSING
    known = [*(reader.machines or ()), *sorted(reader.registered), *category_labels()]
    out = []
    for index, item in enumerate(items):
        item_mark = reader.item_mark(value, index) if isinstance(value, list) else mark
        text = str(item).strip() if item is not None else ""
        if reader.machines is not None and text not in known:
            reader.add(item_mark, f"nothing called {text!r} can be ticked (machines and categories can)",
                       nearest(text, known))
            continue
        out.append(text)
    return m.Tick(tuple(out)) if len(out) == len(items) else MISSING


def _read_type(value: Any, mark: Mark, reader: Reader) -> m.TypeText | object:
    mapping = reader.mapping(value, mark, "'type'", "{Start Time: \"0300\"}")
    if mapping is None:
        return MISSING
    items = []
    for key, raw in mapping.items():
        if raw is None or isinstance(raw, (dict, list, bool)):
            reader.add(reader.value_mark(mapping, key), f"the text typed into {key!r} must be text, got {raw!r}")
            continue
        items.append((str(key), reader.written(raw, reader.value_mark(mapping, key))))
    return m.TypeText(tuple(items)) if len(items) == len(mapping) else MISSING


def _read_world(value: Any, mark: Mark, reader: Reader) -> m.World | object:
    mapping = reader.mapping(value, mark, "'world'", "{power_off: client-a}")
    if mapping is None:
        return MISSING
    if not mapping:
        reader.add(mark, "'world' needs an action, e.g. {power_off: client-a}")
        return MISSING
    actions = []
    ok = True
    for action, raw in mapping.items():
        amark = reader.value_mark(mapping, action)
        if action not in WORLD_ACTIONS:
            reader.add(reader.key_mark(mapping, action), f"unknown world action {action!r}",
                       nearest(str(action), WORLD_ACTIONS))
            ok = False
            continue
        read = _read_world_action(action, raw, amark, reader)
        if read is MISSING:
            ok = False
        else:
            actions.append(read)
    return m.World(tuple(actions)) if ok else MISSING


def _read_world_action(action: str, raw: Any, mark: Mark, reader: Reader) -> m.WorldAction | object:
    if action == "busy":
        if isinstance(raw, str):
            name = reader.machine(raw, mark, "'busy'")
            return MISSING if name is MISSING else m.WorldAction("busy", name, "Printing")  # type: ignore[arg-type]
        mapping = reader.mapping(raw, mark, "'busy'", "{machine: client-a, activity: Printing}")
        if mapping is None:
            return MISSING
        reader.unknown_keys(mapping, ("machine", "activity"), "'busy'")
        name = reader.machine_at(mapping, "machine", "'busy'")
        activity = mapping.get("activity", "Printing")
        match = next((a for a in BUSY_ACTIVITIES if str(activity).lower() == a.lower()), None)
        if match is None:
            reader.add(reader.value_mark(mapping, "activity"), f"a busy machine is {', '.join(BUSY_ACTIVITIES)}; "
                       f"got {activity!r}", nearest(str(activity), BUSY_ACTIVITIES))
            return MISSING
        return MISSING if name is MISSING else m.WorldAction("busy", name, match)  # type: ignore[arg-type]
    if action == "change_pin":
        mapping = reader.mapping(raw, mark, "'change_pin'", '{machine: client-b, pin: "1111111"}')
        if mapping is None:
            return MISSING
        reader.unknown_keys(mapping, ("machine", "pin"), "'change_pin'")
        name = reader.machine_at(mapping, "machine", "'change_pin'")
        pin = reader.quoted_digits(mapping, "pin", "'change_pin'")
        if pin is not MISSING:
            from mfp_console.domain.credentials import normalize_system_manager_value

            try:
                normalize_system_manager_value(str(pin), "System Manager PIN")
            except RuleRefusal as exc:
                reader.add(reader.value_mark(mapping, "pin"), f"{exc.reason} (M-02)")
                return MISSING
        if name is MISSING or pin is MISSING:
            return MISSING
        return m.WorldAction("change_pin", name, pin=pin)  # type: ignore[arg-type]
    name = reader.machine(raw, mark, f"'{action}'")
    return MISSING if name is MISSING else m.WorldAction(action, name)  # type: ignore[arg-type]


def _read_goto(value: Any, mark: Mark, reader: Reader, tz: tzinfo, clock: datetime) -> m.Goto | object:
    try:
        moment: Moment = parse_moment(value, tz, source_text=reader.written(value, mark))
    except DurationError as exc:
        reader.add(mark, f"'goto': {exc}")
        return MISSING
    if moment.at is not None and moment.at < clock:
        reader.add(mark, f"'goto' {moment} is before the scenario's start ({clock:%Y-%m-%dT%H:%M}); "
                   "the clock only moves forward")
        return MISSING
    return m.Goto(moment)


def _read_wait(value: Any, mark: Mark, reader: Reader) -> m.Wait | object:
    mapping = reader.mapping(value, mark, "'wait'", "{until: distribution finished, within: 10m}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("until", "within"), "'wait'")
    condition = MISSING
    if "until" not in mapping:
        reader.add(mark, "'wait' needs 'until', e.g. 'distribution finished' or 'client-a is Off'")
    else:
        condition = read_condition(mapping["until"], reader.value_mark(mapping, "until"), reader)
    within: float | object = MISSING
    if "within" not in mapping:
        reader.add(mark, "'wait' needs 'within': the most machine time to wait, e.g. 10m")
    else:
        try:
            within = parse_duration(mapping["within"])
        except DurationError as exc:
            reader.add(reader.value_mark(mapping, "within"), f"'within': {exc}")
    if condition is MISSING or within is MISSING:
        return MISSING
    return m.Wait(condition, within)  # type: ignore[arg-type]
