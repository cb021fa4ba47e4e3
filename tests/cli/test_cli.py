"""The command line: fleet status/ping/reset, machine --name as its own process, and bad fleet files."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mfp_console.cli.main import main
from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mfp_console", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_fleet_status_json_lists_every_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "status", "--json", "--state-dir", str(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)["machines"]
    assert [r["name"] for r in rows] == ["host", "client-a", "client-b", "client-c", "client-d"]
    for row in rows:  # M-09: each on its own loopback address (the port is 8443 unless another fleet holds it)
        assert row["address"].rpartition(":")[0] == row["ipv4"] and row["ipv4"].startswith("127.20.0.")
        assert row["power"] == "On" and row["activity"] == "Idle"
        assert len(row["fingerprint"].split(":")) == 32
        assert row["functions"]


@pytest.mark.rules("M-05", "DID-09")
def test_fleet_ping_json_shows_tls13_and_the_refusal_for_a_removed_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """M-05 and DID-09: TLS 1.3 and peer subject for reachable machines, a reason for the one without key."""

    async def remove_key() -> None:
        fleet = Fleet.from_file(None, tmp_path, RealClock())
        async with fleet:
            fleet.faults.remove_tls_key("client-c")

    asyncio.run(remove_key())
    assert main(["--state-dir", str(tmp_path), "fleet", "ping", "--json"]) == 1
    results = {r["target"]: r for r in json.loads(capsys.readouterr().out)["results"]}
    for name in ("client-a", "client-b", "client-d"):
        assert results[name]["ok"] and results[name]["tls_version"] == "TLSv1.3"
        assert f"CN={name}" in results[name]["peer_subject"]
    assert not results["client-c"]["ok"]
    assert results["client-c"]["code"] == "E-TLS"
    assert "TLS key" in results["client-c"]["reason"]


def test_fleet_reset_needs_yes_without_a_terminal_and_restores_default_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def change() -> None:
        fleet = Fleet.from_file(None, tmp_path, RealClock())
        async with fleet:
            fleet.faults.remove_tls_key("client-a")

    asyncio.run(change())
    assert main(["fleet", "reset", "--state-dir", str(tmp_path)]) == 1  # stdin is not a terminal here
    assert main(["fleet", "reset", "--yes", "--state-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    main(["fleet", "status", "--json", "--state-dir", str(tmp_path)])
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["machines"]}
    assert rows["client-a"]["tls"] == "configured"


def test_bad_fleet_file_gives_file_line_and_exit_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "fleet.yaml"
    bad.write_text("machines:\n  - name: host\n    model: m\n    series: s\n    funktions: []\n")
    result = run_cli("--fleet", str(bad), "fleet", "status")
    assert result.returncode == 2
    assert f"{bad}:5:5: unknown key 'funktions' in a machine (did you mean 'functions'?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_machine_name_is_refused_with_a_hint(tmp_path: Path) -> None:
    result = run_cli("machine", "--name", "client-x", "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert "did you mean" in result.stderr and "Traceback" not in result.stderr


def test_machine_runs_as_its_own_process_and_the_fleet_dials_it(tmp_path: Path) -> None:
    """A fleet can span processes: client-b runs alone; the in-process host pings it over mutual TLS."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mfp_console", "machine", "--name", "client-b", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("client-b listening on 127.20.0.13:"), line  # M-09: its own address

        async def ping() -> object:
            fleet = Fleet.from_file(None, tmp_path, RealClock())
            async with fleet:
                assert not fleet.is_running("client-b")  # it runs in the other process
                return await fleet.ping("host", "client-b")

        result = asyncio.run(ping())
        assert result.ok and result.tls_version == "TLSv1.3", result  # type: ignore[attr-defined]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
    assert not (tmp_path / "run" / "client-b.json").exists()  # the address is withdrawn on exit


# --- issue 17, item 10: a state folder that cannot be used, damaged run files and databases ------------


def _refused_with(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_state_dir_that_is_a_file_is_refused_with_exit_2(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.write_text("not a folder")
    _refused_with(run_cli("fleet", "status", "--state-dir", str(state)), f"error: state folder {state} is a file")
    _refused_with(run_cli("fleet", "status", "--state-dir", str(state / "inner")),
                  f"state folder {state / 'inner'} cannot be created: {state} is a file, not a folder")
    assert state.read_text() == "not a folder"


def test_a_state_dir_on_a_read_only_file_system_is_refused_with_exit_2(tmp_path: Path) -> None:
    """A read-only tmpfs mounted in a private mount namespace (unshare), so nothing outside sees it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare(1) to mount a read-only file system")
    mount = tmp_path / "ro"
    mount.mkdir()
    script = (
        f"mount -t tmpfs -o ro tmpfs {shlex.quote(str(mount))} || exit 77; "
        f"exec {shlex.quote(sys.executable)} -m mfp_console fleet status --state-dir {shlex.quote(str(mount / 'state'))}"
    )
    result = subprocess.run([unshare, "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if result.returncode == 77:
        pytest.skip(f"cannot mount a read-only file system here: {result.stderr.strip()}")
    _refused_with(result, f"state folder {mount / 'state'} cannot be created: Read-only file system")


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[]", b'{"host": "127.0.0.1", "port": 1}', b'{"host": "127.0.0.1", "port": 1, "pid": 1e400}',
     b'{"host": "127.0.0.1", "port": 1, "pid": 99999999999999999999}', b'{"host": 7, "port": "x", "pid": -1}',
     b"\xff\xfe"],
    ids=["empty", "cut", "list", "no-pid", "huge-float", "huge-pid", "wrong-types", "not-utf8"],
)
def test_a_damaged_run_file_counts_as_not_running_elsewhere(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ``run/<name>.json`` cut short by a kill or edited by hand: the machine is started here instead."""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "client-b.json").write_bytes(content)
    assert main(["fleet", "status", "--json", "--state-dir", str(tmp_path)]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["machines"]}
    assert rows["client-b"]["running_here"] and rows["client-b"]["power"] == "On"


def test_an_empty_machine_database_is_reported_not_reseeded(tmp_path: Path) -> None:
    """A 0-byte database (a full disk, a bad copy) is a StoreError naming the file, exit 2, file untouched."""
    assert main(["fleet", "status", "--state-dir", str(tmp_path)]) == 0
    database = tmp_path / "machines" / "client-a.sqlite3"
    database.write_bytes(b"")
    result = run_cli("fleet", "status", "--state-dir", str(tmp_path))
    _refused_with(result, f"error: {database}: the machine's database is damaged: the file is empty")
    assert database.stat().st_size == 0


def test_a_ca_key_that_does_not_match_is_reported_with_exit_2(tmp_path: Path) -> None:
    """Issue 17, item 5: a mismatched ca.key/ca.crt pair names both files and what to do, no traceback."""
    from datetime import datetime, timezone

    from mfp_console.pki.ca import FleetCA

    assert main(["fleet", "status", "--state-dir", str(tmp_path)]) == 0
    pki = tmp_path / "pki"
    (pki / "ca.key").write_bytes(FleetCA.create("another", datetime.now(timezone.utc)).to_pem()[1])
    _refused_with(run_cli("fleet", "status", "--state-dir", str(tmp_path)),
                  f"error: the fleet CA files {pki / 'ca.crt'} and {pki / 'ca.key'} do not form a CA",
                  f"delete the folder {pki}")
