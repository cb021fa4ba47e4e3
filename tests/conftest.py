"""Shared fixtures: a fleet built from a fleet file in a temporary state directory, on a virtual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.engine.fleet import Fleet
from tests.samba import SambaServer

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> VirtualClock:
    """A virtual clock at Friday 2026-11-20 09:00 UTC."""
    return VirtualClock(START)


@pytest.fixture
async def fleet(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Fleet]:
    """The default fleet, started on loopback in a fresh state directory."""
    fleet = Fleet.from_file(None, tmp_path / "state", clock, handshake_timeout=2.0, conversation_timeout=10.0)
    await fleet.start()
    try:
        yield fleet
    finally:
        await fleet.stop()


@pytest.fixture(scope="session")
def samba() -> Iterator[SambaServer]:
    """One real ``smbd`` on 127.0.0.1 and a free port for the session (skips with the reason when Samba
    cannot run here); each test uses a folder of its own on the ``backups`` share."""
    from tests.samba import running_samba, samba_missing, samba_root

    why = samba_missing()
    if why:
        pytest.skip(why)
    with samba_root() as root, running_samba(root) as server:
        yield server
