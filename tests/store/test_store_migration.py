"""Schema 3 migration: a version-2 database (a restore point per category, DID-19's old key) opens as one
restore point (DID-20) and the same refused categories (DID-19), in the transaction that opens it."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.domain.device_info_json import category_to_json, inbox_to_json
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.store import SCHEMA_VERSION, MachineStore
from mfp_console.store.device_info_rows import dumps

from .sample_data import machine_time, make_info

_VERSION_2 = """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta VALUES ('schema_version', '2');
    CREATE TABLE device_info (category TEXT PRIMARY KEY, payload TEXT NOT NULL);
    CREATE TABLE restore_point (category TEXT PRIMARY KEY, payload TEXT NOT NULL, saved_at TEXT NOT NULL);
    CREATE TABLE update_marker (id INTEGER PRIMARY KEY CHECK (id = 1), job TEXT NOT NULL);
    CREATE TABLE communication_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, ended_at TEXT NOT NULL,
        kind TEXT NOT NULL, peer TEXT NOT NULL, contents TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('OK', 'NG')), code TEXT NOT NULL, detail TEXT NOT NULL);
    CREATE TABLE machine_state (
        id INTEGER PRIMARY KEY CHECK (id = 1), power TEXT NOT NULL, activity TEXT NOT NULL,
        error_code TEXT NOT NULL, network_cut INTEGER NOT NULL, tls_configured INTEGER NOT NULL);
    CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE users (user TEXT PRIMARY KEY, last_login TEXT, created_at TEXT NOT NULL,
        snapshot_offset INTEGER CHECK (snapshot_offset >= 0), snapshot_length INTEGER CHECK (snapshot_length > 0));
    CREATE TABLE user_data (
        user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE, item TEXT NOT NULL, value TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        sharing TEXT NOT NULL CHECK (sharing IN ('shared', 'device_specific')),
        updated_at TEXT NOT NULL, PRIMARY KEY (user, item));
    CREATE TABLE user_snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), body BLOB NOT NULL, received_at TEXT NOT NULL);
"""
"""Version 2 as the previous release created it (the CHECK constraints of the device keys left out)."""


def _payload(generation: int, category: Category) -> str:
    return dumps(category_to_json(category, make_info(generation).category(category)))


def _version_2(path: Path, points: dict[str, tuple[int, datetime]], log: list[tuple[str, datetime]],
               config: dict[str, object] | None = None) -> None:
    """A version-2 database holding generation 3, restore-point rows (key → generation, saved_at) and log
    entries (kind, end)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as raw:
        raw.executescript(_VERSION_2)
        info = make_info(3)
        rows = [(c.value, _payload(3, c)) for c in Category]
        rows.append(("inbox_url_send", dumps(inbox_to_json(info.inbox_url_send))))
        raw.executemany("INSERT INTO device_info VALUES (?, ?)", rows)
        for key, (generation, saved_at) in points.items():
            payload = (dumps(inbox_to_json(make_info(generation).inbox_url_send)) if key == "inbox_url_send"
                       else _payload(generation, Category(key)))
            raw.execute("INSERT INTO restore_point VALUES (?, ?, ?)", (key, payload, saved_at.isoformat()))
        for kind, end in log:
            raw.execute("INSERT INTO communication_log (started_at, ended_at, kind, peer, contents, result, code,"
                        " detail) VALUES (?, ?, ?, 'host', '[]', 'OK', '', '')", (end.isoformat(), end.isoformat(), kind))
        for key, value in (config or {}).items():
            raw.execute("INSERT INTO config VALUES (?, ?)", (key, json.dumps(value)))


def _version(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])


@pytest.mark.rules("DID-20")
def test_did20_only_the_newest_updates_rows_stay_restorable(store_path: Path) -> None:
    """Version 2 kept Paper Information from update 2 beside the Address Book of update 3; version 3 keeps
    one restore point: update 3's."""
    update_2, update_3 = machine_time(2, 3), machine_time(3, 3)
    _version_2(store_path, {"paper_information": (1, update_2), "inbox_url_send": (1, update_2),
                            "address_book": (2, update_3)},
               [("Received", update_2), ("Received", update_3)])
    with MachineStore.open(store_path) as store:
        assert store.restore_point_categories() == {Category.ADDRESS_BOOK}
        assert store.restore_point_value(Category.ADDRESS_BOOK) == make_info(2).address_book
        assert store.restore_point_inbox() is None
        made = store.restore_point_made()
        assert made is not None and (made.saved_at, made.peer) == (update_3.isoformat(), "host")
        assert store.load_device_info() == make_info(3)
        assert store.check_integrity() == []
    assert _version(store_path) == SCHEMA_VERSION == 4
    with MachineStore.open(store_path) as again:  # opening a migrated database changes nothing
        assert again.restore_point_categories() == {Category.ADDRESS_BOOK}


