"""Distribution fan-out against its two baselines, and idle-machine memory, each run inside a child process.

The product side: the bench host distributes all five categories (a >= 1 MiB bundle) to every generated
client of a one-process fleet, ``concurrency`` at a time, and the wall time runs from ``<Start>`` until
every destination has its final status. Two baselines move the same bytes (the frames the product puts on
the wire for the bundle) over the same number of mutual-TLS 1.3 handshakes with the same certificates, over
bare asyncio streams, with the same concurrency (:mod:`mfp_console.bench.bare_tls`):

* *bare*: each receiver reads the bytes and answers two bytes;
* *floor*: each receiver also commits the bytes to its own SQLite database in WAL mode with the product's
  pragmas, in one transaction — what a receiver that keeps what it was sent cannot avoid.

:func:`run_fanout_pairs` runs product, floor and bare ``pairs`` times in one process, interleaved (the
order turns round every other pair, so a drift of the machine's speed falls on both sides), each product
run on a fresh copy of the prepared fleet. A figure is the median of the per-pair ratios, with the spread.
"""

from __future__ import annotations

import cProfile
import gc
import os
import shutil
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mfp_console.bench.bare_tls import (
    bare_tls_transfer,
    open_floor_stores,
    prepare_floor_stores,
)
from mfp_console.bench.recipe import HOST, bench_fleet_spec, client_names, fresh_copy
from mfp_console.bench.resources import peak_rss_mib, raise_open_file_limit, rss_mib
from mfp_console.clock import RealClock
from mfp_console.domain.device_info import Category
from mfp_console.engine.distribution.job import Bundle
from mfp_console.engine.fleet import Fleet, machine_seed
from mfp_console.protocol.messages import DEFAULT_CHUNK_BYTES

__all__ = ["bench_bundle", "run_bare_tls", "run_fanout", "run_fanout_pairs", "run_idle"]

ADMIN = ("7654321", "7654321")
_BOUND_S = 600.0
SIDES = ("bare", "floor", "product")


def bench_bundle() -> Bundle:
    """The bundle the bench host sends: its five categories, without network settings."""
    from mfp_console.domain.seed import seed_device_information

    info = seed_device_information("bench", HOST, seed=machine_seed(HOST))
    return Bundle.build(info, list(Category), False, DEFAULT_CHUNK_BYTES)


def _fleet(state_dir: Path, clients: int, concurrency: int) -> Fleet:
    raise_open_file_limit(4 * clients + 256)
    return Fleet(
        bench_fleet_spec(clients, concurrency), state_dir, RealClock(),
        handshake_timeout=60.0, conversation_timeout=120.0,
    )


async def run_fanout(state_dir: Path, clients: int, concurrency: int, profile: str = "",
                     trace: bool = False) -> dict[str, Any]:
    """Distributes the bench bundle to every client once; returns wall time, outcome and memory."""
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
    began, cpu = time.perf_counter(), os.times()
    job = fleet.distribution.start_manual_distribution(HOST, list(Category), client_names(clients), include_network=False)
    await fleet.settle(timeout=_BOUND_S)
    wall, cpu = time.perf_counter() - began, _cpu_since(cpu)
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
        "cpu_s": cpu[0] + cpu[1],
        "user_s": cpu[0],
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


async def run_baseline(pki_dir: Path, clients: int, concurrency: int, floor_dir: Path | None) -> dict[str, Any]:
    """One baseline run: bare (``floor_dir`` None) or the floor (each receiver's database in ``floor_dir``)."""
    from mfp_console.pki import load_or_create_fleet_pki

    names = client_names(clients)
    raise_open_file_limit(4 * clients + 256)
    frames = bench_bundle().frames
    pki = load_or_create_fleet_pki(pki_dir, [HOST, *names], datetime.now(timezone.utc))
    stores = open_floor_stores(floor_dir, names) if floor_dir is not None else None
    try:
        gc.collect()
        began = os.times()
        run = await bare_tls_transfer(pki, HOST, names, frames, concurrency, _BOUND_S, stores)
        cpu = _cpu_since(began)
    finally:
        for database in (stores or {}).values():
            database.close()
    return {"wall_s": run["wall_s"], "cpu_s": cpu[0] + cpu[1], "user_s": cpu[0], "wire_bytes": sum(len(f) for f in frames),
            "failures": run["failures"]}


async def run_bare_tls(state_dir: Path, clients: int, concurrency: int) -> dict[str, Any]:
    """The bare baseline alone (kept for a quick look): the same handshakes and bytes, dropped on arrival."""
    out = await run_baseline(state_dir / "pki", clients, concurrency, None)
    return {**out, "clients": clients, "concurrency": concurrency, "peak_rss_mib": peak_rss_mib()}


async def run_fanout_pairs(template: Path, work: Path, clients: int, concurrency: int,
                           pairs: int = 3) -> dict[str, Any]:
    """Product, floor and bare, ``pairs`` times in this process, interleaved; each product run on a fresh
    copy of ``template`` (the copy and the fleet's start are not timed).

    Returns:
        ``rounds``: per pair, each side's wall time; ``product``: the last product run's details.
    """
    rounds: list[dict[str, float]] = []
    last: dict[str, Any] = {}
    failures = 0
    floor_template = work / "floor-template"
    shutil.rmtree(floor_template, ignore_errors=True)
    prepare_floor_stores(floor_template, client_names(clients))
    for n in range(pairs):
        order = SIDES if n % 2 == 0 else tuple(reversed(SIDES))
        times: dict[str, float] = {}
        for side in order:
            run = fresh_copy(template, work / "run")
            if side == "floor":
                shutil.copytree(floor_template, run / "floor")
            _settle_disk()
            try:
                if side == "product":
                    result = last = await run_fanout(run, clients, concurrency)
                else:
                    result = await run_baseline(run / "pki", clients, concurrency,
                                                run / "floor" if side == "floor" else None)
                    failures += result["failures"]
                times[side] = result["wall_s"]
                times[f"{side}_cpu"] = result["cpu_s"]
                times[f"{side}_user"] = result["user_s"]
            finally:
                shutil.rmtree(run, ignore_errors=True)
        rounds.append(times)
    shutil.rmtree(floor_template, ignore_errors=True)
    return {"clients": clients, "concurrency": concurrency, "rounds": rounds, "baseline_failures": failures,
            "product": last, "peak_rss_mib": peak_rss_mib()}


def _cpu_since(began: os.times_result) -> tuple[float, float]:
    """User and system CPU seconds this process spent since ``began``."""
    now = os.times()
    return now.user - began.user, now.system - began.system


def _settle_disk() -> None:
    """Writes back what earlier runs left dirty in the page cache, so no run pays for another's writes."""
    sync = getattr(os, "sync", None)
    if sync is not None:
        sync()


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
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None
