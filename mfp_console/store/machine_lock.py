"""One process per machine: an exclusive lock held for as long as a process runs the machine.

Two processes running the same machine on one state folder would both listen and both write its database;
an entry one committed would be lost when the other wrote from its cache. So a process takes
``<state>/machines/<name>.lock`` with ``fcntl.flock`` before it opens the machine's database and keeps it
until it closes the machine. The kernel releases the lock when the process ends, however it ends (a
SIGKILL included), so a stale lock never keeps a machine from starting. The file holds the holder's
process id, only to name it in the message of a refused second start.

Where ``fcntl`` does not exist (Windows) there is no lock; a warning says to run each machine once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mfp_console.errors import MachineInUse

try:
    import fcntl
except ImportError:  # pragma: no cover - not on this platform
    fcntl = None  # type: ignore[assignment]

__all__ = ["MachineLock", "lock_path", "lock_holder"]

_log = logging.getLogger(__name__)


def lock_path(database: Path) -> Path:
    """The lock file beside a machine's database."""
    return Path(database).with_suffix(".lock")


class MachineLock:
    """An acquired machine lock (see :meth:`acquire`); :meth:`release` gives it up."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

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

    def release(self) -> None:
        """Gives the lock up (idempotent)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor releases the flock


def lock_holder(database: Path) -> int | None:
    """The process id holding the machine's lock, or None when nobody holds it (or it cannot be told)."""
    if fcntl is None:  # pragma: no cover - not on this platform
        return None
    path = lock_path(database)
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