@pytest.mark.rules("DID-20")
def test_did20_rows_an_import_made_are_no_restore_point(store_path: Path) -> None:
    """Version 2 made restore points on import; an import makes none, so its rows are dropped."""
    _version_2(store_path, {"address_book": (1, machine_time(2)), "printer_settings": (2, machine_time(4))},
               [("Received", machine_time(2)), ("Import", machine_time(4))])
    with MachineStore.open(store_path) as store:
        assert store.restore_point_categories() == set()
        assert store.restore_point_made() is None


@pytest.mark.rules("DID-20")
def test_did20_a_restore_after_the_newest_update_used_the_point_up(store_path: Path) -> None:
    """Version 2 restored per category, leaving the rest; a restore now uses the whole point up."""
    _version_2(store_path, {"paper_information": (2, machine_time(3))},
               [("Received", machine_time(3)), ("Restore", machine_time(5))])
    with MachineStore.open(store_path) as store:
        assert store.restore_point_categories() == set()


@pytest.mark.rules("DID-19")
def test_did19_stored_receiving_settings_keep_refusing_the_same_categories(store_path: Path) -> None:
    """The old key listed the refused categories; the migration renames it and inverts nothing."""
    old = {"restrict_model": False, "restricted_categories": ["printer_settings", "paper_information"]}
    _version_2(store_path, {}, [], {"receiving_settings": old, "destinations": {"restricted_categories": 1}})
    with MachineStore.open(store_path) as store:
        stored = store.get_config("receiving_settings")
        assert stored == {"restrict_model": False, "refused_categories": ["printer_settings", "paper_information"]}
        assert ReceivingSettings.from_json(stored).refused_categories == {Category.PRINTER_SETTINGS,
                                                                          Category.PAPER_INFORMATION}
        assert store.get_config("destinations") == {"restricted_categories": 1}  # other documents untouched


_VERSION_3 = (_VERSION_2
              .replace("INSERT INTO meta VALUES ('schema_version', '2');", "INSERT INTO meta VALUES ('schema_version', '3');")
              .replace("CREATE TABLE device_info (category TEXT PRIMARY KEY, payload TEXT NOT NULL);",
                       "CREATE TABLE device_info (category TEXT NOT NULL, previous INTEGER NOT NULL "
                       "CHECK (previous IN (0, 1)), payload TEXT NOT NULL, PRIMARY KEY (category, previous));")
              .replace("CREATE TABLE restore_point (category TEXT PRIMARY KEY, payload TEXT NOT NULL, saved_at TEXT NOT NULL);",
                       "CREATE TABLE restore_point (id INTEGER PRIMARY KEY CHECK (id = 1), saved_at TEXT NOT NULL, "
                       "peer TEXT NOT NULL);"))
"""Version 3 as the previous release created it: each document in its ``device_info`` row, one restore point."""


@pytest.mark.rules("DID-20")
def test_did20_a_version_3_database_keeps_its_data_and_its_restore_point(store_path: Path) -> None:
    """Schema 4 moves each document out of its ``device_info`` row; the current data, the restore point
    (which categories, their values, when and from whom) and restoring it are as they were."""
    assert "_v2" not in _VERSION_3 and _VERSION_3 != _VERSION_2
    store_path.parent.mkdir(parents=True, exist_ok=True)
    made = machine_time(4, 3)
    with sqlite3.connect(store_path) as raw:
        raw.executescript(_VERSION_3)
        current = [(c.value, 0, _payload(3, c)) for c in Category]
        current.append(("inbox_url_send", 0, dumps(inbox_to_json(make_info(3).inbox_url_send))))
        point = [("address_book", 1, _payload(2, Category.ADDRESS_BOOK)),
                 ("inbox_url_send", 1, dumps(inbox_to_json(make_info(2).inbox_url_send)))]
        raw.executemany("INSERT INTO device_info VALUES (?, ?, ?)", current + point)
        raw.execute("INSERT INTO restore_point VALUES (1, ?, 'host-b')", (made.isoformat(),))
    with MachineStore.open(store_path) as store:
        assert store.load_device_info() == make_info(3)
        assert store.restore_point_categories() == {Category.ADDRESS_BOOK}
        assert store.restore_point_value(Category.ADDRESS_BOOK) == make_info(2).address_book
        assert store.restore_point_inbox() == make_info(2).inbox_url_send
        point_made = store.restore_point_made()
        assert point_made is not None and (point_made.saved_at, point_made.peer) == (made.isoformat(), "host-b")
        assert store.check_integrity() == []
        outcome = store.restore([Category.ADDRESS_BOOK], restore_inbox=True)
        assert outcome.restored == {Category.ADDRESS_BOOK} and outcome.inbox_restored
        assert outcome.info.address_book == make_info(2).address_book
        assert store.restore_point_categories() == set()
    assert _version(store_path) == SCHEMA_VERSION == 4
    with sqlite3.connect(store_path) as raw:
        tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        documents = raw.execute("SELECT count(*) FROM device_document").fetchone()[0]
        rows = raw.execute("SELECT count(*) FROM device_info").fetchone()[0]
    assert "device_info_v3" not in tables
    assert documents == rows == len(current)  # the used-up point's documents went with its rows
