"""Where each machine of the fleet listens, in this process and in others of the same state folder.

A machine started here records its listening address; one running in its own process
(``mfp-console machine --name client-a``) publishes ``{host, port, pid}`` in ``<state>/run/<name>.json``
and other processes dial it there. A run file is written and removed only by the process it names.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mfp_console.errors import MachineUnavailable

__all__ = ["AddressRegistry", "is_loopback", "split_address"]


class AddressRegistry:
    """Name → socket address for every machine this process knows to be running.

    Args:
        state_dir: The fleet's state folder (run files live in its ``run`` folder).
    """

    def __init__(self, state_dir: Path) -> None:
        self._run_dir = Path(state_dir) / "run"
        self._here: dict[str, tuple[str, int]] = {}

    def listening_here(self, name: str, host: str, port: int) -> None:
        """Records (and publishes for other processes) that ``name`` listens at ``host:port`` here."""
        self._here[name] = (host, port)
        self._run_dir.mkdir(parents=True, exist_ok=True)
        tmp = self._run_dir / f".{name}.json.tmp"
        tmp.write_text(json.dumps({"host": host, "port": port, "pid": os.getpid()}))
        os.replace(tmp, self._run_dir / f"{name}.json")

    def stopped_here(self, name: str) -> None:
        """Forgets ``name`` and removes its run file when this process wrote it."""
        self._here.pop(name, None)
        path = self._run_dir / f"{name}.json"
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError, AttributeError):
            pass

    def elsewhere(self, name: str) -> tuple[str, int] | None:
        """The address another live process of this state folder published for ``name``, if any."""
        path = self._run_dir / f"{name}.json"
        try:
            data = json.loads(path.read_text())
            pid = int(data.get("pid", 0))
            address = str(data["host"]), int(data["port"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        if pid == os.getpid() or not _pid_alive(pid):
            return None
        return address

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


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
