"""Device information decoded from JSON is checked by type and bound (issue 17, item 8).

Before, ``AddressEntry(**entry)`` took a mapping as a name and a string as a number, a list as a Department
ID failed late as ``TypeError: unhashable``, and a list of any length was accepted. Now each decoder either
returns a sound value or raises the one :class:`RecordError` (a ``ValueError`` the receiver reports as
E-PROTOCOL), never ``TypeError``, ``KeyError``, ``AttributeError`` or ``RecursionError``.
"""

from __future__ import annotations

import json
from functools import reduce
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfp_console.domain.device_info import (
    ADDRESS_KINDS,
    AddressBook,
    AddressEntry,
    Category,
    DepartmentId,
    DepartmentIds,
    FavoriteSetting,
    ForwardingRule,
    InboxUrlSend,
    PageCounts,
    PaperType,
    SettingValue,
    SystemManagerInfo,
)
from mfp_console.domain.device_info_json import (
    category_from_json,
    category_to_json,
    device_info_from_json,
    inbox_from_json,
    inbox_to_json,
)
from mfp_console.errors import MfpError, RecordError
from mfp_console.limits import (
    ADDRESS_BOOK_ENTRIES,
    DEPARTMENT_IDS,
    FAVOURITE_SETTING_ITEMS,
    INBOX_URL_SEND_ENTRIES,
    PRINTER_SETTINGS,
    SETTINGS_VALUES,
    TEXT_CHARS,
)

FUZZ = settings(max_examples=150, deadline=None, derandomize=True)

texts = st.text(max_size=12)
counts = st.integers(0, 2**63 - 1)
pairs = st.tuples(texts, texts)
entries = st.builds(AddressEntry, counts, texts, st.sampled_from(sorted(ADDRESS_KINDS)), texts, st.booleans())
books = st.builds(
    AddressBook,
    st.lists(entries, max_size=3, unique_by=lambda e: e.number).map(tuple),
    st.lists(st.builds(ForwardingRule, texts, texts, counts, st.booleans()), max_size=2).map(tuple),
    st.lists(st.builds(FavoriteSetting, counts, texts, st.lists(pairs, max_size=2).map(tuple)), max_size=2).map(tuple),
)
page_counts = st.builds(PageCounts, counts, counts, counts)
departments = st.builds(
    DepartmentIds,
    st.builds(SystemManagerInfo, texts, texts, texts, texts),
    st.lists(
        st.builds(DepartmentId, st.from_regex(r"[0-9]{1,7}", fullmatch=True), texts, page_counts, page_counts),
        max_size=3, unique_by=lambda d: d.dept_id,
    ).map(tuple),
)
VALUES: dict[Category, st.SearchStrategy[Any]] = {
    Category.ADDRESS_BOOK: books,
    Category.DEPARTMENT_ID: departments,
    Category.PRINTER_SETTINGS: st.lists(pairs, max_size=3).map(tuple),
    Category.PAPER_INFORMATION: st.lists(st.builds(PaperType, texts, texts, counts, texts, texts), max_size=2).map(tuple),
    Category.SETTINGS_VALUES: st.lists(
        st.builds(SettingValue, texts, texts, st.booleans(), st.booleans()), max_size=3, unique_by=lambda s: s.key
    ).map(tuple),
}
INBOXES = st.builds(InboxUrlSend, st.booleans(), st.lists(pairs, max_size=3).map(tuple))

class _Deep(list):  # type: ignore[type-arg]
    """A list nested deeper than Python's recursion limit, with a repr a failure report can print."""

    def __repr__(self) -> str:
        return "[[[…5,000 levels…]]]"


DEEP = _Deep([reduce(lambda inner, _: [inner], range(5000), [])])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
) | st.just(DEEP) | st.just("x" * (TEXT_CHARS + 1)) | st.just([["a", "b"]] * (SETTINGS_VALUES + 1))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += _paths(value, (*prefix, index))
    return out


