"""A sync client's copy of the server's answer, kept as sent (SYNC-05), and the schema migration it needed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mfp_console.errors import StoreError
from mfp_console.store import SCHEMA_VERSION, MachineStore, Sharing, UserItem
from mfp_console.store.user_data import decode_user_doc, encode_user_doc

from .sample_data import machine_time


def doc(**items: object) -> bytes:
    """A user document whose items all have version 3 and are shared."""
    return encode_user_doc({name: (value, 3, "shared") for name, value in items.items()})


def keep(store: MachineStore, minute: int, **docs: bytes) -> None:
    """Stores an answer holding ``docs`` (user → document) at ``minute`` of machine time."""
    store.store_snapshot(b"".join(docs.values()), [(u, len(d)) for u, d in docs.items()], machine_time(minute))


@pytest.mark.rules("SYNC-05")
def test_sync05_kept_users_read_like_stored_ones(store: MachineStore) -> None:
    """SYNC-05: every user of the answer is listed and reads back with the server's versions."""
    keep(store, 1, ann=doc(home_screen={"layout": "Wide"}), bob=doc(keychain=[{"destination": 1}]), cy=b"{}")
    assert [u.user for u in store.list_users()] == ["ann", "bob", "cy"]
    assert store.user_items("ann") == {
        "home_screen": UserItem({"layout": "Wide"}, 3, Sharing.SHARED, machine_time(1)),
    }
    assert store.user_items("bob")["keychain"].value == [{"destination": 1}]
    assert store.user_items("cy") == {}
    assert store.user_items("nobody") == {}


@pytest.mark.rules("SYNC-05")
def test_sync05_the_servers_copy_replaces_rows_but_keeps_the_login(store: MachineStore) -> None:
    """SYNC-05: a user stored here before takes the server's copy; their last login stays this machine's."""
    store.put_user_items("ann", {"home_screen": "mine", "shortcuts": ["x"]}, machine_time(1))
    store.touch_login("ann", machine_time(2))
    keep(store, 3, ann=doc(home_screen="server's"))
    assert store.user_items("ann") == {"home_screen": UserItem("server's", 3, Sharing.SHARED, machine_time(3))}
    assert store.list_users()[0].last_login == machine_time(2)


def test_a_write_turns_the_document_into_rows(store: MachineStore) -> None:
    """A change made here starts from the server's copy: versions go on from the kept document's."""
    keep(store, 1, ann=doc(home_screen="a", shortcuts=["s"]))
    versions = store.put_user_items("ann", {"home_screen": "b"}, machine_time(2))
    assert versions == {"home_screen": 4}
    items = store.user_items("ann")
    assert items["home_screen"] == UserItem("b", 4, Sharing.SHARED, machine_time(2))
    assert items["shortcuts"] == UserItem(["s"], 3, Sharing.SHARED, machine_time(1))
    # the next answer no longer holds ann: her rows stay as they are
    keep(store, 5, bob=doc(home_screen="x"))
    assert store.user_items("ann")["home_screen"].version == 4


@pytest.mark.rules("SYNC-07")
def test_users_the_new_answer_lacks_keep_their_data(store: MachineStore) -> None:
    """SYNC-07: a user deleted on the server keeps their data here (they register again from here)."""
    keep(store, 1, ann=doc(home_screen="a"), bob=doc(home_screen="b"))
    keep(store, 2, bob=doc(home_screen="b2"))
    assert store.user_items("ann") == {"home_screen": UserItem("a", 3, Sharing.SHARED, machine_time(1))}
    assert store.user_items("bob")["home_screen"].value == "b2"


def test_replacements_are_written_beside_the_answer(store: MachineStore) -> None:
    """A user merged here (a change the server has not taken) is stored as rows in the same transaction."""
    merged = {"home_screen": UserItem("ours", 7, Sharing.SHARED, machine_time(1))}
    body = doc(home_screen="theirs")
    store.store_snapshot(body, [("ann", len(body))], machine_time(2), {"ann": merged})
    assert store.user_items("ann") == merged


def test_delete_and_login_of_a_kept_user(store: MachineStore) -> None:
    """Deleting a kept user forgets them; a login only stamps the time."""
    keep(store, 1, ann=doc(home_screen="a"), bob=doc(home_screen="b"))
    store.touch_login("bob", machine_time(4))
    assert store.delete_user("ann")
    assert [u.user for u in store.list_users()] == ["bob"]
    assert store.user_items("ann") == {}
    assert store.user_items("bob")["home_screen"].value == "b"


