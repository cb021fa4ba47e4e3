"""A category's JSON text spliced from its items' texts is the very text encoding the whole value gives."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from mfp_console.domain.device_info import (
    Category,
    DepartmentId,
    DepartmentIds,
    PageCounts,
    SettingValue,
)
from mfp_console.domain.device_info_json import (
    ItemTexts,
    category_from_json,
    category_text,
    category_to_json,
    compact_json,
)
from mfp_console.domain.seed import seed_device_information

TEXT = st.text(max_size=12)
COUNTS = st.builds(PageCounts, st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))
DEPARTMENTS = st.lists(st.builds(DepartmentId, st.from_regex(r"[0-9]{7}", fullmatch=True), TEXT, COUNTS, COUNTS),
                       max_size=8)
SETTINGS = st.lists(st.builds(SettingValue, TEXT, TEXT, st.booleans(), st.booleans()), max_size=8)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(DEPARTMENTS, SETTINGS)
def test_spliced_text_is_the_compact_encoding(departments: list[DepartmentId], values: list[SettingValue]) -> None:
    items = ItemTexts()
    depts = DepartmentIds(departments=tuple(departments))
    for _ in range(2):  # the second time every item's text comes from the memo
        assert category_text(Category.DEPARTMENT_ID, depts, items) == compact_json(
            category_to_json(Category.DEPARTMENT_ID, depts))
        assert category_text(Category.SETTINGS_VALUES, tuple(values), items) == compact_json(
            category_to_json(Category.SETTINGS_VALUES, tuple(values)))


def test_items_are_known_by_identity_not_by_equality() -> None:
    """A new item equal to a known one is encoded afresh; a changed one never takes another's text."""
    items = ItemTexts()
    first = SettingValue("a", "1")
    assert category_text(Category.SETTINGS_VALUES, (first,), items) == '[{"key":"a","value":"1","deliverable":true,"network":false}]'
    changed = replace(first, value="2")
    assert '"value":"2"' in category_text(Category.SETTINGS_VALUES, (changed,), items)
    assert len(items) == 2


def test_a_whole_seeded_category_round_trips_through_its_spliced_text() -> None:
    info = seed_device_information("bench", "host", seed=3)
    items = ItemTexts()
    for category in (Category.DEPARTMENT_ID, Category.SETTINGS_VALUES, Category.ADDRESS_BOOK):
        value = info.category(category)
        assert category_from_json(category, json.loads(category_text(category, value, items))) == value


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.text(st.characters(), max_size=16), st.text(st.characters(), max_size=16), st.booleans(), st.booleans())
def test_a_settings_value_written_straight_to_text_is_its_compact_encoding(key: str, value: str, deliverable: bool,
                                                                          network: bool) -> None:
    """Any characters (quotes, controls, line separators, lone surrogates) are escaped as the encoder does."""
    from mfp_console.domain.device_info_json import setting_value_text

    item = SettingValue(key, value, deliverable, network)
    assert setting_value_text(item) == compact_json({"key": key, "value": value, "deliverable": deliverable,
                                                     "network": network})


def test_a_settings_value_of_other_types_is_left_to_the_encoder() -> None:
    from mfp_console.domain.device_info_json import setting_value_text

    odd = SettingValue("a", "b", 1, 0)  # type: ignore[arg-type]  # never decoded so, but written faithfully
    assert setting_value_text(odd) == '{"key":"a","value":"b","deliverable":1,"network":0}'
