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
@given(DEPARTMENTS, SETTINGS, st.booleans())
def test_spliced_text_is_the_compact_encoding(departments: list[DepartmentId], values: list[SettingValue],
                                               shared: bool) -> None:
    items = ItemTexts([*departments, *values] if shared else ())
    depts = DepartmentIds(departments=tuple(departments))
    for _ in range(2):  # the second time every shared item's text comes from the memo
        assert category_text(Category.DEPARTMENT_ID, depts, items) == compact_json(
            category_to_json(Category.DEPARTMENT_ID, depts))
        assert category_text(Category.SETTINGS_VALUES, tuple(values), items) == compact_json(
            category_to_json(Category.SETTINGS_VALUES, tuple(values)))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(DEPARTMENTS, st.lists(COUNTS, max_size=8), TEXT)
def test_a_shared_department_with_a_clients_counters_is_spliced_to_the_compact_encoding(
        departments: list[DepartmentId], counters: list[PageCounts], other_password: str) -> None:
    """What a merge makes (DID-14: the host's ID, password and limits with the client's counters) and what
    only looks like it (the same ID with another password or other limits) both come out as the plain
    encoding, and neither is kept."""
    items = ItemTexts(departments)
    merged = [replace(d, counters=c) for d, c in zip(departments, counters)]
    lookalikes = [replace(d, password_hash=other_password, limits=replace(d.limits, total=d.limits.total + 1))
                  for d in departments]
    for value in (DepartmentIds(departments=tuple(merged)), DepartmentIds(departments=tuple(lookalikes))):
        for _ in range(2):
            assert category_text(Category.DEPARTMENT_ID, value, items) == compact_json(
                category_to_json(Category.DEPARTMENT_ID, value))
    assert len(items) == 0


@settings(max_examples=80, deadline=None, derandomize=True)
@given(DEPARTMENTS, st.data())
def test_a_run_with_some_items_replaced_is_spliced_to_the_compact_encoding(
        departments: list[DepartmentId], data: st.DataObject) -> None:
    """A value that is a run of shared items with any of them replaced (none, a few, most, all; by an item
    that only looks like one of the run's) is the plain encoding, the first time and the next."""
    run = tuple(departments)
    items = ItemTexts(run, runs=[run])
    replaced = data.draw(st.sets(st.integers(0, max(len(run) - 1, 0)), max_size=len(run)) if run else st.just(set()))
    counters = data.draw(COUNTS)
    value = tuple(replace(d, counters=counters) if i in replaced else d for i, d in enumerate(run))
    for depts in (DepartmentIds(departments=value), DepartmentIds(departments=run)):
        for _ in range(2):
            assert category_text(Category.DEPARTMENT_ID, depts, items) == compact_json(
                category_to_json(Category.DEPARTMENT_ID, depts))


def test_a_run_is_only_kept_for_shared_items() -> None:
    """A run holding an item that is not shared is not laid out: its text would keep a client's own item."""
    shared = DepartmentId("1", "h", PageCounts(), PageCounts())
    own = DepartmentId("2", "h", PageCounts(), PageCounts())
    items = ItemTexts([shared], runs=[(shared, own)])
    value = DepartmentIds(departments=(shared, replace(own, counters=PageCounts(1, 1, 0))))
    assert category_text(Category.DEPARTMENT_ID, value, items) == compact_json(
        category_to_json(Category.DEPARTMENT_ID, value))
    assert len(items) == 1


def test_a_clients_merged_categories_are_spliced_to_the_compact_encoding() -> None:
    """The receiver's case: a seeded host's bundle merged into a client that keeps its counters for some of
    the host's IDs and its not-deliverable settings (DID-14, DID-16), the shared items named as the
    receiver names them."""
    from mfp_console.domain.distribution_rules import apply_received, prepare_host_data

    host = seed_device_information("bench", "host", seed=3)
    client = seed_device_information("bench", "client", seed=4)
    own = tuple(replace(d, counters=PageCounts(7, 3, 4)) for d in host.department_ids.departments[:5])
    client = client.with_category(Category.DEPARTMENT_ID, DepartmentIds(departments=own))
    bundle = {c: host.category(c) for c in (Category.DEPARTMENT_ID, Category.SETTINGS_VALUES)}
    prepared = prepare_host_data(bundle)
    items = ItemTexts([*host.settings_values, *host.department_ids.departments, *prepared.fresh_departments.values()],
                      runs=[tuple(prepared.fresh_departments.values())])
    update = apply_received(client, bundle, list(bundle), include_network=False, card_reader_mismatch=False,
                            prepared=prepared)
    for category in bundle:
        value = update.info.category(category)
        for _ in range(2):
            assert category_text(category, value, items) == compact_json(category_to_json(category, value))
    assert sum(d.counters == PageCounts(7, 3, 4) for d in update.info.department_ids.departments) == 5


def test_shared_items_are_known_by_identity_not_by_equality() -> None:
    """A new item equal to a shared one is written afresh, and a changed one never takes another's text."""
    first = SettingValue("a", "1")
    items = ItemTexts([first])
    assert category_text(Category.SETTINGS_VALUES, (first,), items) == '[{"key":"a","value":"1","deliverable":true,"network":false}]'
    changed = replace(first, value="2")
    assert '"value":"2"' in category_text(Category.SETTINGS_VALUES, (changed,), items)
    assert category_text(Category.SETTINGS_VALUES, (SettingValue("a", "1"),), items) == (
        '[{"key":"a","value":"1","deliverable":true,"network":false}]')
    assert '"value":"2"' in category_text(Category.SETTINGS_VALUES, (changed,), items)  # its own text, kept


def test_a_clients_own_settings_texts_are_kept_up_to_a_bound_and_its_departments_not_at_all() -> None:
    """Clients' own settings values are kept (decoding hands out the same values again) up to
    OWN_SETTINGS_KEPT; a client's own Department IDs never are (they are new for every client)."""
    from mfp_console.domain.device_info_json import OWN_SETTINGS_KEPT

    items = ItemTexts()
    own = tuple(SettingValue(f"k{n}", "v") for n in range(OWN_SETTINGS_KEPT + 10))
    assert category_text(Category.SETTINGS_VALUES, own, items) == compact_json(
        category_to_json(Category.SETTINGS_VALUES, own))
    assert len(items) == OWN_SETTINGS_KEPT
    depts = DepartmentIds(departments=(DepartmentId("1", "h", PageCounts(), PageCounts(3, 1, 2)),))
    category_text(Category.DEPARTMENT_ID, depts, items)
    assert len(items) == OWN_SETTINGS_KEPT


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
