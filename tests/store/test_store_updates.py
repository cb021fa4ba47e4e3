"""Updates, the update marker and restore points: DID-11, DID-12, DID-13…17, DID-20, DID-23, M-04."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mfp_console.domain.communication_log import RECEIVED, LogEntry
from mfp_console.domain.device_info import Category, InboxUrlSend
from mfp_console.errors import StoreError
from mfp_console.store import MachineStore

from .sample_data import info_generations, machine_time, make_info

ALL = tuple(Category)


def received(generation: int, contents: tuple[str, ...] = ("Address Book",)) -> LogEntry:
    """The client's log entry for the update to ``generation``."""
    return LogEntry(
        machine_time(generation), machine_time(generation, 3), RECEIVED, "host", contents, "OK", "",
        f"gen={generation}",
    )


@pytest.fixture
def seeded(store: MachineStore) -> MachineStore:
    """A store seeded with generation 1."""
    store.seed(make_info(1))
    return store


@pytest.mark.rules("DID-13", "DID-20", "DID-23")
def test_apply_update_writes_data_restore_point_and_log_together(seeded: MachineStore) -> None:
    """DID-13/15, DID-20, DID-23: new values, the previous values as restore point, and the log entry."""
    seeded.mark_update_started({"job": 7, "host": "host"})
    changed = {Category.ADDRESS_BOOK, Category.PAPER_INFORMATION}
    new = make_info(1).with_category(Category.ADDRESS_BOOK, make_info(2).address_book)
    new = new.with_category(Category.PAPER_INFORMATION, make_info(2).paper_types)
    seeded.apply_update(new, changed, False, received(2))

    assert seeded.load_device_info() == new
    assert seeded.restore_point_categories() == changed
    assert seeded.restore_point_value(Category.ADDRESS_BOOK) == make_info(1).address_book
    assert seeded.restore_point_value(Category.PAPER_INFORMATION) == make_info(1).paper_types
    assert seeded.restore_point_value(Category.PRINTER_SETTINGS) is None
    assert seeded.restore_point_inbox() is None
    assert seeded.read_log() == [received(2)]
    assert seeded.update_marker() is None


@pytest.mark.rules("DID-20")
def test_did20_a_later_update_replaces_the_restore_point_whole(seeded: MachineStore) -> None:
    """DID-20: one restore point; update 2 changed everything, update 3 only the address book: afterwards
    only the address book can be restored, to its value from just before update 3."""
    seeded.apply_update(make_info(2), ALL, True, received(2))
    seeded.apply_update(
        make_info(2).with_category(Category.ADDRESS_BOOK, make_info(3).address_book),
        [Category.ADDRESS_BOOK], False, received(3),
    )
    assert seeded.restore_point_categories() == {Category.ADDRESS_BOOK}
    assert info_generations_of_restore_point(seeded, Category.ADDRESS_BOOK) == {2}
    assert all(seeded.restore_point_value(c) is None for c in Category if c is not Category.ADDRESS_BOOK)
    assert seeded.restore_point_inbox() is None  # update 2's inbox point went with the rest
    made = seeded.restore_point_made()
    assert made is not None and made.saved_at == received(3).end.isoformat() and made.peer == "host"


@pytest.mark.rules("DID-20")
def test_did20_an_import_makes_no_restore_point_and_keeps_the_one_there_is(seeded: MachineStore) -> None:
    """DID-20 (D): imports make no restore point; the received update's point survives an import."""
    imported = LogEntry(machine_time(4), machine_time(4, 1), "Import", "host", ("Paper Information",))
    seeded.apply_import(make_info(1).with_category(Category.PAPER_INFORMATION, make_info(4).paper_types),
                        [Category.PAPER_INFORMATION], imported)
    assert seeded.restore_point_categories() == set()
    assert seeded.load_device_info().paper_types == make_info(4).paper_types
    assert seeded.read_log() == [imported]

    seeded.apply_update(make_info(1).with_category(Category.ADDRESS_BOOK, make_info(5).address_book),
                        [Category.ADDRESS_BOOK], False, received(5))
    seeded.apply_import(make_info(6), [Category.ADDRESS_BOOK, Category.PAPER_INFORMATION], imported)
    assert seeded.restore_point_categories() == {Category.ADDRESS_BOOK}
    assert seeded.restore_point_value(Category.ADDRESS_BOOK) == make_info(1).address_book
    assert seeded.load_device_info().address_book == make_info(6).address_book


