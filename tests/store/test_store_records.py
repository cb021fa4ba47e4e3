"""Communication log (DID-23), machine state, configuration documents and personalized data (SYNC)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mfp_console.domain.communication_log import DELIVERED, RECEIVED, LogEntry
from mfp_console.domain.machine import Activity, MachineState, PowerState
from mfp_console.errors import StoreError
from mfp_console.limits import COMMUNICATION_LOG_ENTRIES
from mfp_console.store import MachineStore, Sharing, UserItem

from .sample_data import machine_time


def entry(minute: int, kind: str, peer: str, result: str = "OK", code: str = "") -> LogEntry:
    """A log entry at ``minute`` of machine time."""
    return LogEntry(
        machine_time(minute), machine_time(minute, 2), kind, peer, ("Address Book", "Paper Information"),
        result, code, "détail ✓",
    )


@pytest.mark.rules("DID-23")
def test_log_round_trip_and_filters(store_path: Path) -> None:
    """DID-23: entries come back exactly, newest first, filtered by type, peer and result."""
    entries = [
        entry(1, DELIVERED, "client-a"),
        entry(2, DELIVERED, "client-b", "NG", "E-AUTH"),
        entry(3, RECEIVED, "host"),
        entry(4, DELIVERED, "client-a", "NG", "E-BUSY"),
    ]
    with MachineStore.open(store_path) as store:
        for e in entries:
            store.append_log(e)
    with MachineStore.open(store_path) as store:
        assert store.read_log() == entries[::-1]
        assert store.read_log(kind=DELIVERED, peer="client-a") == [entries[3], entries[0]]
        assert store.read_log(result="NG") == [entries[3], entries[1]]
        assert store.read_log(kind=RECEIVED, result="NG") == []
        assert store.read_log(limit=2) == [entries[3], entries[2]]
        assert store.read_log(limit=0) == []
        assert store.read_log()[0].start.tzinfo is not None


@pytest.mark.rules("DID-23")
def test_log_keeps_the_newest_entries_up_to_its_limit(store: MachineStore) -> None:
    """DID-23 and issue 17: the log no longer grows without bound (one NG E-AUTH per guessed proof did).

    It keeps the newest COMMUNICATION_LOG_ENTRIES entries; the oldest go first, whichever way they came
    (an entry on its own, or with an update in one transaction).
    """
    first = entry(0, DELIVERED, "client-a")
    store.append_log(first)
    guesses = [entry(1 + i // 60, RECEIVED, "host", "NG", "E-AUTH") for i in range(COMMUNICATION_LOG_ENTRIES + 24)]
    for guess in guesses:
        store.append_log(guess)
    kept = store.read_log()
    assert len(kept) == COMMUNICATION_LOG_ENTRIES
    assert kept == guesses[::-1][:COMMUNICATION_LOG_ENTRIES]  # the newest, newest first
    assert first not in kept
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM communication_log").fetchone()[0] == COMMUNICATION_LOG_ENTRIES


@pytest.mark.rules("DID-23")
def test_log_entry_refuses_unknown_result() -> None:
    """DID-23: a result is OK or NG."""
    with pytest.raises(ValueError):
        LogEntry(machine_time(0), machine_time(0), DELIVERED, "x", (), "MAYBE")
    listed = LogEntry(machine_time(0), machine_time(0), DELIVERED, "x", ["a"])  # type: ignore[arg-type]
    assert listed.contents == ("a",)


@pytest.mark.rules("M-04")
def test_state_round_trip(store_path: Path) -> None:
    """M-04: power, activity, error code, network cut and TLS configured survive a restart."""
    state = MachineState(PowerState.SLEEP, Activity.UPDATING, "E-UPDATE", True, False)
    with MachineStore.open(store_path) as store:
        assert store.load_state() is None
        store.save_state(MachineState())
        store.save_state(state)
    with MachineStore.open(store_path) as store:
        assert store.load_state() == state


@pytest.mark.rules("M-04")
def test_config_round_trip(store_path: Path) -> None:
    """M-04: configuration documents survive a restart; reads return fresh copies."""
    receiving = {"restrict_model": True, "restrict": {"address_book": False}}
    with MachineStore.open(store_path) as store:
        assert store.get_config("receiving") is None
        assert store.get_config("receiving", {"x": 1}) == {"x": 1}
        store.set_config("receiving", receiving)
        store.get_config("receiving")["restrict_model"] = False  # a copy: the stored value is unchanged
        store.set_configs({"destinations": [{"name": "client-a", "address": "10.0.0.2"}], "lockout": 5})
    with MachineStore.open(store_path) as store:
        assert store.get_config("receiving") == receiving
        assert store.get_config("destinations") == [{"name": "client-a", "address": "10.0.0.2"}]
        assert store.get_config("lockout") == 5


@pytest.mark.rules("M-04")
def test_set_configs_is_one_transaction(store: MachineStore) -> None:
    """M-04: a value that cannot be encoded stores none of the batch."""
    store.set_config("a", 1)
    with pytest.raises(TypeError):
        store.set_configs({"a": 2, "b": object()})
    assert store.get_config("a") == 1 and store.get_config("b") is None


@pytest.mark.rules("SYNC-08")
def test_user_items_versions_and_sharing(store_path: Path) -> None:
    """SYNC-08/10: items are stored per user with growing versions and a sharing range."""
    with MachineStore.open(store_path) as store:
        assert store.put_user_items("alice", {"language": "en", "home": [1, 2]}, machine_time(1)) == {
            "language": 1, "home": 1,
        }
        changed = store.put_user_items("alice", {"language": "fr"}, machine_time(2), Sharing.DEVICE_SPECIFIC)
        assert changed == {"language": 2}
        assert store.put_user_items("alice", {"language": "de"}, machine_time(3)) == {"language": 3}
    with MachineStore.open(store_path) as store:
        items = store.user_items("alice")
        assert items == {
            "home": UserItem([1, 2], 1, Sharing.SHARED, machine_time(1)),
            "language": UserItem("de", 3, Sharing.DEVICE_SPECIFIC, machine_time(3)),
        }
        assert store.user_items("nobody") == {}


@pytest.mark.rules("SYNC-05")
def test_replace_user_takes_the_server_copy(store: MachineStore) -> None:
    """SYNC-05: a user's data on the client is replaced wholesale by the server's, versions included."""
    store.put_user_items("bob", {"language": "en", "shortcuts": ["copy"]}, machine_time(1))
    server = {"language": UserItem("ja", 7, Sharing.SHARED, machine_time(0))}
    store.replace_user("bob", server, machine_time(2))
    assert store.user_items("bob") == server


@pytest.mark.rules("SYNC-03")
def test_users_oldest_first_and_delete_cascades(store: MachineStore) -> None:
    """SYNC-03: users are listed least recently seen first; deleting one deletes their items."""
    store.put_user_items("carol", {"language": "en"}, machine_time(1))
    store.touch_login("dave", machine_time(5))
    store.touch_login("carol", machine_time(9))
    store.put_user_items("erin", {"language": "en"}, machine_time(3))
    assert [u.user for u in store.list_users()] == ["erin", "dave", "carol"]
    assert store.list_users()[0].last_login is None and store.list_users()[0].last_seen == machine_time(3)
    assert store.delete_user("carol")
    assert not store.delete_user("carol")
    assert store.user_items("carol") == {}
    assert [u.user for u in store.list_users()] == ["erin", "dave"]


def test_failed_user_write_changes_nothing(store: MachineStore) -> None:
    """SYNC: a user's items change together or not at all."""
    store.put_user_items("fay", {"a": 1}, machine_time(1))
    with pytest.raises(TypeError):
        store.put_user_items("fay", {"a": 2, "b": object()}, machine_time(2))
    assert store.user_items("fay") == {"a": UserItem(1, 1, Sharing.SHARED, machine_time(1))}