@st.composite
def mutated(draw: st.DrawFn, data: Any) -> Any:
    """``data`` with one place changed: a value replaced by any JSON, a key removed, or a key added."""
    data = json.loads(json.dumps(data))  # a private copy
    path = draw(st.sampled_from(_paths(data)))
    if not path:
        return draw(json_values)
    parent = reduce(lambda node, step: node[step], path[:-1], data)
    how = draw(st.sampled_from(["replace", "remove", "add"]))
    if how == "replace" or not isinstance(parent, dict):
        parent[path[-1]] = draw(json_values)
    elif how == "remove":
        del parent[path[-1]]
    else:
        parent[draw(st.text(max_size=8))] = draw(json_values)
    return data


def _decodes_soundly_or_refuses(decode: Any, encode: Any, data: Any) -> None:
    try:
        value = decode(data)
    except RecordError as exc:
        assert isinstance(exc, ValueError) and isinstance(exc, MfpError) and str(exc)
        return
    assert decode(encode(value)) == value  # what came back is a sound value of its kind


@FUZZ
@given(st.sampled_from(list(Category)).flatmap(lambda c: st.tuples(st.just(c), VALUES[c])))
def test_every_sound_value_survives_the_round_trip(pair: tuple[Category, Any]) -> None:
    category, value = pair
    assert category_from_json(category, category_to_json(category, value)) == value


@FUZZ
@given(st.data())
def test_a_changed_record_decodes_to_a_sound_value_or_one_clear_error(data: st.DataObject) -> None:
    category = data.draw(st.sampled_from(list(Category)))
    encoded = category_to_json(category, data.draw(VALUES[category]))
    bad = data.draw(mutated(encoded))
    for bounded in (True, False):
        _decodes_soundly_or_refuses(lambda d: category_from_json(category, d, bounded=bounded),
                                    lambda v: category_to_json(category, v), bad)


@FUZZ
@given(st.data())
def test_inbox_settings_and_whole_device_information_too(data: st.DataObject) -> None:
    inbox = inbox_to_json(data.draw(INBOXES))
    _decodes_soundly_or_refuses(inbox_from_json, inbox_to_json, data.draw(mutated(inbox)))
    _decodes_soundly_or_refuses(device_info_from_json, lambda v: v, data.draw(json_values))


@FUZZ
@given(st.sampled_from(list(Category)), json_values)
def test_any_json_at_all_is_a_value_or_one_clear_error(category: Category, data: Any) -> None:
    _decodes_soundly_or_refuses(lambda d: category_from_json(category, d),
                                lambda v: category_to_json(category, v), data)


def _book(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"entries": entries, "forwarding": [], "favourites": []}


def _entry(number: int) -> dict[str, Any]:
    return {"number": number, "name": "n", "kind": "e-mail", "address": "a"}