@pytest.mark.rules("DID-20")
def test_did20_the_restore_point_is_not_a_copy(seeded: MachineStore, store_path: Path) -> None:
    """Issue 18: an update keeps the previous rows and flips them; a category's document is stored once."""
    seeded.apply_update(make_info(2), [Category.ADDRESS_BOOK], False, received(2))
    with sqlite3.connect(store_path) as raw:
        rows = raw.execute("SELECT category, previous, count(*) FROM device_info GROUP BY category, previous").fetchall()
        tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert ("address_book", 1, 1) in rows and ("address_book", 0, 1) in rows
    assert sum(1 for _, previous, _ in rows if previous == 1) == 1
    assert "restore_point" in tables and not any(t.endswith(("_v2", "_v3")) for t in tables)
    with sqlite3.connect(store_path) as raw:
        documents = raw.execute("SELECT count(*), count(DISTINCT i.document) FROM device_info i"
                                " JOIN device_document d ON d.id = i.document").fetchone()
        stored = raw.execute("SELECT count(*) FROM device_document").fetchone()[0]
    assert documents == (sum(n for _, _, n in rows), sum(n for _, _, n in rows)) and stored == documents[0]
    seeded.apply_update(make_info(3), [Category.PAPER_INFORMATION], False, received(3))
    with sqlite3.connect(store_path) as raw:  # the older point's document went with its row
        assert raw.execute("SELECT count(*) FROM device_document").fetchone()[0] == stored


def info_generations_of_restore_point(store: MachineStore, category: Category) -> set[int]:
    """The generations found in ``category``'s restore point."""
    value = store.restore_point_value(category)
    return info_generations(make_info(0).with_category(category, value))[category.value]


