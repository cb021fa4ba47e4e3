"""Reading the steps a person does at the panel and in the world: walks, logins, presses, toggles, ticks,
typed text, faults, and time (``goto``, ``wait``); each reader returns the step's payload or ``MISSING``
after recording what is wrong at its ``file:line:column``."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from mfp_console.domain.credentials import PIN_PLACEHOLDER
from mfp_console.domain.menu import MENU_TREE, MenuPathError, normalize_label
from mfp_console.errors import RuleRefusal
from mfp_console.scenario import model as m
from mfp_console.scenario.reading import MISSING, Reader
from mfp_console.scenario.timeparse import (
    DurationError,
    Moment,
    parse_duration,
    parse_moment,
)
from mfp_console.scenario.validate_expect import read_condition
from mfp_console.scenario.vocabulary import (
    BUSY_ACTIVITIES,
    TOGGLE_LABELS,
    WORLD_ACTIONS,
    category_labels,
)
from mfp_console.yaml_source import Mark, nearest

__all__ = [
    "read_advance",
    "read_at",
    "read_goto",
    "read_login",
    "read_note",
    "read_press",
    "read_set",
    "read_tick",
    "read_type",
    "read_wait",
    "read_world",
    "read_world_action",
]


def read_at(value: Any, mark: Mark, reader: Reader) -> m.At | object:
    """``at: client-a``: walk up to a machine's panel."""
    name = reader.machine(value, mark, "'at'")
    return MISSING if name is MISSING else m.At(name)  # type: ignore[arg-type]


def read_advance(value: Any, mark: Mark, reader: Reader) -> m.Advance | object:
    """``advance: 30m``: move machine time forward."""
    try:
        return m.Advance(parse_duration(value))
    except DurationError as exc:
        reader.add(mark, f"'advance': {exc}")
        return MISSING


def read_note(value: Any, mark: Mark, reader: Reader) -> m.Note | object:
    """``note: text``: words for the audience."""
    if not isinstance(value, str):
        reader.add(mark, "'note' must be text (quote it if it contains ': ')")
        return MISSING
    return m.Note(value)


def read_login(value: Any, mark: Mark, reader: Reader) -> m.Login | object:
    mapping = reader.mapping(value, mark, "'login'", '{id: "7654321", pin: "7654321"}')
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("id", "pin"), "'login'")
    manager_id = reader.quoted_digits(mapping, "id", "'login'")
    if mapping.get("pin") == PIN_PLACEHOLDER:  # a recorded login: the PIN the fleet knows (mfp-console record)
        pin: object = PIN_PLACEHOLDER
    else:
        pin = reader.quoted_digits(mapping, "pin", "'login'")
    if manager_id is MISSING or pin is MISSING:
        return MISSING
    return m.Login(manager_id, pin)  # type: ignore[arg-type]


def read_press(value: Any, mark: Mark, reader: Reader) -> m.Press | object:
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


def read_set(value: Any, mark: Mark, reader: Reader) -> m.SetToggles | object:
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


def read_tick(value: Any, mark: Mark, reader: Reader) -> m.Tick | object:
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


def read_type(value: Any, mark: Mark, reader: Reader) -> m.TypeText | object:
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


def read_world(value: Any, mark: Mark, reader: Reader) -> m.World | object:
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
        read = read_world_action(action, raw, amark, reader)
        if read is MISSING:
            ok = False
        else:
            actions.append(read)
    return m.World(tuple(actions)) if ok else MISSING


def read_world_action(action: str, raw: Any, mark: Mark, reader: Reader) -> m.WorldAction | object:
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


def read_goto(value: Any, mark: Mark, reader: Reader, tz: tzinfo, clock: datetime) -> m.Goto | object:
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


def read_wait(value: Any, mark: Mark, reader: Reader) -> m.Wait | object:
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