@pytest.mark.parametrize(
    ("category", "data", "words"),
    [
        (Category.ADDRESS_BOOK, _book([_entry(n) for n in range(ADDRESS_BOOK_ENTRIES + 1)]),
         f"holds {ADDRESS_BOOK_ENTRIES + 1:,} items, more than the {ADDRESS_BOOK_ENTRIES:,}"),
        (Category.DEPARTMENT_ID, {"system_manager": {}, "departments": [
            {"dept_id": str(n), "password_hash": "", "limits": {}, "counters": {}} for n in range(DEPARTMENT_IDS + 1)]},
         f"more than the {DEPARTMENT_IDS:,}"),
        (Category.PRINTER_SETTINGS, [["k", "v"]] * (PRINTER_SETTINGS + 1), f"more than the {PRINTER_SETTINGS:,}"),
        (Category.ADDRESS_BOOK, {"entries": [], "forwarding": [], "favourites": [
            {"number": 1, "name": "f", "settings": [["k", "v"]] * (FAVOURITE_SETTING_ITEMS + 1)}]},
         f"favourite setting 1: 'settings' holds {FAVOURITE_SETTING_ITEMS + 1}"),
        (Category.ADDRESS_BOOK, _book([{**_entry(1), "name": "x" * (TEXT_CHARS + 1)}]),
         f"'name' is {TEXT_CHARS + 1:,} characters long"),
        (Category.ADDRESS_BOOK, _book([_entry(4), _entry(4)]), "address book entry number 4 appears twice"),
        (Category.ADDRESS_BOOK, _book([{**_entry(1), "kind": "pigeon"}]), "'kind' must be one of"),
        (Category.DEPARTMENT_ID, {"system_manager": {}, "departments": [
            {"dept_id": "12345678", "password_hash": "", "limits": {}, "counters": {}}]}, "1 to 7 digits"),
        (Category.SETTINGS_VALUES, [{"key": "k", "value": "v", "deliverable": 1}], "'deliverable' must be true or false"),
        (Category.PAPER_INFORMATION, [{"name": "p", "base_type": "b", "weight_gsm": True}], "whole number, got true or false"),
        (Category.PAPER_INFORMATION, [{"name": "p", "base_type": "b", "weight_gsm": 80, "gloss": 1}], "unknown key(s) 'gloss'"),
    ],
    ids=["address-book", "department-ids", "printer-settings", "favourite-items", "long-text", "number-twice",
         "unknown-kind", "long-department-id", "flag-as-number", "bool-as-number", "unknown-key"],
)
def test_limits_and_kinds_are_refused_by_name(category: Category, data: Any, words: str) -> None:
    with pytest.raises(RecordError) as info:
        category_from_json(category, data)
    assert words in str(info.value)


def test_the_store_reads_its_own_rows_without_the_size_limits() -> None:
    """A long name typed on the panel is stored; reading it back checks types, not the wire's bounds."""
    data = _book([{**_entry(1), "name": "x" * (TEXT_CHARS + 1)}])
    assert category_from_json(Category.ADDRESS_BOOK, data, bounded=False).entries[0].name == "x" * (TEXT_CHARS + 1)
    with pytest.raises(RecordError, match="'name' must be text"):
        category_from_json(Category.ADDRESS_BOOK, _book([{**_entry(1), "name": {"a": 1}}]), bounded=False)


def test_inbox_settings_need_a_real_flag_and_bounded_entries() -> None:
    with pytest.raises(RecordError, match="'enabled' must be true or false, got a string"):
        inbox_from_json({"enabled": "no", "entries": []})
    with pytest.raises(RecordError, match=f"more than the {INBOX_URL_SEND_ENTRIES:,}"):
        inbox_from_json({"enabled": True, "entries": [["a", "b"]] * (INBOX_URL_SEND_ENTRIES + 1)})


def test_settings_values_seen_before_are_the_same_values() -> None:
    """A settings value decoded again is the value decoded before (machines share most of theirs), and the
    values kept for that stay bounded."""
    from mfp_console.domain import device_info_json

    rows = [{"key": "a", "value": "1", "deliverable": True, "network": False},
            {"key": "b", "value": "2", "deliverable": False, "network": True}]
    first = category_from_json(Category.SETTINGS_VALUES, rows)
    again = category_from_json(Category.SETTINGS_VALUES, [dict(r) for r in rows], bounded=False)
    assert first == (SettingValue("a", "1"), SettingValue("b", "2", False, True))
    assert all(x is y for x, y in zip(first, again))
    other = category_from_json(Category.SETTINGS_VALUES, [{"key": "a", "value": "1", "deliverable": False,
                                                             "network": False}])
    assert other[0] is not first[0] and other[0].deliverable is False
    for n in range(device_info_json._SETTINGS_SEEN_AT_MOST + 10):
        category_from_json(Category.SETTINGS_VALUES, [{"key": f"k{n}", "value": "v", "deliverable": True,
                                                        "network": False}])
    assert len(device_info_json._settings_seen) <= device_info_json._SETTINGS_SEEN_AT_MOST