def test_an_answer_that_does_not_add_up_changes_nothing(store: MachineStore) -> None:
    """Lengths that do not cover the body exactly, or a user twice, are refused and nothing is written."""
    keep(store, 1, ann=doc(home_screen="a"))
    body = doc(home_screen="b")
    with pytest.raises(StoreError, match="add up"):
        store.store_snapshot(body + b" ", [("bob", len(body))], machine_time(2))
    with pytest.raises(StoreError, match="twice"):
        store.store_snapshot(body * 2, [("bob", len(body)), ("bob", len(body))], machine_time(2))
    assert [u.user for u in store.list_users()] == ["ann"]
    assert store.user_items("ann")["home_screen"].value == "a"


@pytest.mark.parametrize(
    ("document", "fault"),
    [
        (b"\xff{}", "not UTF-8"),
        (b'{"a":{"value":1,"version":1,"range":"shared"},"a":{"value":2,"version":1,"range":"shared"}}', "repeats"),
        (b'{"a":{"value":NaN,"version":1,"range":"shared"}}', "NaN"),
        (b'{"a":{"value":"\\ud800","version":1,"range":"shared"}}', "lone UTF-16 surrogate"),
        (b'{"a":{"value":1,"version":0,"range":"shared"}}', "version"),
        (b'{"a":{"value":1,"version":1,"range":"everywhere"}}', "sharing range"),
        (b'{"a":{"value":1}}', "exactly value, version and range"),
        (b"[1]", "not a JSON object"),
        (b"{", "is not valid JSON .Expecting"),
    ],
)
def test_a_damaged_document_is_a_clear_error(store: MachineStore, document: bytes, fault: str) -> None:
    """A document that cannot be read names the user and the fault; the other users read fine."""
    keep(store, 1, ann=document, bob=doc(home_screen="b"))
    with pytest.raises(StoreError, match=f"server's copy of 'ann' is damaged: .*{fault}"):
        store.user_items("ann")
    with pytest.raises(StoreError, match="'ann' is damaged"):
        store.put_user_items("ann", {"home_screen": "x"}, machine_time(2))
    assert store.user_items("bob")["home_screen"].value == "b"


def test_documents_round_trip() -> None:
    """encode_user_doc and decode_user_doc agree, non-ASCII text included."""
    raw = encode_user_doc({"personal_address_list": ([{"name": "Zoë ✓"}], 2, "device_specific")})
    assert "Zoë".encode() in raw
    assert decode_user_doc(raw, machine_time(1)) == {
        "personal_address_list": UserItem([{"name": "Zoë ✓"}], 2, Sharing.DEVICE_SPECIFIC, machine_time(1)),
    }


def test_kept_answer_survives_reopening(store_path: Path) -> None:
    """The kept answer is durable like every other row."""
    with MachineStore.open(store_path) as store:
        keep(store, 1, ann=doc(home_screen="a"))
    with MachineStore.open(store_path) as store:
        assert store.user_items("ann")["home_screen"].value == "a"
        assert store.check_integrity() == []


VERSION_1_DEVICE_TABLES = """
    CREATE TABLE device_info (category TEXT PRIMARY KEY, payload TEXT NOT NULL);
    CREATE TABLE restore_point (category TEXT PRIMARY KEY, payload TEXT NOT NULL, saved_at TEXT NOT NULL);
    CREATE TABLE communication_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, ended_at TEXT NOT NULL,
        kind TEXT NOT NULL, peer TEXT NOT NULL, contents TEXT NOT NULL, result TEXT NOT NULL,
        code TEXT NOT NULL, detail TEXT NOT NULL);
    CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
"""The tables versions 1 and 2 had beside the users' (device information, per-category restore points)."""


def test_a_version_1_database_is_migrated(store_path: Path) -> None:
    """A database of schema version 1 (before kept answers) opens with its users intact."""
    store_path.parent.mkdir(parents=True)
    with sqlite3.connect(store_path) as raw:
        raw.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema_version', '1');
            CREATE TABLE users (user TEXT PRIMARY KEY, last_login TEXT, created_at TEXT NOT NULL);
            CREATE TABLE user_data (
                user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE, item TEXT NOT NULL,
                value TEXT NOT NULL, version INTEGER NOT NULL CHECK (version >= 1),
                sharing TEXT NOT NULL CHECK (sharing IN ('shared', 'device_specific')),
                updated_at TEXT NOT NULL, PRIMARY KEY (user, item));
            """ + VERSION_1_DEVICE_TABLES
        )
        raw.execute("INSERT INTO users VALUES ('ann', NULL, ?)", (machine_time(1).isoformat(),))
        raw.execute("INSERT INTO user_data VALUES ('ann', 'home_screen', '\"old\"', 2, 'shared', ?)",
                    (machine_time(1).isoformat(),))
    with MachineStore.open(store_path) as store:
        assert store.user_items("ann")["home_screen"] == UserItem("old", 2, Sharing.SHARED, machine_time(1))
        keep(store, 2, bob=doc(home_screen="b"))
        assert [u.user for u in store.list_users()] == ["ann", "bob"]
    with sqlite3.connect(store_path) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
