"""Two computers: two network namespaces joined by a veth pair, the host in one and its clients in the other
(real ``mfp-console machine`` processes through ``ip netns exec``), distributing and synchronizing across.

Needs root and iproute2 (``ip netns``); skipped with the reason otherwise. The namespaces, and the veth pair
with them, are deleted when the test ends, passed or failed. The identities of lab-b's machines travel by
``mfp-console identity export`` / ``import``, as docs/multi-host.md tells a person to do.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import ENV, MachineProcess, cli

REPO = Path(__file__).resolve().parents[2]
LAB_A, LAB_B = "10.231.0.1", "10.231.0.2"
FLEET = f"""\
fleet: {{name: Two computers, first_address: 127.22.0.11}}
hosts:
  lab-a: {LAB_A}
  lab-b: {LAB_B}
machines:
  - {{name: host, model: iR-ADV C5560, series: iR-ADV C5500, seed: host, runs_on: lab-a,
     functions: [distribution_sender, distribution_receiver, sync_server]}}
  - {{name: client-a, model: iR-ADV C5535, series: iR-ADV C5500, runs_on: lab-b,
     functions: [distribution_receiver, sync_client]}}
  - {{name: client-b, model: iR-ADV C5540, series: iR-ADV C5500, runs_on: lab-b,
     functions: [distribution_receiver, sync_client]}}
"""


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)


def _why_not() -> str:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to create network namespaces"
    if shutil.which("ip") is None:
        return "needs iproute2 ('ip') to create network namespaces"
    probe = f"mfp-probe-{os.getpid()}"
    made = _ip("netns", "add", probe)
    _ip("netns", "delete", probe)
    if made.returncode != 0:
        return f"cannot create a network namespace here: {made.stderr.strip()}"
    return ""


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str]]:
    """lab-a and lab-b: two namespaces joined by a veth pair (10.231.0.1/24 — 10.231.0.2/24)."""
    why = _why_not()
    if why:
        pytest.skip(why)
    tag = f"{os.getpid() % 100000}"
    a, b = f"mfp-{tag}-a", f"mfp-{tag}-b"
    try:
        for step in (("netns", "add", a), ("netns", "add", b),
                     ("link", "add", f"mfp{tag}a", "type", "veth", "peer", "name", f"mfp{tag}b"),
                     ("link", "set", f"mfp{tag}a", "netns", a), ("link", "set", f"mfp{tag}b", "netns", b),
                     ("-n", a, "addr", "add", f"{LAB_A}/24", "dev", f"mfp{tag}a"),
                     ("-n", b, "addr", "add", f"{LAB_B}/24", "dev", f"mfp{tag}b"),
                     ("-n", a, "link", "set", f"mfp{tag}a", "up"), ("-n", b, "link", "set", f"mfp{tag}b", "up"),
                     ("-n", a, "link", "set", "lo", "up"), ("-n", b, "link", "set", "lo", "up")):
            done = _ip(*step)
            assert done.returncode == 0, f"ip {' '.join(step)}: {done.stderr}"
        yield a, b
    finally:
        for ns in (a, b):  # deleting a namespace deletes the veth end inside it, and so the pair
            _ip("netns", "delete", ns)
        _ip("link", "delete", f"mfp{tag}a")  # in case it never moved into its namespace


def _driver(ns: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-m", "tests.multihost.driver", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**ENV, "PYTHONPATH": str(REPO)})


def _step(process: subprocess.Popen[str], name: str) -> dict:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=30)
        raise AssertionError(f"the driver ended before {name!r}: {process.stderr.read() if process.stderr else ''}")
    data = json.loads(line)
    assert data["step"] == name, data
    return data


def _finish(process: subprocess.Popen[str]) -> None:
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""


@pytest.mark.rules("M-07", "M-09", "DID-04", "SYNC-01", "SYNC-06")
def test_two_computers_distribute_and_synchronize_across(namespaces: tuple[str, str], tmp_path: Path) -> None:
    lab_a, lab_b = namespaces
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(FLEET)
    state_a, state_b = tmp_path / "lab-a", tmp_path / "lab-b"

    bundle = tmp_path / "lab-b.identities"
    exported = cli("identity", "export", "--host", "lab-b", "--out", str(bundle), "--fleet", str(fleet),
                   "--state-dir", str(state_a))
    assert exported.returncode == 0, exported.stderr
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600 and "PRIVATE KEY" not in exported.stdout
    imported = cli("identity", "import", str(bundle), "--fleet", str(fleet), "--state-dir", str(state_b))
    assert imported.returncode == 0, imported.stderr
    assert stat.S_IMODE((state_b / "pki" / "machines" / "client-a.key").stat().st_mode) == 0o600
    assert not (state_b / "pki" / "ca.key").exists() and not (state_b / "pki" / "machines" / "host.key").exists()

    prepare = _driver(lab_b, "prepare-clients", str(fleet), str(state_b), f"{LAB_A}:8443")
    assert _step(prepare, "prepared")["running"] == ["client-a", "client-b"]  # the host is on lab-a
    _finish(prepare)

    host = _driver(lab_a, "host", str(fleet), str(state_a), LAB_B)
    clients: list[MachineProcess] = []
    try:
        assert _step(host, "ready")["running"] == ["host"]
        prefix = ("ip", "netns", "exec", lab_b)
        clients = [MachineProcess(name, "--fleet", str(fleet), "--state-dir", str(state_b), prefix=prefix)
                   for name in ("client-a", "client-b")]
        assert [c.address for c in clients] == [f"{LAB_B}:8443", f"{LAB_B}:8444"]
        assert host.stdin is not None
        host.stdin.write("go\n")
        host.stdin.flush()
        distributed = _step(host, "distributed")
        assert distributed["results"] == {"lab-b-first": "OK", "lab-b-second": "OK"}
        synchronized = _step(host, "synchronized")
        assert synchronized["clients"] == ["client-a", "client-b"] and "alice" in synchronized["users"]
        assert "bob@example.com" in synchronized["alice"]  # made on client-a, on lab-b, now on the server
        _finish(host)
    finally:
        for process in clients:
            process.stop()
        if host.poll() is None:
            host.kill()
            host.wait(timeout=15)

    read = _driver(lab_b, "read-clients", str(fleet), str(state_b))
    books = _step(read, "read")["books"]
    _finish(read)
    assert books == {"client-a": distributed["book"], "client-b": distributed["book"]}
