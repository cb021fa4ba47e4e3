"""The command line: fleet status/ping/reset, machine --name as its own process, and bad fleet files."""

from __future__ import annotations

import asyncio
import json
import os
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
    for row in rows:
        assert row["address"].startswith("127.0.0.1:")
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
        assert line.startswith("client-b listening on 127.0.0.1:"), line + (proc.stderr.read() if proc.stderr else "")

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
