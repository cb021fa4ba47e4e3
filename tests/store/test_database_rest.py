"""An idle machine's database rests (closed, no descriptors) and opens again on use (issue 18, M-04)."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

from mfp_console.errors import StoreError
from mfp_console.store import MachineStore
from mfp_console.store.database import Database
from mfp_console.store.machine_lock import MachineLock, lock_holder

pytestmark = pytest.mark.rules("M-04")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts descriptors in /proc")
def test_a_resting_database_holds_no_descriptor_and_keeps_every_committed_value(store_path: Path) -> None:
    store = MachineStore.open(store_path)
    try:
        store.set_config("kept", {"value": 1})
        open_fds = _fds()
        assert store.rest()
        assert store.resting
        assert _fds() <= open_fds - 2  # database and WAL at least (shared memory too where it is a file)
        assert store.get_config("kept") == {"value": 1}  # opened again on use
        assert not store.resting
    finally:
        store.close()


def test_a_store_used_since_the_last_sweep_stays_open_and_rests_at_the_next(store_path: Path) -> None:
    with MachineStore.open(store_path) as store:
        store.get_config("anything")
        assert not store.rest_if_unused()  # used since the previous look
        assert not store.resting
        assert store.rest_if_unused()  # quiet for a whole period
        assert store.resting


def test_a_database_removed_while_it_rests_is_reported_and_never_recreated_empty(store_path: Path) -> None:
    database = Database.open(store_path)
    database.rest()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store_path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(StoreError, match="database is gone"):
        database.connection  # noqa: B018 - the property opens it
    assert not store_path.exists()
    database.close()


def test_a_closed_database_stays_closed(store_path: Path) -> None:
    database = Database.open(store_path)
    database.close()
    assert not database.rest()
    with pytest.raises(StoreError, match="is closed"):
        database.connection  # noqa: B018


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts descriptors in /proc")
def test_running_out_of_descriptors_is_reported_as_such_with_the_numbers(store_path: Path) -> None:
    Database.open(store_path).close()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    held: list[int] = []
    resource.setrlimit(resource.RLIMIT_NOFILE, (_fds() + 8, hard))
    try:
        try:
            while True:
                held.append(os.open(os.devnull, os.O_RDONLY))
        except OSError:
            pass
        with pytest.raises(StoreError) as raised:
            Database.open(store_path)
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    message = str(raised.value)
    assert "run out of file descriptors" in message
    assert "descriptors open" in message and "the limit is" in message
    assert "unable to open database file" not in message


def test_machine_locks_share_one_descriptor_and_refuse_a_second_holder_in_this_process(tmp_path: Path) -> None:
    names = [f"client-{n}" for n in range(20)]
    databases = [tmp_path / "machines" / f"{name}.sqlite3" for name in names]
    before = _fds() if Path("/proc/self/fd").exists() else 0
    locks = [MachineLock.acquire(database, name) for database, name in zip(databases, names)]
    try:
        if before:
            assert _fds() <= before + 1
        assert lock_holder(databases[3]) == os.getpid()
        from mfp_console.errors import MachineInUse

        with pytest.raises(MachineInUse, match=f"already runs in process {os.getpid()}"):
            MachineLock.acquire(databases[3], names[3])
    finally:
        for lock in locks:
            lock.release()
    assert lock_holder(databases[3]) is None
    MachineLock.acquire(databases[3], names[3]).release()  # free again at once


def test_a_cheap_rest_leaves_a_database_with_a_full_log_open(store_path: Path) -> None:
    with MachineStore.open(store_path) as store:
        store.set_config("kept", {"value": 1})  # a commit: the write-ahead log holds it until a checkpoint
        assert not store.rest(only_if_cheap=True)
        assert not store.resting
        assert store.rest()
    with MachineStore.open(store_path) as store:  # the last close checkpointed: the log is empty again
        assert store.rest(only_if_cheap=True)
