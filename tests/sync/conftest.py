"""Helpers for the synchronization tests: the default fleet (host = sync server, client-a..d = clients).

The ``fleet`` of these tests is the default fleet with every sync function stopped, so that each test
starts what its rule needs (:func:`start_sync`); ``tests/sync/test_default_fleet.py`` proves that the
default fleet as shipped synchronizes out of the box.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.engine.fleet import Fleet
from tests.conftest import sync_stopped

ADMIN = ("7654321", "7654321")


@pytest.fixture
async def fleet(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Fleet]:
    """The default fleet with its sync functions stopped, started on loopback in a fresh state directory."""
    fleet = await started(fleet_spec(), tmp_path, clock)
    try:
        yield fleet
    finally:
        await fleet.stop()


def admin(fleet: Fleet, *names: str) -> None:
    """Logs the Administrator in at each machine."""
    for name in names:
        if not fleet.panel.is_admin(name):
            fleet.panel.login_admin(name, *ADMIN)


async def start_sync(fleet: Fleet, clients: Iterable[str] = ("client-a", "client-b"), server: str = "host") -> None:
    """Starts the server and the clients (blank address: each searches for the server) and settles."""
    clients = list(clients)
    admin(fleet, server, *clients)
    if not fleet.sync.status(server).server_running:
        fleet.sync.start_server(server)
    for name in clients:
        if name == server:
            fleet.sync.set_client_settings(name, "localhost:8443")
        fleet.sync.start_client(name)
    await fleet.settle()


def as_user(fleet: Fleet, machine: str, user: str) -> None:
    """Walks up to ``machine`` and logs in as ``user``."""
    fleet.users.login_user(machine, user)


def fleet_spec(extra_clients: int = 0, **changes: dict):
    """The default fleet's spec with sync stopped, ``extra_clients`` more clients like client-a and per-machine
    changes.

    ``changes`` maps a machine name (``client_a`` for ``client-a``) to MachineSpec fields, where
    ``functions`` and ``firmware`` change the identity.
    """
    from dataclasses import replace

    from mfp_console.domain.machine import Function
    from mfp_console.fleet_file import load_fleet_file

    spec = sync_stopped(load_fleet_file(None))
    machines = list(spec.machines)
    template = spec.machine("client-a")
    for n in range(1, extra_clients + 1):
        identity = replace(template.identity, name=f"client-x{n:02d}", serial=f"QKX{n:05d}")
        machines.append(replace(template, identity=identity))
    out = []
    for machine in machines:
        change = dict(changes.get(machine.name.replace("-", "_"), {}))
        identity_change = {}
        if "functions" in change:
            identity_change["functions"] = frozenset(Function(f) for f in change.pop("functions"))
        if "firmware" in change:
            identity_change["firmware"] = change.pop("firmware")
        if identity_change:
            machine = replace(machine, identity=replace(machine.identity, **identity_change))
        out.append(replace(machine, **change) if change else machine)
    return replace(spec, machines=tuple(out))


async def started(spec, tmp_path, clock) -> Fleet:
    """A started fleet from a spec (stop it when done)."""
    fleet = Fleet(spec, tmp_path / "state", clock, handshake_timeout=2.0, conversation_timeout=10.0)
    await fleet.start()
    return fleet
