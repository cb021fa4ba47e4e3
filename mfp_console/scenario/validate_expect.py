"""Validation of ``expect`` (every kind) and of ``wait`` conditions."""

from __future__ import annotations

import re
from typing import Any

from mfp_console.scenario import model as m
from mfp_console.scenario.reading import MISSING, Reader
from mfp_console.scenario.vocabulary import (
    ACTIVITY_WORDS,
    DATA_ITEMS,
    EXPECT_KINDS,
    KNOWN_RULE_IDS,
    POWER_WORDS,
    STATUS_WORDS,
)
from mfp_console.yaml_source import Mark, nearest

__all__ = ["read_condition", "read_expect", "status_word"]

_CONDITION_FORMS = (
    "'distribution finished', 'distribution started', '<machine> is <On|Off|Sleep|Idle|Printing|…>', "
    "'<machine> is cut off', '<machine> shows <E-UPDATE|no error>', '<destination> status is <OK|NG E-AUTH|…>'"
)
_STATE_FIELDS = ("power", "activity", "error", "network", "tls")
_NETWORK_WORDS = ("connected", "cut")
_TLS_WORDS = ("configured", "removed")
_COUNTER_KEYS = ("total", "color", "black")


def status_word(value: Any, mark: Mark | None, reader: Reader, what: str) -> str | object:
    text = " ".join(str(value).split()) if value is not None else ""
    for word in STATUS_WORDS:
        if word.lower() == text.lower():
            return word
    reader.add(mark, f"{what}: {value!r} is not a <Status> value (OK, NG <code>, Waiting, Distributing, Canceled)",
               nearest(text, STATUS_WORDS))
    return MISSING


# --- wait conditions ---------------------------------------------------------------------------------


def read_condition(value: Any, mark: Mark | None, reader: Reader) -> m.Condition | object:
    """Reads a ``wait: {until: …}`` condition."""
    if not isinstance(value, str) or not value.strip():
        reader.add(mark, f"'until' must be text: one of {_CONDITION_FORMS}")
        return MISSING
    text = " ".join(value.split())
    lowered = text.lower()
    if lowered in ("distribution finished", "distribution started"):
        return m.Condition("distribution_" + lowered.split()[1], text=text)
    if match := re.fullmatch(r"(\S+) status is (.+)", text):
        name = reader.destination(match.group(1), mark, "'until'")
        status = status_word(match.group(2), mark, reader, "'until'")
        if name is MISSING or status is MISSING:
            return MISSING
        return m.Condition("status", name, status, text)  # type: ignore[arg-type]
    if match := re.fullmatch(r"(\S+) shows (.+)", text):
        name = reader.machine(match.group(1), mark, "'until'")
        code = match.group(2).strip()
        code = "none" if code.lower() in ("no error", "none") else code.upper()
        return MISSING if name is MISSING else m.Condition("error", name, code, text)  # type: ignore[arg-type]
    if match := re.fullmatch(r"(\S+) is (.+)", text):
        name = reader.machine(match.group(1), mark, "'until'")
        word = match.group(2).strip()
        kind, found = _state_word(word)
        if kind is None:
            choices = [*POWER_WORDS, *ACTIVITY_WORDS, "cut off", "connected"]
            reader.add(mark, f"unknown machine state {word!r} in 'until'", nearest(word, choices))
            return MISSING
        return MISSING if name is MISSING else m.Condition(kind, name, found, text)  # type: ignore[arg-type]
    forms = ["distribution finished", "distribution started"]
    reader.add(mark, f"cannot read the condition {text!r}; write one of {_CONDITION_FORMS}", nearest(text, forms))
    return MISSING


def _state_word(word: str) -> tuple[str | None, str]:
    lowered = word.lower()
    for value in POWER_WORDS:
        if value.lower() == lowered:
            return "power", value
    for value in ACTIVITY_WORDS:
        if value.lower() == lowered:
            return "activity", value
    if lowered in ("cut off", "cut"):
        return "network", "cut"
    if lowered in ("connected", "reachable"):
        return "network", "connected"
    return None, ""


# --- expectations ------------------------------------------------------------------------------------


