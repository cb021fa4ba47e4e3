"""The state directory as a whole: checking it can be used, and the ``run/`` files machines publish.

Everything a fleet keeps lives under one folder (``--state-dir``): ``machines/`` (databases), ``pki/``
(the CA and identities) and ``run/`` (where each machine running as its own process publishes its
address). :func:`prepare_state_dir` checks the folder once, before anything is opened, so that a path that
is a file, lies under a file or sits on a read-only file system is one clear :class:`ConfigError` rather
than a traceback from whichever write came first.

A ``run/<name>.json`` file is written by another process and may be cut short by a kill or edited by
hand; :func:`read_published_address` reads it strictly and treats anything unexpected as "not
published" (the machine is then started here), never as an error that stops the fleet.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mfp_console.errors import ConfigError
from mfp_console.strict_json import JsonRefusal, loads_strict

__all__ = ["PublishedAddress", "prepare_state_dir", "publish_address", "read_published_address", "withdraw_address"]

_log = logging.getLogger(__name__)

RUN_DIR = "run"
"""The state directory's sub-directory of published addresses."""

_MAX_PID = 2**31 - 1  # os.kill raises OverflowError past a C int
_MAX_HOST = 255
_MAX_PATH = 4096
_MAX_NOTE = 500


def prepare_state_dir(path: Path) -> Path:
    """Creates the state directory when missing and checks that this process can write in it.

    Returns:
        ``path``.

    Raises:
        ConfigError: ``path`` is a file, lies under a file, cannot be created, or is not writable (a
            read-only file system, missing permissions); the message names the folder and what to do.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"state folder {path} is a file, not a folder: give --state-dir a folder "
                          "(it is created when missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = _file_in_the_way(path)
        if blocker is not None:
            raise ConfigError(f"state folder {path} cannot be created: {blocker} is a file, not a folder") from None
        raise ConfigError(f"state folder {path} cannot be created: {exc.strerror or exc}") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".mfp-write-check-", dir=path)
    except OSError as exc:
        raise ConfigError(f"state folder {path} is not writable ({exc.strerror or exc}): give --state-dir a "
                          "folder this user can write to") from None
    os.close(fd)
    os.unlink(probe)
    return path


def _file_in_the_way(path: Path) -> Path | None:
    for parent in (path, *path.parents):
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


@dataclass(frozen=True)
class PublishedAddress:
    """Where a machine running in another process listens, that process's id, and how to ask it.

    Attributes:
        host: The address it listens on.
        port: The port.
        pid: The process that runs it.
        control: That process's control socket (``fleet status``/``ping`` ask it), empty when none.
        note: Why the address differs from the machine's own (a taken port, a mapped address), else empty.
    """

    host: str
    port: int
    pid: int
    control: str = ""
    note: str = ""


def _path(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / RUN_DIR / f"{name}.json"


def publish_address(state_dir: Path, name: str, host: str, port: int, control: str = "", note: str = "") -> None:
    """Publishes that ``name`` listens at ``host:port`` in this process (written atomically)."""
    run = Path(state_dir) / RUN_DIR
    run.mkdir(parents=True, exist_ok=True)
    tmp = run / f".{name}.json.tmp"
    tmp.write_text(_encode(PublishedAddress(host, port, os.getpid(), control, note)), encoding="utf-8")
    os.replace(tmp, _path(state_dir, name))


def withdraw_address(state_dir: Path, name: str) -> None:
    """Removes ``name``'s published address if this process published it (any problem is ignored)."""
    path = _path(state_dir, name)
    published = read_published_address(state_dir, name)
    if published is not None and published.pid == os.getpid():
        path.unlink(missing_ok=True)


def read_published_address(state_dir: Path, name: str) -> PublishedAddress | None:
    """Reads ``run/<name>.json``; None when absent, unreadable or not an address (logged), never an error."""
    path = _path(state_dir, name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        _log.warning("%s cannot be read (%s); treating %s as not running elsewhere", path, exc, name)
        return None
    try:
        data = loads_strict(text)
    except JsonRefusal as exc:
        _log.warning("%s %s; treating %s as not running elsewhere", path, exc, name)
        return None
    published = _decode(data)
    if published is None:
        _log.warning("%s does not hold a host, port and process id; treating %s as not running elsewhere",
                     path, name)
    return published


def _encode(address: PublishedAddress) -> str:
    return json.dumps({"host": address.host, "port": address.port, "pid": address.pid, "control": address.control,
                       "note": address.note}, allow_nan=False)


def _decode(data: object) -> PublishedAddress | None:
    if not isinstance(data, dict):
        return None
    host, port, pid = data.get("host"), data.get("port"), data.get("pid")
    if not (isinstance(host, str) and 0 < len(host) <= _MAX_HOST):
        return None
    if type(port) is not int or not 0 < port <= 65535:
        return None
    if type(pid) is not int or not 0 < pid <= _MAX_PID:
        return None
    control, note = data.get("control", ""), data.get("note", "")
    if not (isinstance(control, str) and len(control) <= _MAX_PATH and isinstance(note, str) and len(note) <= _MAX_NOTE):
        return None
    return PublishedAddress(host, port, pid, control, note)