def test_corrupt_state_is_a_store_error(store: MachineStore) -> None:
    """A stored state that does not decode is reported as a StoreError."""
    store.save_state(MachineState())
    with sqlite3.connect(store.path) as raw:
        raw.execute("UPDATE machine_state SET power = 'Exploded'")
    with pytest.raises(StoreError, match="machine state"):
        store.load_state()


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan"), {"deep": [1, float("inf")]}])
def test_a_non_finite_number_is_never_stored(store: MachineStore, bad: object) -> None:
    """Issue 17: a value that overflowed to inf was stored as ``Infinity`` and poisoned every later read.

    Now it is refused with a StoreError and nothing changes; the user's data reads as before.
    """
    store.put_user_items("ann", {"home_screen": {"layout": "Wide"}}, machine_time(1))
    with pytest.raises(StoreError, match="cannot store user data of 'ann': Out of range float"):
        store.put_user_items("ann", {"home_screen": bad, "keychain": []}, machine_time(2))
    with pytest.raises(StoreError, match="cannot store configuration"):
        store.set_configs({"fine": 1, "bad": bad})
    with pytest.raises(StoreError, match="cannot store user data"):
        store.replace_users({"bob": {"home_screen": UserItem(bad, 1, Sharing.SHARED, machine_time(2))}},
                            machine_time(2))
    assert store.user_items("ann") == {"home_screen": UserItem({"layout": "Wide"}, 1, Sharing.SHARED, machine_time(1))}
    assert store.get_config("fine") is None and store.user_items("bob") == {}
    with sqlite3.connect(store.path) as raw:
        stored = " ".join(str(row) for row in raw.execute("SELECT value FROM user_data UNION ALL SELECT value FROM config"))
    assert "Infinity" not in stored and "NaN" not in stored