@pytest.mark.rules("M-04", "DID-12")
@pytest.mark.parametrize("how", ["sqlite trigger", "monkeypatched log insert"])
def test_failed_update_leaves_everything_as_before(
    seeded: MachineStore, store_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """M-04, DID-12: a failure at the log insert, after data and restore point were written, undoes all."""
    seeded.apply_update(make_info(2), ALL, True, received(2))
    seeded.mark_update_started({"job": 3})
    if how == "sqlite trigger":
        with sqlite3.connect(store_path) as raw:
            raw.execute(
                "CREATE TRIGGER fail_log BEFORE INSERT ON communication_log"
                " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )
        expected_error: type[Exception] = StoreError
    else:
        def broken_insert(*_args: object) -> None:
            raise RuntimeError("injected failure")

        monkeypatch.setattr("mfp_console.store.machine_store.insert_log_entry", broken_insert)
        expected_error = RuntimeError

    with pytest.raises(expected_error, match="injected failure"):
        seeded.apply_update(make_info(3), ALL, True, received(3))

    assert_still_generation_2(seeded)
    monkeypatch.undo()
    with MachineStore.open(store_path) as reopened:
        assert_still_generation_2(reopened)


def assert_still_generation_2(store: MachineStore) -> None:
    """Data from generation 2, restore point from 1, one log entry, the marker of the failed job."""
    assert store.load_device_info() == make_info(2)
    restore_point = {c: store.restore_point_value(c) for c in Category}
    assert restore_point == {c: make_info(1).category(c) for c in Category}
    assert store.restore_point_inbox() == make_info(1).inbox_url_send
    assert store.read_log() == [received(2)]
    assert store.update_marker() == {"job": 3}


def test_store_error_names_the_database_file(seeded: MachineStore, store_path: Path) -> None:
    """A wrapped SQLite failure says which machine's database failed."""
    with sqlite3.connect(store_path) as raw:
        raw.execute(
            "CREATE TRIGGER fail_log BEFORE INSERT ON communication_log BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
    with pytest.raises(StoreError, match=r"client-a\.sqlite3: could not apply the update"):
        seeded.apply_update(make_info(2), ALL, False, received(2))


@pytest.mark.rules("DID-11")
def test_marker_survives_reopen_and_data_is_from_before(seeded: MachineStore, store_path: Path) -> None:
    """DID-11/12: a crash after the update started leaves the marker (E-UPDATE) and the old data."""
    seeded.mark_update_started({"job": 9, "from": "host", "categories": ["address_book"]})
    seeded.close()
    with MachineStore.open(store_path) as store:
        assert store.update_marker() == {"job": 9, "from": "host", "categories": ["address_book"]}
        assert store.load_device_info() == make_info(1)
        store.clear_update_marker()
    with MachineStore.open(store_path) as store:
        assert store.update_marker() is None


@pytest.mark.rules("DID-20")
def test_did20_restore_uses_the_whole_point_up(seeded: MachineStore) -> None:
    """DID-20 (D): a restore brings back the picked categories and uses the whole point up; a second
    restore has nothing."""
    seeded.apply_update(make_info(2), ALL, True, received(2))
    first = seeded.restore([Category.ADDRESS_BOOK, Category.SETTINGS_VALUES], restore_inbox=True)
    assert first.restored == {Category.ADDRESS_BOOK, Category.SETTINGS_VALUES}
    assert first.missing == frozenset()
    assert first.inbox_restored
    assert first.info.address_book == make_info(1).address_book
    assert first.info.settings_values == make_info(1).settings_values
    assert first.info.paper_types == make_info(2).paper_types
    assert first.info.inbox_url_send == make_info(1).inbox_url_send
    assert seeded.load_device_info() == first.info
    assert seeded.restore_point_categories() == set()
    assert seeded.restore_point_made() is None

    second = seeded.restore([Category.PAPER_INFORMATION], restore_inbox=True)
    assert second.nothing_restored and second.missing == {Category.PAPER_INFORMATION}
    assert second.info == seeded.load_device_info()


@pytest.mark.rules("DID-17")
def test_restore_can_clear_inbox_and_logs_in_same_transaction(seeded: MachineStore, store_path: Path) -> None:
    """DID-17: restoring address book alone lets the caller clear inbox URL Send in the same transaction."""
    seeded.apply_update(make_info(2), ALL, True, received(2))
    entry = LogEntry(machine_time(5), machine_time(5, 1), "Restore", "client-a", ("Address Book",))
    outcome = seeded.restore([Category.ADDRESS_BOOK], entry, set_inbox=InboxUrlSend())
    assert outcome.info.inbox_url_send.is_clear
    assert seeded.restore_point_inbox() is None  # used up with the rest of the point (DID-20)
    with MachineStore.open(store_path) as again:
        assert again.read_log(kind="Restore") == [entry]
        assert again.load_device_info().inbox_url_send.is_clear
    with pytest.raises(ValueError):
        seeded.restore([Category.ADDRESS_BOOK], restore_inbox=True, set_inbox=InboxUrlSend())


@pytest.mark.rules("DID-17")
def test_update_without_inbox_change_keeps_inbox_restore_point_absent(seeded: MachineStore) -> None:
    """DID-17: the inbox restore point is only taken when the update changed inbox settings."""
    seeded.apply_update(make_info(2), [Category.ADDRESS_BOOK, Category.SETTINGS_VALUES], False, received(2))
    assert seeded.restore_point_inbox() is None
    assert seeded.load_device_info().inbox_url_send == make_info(1).inbox_url_send
    assert not seeded.restore([], restore_inbox=True).inbox_restored
