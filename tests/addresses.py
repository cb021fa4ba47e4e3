"""Loopback address blocks a test holds alone, across every pytest process of this computer.

Tests that check a fleet listens on port 8443 of its own addresses need addresses no other fleet uses at
that moment, including the fleets of a second run of the suite beside this one (another checkout, another
developer). A block ``127.<group>.<n>`` is held with an exclusive lock on a file named after it; the lock
goes with the holder (the end of the test, or of the process), so a crashed run frees its blocks.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["AddressBlock", "claim_block", "own_block"]

_LOCKS = Path(tempfile.gettempdir()) / "mfp-console-test-addresses"


class AddressBlock:
    """``prefix`` (``127.<group>.<n>``), held until :meth:`release` or the end of the process."""

    def __init__(self, prefix: str, lock: IO[str]) -> None:
        self.prefix = prefix
        self._lock = lock

    def address(self, last: int) -> str:
        """The address ``<prefix>.<last>``."""
        return f"{self.prefix}.{last}"

    def release(self) -> None:
        self._lock.close()


def claim_block(group: int) -> AddressBlock:
    """The first block ``127.<group>.1`` … ``127.<group>.250`` no other test holds now."""
    _LOCKS.mkdir(exist_ok=True)
    for n in range(1, 251):
        prefix = f"127.{group}.{n}"
        lock = open(_LOCKS / f"{prefix}.lock", "w")  # noqa: SIM115 - held open: the open file is the claim
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return AddressBlock(prefix, lock)
    raise RuntimeError(f"every loopback block 127.{group}.* is held by another test")


@contextmanager
def own_block(group: int) -> Iterator[AddressBlock]:
    """A block held for the ``with`` body."""
    block = claim_block(group)
    try:
        yield block
    finally:
        block.release()
