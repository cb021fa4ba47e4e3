"""A running fleet is one fleet for every command: ``fleet status --json`` and ``fleet ping --json`` give the
same machines, addresses and TLS facts whether the fleet runs in the command's own process, in a panel, or as
``mfp-console machine`` processes (issue 15); a machine restarted in its own process is reached again at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mfp_console.fleet_file import default_fleet_text
from tests.addresses import claim_block
from tests.processes import MachineProcess, Panel, cli, cli_json, published, wait_until

NAMES = ("host", "client-a", "client-b", "client-c", "client-d")
# An address block this process holds alone while it runs (tests/addresses.py), so that no other fleet (of
# this run's other workers, or of a second run of the suite beside this one) holds port 8443 of these
# addresses; this module's tests run one after another in the process that imports it.
_HELD = claim_block(21)
BLOCK = _HELD.prefix
FIRST = _HELD.address(11)


def _fleet_file(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(default_fleet_text().replace("fleet:\n", f"fleet:\n  first_address: {FIRST}\n", 1))
    return path


def _status(fleet: Path, state: Path) -> list[dict[str, Any]]:
    rows = cli_json("fleet", "status", "--fleet", str(fleet), "--state-dir", str(state))["machines"]
    return [{k: v for k, v in row.items() if k not in ("running_here", "pid")} for row in rows]


def _ping(fleet: Path, state: Path) -> list[dict[str, Any]]:
    results = cli_json("fleet", "ping", "--fleet", str(fleet), "--state-dir", str(state))["results"]
    return [{k: v for k, v in r.items() if k != "rtt_ms"} for r in results]


@pytest.mark.rules("M-09", "M-05")
@pytest.mark.slow
def test_status_and_ping_json_agree_in_this_process_in_a_panel_and_in_machine_processes(tmp_path: Path) -> None:
    fleet, state = _fleet_file(tmp_path), tmp_path / "state"

    alone_status, alone_ping = _status(fleet, state), _ping(fleet, state)  # the command runs the fleet itself
    assert [r["name"] for r in alone_status] == list(NAMES)
    assert [r["address"] for r in alone_status] == [f"{BLOCK}.{11 + i}:8443" for i in range(5)]
    assert all(r["power"] == "On" and r["tls"] == "configured" and r["note"] == "" for r in alone_status)
    assert [r["target"] for r in alone_ping] == list(NAMES[1:])
    assert all(r["ok"] and r["tls_version"] == "TLSv1.3" for r in alone_ping)

    panel = Panel(state, NAMES, "--fleet", str(fleet))
    try:
        assert _status(fleet, state) == alone_status
        assert _ping(fleet, state) == alone_ping
    finally:
        assert panel.quit() == 0
    wait_until(lambda: all(published(state, n) is None for n in NAMES), "the panel withdrawing its run files")

    machines = {name: MachineProcess(name, "--fleet", str(fleet), "--state-dir", str(state)) for name in NAMES}
    try:
        assert _status(fleet, state) == alone_status
        assert _ping(fleet, state) == alone_ping
        # client-a restarts in a process of its own: it is reached again at once, on the same address.
        assert machines["client-a"].stop() == 0
        machines["client-a"] = MachineProcess("client-a", "--fleet", str(fleet), "--state-dir", str(state))
        assert machines["client-a"].address == f"{BLOCK}.12:8443"
        assert _ping(fleet, state) == alone_ping
        assert _status(fleet, state) == alone_status
    finally:
        for process in machines.values():
            process.stop()


def test_a_second_copy_of_a_running_machine_is_refused(tmp_path: Path) -> None:
    fleet, state = _fleet_file(tmp_path), tmp_path / "state"
    first = MachineProcess("client-b", "--fleet", str(fleet), "--state-dir", str(state))
    try:
        second = cli("machine", "--name", "client-b", "--fleet", str(fleet), "--state-dir", str(state))
        assert second.returncode == 2 and f"client-b already runs in process {first.process.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.stop()


def test_a_panel_reaches_a_machine_restarted_in_its_own_process_on_another_port_at_once(tmp_path: Path) -> None:
    """The panel dials client-a where its run file says now: restarted while its port is taken, client-a
    listens on another port of its own address, and the panel's host pings it there without a restart."""
    import socket

    fleet, state = tmp_path / "fleet.yaml", tmp_path / "state"
    fleet.write_text(default_fleet_text().replace("fleet:\n", f"fleet:\n  first_address: {FIRST}\n", 1))
    client_a = _HELD.address(12)
    client = MachineProcess("client-a", "--fleet", str(fleet), "--state-dir", str(state))
    panel = Panel(state, ("host", "client-b"), "--fleet", str(fleet))
    blocker = None
    try:
        assert client.address == f"{client_a}:8443" and client.stop() == 0
        blocker = socket.create_server((client_a, 8443))  # someone else now holds client-a's port
        client = MachineProcess("client-a", "--fleet", str(fleet), "--state-dir", str(state))
        host, _, port = client.address.rpartition(":")
        assert host == client_a and port != "8443"
        pinged = {r["target"]: r for r in cli_json("fleet", "ping", "--fleet", str(fleet),
                                                    "--state-dir", str(state))["results"]}
        assert pinged["client-a"]["ok"], pinged["client-a"]
        row = next(r for r in cli_json("fleet", "status", "--fleet", str(fleet), "--state-dir", str(state))["machines"]
                   if r["name"] == "client-a")
        assert row["address"] == client.address and "taken" in row["note"] and row["power"] == "On"
    finally:
        assert panel.quit() == 0
        client.stop()
        if blocker is not None:
            blocker.close()
