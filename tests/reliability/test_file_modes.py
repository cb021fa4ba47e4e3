"""What an attacker on the box could read: every machine database (it holds the key derived from the System
Manager ID and PIN, and a 7-digit PIN falls to an offline search) and every private key is 0600."""

from __future__ import annotations

import stat
from pathlib import Path

from mfp_console.engine.fleet import Fleet


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_databases_and_keys_are_readable_by_their_owner_only(fleet: Fleet) -> None:
    fleet.panel.login_admin("host", "7654321", "7654321")  # a write, so the WAL exists
    machines = fleet.state_dir / "machines"
    files = sorted(machines.glob("*.sqlite3*"))
    assert any(f.name.endswith("-wal") for f in files)
    assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert _mode(machines) & 0o077 == 0
    keys = sorted((fleet.state_dir / "pki").rglob("*.key"))
    assert keys and all(_mode(k) == 0o600 for k in keys)
    assert _mode(fleet.state_dir / "pki") & 0o077 == 0
