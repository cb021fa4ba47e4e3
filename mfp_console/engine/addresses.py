"""Where each machine of the fleet listens, in this process and in others of the same state folder.

A machine started here records its listening address; one running in its own process
(``mfp-console machine --name client-a``) publishes ``{host, port, pid}`` in ``<state>/run/<name>.json``
and other processes dial it there. A run file is written and removed only by the process it names.
"""

from __future__ import annotations

import os
from pathlib import Path

from mfp_console.errors import MachineUnavailable
from mfp_console.store.machine_lock import lock_holder
from mfp_console.store.paths import machine_database_path
from mfp_console.store.state_dir import (
    publish_address,
    read_published_address,
    withdraw_address,
)

__all__ = ["AddressRegistry", "is_loopback", "split_address"]


class AddressRegistry:
    """Name → socket address for every machine this process knows to be running.

    Args:
        state_dir: The fleet's state folder (run files live in its ``run`` folder).
    """

    def __init__(self, state_dir: Path) -> None:
        self._state_dir = Path(state_dir)
        self._here: dict[str, tuple[str, int]] = {}

    def listening_here(self, name: str, host: str, port: int) -> None:
        """Records (and publishes for other processes) that ``name`` listens at ``host:port`` here."""
        self._here[name] = (host, port)
        publish_address(self._state_dir, name, host, port)

    def stopped_here(self, name: str) -> None:
        """Forgets ``name`` and removes its run file when this process wrote it."""
        self._here.pop(name, None)
        withdraw_address(self._state_dir, name)

    def process_elsewhere(self, name: str) -> int | None:
        """The id of another process that runs ``name`` on this state folder (it holds the machine's lock)."""
        holder = lock_holder(machine_database_path(self._state_dir, name))
        return None if holder is None or holder == os.getpid() else holder

    def elsewhere(self, name: str) -> tuple[str, int] | None:
        """The address another live process of this state folder published for ``name``, if any.

        The machine runs elsewhere while another process holds its lock (the kernel drops a lock with its
        process, so a run file left by a killed process, or one whose process id now names another
        program, never counts). A damaged run file reads as "not published": the machine starts here.
        """
        published = read_published_address(self._state_dir, name)
        if published is None or published.pid == os.getpid() or self.process_elsewhere(name) is None:
            return None
        return published.host, published.port

    def known(self, name: str) -> tuple[str, int] | None:
        """The address of ``name`` when it runs here or in another process.

        Another process's address is read afresh each time: a machine restarted there is reached again at once.
        """
        return self._here.get(name) or self.elsewhere(name)

    def address_of(self, name: str) -> tuple[str, int]:
        """The socket address ``name`` listens on.

        Raises:
            MachineUnavailable: ``name`` runs neither here nor in another process.
        """
        found = self.known(name)
        if found is None:
            raise MachineUnavailable(f"{name} is not running (no address known)", "M-06")
        return found


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` (IPv6 in brackets) → ``(host, port)``."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    return host in ("localhost", "::1") or host.startswith("127.")