def read_expect(value: Any, mark: Mark, reader: Reader, default_host: str) -> m.Expect | object:
    """Reads an ``expect`` mapping; each key is one check."""
    mapping = reader.mapping(value, mark, "'expect'", "{status: {client-a: OK}}")
    if mapping is None:
        return MISSING
    if not mapping:
        reader.add(mark, "'expect' needs at least one expectation, e.g. {status: {client-a: OK}}")
        return MISSING
    checks = []
    ok = True
    for kind, raw in mapping.items():
        kmark = reader.key_mark(mapping, kind)
        vmark = reader.value_mark(mapping, kind)
        if kind not in EXPECT_KINDS:
            reader.add(kmark, f"unknown expectation {kind!r}", nearest(str(kind), EXPECT_KINDS))
            ok = False
            continue
        check = _READERS[kind](raw, vmark, reader)
        if check is MISSING:
            ok = False
        else:
            checks.append(check)
    return m.Expect(tuple(checks)) if ok else MISSING


def _expect_status(raw: Any, mark: Mark, reader: Reader) -> m.StatusCheck | object:
    mapping = reader.mapping(raw, mark, "'status'", "{client-a: OK, client-b: NG E-AUTH}")
    if mapping is None:
        return MISSING
    host = ""
    expected = []
    ok = True
    for dest, value in mapping.items():
        if dest == "from":
            name = reader.machine(value, reader.value_mark(mapping, dest), "'from' of 'status'")
            ok = ok and name is not MISSING
            host = name if isinstance(name, str) else ""
            continue
        name = reader.destination(dest, reader.key_mark(mapping, dest), "a destination of 'status'")
        status = status_word(value, reader.value_mark(mapping, dest), reader, f"status of {dest}")
        if MISSING in (name, status):
            ok = False
            continue
        expected.append((name, status))
    if ok and not expected:
        reader.add(mark, "'status' needs at least one destination, e.g. {client-a: OK}")
        return MISSING
    return m.StatusCheck(tuple(expected), host) if ok else MISSING  # type: ignore[arg-type]


def _data_expectation(raw: Any, mark: Mark | None, reader: Reader, item: str) -> m.DataExpectation | object:
    if isinstance(raw, dict):
        reader.unknown_keys(raw, ("count",), f"'{item}'")
        if "count" not in raw:
            reader.add(mark, f"'{item}' as a mapping needs 'count', e.g. {{count: 3}}")
            return MISSING
        count = reader.whole_number(raw, "count", f"'{item}'")
        return MISSING if count is MISSING else m.DataExpectation("count", count=count)  # type: ignore[arg-type]
    text = " ".join(str(raw).split()) if isinstance(raw, str) else ""
    lowered = text.lower()
    if lowered in ("unchanged", "changed", "cleared"):
        if lowered == "cleared" and item != "inbox_url_send":
            reader.add(mark, f"'cleared' applies to inbox_url_send; for {item} use {{count: 0}}")
            return MISSING
        return m.DataExpectation(lowered)
    for prefix, relation in (("same as ", "same"), ("different from ", "differs")):
        if lowered.startswith(prefix):
            other = reader.machine(text[len(prefix):].strip(), mark, f"'{item}'")
            return MISSING if other is MISSING else m.DataExpectation(relation, other)  # type: ignore[arg-type]
    choices = ["same as <machine>", "different from <machine>", "unchanged", "changed", "{count: n}"]
    if item == "inbox_url_send":
        choices.append("cleared")
    reader.add(mark, f"cannot read {raw!r} for '{item}'; write one of {', '.join(choices)}",
               nearest(text, ["same as host", "unchanged", "changed", "cleared", "different from host"]))
    return MISSING


