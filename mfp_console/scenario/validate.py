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
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mfp_console.domain.machine import Function
from mfp_console.errors import FileProblem, FileProblemsError
from mfp_console.fleet_file import (
    FleetSpec,
    load_fleet_file,
    parse_fleet,
    update_rate_problem,
)
from mfp_console.limits import (
    DESTINATIONS_CONFIGURABLE,
    DURATION_SECONDS,
    LATEST_MACHINE_YEAR,
)
from mfp_console.scenario import model as m
from mfp_console.scenario.reading import MISSING, Reader
from mfp_console.scenario.steps import STEPS, ReadContext
from mfp_console.scenario.timeparse import (
    DurationError,
    parse_moment,
)
from mfp_console.scenario.vocabulary import (
    KNOWN_RULE_IDS,
    SETTINGS_KEYS,
    TOP_LEVEL_KEYS,
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
    default_fleet: Path | None = None,
) -> m.Scenario:
    """Checks a located document; returns the scenario or raises every problem at once.

    ``default_fleet`` is the fleet file a scenario that names no fleet (or ``fleet: default``) runs on:
    the command line's ``--fleet``; the built-in default fleet when None.

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
    fleet, fleet_source, fleet_problems = _read_fleet(doc, path, problems, default_fleet)
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
    _check_time_reach(clock, steps, reader)
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


def _read_fleet(doc: Any, path: str, problems: Problems,
                default_fleet: Path | None = None) -> tuple[FleetSpec | None, str, list[FileProblem]]:
    """The fleet to run on; fleet-file problems are returned separately (they keep their own path)."""
    value = doc.get("fleet", "default")
    mark = problems_value_mark(doc, "fleet")
    if (value is None or value == "default") and default_fleet is not None:
        try:
            return load_fleet_file(default_fleet), str(default_fleet), []
        except FileProblemsError as exc:
            return None, str(default_fleet), list(exc.problems)
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
            problem = update_rate_problem(value)
            if problem:
                reader.add(mark, f"'{key}' {problem}")
                continue
            out[key] = float(value)
        else:
            low, high = {"concurrency": (1, 1000), "destination_limit": (1, DESTINATIONS_CONFIGURABLE),
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
            panel = STEPS[kind].needs_panel or (
                isinstance(action, m.Expect) and any(isinstance(c, m.PanelCheck) for c in action.checks))
            steps.append(m.Step(index + 1, kind, action, key_mark.line, key_mark.column, max(end, key_mark.line),
                                panel))
    return steps


def _check_time_reach(clock: datetime, steps: Sequence[m.Step], reader: Reader) -> None:
    """Refuses a scenario whose steps could move the clock to :data:`LATEST_MACHINE_YEAR` or later.

    Each step is counted at the most it may move time (a ``wait`` its ``within``, a jump to the next event
    or a time of day a day or :data:`DURATION_SECONDS`), so ``check`` catches what would otherwise end
    ``play`` in an ``OverflowError`` near the end of the calendar.
    """
    latest = datetime(LATEST_MACHINE_YEAR, 1, 1, tzinfo=clock.tzinfo or timezone.utc)
    if clock >= latest:
        reader.add(Mark(1, 1), f"the scenario's clock {clock:%Y-%m-%dT%H:%M} is too late: machine time must stay "
                   f"before {LATEST_MACHINE_YEAR}")
        return
    reach = clock
    for step in steps:
        a = step.action
        if isinstance(a, m.Advance):
            moved = a.seconds
        elif isinstance(a, m.Wait):
            moved = a.within
        elif isinstance(a, m.NextEvent):
            moved = DURATION_SECONDS
        elif isinstance(a, m.Goto):
            moved = 86400 if a.moment.at is None else max(0.0, (a.moment.at - reach).total_seconds())
        else:
            continue
        if (latest - reach).total_seconds() <= moved:
            reader.add(Mark(step.line, step.column),
                       f"this step could move the clock past {LATEST_MACHINE_YEAR}-01-01, where machine time ends "
                       f"(the scenario starts at {clock:%Y-%m-%d}); start earlier or move time less")
            return
        reach += timedelta(seconds=moved)


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
        kind = STEPS.get(word)
        if kind is not None and kind.bare:
            return word, kind.read(None, ReadContext(mark, reader, tz, clock, default_host)), mark  # type: ignore[return-value]
        if kind is not None:
            reader.add(mark, f"step '{word}' needs a value, e.g. '- {word}: …'")
        else:
            reader.add(mark, f"unknown step {word!r}", nearest(word, STEPS))
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
        hint = "start each step with its own '- '" if extra in STEPS else nearest(str(extra), STEPS)
        reader.add(reader.key_mark(item, extra),
                   f"a step has exactly one key, but this one also has {extra!r} after {keys[0]!r}", hint)
    key = keys[0]
    key_mark = reader.key_mark(item, key) or mark
    kind = STEPS.get(key) if isinstance(key, str) else None
    if kind is None:
        reader.add(key_mark, f"unknown step {key!r}", nearest(str(key), STEPS))
        return None
    value = item[key]
    vmark = reader.value_mark(item, key) or key_mark
    if kind.bare:
        if value not in (None, {}, True):
            reader.add(vmark, f"'{key}' takes no value; write '- {key}'")
            return None
    elif value is None:
        reader.add(key_mark, f"step '{key}' needs a value")
        return None
    action = kind.read(value, ReadContext(vmark, reader, tz, clock, default_host))
    if action is MISSING or action is None:
        return None
    return key, action, key_mark  # type: ignore[return-value]