def test_load_for_merge_reads_the_merged_categories_and_the_inbox_only(tmp_path: Path) -> None:
    """A received update's merge reads what it merges (and the inbox, DID-17); the rest stays unread."""
    from mfp_console.domain.device_info import Category, DeviceInformation
    from mfp_console.domain.seed import seed_device_information

    info = seed_device_information("client", "client-a", seed=5)
    with MachineStore.open(tmp_path / "m.sqlite3") as store:
        store.seed(info)
        store.close()
    with MachineStore.open(tmp_path / "m.sqlite3") as store:
        merged = store.load_for_merge([Category.DEPARTMENT_ID])
        assert merged.department_ids == info.department_ids
        assert merged.inbox_url_send == info.inbox_url_send
        assert merged.address_book == DeviceInformation().address_book  # not read
        assert store.load_device_info() == info
        assert store.load_for_merge([Category.DEPARTMENT_ID]) == info  # the whole, when at hand decoded


def test_load_category_texts_reads_the_stored_texts_and_decodes_only_what_is_asked(tmp_path: Path) -> None:
    """A distribution host's read: the texts as stored (the compact encoding of each value), one category
    decoded; the same whether or not the whole device information is at hand decoded."""
    from mfp_console.domain.device_info import Category
    from mfp_console.domain.device_info_json import category_to_json, compact_json
    from mfp_console.domain.seed import seed_device_information

    info = seed_device_information("host", "host", seed=5)
    picked = [Category.PAPER_INFORMATION, Category.ADDRESS_BOOK]
    with MachineStore.open(tmp_path / "m.sqlite3") as store:
        store.seed(info)
    with MachineStore.open(tmp_path / "m.sqlite3") as store:
        cold = store.load_category_texts(picked, decoded=[Category.SETTINGS_VALUES])
        assert list(cold.texts) == [Category.ADDRESS_BOOK, Category.PAPER_INFORMATION]  # Category order
        assert cold.texts == {c: compact_json(category_to_json(c, info.category(c))) for c in picked}
        assert cold.values == {Category.SETTINGS_VALUES: info.settings_values}
        store.load_device_info()
        assert store.load_category_texts(picked, decoded=[Category.SETTINGS_VALUES]) == cold
        with sqlite3.connect(store.path) as raw:
            raw.execute("DELETE FROM device_info WHERE category = ?", (Category.PAPER_INFORMATION.value,))
        with pytest.raises(StoreError, match="missing Paper"):
            store.load_category_texts(picked)
