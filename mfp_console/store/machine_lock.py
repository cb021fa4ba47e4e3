"""One process per machine: an exclusive lock held for as long as a process runs the machine.

Two processes running the same machine on one state folder would both listen and both write its database;
an entry one committed would be lost when the other wrote from its cache. So a process takes
``<state>/machines/<name>.lock`` with ``fcntl.flock`` before it opens the machine's database and keeps it
until it closes the machine. The kernel releases the lock when the process ends, however it ends (a
SIGKILL included), so a stale lock never keeps a machine from starting. The file holds the holder's
process id, only to name it in the message of a refused second start.

Where the system has open-file-description locks (Linux: ``F_OFD_SETLK``), the lock is one byte of one
shared file per folder, ``<state>/machines/.machines.lock``, at an offset taken from the machine's name
(a 56-bit hash), and a process holds that file open once for all its machines: a machine's lock then costs
no descriptor of its own, which is what lets 10,000 idle machines run in one process (issue 18). These
locks have flock's semantics (held by the open file, released when it closes or the process ends however
it ends); two fleets of one process share the open file, so a table of the names this process holds
refuses the second as a second process would be. ``<name>.lock`` still names the holder's process id.
Elsewhere, ``flock`` on ``<name>.lock`` itself (one descriptor per machine).

Where ``fcntl`` does not exist (Windows) there is no lock; a warning says to run each machine once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import threading
from pathlib import Path

from mfp_console.errors import MachineInUse

try:
    import fcntl
except ImportError:  # pragma: no cover - not on this platform
    fcntl = None  # type: ignore[assignment]

__all__ = ["MachineLock", "lock_path", "lock_holder"]

_log = logging.getLogger(__name__)

_SHARED_NAME = ".machines.lock"
_OFD = fcntl is not None and hasattr(fcntl, "F_OFD_SETLK")
_FLOCK_FORMAT = "@hhqqi"
"""``struct flock`` (type, whence, start, length, pid) as Linux lays it out; padded to its C size below."""
_FLOCK_SIZE = 32


def _lock_offset(machine: str) -> int:
    """The byte of the shared lock file that stands for ``machine`` (a 56-bit hash of its name)."""
    return int.from_bytes(hashlib.sha256(machine.encode()).digest()[:7], "big")


def _flock_arg(kind: int, offset: int) -> bytes:
    return struct.pack(_FLOCK_FORMAT, kind, os.SEEK_SET, offset, 1, 0).ljust(_FLOCK_SIZE, b"\0")


class _SharedLockFile:
    """This process's one open lock file of a machines folder, and the names it holds a byte of."""

    _open: dict[Path, _SharedLockFile] = {}
    _guard = threading.Lock()

    def __init__(self, folder: Path, fd: int) -> None:
        self.folder = folder
        self.fd = fd
        self.held: set[str] = set()

    @classmethod
    def acquire(cls, folder: Path, machine: str) -> bool:
        """Takes ``machine``'s byte; False when this or another process holds it."""
        with cls._guard:
            shared = cls._open.get(folder)
            if shared is None:
                fd = os.open(folder / _SHARED_NAME, os.O_RDWR | os.O_CREAT, 0o600)
                shared = cls._open[folder] = cls(folder, fd)
            if machine in shared.held:
                return False
            try:
                fcntl.fcntl(shared.fd, fcntl.F_OFD_SETLK, _flock_arg(fcntl.F_WRLCK, _lock_offset(machine)))
            except OSError:
                shared._close_if_unused()
                return False
            shared.held.add(machine)
            return True

    @classmethod
    def release(cls, folder: Path, machine: str) -> None:
        with cls._guard:
            shared = cls._open.get(folder)
            if shared is None or machine not in shared.held:
                return
            shared.held.discard(machine)
            try:
                fcntl.fcntl(shared.fd, fcntl.F_OFD_SETLK, _flock_arg(fcntl.F_UNLCK, _lock_offset(machine)))
            finally:
                shared._close_if_unused()

    def _close_if_unused(self) -> None:
        if not self.held:
            del self._open[self.folder]
            os.close(self.fd)


def _held_elsewhere(folder: Path, machine: str) -> bool:
    """True when some open file (this process's or another's) holds ``machine``'s byte."""
    try:
        fd = os.open(folder / _SHARED_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        answer = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, _flock_arg(fcntl.F_WRLCK, _lock_offset(machine)))
    except OSError:
        return False
    finally:
        os.close(fd)
    return struct.unpack(_FLOCK_FORMAT, answer[:struct.calcsize(_FLOCK_FORMAT)])[0] != fcntl.F_UNLCK


def lock_path(database: Path) -> Path:
    """The lock file beside a machine's database."""
    return Path(database).with_suffix(".lock")


class MachineLock:
    """An acquired machine lock (see :meth:`acquire`); :meth:`release` gives it up."""

    def __init__(self, path: Path, fd: int | None, machine: str = "") -> None:
        self.path = path
        self._fd = fd
        self._machine = machine

    @classmethod
    def acquire(cls, database: Path, machine: str) -> MachineLock:
        """Takes the lock of the machine whose database is ``database``.

        Raises:
            MachineInUse: Another process runs the machine (the message names its process id).
        """
        path = lock_path(database)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # as private as the database beside it
        if fcntl is None:  # pragma: no cover - not on this platform
            _log.warning("no file locks on this system: make sure %s runs in one process only", machine)
            return cls(path, None)
        if _OFD:
            return cls._acquire_shared(path, machine)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"process {holder}" if holder else "another process"
            raise MachineInUse(f"{machine} already runs in {who} on this state folder ({path.parent.parent}): "
                               "stop it there, or use another --state-dir") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    @classmethod
    def _acquire_shared(cls, path: Path, machine: str) -> MachineLock:
        if not _SharedLockFile.acquire(path.parent, machine):
            holder = _read_pid_file(path)
            who = f"process {holder}" if holder else "another process"
            raise MachineInUse(f"{machine} already runs in {who} on this state folder ({path.parent.parent}): "
                               "stop it there, or use another --state-dir")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, f"{os.getpid()}\n".encode())
            finally:
                os.close(fd)
        except OSError:
            _SharedLockFile.release(path.parent, machine)
            raise
        lock = cls(path, None, machine)
        lock._shared = True
        return lock

    _shared = False

    def release(self) -> None:
        """Gives the lock up (idempotent)."""
        if self._shared:
            self._shared = False
            _SharedLockFile.release(self.path.parent, self._machine)
            return
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor releases the flock


def lock_holder(database: Path) -> int | None:
    """The process id holding the machine's lock, or None when nobody holds it (or it cannot be told)."""
    if fcntl is None:  # pragma: no cover - not on this platform
        return None
    path = lock_path(database)
    if _OFD:
        if not _held_elsewhere(path.parent, path.stem):
            return None
        return _read_pid_file(path) or -1
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read_pid(fd) or -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _read_pid_file(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
