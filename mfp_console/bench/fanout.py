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
from mfp_console.bench.recipe import (
    HOST,
    bench_fleet_spec,
    bench_fleet_text,
    client_names,
    fresh_copy,
)
from mfp_console.bench.resources import peak_rss_mib, raise_open_file_limit, rss_mib
from mfp_console.clock import RealClock
from mfp_console.domain.device_info import Category
from mfp_console.engine.distribution.job import Bundle
from mfp_console.engine.fleet import Fleet, machine_seed
from mfp_console.protocol.messages import DEFAULT_CHUNK_BYTES

__all__ = ["bench_bundle", "run_bare_tls", "run_fanout", "run_fanout_pairs", "run_fanout_workers", "run_floor_shard",
           "run_idle"]

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
                           pairs: int = 3, workers: int = 1) -> dict[str, Any]:
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
    sides = SIDES if workers <= 1 else ("floor", "product")  # with workers: against the floor run the same way
    for n in range(pairs):
        order = sides if n % 2 == 0 else tuple(reversed(sides))
        times: dict[str, float] = {}
        for side in order:
            run = fresh_copy(template, work / "run")
            if side == "floor":
                shutil.copytree(floor_template, run / "floor")
            _settle_disk()
            try:
                if side == "product" and workers > 1:
                    result = last = await run_fanout_workers(run, clients, concurrency, workers)
                elif side == "floor" and workers > 1:
                    result = await run_floor_workers(run / "pki", clients, concurrency, run / "floor", workers)
                    failures += result["failures"]
                elif side == "product":
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
            "product": last, "peak_rss_mib": peak_rss_mib(), "workers": workers}


async def run_fanout_workers(state_dir: Path, clients: int, concurrency: int, workers: int) -> dict[str, Any]:
    """The fan-out with the clients in ``workers`` worker processes (``mfp-console machine`` shards) and the
    host here; the wall time runs from ``<Start>`` until every destination has its final status."""
    from mfp_console.engine.workers import Workers

    fleet_file = state_dir / "bench-fleet.yaml"
    fleet_file.write_text(bench_fleet_text(clients, concurrency), encoding="utf-8")
    raise_open_file_limit(4 * clients + 256)
    pool = Workers(fleet_file, state_dir, client_names(clients), workers)
    await pool.start(timeout=_BOUND_S)
    try:
        fleet = Fleet(bench_fleet_spec(clients, concurrency), state_dir, RealClock(),
                      handshake_timeout=60.0, conversation_timeout=120.0)
        await fleet.start(only=[HOST])
        try:
            fleet.panel.login_admin(HOST, *ADMIN)
            gc.collect()
            began, cpu = time.perf_counter(), os.times()
            job = fleet.distribution.start_manual_distribution(HOST, list(Category), client_names(clients),
                                                               include_network=False)
            await fleet.settle(timeout=_BOUND_S)
            wall, cpu = time.perf_counter() - began, _cpu_since(cpu)
            job = fleet.distribution.last_job(HOST) or job
        finally:
            await fleet.stop()
    finally:
        await pool.stop()
    outcomes: dict[str, int] = {}
    for result in job.results.values():
        outcomes[result.text] = outcomes.get(result.text, 0) + 1
    return {"clients": clients, "concurrency": concurrency, "workers": workers, "wall_s": wall,
            "cpu_s": cpu[0] + cpu[1], "user_s": cpu[0], "bundle_bytes": job.bundle_bytes,
            "wire_bytes": job.wire_bytes, "outcomes": outcomes, "rss_started_mib": rss_mib(),
            "peak_rss_mib": peak_rss_mib()}


async def run_floor_workers(pki_dir: Path, clients: int, concurrency: int, floor_dir: Path,
                            workers: int) -> dict[str, Any]:
    """The floor run the same way: the receivers' listeners (each committing to its own database) in
    ``workers`` processes, the sender here."""
    import asyncio
    import json
    import sys

    from mfp_console.bench.bare_tls import send_to_receivers
    from mfp_console.engine.workers import shards
    from mfp_console.pki import load_or_create_fleet_pki

    names = client_names(clients)
    frames = bench_bundle().frames
    pki = load_or_create_fleet_pki(pki_dir, [HOST, *names], datetime.now(timezone.utc))
    processes = []
    ports: dict[str, int] = {}
    try:
        for shard in shards(names, workers):
            arguments = {"pki_dir": str(pki_dir), "names": shard, "floor_dir": str(floor_dir),
                         "size": sum(len(f) for f in frames)}
            processes.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "mfp_console.bench.child", "floor-shard", json.dumps(arguments),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE))
        for process in processes:
            assert process.stdout is not None
            async with asyncio.timeout(_BOUND_S):
                line = await process.stdout.readline()
            ports.update(json.loads(line)["ports"])
        ports = {name: ports[name] for name in names}  # the same order as the product's destinations
        gc.collect()
        began = os.times()
        run = await send_to_receivers(pki, HOST, ports, frames, concurrency, _BOUND_S)
        cpu = _cpu_since(began)
    finally:
        for process in processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in processes:
            await process.wait()
    return {"wall_s": run["wall_s"], "cpu_s": cpu[0] + cpu[1], "user_s": cpu[0],
            "wire_bytes": run["wire_bytes"], "failures": run["failures"]}


async def run_floor_shard(pki_dir: Path, names: list[str], floor_dir: Path, size: int) -> None:
    """One floor worker: listeners for ``names`` committing to their databases; prints their ports as one
    JSON line, serves until standard input closes."""
    import asyncio
    import json
    import sys

    from mfp_console.bench.bare_tls import listen_receivers
    from mfp_console.pki import load_or_create_fleet_pki

    raise_open_file_limit(4 * len(names) + 256)
    pki = load_or_create_fleet_pki(pki_dir, [HOST, *names], datetime.now(timezone.utc))
    stores = open_floor_stores(floor_dir, names)
    servers, ports = await listen_receivers(pki, names, size, stores)
    try:
        print(json.dumps({"ports": ports}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        for server in servers:
            server.close()
        for database in stores.values():
            database.close()


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
