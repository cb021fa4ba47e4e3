"""Synchronization at scale, measured on the real clock: convergence and one change's latency.

:func:`run_sync_bench` builds a fleet of one server and ``clients`` clients in ``state_dir``, gives the
server ``users`` users with a realistic handful of items each, starts every client at once and times
until every client holds every user (convergence); then it changes one item on one client ``changes``
times and times until another client has it (latency). The benchmark command runs it in a child
process of its own and compares it with bare mutual-TLS connections moving the same bytes
(:mod:`mfp_console.bench.bare_tls`).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timezone
from pathlib import Path
from typing import Any

from mfp_console.clock import RealClock
from mfp_console.domain.machine import Function
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.sync.server import SyncServer
from mfp_console.fleet_file import FleetSpec, SyncStart, load_fleet_file
from mfp_console.store.user_data import Sharing, UserItem

__all__ = ["Reference", "bench_fleet_spec", "bench_user_items", "run_sync_bench"]

ADMIN = ("7654321", "7654321")
_BOUND_S = 600.0


def bench_fleet_spec(clients: int) -> FleetSpec:
    """The default fleet's server (``host``) with ``clients`` sync clients shaped like ``client-a``, none of
    them synchronizing at the start (the benchmark starts them itself, once the server holds its users)."""
    spec = load_fleet_file(None)
    host = replace(spec.machine("host"), sync=SyncStart())
    template = replace(spec.machine("client-a"), sync=SyncStart())
    machines = [host]
    for n in range(1, clients + 1):
        identity = replace(template.identity, name=f"sync-{n:02d}", serial=f"QKS{n:05d}",
                           functions=frozenset({Function.SYNC_CLIENT}))
        machines.append(replace(template, identity=identity))
    return replace(spec, machines=tuple(machines))


def bench_user_items(n: int) -> dict[str, Any]:
    """A user's items as an office user might have them: language, buttons, addresses, keychain."""
    return {
        "display_language": {"language": "English", "keyboard": "English (US)"},
        "accessibility": {"key_repeat": "Normal", "invert_colors": n % 7 == 0},
        "personal_buttons": [{"label": f"Scan to user{n} #{i}", "function": "Scan and Send"} for i in range(3)],
        "home_screen": {"layout": "Standard", "timeline": True},
        "personal_address_list": [
            {"name": f"Contact {n}-{i}", "address": f"contact{n}.{i}@example.com", "type": "E-Mail"} for i in range(8)
        ],
        "shortcuts": [{"label": "2-sided copy", "function": "Copy"}],
        "keychain": [{"destination": 1, "account": f"user{n}"}],
    }


Reference = Callable[[int], Awaitable[float]]
"""Measures a reference transfer of the given number of bytes now and returns its seconds (see below)."""


async def run_sync_bench(state_dir: Path, users: int = 1000, clients: int = 9, changes: int = 20,
                         reference: Reference | None = None) -> dict[str, Any]:
    """Convergence of ``users`` users to ``clients`` clients, then ``changes`` single-change latencies.

    ``reference``, when given, is awaited with the answer's wire bytes right before the clients start and
    right after they converge; its two timings come back as ``reference_s``. The benchmark passes a bare
    TLS transfer of the same bytes, so product and baseline run in the same process within a second of
    each other (a shared machine's speed drifts over seconds).
    """
    fleet = Fleet(bench_fleet_spec(clients), Path(state_dir), RealClock(timezone.utc),
                  handshake_timeout=10.0, conversation_timeout=60.0)
    await fleet.start()
    try:
        names = [n for n in fleet.spec.names if n != "host"]
        for name in ["host", *names]:
            fleet.panel.login_admin(name, *ADMIN)
        for name in names:  # typed, as an administrator would: the figure is the transfer, not the search
            fleet.sync.set_client_settings(name, "host:8443")
        fleet.sync.start_server("host")
        server = fleet.live_machine("host").functions.require(SyncServer, "the bench host runs the sync server")
        now = fleet.clock.now()
        for n in range(users):
            items = {k: UserItem(v, 1, Sharing.SHARED, now) for k, v in bench_user_items(n).items()}
            server.data.put_user(f"user{n:04d}", items, now, now)
        frames, _ = server.full_answer(names[0])
        wire_bytes = sum(len(frame) for _, frame in frames) * clients

        references = [await reference(wire_bytes)] if reference is not None else []
        began = time.perf_counter()
        for name in names:
            fleet.sync.start_client(name)
        async with asyncio.timeout(_BOUND_S):
            await fleet.settle(timeout=_BOUND_S)
        converge_s = time.perf_counter() - began
        if reference is not None:
            references.append(await reference(wire_bytes))
        complete = sum(1 for name in names if len(fleet.users.users_on(name)) == users)

        source, watcher = names[0], names[-1]
        fleet.users.login_user(source, "user0000")
        await fleet.settle()
        latencies = []
        watch = fleet.live_machine(watcher).store
        for i in range(changes):
            began = time.perf_counter()
            label = f"change {i}"
            fleet.users.add_personal_button(source, "user0000", label)
            # Version numbers are the server's (SYNC-07): the watcher is done when it holds the new button.
            async with asyncio.timeout(30):
                while watch.user_items("user0000")["personal_buttons"].value[-1]["label"] != label:
                    await asyncio.sleep(0.0002)
            latencies.append((time.perf_counter() - began) * 1000)
            await fleet.settle()
        return {
            "users": users,
            "clients": clients,
            "converge_s": converge_s,
            "clients_complete": complete,
            "wire_bytes": wire_bytes,
            "reference_s": references,
            "latency_ms_median": statistics.median(latencies) if latencies else None,
            "latency_ms_max": max(latencies) if latencies else None,
            "latencies_ms": latencies,
        }
    finally:
        await fleet.stop()
