"""Machine processes made cheap: a client machine forked from a process that has already imported everything.

``python -m mfp_console machine`` spends most of its start importing (cryptography, the engine, the CLI);
on a loaded two-core box that is ~1 s, which made one power cut cost seconds. A forked child starts from
the parent's imported modules and only does what a machine start does (open its store and PKI, bind its
address, serve), so a kill-and-restart costs tens of milliseconds and a soak of 1,000 kills fits in
minutes. The child is still a separate process with its own event loop, database connection and
sockets, SIGKILLed by the kernel like any other: what survives a kill is exactly what reached the disk.

The child never returns into the parent's code: it leaves with ``os._exit`` (or dies by the signal), so
none of the parent's ``atexit`` handlers, open databases or pytest machinery run twice. It keeps copies of
the parent's descriptors (the host's listener and databases) without ever using them; SQLite's and the
machine lock's ownership stay with the parent (``fcntl`` locks are not inherited; the shared ``flock`` of a
parent's machine only outlives the parent's own release while a child lives, and every child is killed
before the parent stops). The fork happens with no other thread doing work, as the rigs call it from
their event loop between conversations.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import traceback
from pathlib import Path

from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet

__all__ = ["ForkedMachine", "fork_machine"]

READY = b"listening\n"


class ForkedMachine:
    """A forked machine process, shaped like the ``asyncio.subprocess.Process`` the rig expects."""

    def __init__(self, pid: int, reader: asyncio.StreamReader, transport: asyncio.BaseTransport) -> None:
        self.pid = pid
        self._reader = reader
        self._transport = transport
        self.returncode: int | None = None

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        """Waits for the child's end (its pipe closes with it) and reaps it; negative: killed by that signal."""
        if self.returncode is None:
            await self._reader.read()  # EOF: the only writer, the child, is gone
            self._transport.close()
            _, status = os.waitpid(self.pid, 0)  # at once: the pipe closes as the process ends
            self.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        return self.returncode


async def fork_machine(name: str, fleet_file: Path, state_dir: Path, start_bound_s: float = 20.0) -> ForkedMachine:
    """Forks a child that runs machine ``name`` of ``fleet_file`` until it is killed; returns once it listens."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        _child(name, fleet_file, state_dir, write_fd)
    os.close(write_fd)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                os.fdopen(read_fd, "rb", buffering=0))
    machine = ForkedMachine(pid, reader, transport)
    try:
        line = await asyncio.wait_for(reader.readline(), start_bound_s)
    except TimeoutError:
        line = b""
    if line != READY:
        machine.kill()
        await machine.wait()
        raise RuntimeError(f"{name} did not start (said {line!r}, exit {machine.returncode})")
    return machine


def _child(name: str, fleet_file: Path, state_dir: Path, write_fd: int) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        asyncio.run(_serve(name, fleet_file, state_dir, write_fd))
    except BaseException:  # noqa: BLE001 - a child reports and leaves; it must never run the parent's code
        traceback.print_exc(file=sys.stderr)
        code = 1
    finally:
        os._exit(code)


async def _serve(name: str, fleet_file: Path, state_dir: Path, write_fd: int) -> None:
    fleet = Fleet.from_file(fleet_file, state_dir, RealClock(), handshake_timeout=5.0, conversation_timeout=5.0)
    await fleet.start(only=[name])
    os.write(write_fd, READY)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await fleet.stop()
