"""The sync figures: 1,000 users x 10 machines initial convergence, and one change's latency.

Both run in a child process of their own (see :mod:`mfp_console.bench.child`) on the real clock:
:func:`~mfp_console.engine.sync_bench.run_sync_bench` builds one sync server and nine clients, gives the
server the users, starts every client at once and times until every client holds every user, then changes
one item on one client repeatedly and times until another client has it. The baseline of convergence is
:func:`run_sync_bare_tls`: the same bytes over bare mutual-TLS connections to the same number of
receivers, all at once. Latency is an absolute figure with its own target.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mfp_console.bench.bare_tls import bare_tls_transfer
from mfp_console.bench.child import ChildFailed, run_child
from mfp_console.bench.figures import Figure, Report

__all__ = ["SYNC_CONVERGE_TARGET", "SYNC_LATENCY_TARGET_MS", "measure_sync", "run_sync_bare_tls"]

SYNC_CONVERGE_TARGET = 2.0
"""Convergence may take at most twice a bare-TLS transfer of the same bytes (issue target)."""

SYNC_LATENCY_TARGET_MS = 50.0
"""A change reaches another client within 50 ms on loopback (issue target)."""

_CLIENTS = 9


def measure_sync(report: Report, root: Path, users: int, timeout: float, say: Callable[[str], None]) -> None:
    """Adds the convergence and latency figures to ``report``."""
    title = f"Sync: {users:,} users x {_CLIENTS + 1} machines, initial convergence"
    latency_title = "Sync: one change's latency from one client to another (median)"
    try:
        say(f"sync: {users} users to {_CLIENTS} clients")
        run = run_child("sync", timeout, state_dir=str(root / "sync"), users=users, clients=_CLIENTS, changes=20)
        say("sync: bare TLS baseline")
        bare = run_child("sync-bare", timeout, state_dir=str(root / "sync-bare"), wire_bytes=run["wire_bytes"],
                         clients=_CLIENTS)
    except ChildFailed as exc:
        report.add(Figure("sync.converge", title, None, note=f"failed: {exc}"))
        report.add(Figure("sync.latency", latency_title, None, unit="ms", note=f"failed: {exc}"))
        return
    complete = run.get("clients_complete")
    report.add(Figure(
        "sync.converge", title, run["converge_s"], bare["wall_s"], "s", SYNC_CONVERGE_TARGET,
        f"the same {run['wire_bytes'] / 2**20:.1f} MiB over {_CLIENTS} bare mutual-TLS 1.3 connections",
        "" if complete == _CLIENTS else f"only {complete} of {_CLIENTS} clients held every user",
        {"wire bytes": f"{run['wire_bytes']:,}"},
    ))
    latencies = run.get("latencies_ms") or []
    report.add(Figure(
        "sync.latency", latency_title, run["latency_ms_median"], None, "ms", SYNC_LATENCY_TARGET_MS,
        "", "" if latencies else "no change was measured",
        {"max": f"{run['latency_ms_max']:.1f} ms" if run.get("latency_ms_max") is not None else "-",
         "changes": str(len(latencies))},
    ))


async def run_sync_bare_tls(state_dir: Path, wire_bytes: int, clients: int = _CLIENTS) -> dict[str, Any]:
    """The convergence baseline: ``wire_bytes`` split evenly over ``clients`` bare mutual-TLS connections at once."""
    share = max(1, wire_bytes // clients)
    names = [f"sync-{n:02d}" for n in range(1, clients + 1)]
    return await bare_tls_transfer(state_dir / "pki-bare", "host", names, [b"x" * share], clients, 600.0)
