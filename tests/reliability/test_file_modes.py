"""What an attacker on the box could read: every machine database (it holds the key derived from the System
Manager ID and PIN, and a 7-digit PIN falls to an offline search) and every private key is 0600."""

from __future__ import annotations

import os
import ssl
import stat
import tempfile
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.engine.fleet import Fleet
from mfp_console.pki import tls


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


async def test_handshakes_leave_no_key_material_in_the_system_temp_folder(
    tmp_path: Path, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: a kill just after a handshake began left a machine's private key in the temp folder.

    Every context loads the key file where it is kept (``<state>/pki/machines/<name>.key``, 0600); the
    system temp folder (here an empty one of the test's own) holds nothing during or after handshakes.
    """
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    tls.clear_context_cache()  # every context of this fleet is built, and seen, below
    loaded: list[tuple[str, str | None, list[str]]] = []
    real_load = ssl.SSLContext.load_cert_chain

    def recording_load(self: ssl.SSLContext, certfile: str, keyfile: str | None = None, password: object = None) -> None:
        loaded.append((str(certfile), None if keyfile is None else str(keyfile), os.listdir(system_temp)))
        real_load(self, certfile, keyfile, password)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", recording_load)
    state = tmp_path / "state"
    fleet = Fleet.from_file(None, state, clock, handshake_timeout=2.0, conversation_timeout=10.0)
    await fleet.start()
    try:
        results = await fleet.ping_all()
        assert results and all(r.ok for r in results)
    finally:
        await fleet.stop()
    keys = state / "pki" / "machines"
    assert loaded, "the handshakes loaded identities"
    for certfile, keyfile, temp_listing in loaded:
        assert Path(certfile).parent == keys and certfile.endswith(".crt")
        assert keyfile is not None and Path(keyfile).parent == keys and keyfile.endswith(".key")
        assert temp_listing == [], f"the system temp folder held {temp_listing} during a load"
    assert os.listdir(system_temp) == []
