"""The benchmark fleet: one ``bench`` host and N generated clients, prepared once and copied for each run.

Preparing a fleet (issuing N certificates, seeding N stores) is not what the fan-out figure measures, so
it is done once per size into a template state directory; each measured run starts from a fresh copy,
so every run's clients hold the same (``client`` profile) data before the bundle arrives.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from mfp_console.bench.resources import raise_open_file_limit
from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet
from mfp_console.fleet_file import FleetSpec, parse_fleet
from mfp_console.yaml_source import load_located

__all__ = ["HOST", "bench_fleet_spec", "client_names", "prepare_template", "fresh_copy"]

HOST = "host"
NAME_FORMAT = "client-{n:04d}"


def bench_fleet_text(clients: int, concurrency: int) -> str:
    """The fleet file of the benchmark fleet."""
    return f"""\
fleet:
  name: Bench fleet ({clients} clients)
  destination_limit: {clients}
  concurrency: {concurrency}
machines:
  - name: {HOST}
    model: iR-ADV C5560
    series: iR-ADV C5500
    functions: [distribution_sender]
    seed: bench
generate:
  count: {clients}
  name_format: "{NAME_FORMAT}"
  template:
    model: iR-ADV C5535
    series: iR-ADV C5500
    functions: [distribution_receiver]
    seed: client
"""


def bench_fleet_spec(clients: int, concurrency: int = 1) -> FleetSpec:
    """The benchmark fleet's spec."""
    text = bench_fleet_text(clients, concurrency)
    return parse_fleet(load_located(text, f"<bench fleet {clients}>"), f"<bench fleet {clients}>")


def client_names(clients: int) -> list[str]:
    """The generated clients' names, in fleet order."""
    return [NAME_FORMAT.format(n=n) for n in range(1, clients + 1)]


def prepare_template(root: Path, clients: int) -> Path:
    """Creates (once) a state directory with the PKI and seeded stores of a ``clients`` fleet."""
    template = root / f"template-{clients}"
    done = template / ".prepared"
    if done.exists():
        return template
    shutil.rmtree(template, ignore_errors=True)
    raise_open_file_limit(4 * clients + 256)

    async def prepare() -> None:
        fleet = Fleet(bench_fleet_spec(clients), template, RealClock())
        await fleet.start()
        await fleet.stop()

    asyncio.run(prepare())
    done.write_text("ok\n")
    return template


def fresh_copy(template: Path, target: Path) -> Path:
    """Copies a prepared template to ``target`` (replacing what was there)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(template, target, ignore=shutil.ignore_patterns(".prepared", "run"))
    return target
