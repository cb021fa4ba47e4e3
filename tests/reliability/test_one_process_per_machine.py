"""One process per machine: a second process on the same state folder is refused and names the first.

Two ``mfp-console machine --name client-a`` on one state folder used to both start, both listen and both
write the machine's database (an entry one committed was lost when the other wrote from its cache); the
second to exit deleted the first's run file; a run file whose process id had been reused by another
program kept the machine from ever starting.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import MachineInUse

pytestmark = pytest.mark.rules("M-04")


def _machine(state: Path, name: str = "client-a") -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mfp_console", "machine", "--name", name, "--state-dir",
                             str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_process_for_the_same_machine_is_refused_and_names_the_first(tmp_path: Path) -> None:
    first = _machine(tmp_path)
    try:
        assert first.stdout is not None
        line = first.stdout.readline()
        assert "client-a listening on" in line, line
        second = subprocess.run([sys.executable, "-m", "mfp_console", "machine", "--name", "client-a",
                                 "--state-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert f"client-a already runs in process {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
        run_file = json.loads((tmp_path / "run" / "client-a.json").read_text())
        assert run_file["pid"] == first.pid  # the refused process left the first one's run file alone
        assert first.poll() is None
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert not (tmp_path / "run" / "client-a.json").exists()  # its owner removed it on the way out


async def test_a_fleet_in_this_process_cannot_start_a_machine_a_second_fleet_runs(tmp_path: Path) -> None:
    first = Fleet.from_file(None, tmp_path, RealClock())
    await first.start(only=["client-a"])
    try:
        second = Fleet.from_file(None, tmp_path, RealClock())
        with pytest.raises(MachineInUse, match=f"client-a already runs in process {os.getpid()}"):
            await second.start(only=["client-a"])
        await second.stop()
    finally:
        await first.stop()
    again = Fleet.from_file(None, tmp_path, RealClock())
    await again.start(only=["client-a"])  # released with the machine: it starts at once
    await again.stop()


async def test_a_run_file_whose_process_id_now_names_another_program_does_not_block_the_machine(
    tmp_path: Path,
) -> None:
    """Issue 17, 3: a whole fleet started (the panel's way) took client-a for running in that process and
    never started it; only the lock, which the kernel drops with its holder, says a machine runs elsewhere."""
    (tmp_path / "run").mkdir(parents=True)
    # The parent of this test process is alive and is certainly not running client-a.
    (tmp_path / "run" / "client-a.json").write_text(json.dumps({"host": "127.0.0.1", "port": 9, "pid": os.getppid()}))
    fleet = Fleet.from_file(None, tmp_path, RealClock())
    await fleet.start()
    try:
        assert fleet.is_running("client-a")
        assert json.loads((tmp_path / "run" / "client-a.json").read_text())["pid"] == os.getpid()
        assert (await fleet.ping("host", "client-a")).ok
    finally:
        await fleet.stop()


@pytest.mark.rules("M-03")
async def test_a_pin_lockout_survives_a_restart_of_the_program(tmp_path: Path) -> None:
    """Restarting the program used to forget the wrong PINs and lift the lock."""
    from datetime import datetime, timezone

    from mfp_console.clock import VirtualClock
    from mfp_console.errors import AuthError, LockedOut

    clock = VirtualClock(datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc))
    first = Fleet.from_file(None, tmp_path, clock)
    await first.start(only=["host"])
    for _ in range(4):
        with pytest.raises(AuthError):
            first.panel.login_admin("host", "7654321", "1111111")
    await first.stop()
    second = Fleet.from_file(None, tmp_path, clock)
    await second.start(only=["host"])
    try:
        with pytest.raises(LockedOut):  # the fifth wrong PIN in a row, counted across the restart
            second.panel.login_admin("host", "7654321", "1111111")
    finally:
        await second.stop()
    third = Fleet.from_file(None, tmp_path, clock)
    await third.start(only=["host"])
    try:
        assert third.view("host").lock_seconds > 0
        with pytest.raises(LockedOut):
            third.panel.login_admin("host", "7654321", "7654321")  # even the right PIN waits
        await third.advance(5 * 60)
        third.panel.login_admin("host", "7654321", "7654321")
    finally:
        await third.stop()
