"""Real ``mfp-console`` processes for tests: the fleet CLI, a panel on a pseudo-terminal, machine processes.

Every wait here waits for a state (a line printed, a run file published or withdrawn), bounded by a deadline.
A ``prefix`` runs the process inside something else, e.g. ``ip netns exec NS``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def wait_until(done: Callable[[], bool], what: str, deadline_seconds: float = 30.0) -> None:
    """Polls ``done`` (a state) until it holds; fails naming ``what`` after the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {deadline_seconds:g} s")
        time.sleep(0.02)  # polling a state, not a guessed delay


def cli(*args: str, prefix: Sequence[str] = (), timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Runs ``mfp-console ARGS`` to the end."""
    return subprocess.run([*prefix, sys.executable, "-m", "mfp_console", *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV)


def cli_json(*args: str, prefix: Sequence[str] = ()) -> Any:
    """Runs a ``--json`` command and returns what it printed (fails with its output when it printed no JSON)."""
    result = cli(*args, "--json", prefix=prefix)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"mfp-console {' '.join(args)} printed no JSON (exit {result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}") from None


def published(state: Path, name: str) -> dict[str, Any] | None:
    """The run file of machine ``name``, or None."""
    try:
        return json.loads((state / "run" / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None


class MachineProcess:
    """``mfp-console machine --name NAME`` running until :meth:`stop`; :attr:`address` is what it printed."""

    def __init__(self, name: str, *options: str, prefix: Sequence[str] = ()) -> None:
        self.name = name
        self.process = subprocess.Popen([*prefix, sys.executable, "-m", "mfp_console", "machine", "--name", name,
                                         *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env=ENV)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until it listens (or exits)
        if not line.startswith(f"{name} listening on "):
            self.stop()
            raise AssertionError(f"machine {name} did not start: {line}{self.stderr()}")
        self.address = line.rsplit(" ", 1)[1].strip()

    def stderr(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=15)


class Panel:
    """``mfp-console run`` on a pseudo-terminal, until :meth:`quit` (Ctrl+Q) — a panel as a person runs it."""

    def __init__(self, state: Path, names: Sequence[str], *options: str) -> None:
        import fcntl
        import pty
        import struct
        import termios

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mfp_console", "run", "--state-dir", str(state), *options],
            stdin=slave, stdout=slave, stderr=slave, env={**ENV, "TERM": "xterm-256color"}, start_new_session=True)
        os.close(slave)
        self._master = master
        self.screen = bytearray()
        threading.Thread(target=self._drain, daemon=True).start()  # a full pty would stall the panel
        pid = self.process.pid
        wait_until(lambda: self.process.poll() is not None or all(
            (published(state, n) or {}).get("pid") == pid for n in names), "the panel publishing its machines")
        if self.process.poll() is not None:
            raise AssertionError(f"the panel exited with {self.process.returncode}:\n"
                                 f"{self.screen.decode(errors='replace')[-2000:]}")

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            if not data:
                return
            self.screen.extend(data)

    def quit(self) -> int:
        if self.process.poll() is None:
            os.write(self._master, b"\x11")  # Ctrl+Q
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=15)
        finally:
            os.close(self._master)
