"""Distribution fan-out, the bare mutual-TLS baseline and idle-machine memory, each run inside a child process.

The product side: the bench host distributes all five categories (a >= 1 MiB bundle) to every generated
client of a one-process fleet, ``concurrency`` at a time, and the wall time runs from ``<Start>`` until
every destination has its final status. The baseline does what no protocol could do with less: the same
number of mutual-TLS 1.3 handshakes with the same certificates and contexts, each moving the same chunk
frames (the same bytes) to a listener that reads them and answers two bytes, over bare asyncio streams in
one process, with no protocol, no store and no events.
"""

from __future__ import annotations

import cProfile
import gc
import time
import tracemalloc
from pathlib import Path
from typing import Any

from mfp_console.bench.bare_tls import bare_tls_transfer
from mfp_console.bench.recipe import HOST, bench_fleet_spec, client_names
from mfp_console.bench.resources import peak_rss_mib, raise_open_file_limit, rss_mib
from mfp_console.clock import RealClock
from mfp_console.domain.device_info import Category
from mfp_console.engine.distribution.job import Bundle
from mfp_console.engine.fleet import Fleet, machine_seed
from mfp_console.protocol.messages import DEFAULT_CHUNK_CHARS

__all__ = ["bench_bundle", "run_bare_tls", "run_fanout", "run_idle"]

ADMIN = ("7654321", "7654321")
_BOUND_S = 600.0


def bench_bundle() -> Bundle:
    """The bundle the bench host sends: its five categories, without network settings."""
    from mfp_console.domain.seed import seed_device_information

    info = seed_device_information("bench", HOST, seed=machine_seed(HOST))
    return Bundle.build(info, list(Category), False, DEFAULT_CHUNK_CHARS)


def _fleet(state_dir: Path, clients: int, concurrency: int) -> Fleet:
    raise_open_file_limit(4 * clients + 256)
    return Fleet(
        bench_fleet_spec(clients, concurrency), state_dir, RealClock(),
        handshake_timeout=60.0, conversation_timeout=120.0,
    )


async def run_fanout(state_dir: Path, clients: int, concurrency: int, profile: str = "",
                     trace: bool = False) -> dict[str, Any]:
    """Distributes the bench bundle to every client; returns wall time, outcome and memory."""
    fleet = _fleet(state_dir, clients, concurrency)
    started = time.perf_counter()
    await fleet.start()
    start_s = time.perf_counter() - started
    gc.collect()
    rss_started = rss_mib()
    fleet.panel.login_admin(HOST, *ADMIN)
    profiler = cProfile.Profile() if profile else None
    if trace:
        tracemalloc.start()
    if profiler:
        profiler.enable()
    began = time.perf_counter()
    job = fleet.distribution.start_manual_distribution(HOST, list(Category), client_names(clients), include_network=False)
    await fleet.settle(timeout=_BOUND_S)
    wall = time.perf_counter() - began
    job = fleet.distribution.last_job(HOST) or job
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    outcomes: dict[str, int] = {}
    for result in job.results.values():
        outcomes[result.text] = outcomes.get(result.text, 0) + 1
    out = {
        "clients": clients,
        "concurrency": concurrency,
        "wall_s": wall,
        "start_s": start_s,
        "bundle_bytes": job.bundle_bytes,
        "wire_bytes": job.wire_bytes,
        "outcomes": outcomes,
        "rss_started_mib": rss_started,
        "rss_after_mib": rss_mib(),
        "peak_rss_mib": peak_rss_mib(),
        "traced_peak_mib": traced_peak,
    }
    await fleet.stop()
    return out


async def run_bare_tls(state_dir: Path, clients: int, concurrency: int) -> dict[str, Any]:
    """The baseline: the same handshakes and bytes over bare asyncio TLS streams, one listener per client."""
    raise_open_file_limit(4 * clients + 256)
    frames = bench_bundle().frames
    gc.collect()
    rss_started = rss_mib()
    run = await bare_tls_transfer(state_dir / "pki", HOST, client_names(clients), frames, concurrency, _BOUND_S)
    return {
        "clients": clients,
        "concurrency": concurrency,
        "wall_s": run["wall_s"],
        "wire_bytes": sum(len(f) for f in frames),
        "failures": run["failures"],
        "rss_started_mib": rss_started,
        "peak_rss_mib": peak_rss_mib(),
    }


async def run_idle(state_dir: Path, clients: int, trace: bool = False) -> dict[str, Any]:
    """Starts a fleet of ``clients`` + 1 idle machines; returns what each costs in memory."""
    fleet = _fleet(state_dir, clients, 1)
    gc.collect()
    if trace:
        tracemalloc.start()
    before = rss_mib()
    began = time.perf_counter()
    await fleet.start()
    start_s = time.perf_counter() - began
    gc.collect()
    after = rss_mib()
    traced = tracemalloc.get_traced_memory()[0] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    machines = len(fleet.running)
    fds = _open_fds()
    out = {
        "machines": machines,
        "start_s": start_s,
        "rss_before_mib": before,
        "rss_after_mib": after,
        "per_machine_mib": (after - before) / machines,
        "traced_per_machine_mib": None if traced is None else traced / machines,
        "open_fds": fds,
        "fds_per_machine": None if fds is None else fds / machines,
    }
    await fleet.stop()
    return out


def _open_fds() -> int | None:
    try:
        import os

        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None
