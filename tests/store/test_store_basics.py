"""Opening a store, paths, device information round trips and the read cache (M-04)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mfp_console.domain.device_info import Category, InboxUrlSend
from mfp_console.errors import ConfigError, StoreError
from mfp_console.store import (
    SCHEMA_VERSION,
    MachineStore,
    machine_database_path,
    validate_machine_name,
)

from .sample_data import make_info


def test_path_is_under_machines_directory(tmp_path: Path) -> None:
    """A machine's database is ``<state>/machines/<name>.sqlite3``."""
    assert machine_database_path(tmp_path, "client-a") == tmp_path / "machines" / "client-a.sqlite3"


@pytest.mark.parametrize("name", ["", "../evil", "a/b", "a\\b", ".hidden", "tab\tname", "x" * 101])
def test_bad_machine_names_are_refused(name: str) -> None:
    """A name that could leave the machines directory or hide the file is a configuration error."""
    with pytest.raises(ConfigError):
        validate_machine_name(name)


def test_open_creates_directory_schema_and_pragmas(store_path: Path) -> None:
    """Opening creates the directory and the schema, with WAL and foreign keys on."""
    with MachineStore.open(store_path) as store:
        assert store.path == store_path
        assert not store.has_device_info()
        assert store.check_integrity() == []
    with sqlite3.connect(store_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert int(version) == SCHEMA_VERSION


def test_newer_schema_is_refused(store_path: Path) -> None:
    """A database written by a newer program is refused with a message naming the file."""
    MachineStore.open(store_path).close()
    with sqlite3.connect(store_path) as raw:
        raw.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="client-a.sqlite3.*newer"):
        MachineStore.open(store_path)


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    """A file that is not SQLite is reported as a StoreError naming it."""
    path = tmp_path / "machines" / "broken.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="broken.sqlite3"):
        MachineStore.open(path)


def test_an_empty_database_file_is_damaged_not_reseeded(store_path: Path) -> None:
    """Issue 17: a 0-byte database was silently re-created, and the machine re-seeded with default data.

    A database this program made is never 0 bytes (it is built under another name, then linked into
    place), so an empty one is a damaged file: a StoreError naming it, and the file is left as it was.
    """
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"")
    with pytest.raises(StoreError, match=r"client-a\.sqlite3: the machine's database is damaged: the file is empty"):
        MachineStore.open(store_path)
    assert store_path.stat().st_size == 0
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["client-a.sqlite3"]


def test_a_new_database_appears_whole_under_its_name(store_path: Path) -> None:
    """The schema is in the file before it has its name; no temporary file is left behind."""
    MachineStore.open(store_path).close()
    assert [p.name for p in store_path.parent.iterdir()] == ["client-a.sqlite3"]
    with sqlite3.connect(store_path) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() is not None


def test_closed_store_refuses_use(store: MachineStore) -> None:
    """After close every call is a StoreError; closing twice is harmless."""
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.has_device_info()


@pytest.mark.rules("M-04")
def test_seed_and_reload_round_trip(store_path: Path) -> None:
    """M-04: device information survives closing and reopening the store exactly."""
    info = make_info(1)
    with MachineStore.open(store_path) as store:
        store.seed(info)
        assert store.has_device_info()
        assert store.load_device_info() == info
    with MachineStore.open(store_path) as store:
        assert store.load_device_info() == info


def test_seed_never_overwrites(store: MachineStore) -> None:
    """Seeding is for a new machine only."""
    store.seed(make_info(1))
    with pytest.raises(StoreError, match="already"):
        store.seed(make_info(2))
    assert store.load_device_info() == make_info(1)


def test_load_before_seed_is_a_store_error(store: MachineStore) -> None:
    """An unseeded store says which categories are missing."""
    with pytest.raises(StoreError, match="address_book"):
        store.load_device_info()


def test_save_category_and_inbox_invalidate_cache(store_path: Path) -> None:
    """A panel change is visible at once and after reopening."""
    with MachineStore.open(store_path) as store:
        store.seed(make_info(1))
        first = store.load_device_info()
        assert store.load_device_info() is first  # cached
        store.save_category(Category.PAPER_INFORMATION, make_info(2).paper_types)
        store.save_inbox(InboxUrlSend())
        assert store.load_device_info().paper_types == make_info(2).paper_types
        assert store.load_device_info().inbox_url_send.is_clear
    with MachineStore.open(store_path) as store:
        reopened = store.load_device_info()
        assert reopened.paper_types == make_info(2).paper_types
        assert reopened.address_book == make_info(1).address_book
        assert reopened.inbox_url_send == InboxUrlSend()


def test_corrupt_payload_is_a_store_error(store_path: Path) -> None:
    """A stored value that cannot be decoded is reported, naming the file and the category."""
    with MachineStore.open(store_path) as store:
        store.seed(make_info(1))
    with sqlite3.connect(store_path) as raw:
        raw.execute("UPDATE device_document SET payload = '{\"oops\": 1}' WHERE id ="
                    " (SELECT document FROM device_info WHERE category = 'address_book' AND previous = 0)")
    with MachineStore.open(store_path) as store, pytest.raises(StoreError, match="client-a.*Address Book"):
        store.load_device_info()