def _expect_data(raw: Any, mark: Mark, reader: Reader) -> m.DataCheck | object:
    mapping = reader.mapping(raw, mark, "'data'", "{machine: client-a, address_book: same as host}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("machine", *DATA_ITEMS), "'data'")
    name = reader.machine_at(mapping, "machine", "'data'")
    items = []
    ok = name is not MISSING
    for item in DATA_ITEMS:
        if item in mapping:
            read = _data_expectation(mapping[item], reader.value_mark(mapping, item), reader, item)
            if read is MISSING:
                ok = False
            else:
                items.append((item, read))
    if not any(key in mapping for key in DATA_ITEMS) and all(key in ("machine",) for key in mapping):
        reader.add(mark, f"'data' needs at least one of {', '.join(DATA_ITEMS)}")
        return MISSING
    return m.DataCheck(name, tuple(items)) if ok else MISSING  # type: ignore[arg-type]


def _counts(raw: Any, mark: Mark | None, reader: Reader, what: str) -> tuple[tuple[str, int], ...] | str | object:
    if isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered == "unchanged" or lowered.startswith("same as "):
            if lowered.startswith("same as "):
                other = reader.machine(raw.strip()[8:].strip(), mark, what)
                return MISSING if other is MISSING else f"same as {other}"
            return lowered
    mapping = reader.mapping(raw, mark, what, "{total: 0, color: 0, black: 0}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, _COUNTER_KEYS, what)
    out = []
    for key in _COUNTER_KEYS:
        if key in mapping:
            number = reader.whole_number(mapping, key, what)
            if number is MISSING:
                return MISSING
            out.append((key, number))
    return tuple(out)


def _expect_department(raw: Any, mark: Mark, reader: Reader) -> m.DepartmentCheck | object:
    mapping = reader.mapping(raw, mark, "'department'", "{machine: client-a, id: \"0001\", counters: {total: 0}}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("machine", "id", "exists", "counters", "limits"), "'department'")
    name = reader.machine_at(mapping, "machine", "'department'")
    dept_id = reader.text(mapping, "id", "'department'")
    exists = reader.boolean(mapping, "exists", "'department'", True)
    counters: Any = ()
    limits: Any = ()
    if "counters" in mapping:
        counters = _counts(mapping["counters"], reader.value_mark(mapping, "counters"), reader, "'counters'")
    if "limits" in mapping:
        limits = _counts(mapping["limits"], reader.value_mark(mapping, "limits"), reader, "'limits'")
    if MISSING in (name, dept_id, counters, limits):
        return MISSING
    return m.DepartmentCheck(name, dept_id, exists, counters, limits)  # type: ignore[arg-type]


def _expect_log(raw: Any, mark: Mark, reader: Reader) -> m.LogCheck | object:
    mapping = reader.mapping(raw, mark, "'log'", "{machine: host, kind: Delivered, peer: client-a, result: OK}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("machine", "kind", "peer", "result", "code", "contains", "count"), "'log'")
    name = reader.machine_at(mapping, "machine", "'log'")
    fields: dict[str, Any] = {}
    ok = name is not MISSING
    for key in ("kind", "peer", "result", "code", "contains"):
        if key in mapping:
            value = reader.text(mapping, key, "'log'")
            ok = ok and value is not MISSING
            fields[key] = value
    if "result" in fields and fields["result"] not in (MISSING, "OK", "NG"):
        reader.add(reader.value_mark(mapping, "result"), f"a log result is OK or NG, got {fields['result']!r}")
        ok = False
    if "code" in fields and fields["code"] is not MISSING and not str(fields["code"]).startswith("E-"):
        reader.add(reader.value_mark(mapping, "code"), f"a log code looks like E-AUTH, got {fields['code']!r}")
        ok = False
    count = None
    if "count" in mapping:
        count = reader.whole_number(mapping, "count", "'log'")
        ok = ok and count is not MISSING
    return m.LogCheck(name, count=count, **fields) if ok else MISSING  # type: ignore[arg-type]


def _expect_panel(raw: Any, mark: Mark, reader: Reader) -> m.PanelCheck | object:
    if isinstance(raw, str) and raw.strip():
        return m.PanelCheck((raw,))
    if isinstance(raw, list) and raw and all(isinstance(t, str) and t.strip() for t in raw):
        return m.PanelCheck(tuple(raw))
    if isinstance(raw, dict):
        reader.unknown_keys(raw, ("shows", "hides"), "'panel'")
        shows = raw.get("shows", [])
        hides = raw.get("hides", [])
        shows = [shows] if isinstance(shows, str) else shows
        hides = [hides] if isinstance(hides, str) else hides
        if isinstance(shows, list) and isinstance(hides, list) and (shows or hides):
            return m.PanelCheck(tuple(map(str, shows)), tuple(map(str, hides)))
    reader.add(mark, "'panel' must be the text expected on the panel, a list of texts, or {shows: …, hides: …}")
    return MISSING


def _expect_state(raw: Any, mark: Mark, reader: Reader) -> m.StateCheck | object:
    mapping = reader.mapping(raw, mark, "'state'", "{machine: client-a, power: Off}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("machine", *_STATE_FIELDS), "'state'")
    name = reader.machine_at(mapping, "machine", "'state'")
    fields = []
    ok = name is not MISSING
    words = {"power": POWER_WORDS, "activity": ACTIVITY_WORDS, "network": _NETWORK_WORDS, "tls": _TLS_WORDS}
    for key in _STATE_FIELDS:
        if key not in mapping:
            continue
        raw_value = mapping[key]
        text = ("On" if raw_value else "Off") if isinstance(raw_value, bool) else str(raw_value).strip()
        if key == "error":
            fields.append((key, "none" if text.lower() in ("none", "no error", "") else text.upper()))
            continue
        match = next((w for w in words[key] if w.lower() == text.lower()), None)
        if match is None:
            reader.add(reader.value_mark(mapping, key), f"'{key}' is one of {', '.join(words[key])}; got {raw_value!r}",
                       nearest(text, words[key]))
            ok = False
            continue
        fields.append((key, match))
    if ok and not fields:
        reader.add(mark, f"'state' needs at least one of {', '.join(_STATE_FIELDS)}")
        return MISSING
    return m.StateCheck(name, tuple(fields)) if ok else MISSING  # type: ignore[arg-type]


def _expect_restorable(raw: Any, mark: Mark, reader: Reader) -> m.RestorableCheck | object:
    mapping = reader.mapping(raw, mark, "'restorable'", "{machine: client-a, categories: [Address Book]}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("machine", "categories"), "'restorable'")
    name = reader.machine_at(mapping, "machine", "'restorable'")
    value = mapping.get("categories")
    if value in ([], "none", None) and "categories" in mapping:
        categories: Any = ()
    else:
        categories = reader.categories(mapping, "categories", "'restorable'")
    if MISSING in (name, categories):
        return MISSING
    return m.RestorableCheck(name, categories)  # type: ignore[arg-type]


def _expect_refused(raw: Any, mark: Mark, reader: Reader) -> m.RefusedCheck | object:
    if raw is True:
        return m.RefusedCheck()
    if isinstance(raw, str):
        text = raw.strip()
        return m.RefusedCheck(rule=text) if text in KNOWN_RULE_IDS else m.RefusedCheck(contains=text)
    mapping = reader.mapping(raw, mark, "'refused'", "{rule: DID-01, contains: Administrator}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("rule", "contains"), "'refused'")
    rule = str(mapping.get("rule", "")).strip()
    if rule and rule not in KNOWN_RULE_IDS:
        from mfp_console.scenario.validate import rule_hint

        reader.add(reader.value_mark(mapping, "rule"), f"unknown rule ID {rule!r}", rule_hint(rule))
        return MISSING
    return m.RefusedCheck(rule, str(mapping.get("contains", "")))


def _expect_destinations(raw: Any, mark: Mark, reader: Reader) -> m.DestinationsCheck | object:
    mapping = reader.mapping(raw, mark, "'destinations'", "{from: host, registered: [client-a, client-b]}")
    if mapping is None:
        return MISSING
    reader.unknown_keys(mapping, ("from", "registered"), "'destinations'")
    host = reader.machine_at(mapping, "from", "'destinations'", "")
    value = mapping.get("registered")
    if value is None:
        reader.add(mark, "'destinations' needs 'registered': the destination names in list order")
        return MISSING
    items = value if isinstance(value, list) else [value]
    names = []
    for index, item in enumerate(items):
        imark = reader.item_mark(value, index) if isinstance(value, list) else reader.value_mark(mapping, "registered")
        name = reader.destination(item, imark, "'registered'")
        if name is not MISSING:
            names.append(name)
    if host is MISSING or len(names) != len(items):
        return MISSING
    return m.DestinationsCheck(tuple(names), host)  # type: ignore[arg-type]


_READERS = {
    "status": _expect_status,
    "data": _expect_data,
    "department": _expect_department,
    "log": _expect_log,
    "panel": _expect_panel,
    "state": _expect_state,
    "restorable": _expect_restorable,
    "refused": _expect_refused,
    "destinations": _expect_destinations,
    "sync": lambda raw, mark, reader: _read_sync_check(raw, mark, reader),
}


def _read_sync_check(raw: Any, mark: Mark, reader: Reader) -> m.Check | object:
    from mfp_console.scenario.validate_sync import (
        read_sync_check,  # synchronization expectations
    )

    return read_sync_check(raw, mark, reader)
