"""The control channel: how ``fleet status`` and ``fleet ping`` reach machines that run in another process.

A fleet's machines may run in the process of a ``fleet`` command, in a panel, or each as a
``mfp-console machine`` process. Every process that runs machines opens one local (Unix) socket, publishes
its path with each machine's run file (``<state>/run/<name>.json``), and answers two questions there:

* ``{"op": "status"}`` → ``{"machines": [row, …]}``: the status rows of the machines it runs, read from the
  live machines (power, activity, error, network, TLS, certificate) — the same rows ``Fleet.status`` gives in
  that process;
* ``{"op": "ping", "source": S, "target": T}`` → ``{"result": …}``: machine ``S`` (which it runs) dials ``T``
  with mutual TLS and pings it, exactly as ``Fleet.ping`` does there.

One JSON line each way per connection, read with the one strict JSON reader and bounded in size and time.

**Why a local socket and not a TLS purpose on the machines' own ports.** The question "what state is
client-a in" is asked by a person at this computer about processes of this state folder; the answer comes
from the live objects, and a ping must start *from* the machine that dials. A socket file in the state folder
is reachable only by this user: it is made in a folder of mode 0700 and set to 0600, and on Linux the peer's
user id is checked as well. When the state folder's path is too long for a socket, Linux gets an abstract
socket (no file; the peer's user id is the guard) and other systems a private folder of this user in the
temporary directory. Whoever can reach it can already read every key in the state folder. Nothing it offers
changes a machine. Systems without Unix sockets (Windows) open no control channel; ``fleet status`` then
shows run-file addresses only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import socket
import struct
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mfp_console.errors import MfpError
from mfp_console.strict_json import JsonRefusal, loads_strict

__all__ = ["ControlError", "ControlServer", "ask", "control_socket_path"]

_log = logging.getLogger(__name__)

MAX_LINE = 4 * 1024 * 1024
"""The longest request or answer (a 10,000-machine status fits)."""
ANSWER_TIMEOUT = 30.0
"""Real seconds a ``fleet`` command waits for an answer (a ping may take a handshake time-out)."""
_SUN_PATH = 100  # sockaddr_un holds 104-108 bytes depending on the system: keep below the smallest
ABSTRACT = "@"
"""How a run file writes a Linux abstract socket name (``@name``)."""

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class ControlError(MfpError):
    """The process behind a control socket did not answer (gone, or an answer that cannot be read)."""


def control_socket_path(state_dir: Path, pid: int | None = None) -> str:
    """Where this process's control socket goes: ``<state>/run/control/<pid>.sock`` (a 0700 folder).

    When that path is too long for a Unix socket: on Linux an abstract socket ``@mfp-console-<uid>-<hash of the
    state folder>-<pid>`` (no file anywhere; the peer's user id is checked), elsewhere a private folder of this
    user under the temporary directory.
    """
    pid = os.getpid() if pid is None else pid
    path = Path(state_dir).resolve() / "run" / "control" / f"{pid}.sock"
    if len(os.fsencode(path)) <= _SUN_PATH:
        return str(path)
    digest = hashlib.sha256(os.fsencode(Path(state_dir).resolve())).hexdigest()[:16]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    if sys.platform.startswith("linux"):
        return f"{ABSTRACT}mfp-console-{uid}-{digest}-{pid}"
    return str(Path(tempfile.gettempdir()) / f"mfp-console-{uid}" / f"{digest}-{pid}.sock")


def _address(path: str) -> str:
    """What ``bind``/``connect`` take: an abstract name starts with a NUL byte instead of ``@``."""
    return "\0" + path[len(ABSTRACT):] if path.startswith(ABSTRACT) else path


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
        raise ControlError(f"{folder} belongs to another user: the control socket is not opened there")
    os.chmod(folder, 0o700)


class ControlServer:
    """This process's control socket.

    Args:
        path: Where to listen (see :func:`control_socket_path`).
        handler: Answers one request (a dict with ``op``); its answer is sent back as one JSON line.
    """

    def __init__(self, path: str, handler: Handler) -> None:
        self.path = path
        self._handler = handler
        self._server: asyncio.AbstractServer | None = None

    @staticmethod
    def available() -> bool:
        """True where this system offers Unix sockets to asyncio."""
        return hasattr(socket, "AF_UNIX") and hasattr(asyncio, "start_unix_server")

    async def start(self) -> None:
        """Listens; a stale socket file of a dead process with the same path is replaced."""
        if self.path.startswith(ABSTRACT):  # no file: only the peer's user id guards it (see _same_user)
            self._server = await asyncio.start_unix_server(self._serve, path=_address(self.path), limit=MAX_LINE)
            return
        path = Path(self.path)
        _private_folder(path.parent)  # 0700: nobody else can reach the socket, even before the chmod
        path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(self._serve, path=self.path, limit=MAX_LINE)
        os.chmod(path, 0o600)

    async def close(self) -> None:
        """Stops answering and removes the socket file."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
        if not self.path.startswith(ABSTRACT):
            Path(self.path).unlink(missing_ok=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if not _same_user(writer):
                return
            async with asyncio.timeout(ANSWER_TIMEOUT):
                line = await reader.readline()
            request = loads_strict(line.decode("utf-8"))
            if not isinstance(request, dict) or not isinstance(request.get("op"), str):
                answer: dict[str, Any] = {"error": "a request is a JSON object with an 'op'"}
            else:
                answer = await self._handler(request)
        except (JsonRefusal, UnicodeDecodeError, ValueError) as exc:
            answer = {"error": f"unreadable request: {exc}"}
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        except MfpError as exc:
            answer = {"error": str(exc)}
        except Exception as exc:  # a bug must not end the panel or machine process
            _log.exception("control request failed")
            answer = {"error": f"internal error: {exc!r}"}
        try:
            writer.write(json.dumps(answer, allow_nan=False).encode("utf-8") + b"\n")
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


def _same_user(writer: asyncio.StreamWriter) -> bool:
    """On Linux, the connecting process must belong to this user (the socket mode says so elsewhere)."""
    sock = writer.get_extra_info("socket")
    option = getattr(socket, "SO_PEERCRED", None)
    if sock is None or option is None or not hasattr(os, "getuid"):
        return True
    try:
        _, uid, _ = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    except OSError:
        return False
    if uid not in (0, os.getuid()):
        _log.warning("control socket: refused a process of user %d", uid)
        return False
    return True


async def ask(path: str, request: dict[str, Any], timeout: float = ANSWER_TIMEOUT) -> dict[str, Any]:
    """Sends ``request`` to the control socket at ``path`` and returns the answer.

    Raises:
        ControlError: Nobody answers there, the answer cannot be read, or it carries an ``error``.
    """
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_unix_connection(_address(path), limit=MAX_LINE)
            writer.write(json.dumps(request, allow_nan=False).encode("utf-8") + b"\n")
            await writer.drain()
            line = await reader.readline()
    except TimeoutError:
        raise ControlError(f"the process at {path} did not answer within {timeout:g} s") from None
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        raise ControlError(f"the process at {path} cannot be asked: {exc}") from None
    finally:
        if writer is not None:
            writer.close()
    try:
        answer = loads_strict(line.decode("utf-8"))
    except (JsonRefusal, UnicodeDecodeError) as exc:
        raise ControlError(f"the process at {path} answered something unreadable: {exc}") from None
    if not isinstance(answer, dict):
        raise ControlError(f"the process at {path} answered something unreadable")
    if "error" in answer:
        raise ControlError(f"the process at {path} refused: {answer['error']}")
    return answer
