"""The power-cut rig: client machines in their own processes, SIGKILLed at random moments while they take a
distribution from a host running in this process, and the checks that what each left is whole.

Every distribution carries a new *generation* ``g``: before it, the host's five categories are tagged with
``g`` (an address-book entry's name, the System Manager comment, a printer setting, a paper type's name and
a deliverable setting value). After each kill the client's store is opened at rest and must hold:

* every category from one generation, the one it had (old) or the one being sent (new), never a mix;
* new data whenever the host was told ``OK`` (a reported success was really committed);
* a restore point wholly from the generation before its last applied update;
* one ``Received OK`` log entry per applied update, the newest from the host;
* an update marker only with the old data; after the restart the machine shows ``E-UPDATE`` (DID-12);
* a sound SQLite file;
* no client left ``Updating``: the next distribution after a restart is never refused ``E-BUSY``.

Used by ``tests/reliability/test_power_cuts.py`` (50+ kills) and ``tools/soak_power_cuts.py`` (thousands, with
``fork=True``: clients forked from the rig's process, see :mod:`tests.reliability.forked_machines`).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mfp_console.clock import RealClock
from mfp_console.domain.communication_log import RECEIVED
from mfp_console.domain.device_info import Category, DeviceInformation, SettingValue
from mfp_console.engine.fleet import Fleet
from mfp_console.store import MachineStore
from mfp_console.store.paths import machine_database_path
from tests.reliability.forked_machines import fork_machine

__all__ = ["KillOutcome", "PowerCutRig", "Violation", "generations_of", "tagged"]

ADMIN = ("7654321", "7654321")
TAG = "gen-"
SETTING_KEY = "Power Cut Rig/Generation"
START_BOUND_S = 20.0
JOB_BOUND_S = 30.0


def fleet_text(clients: int, seconds_per_mib: float) -> str:
    """A host and ``clients`` receivers; applying 1 MiB takes ``seconds_per_mib`` real seconds."""
    machines = "\n".join(
        f"""  - name: client-{chr(ord('a') + i)}
    model: iR-ADV C5535
    series: iR-ADV C5500
    functions: [distribution_receiver]
    seed: client"""
        for i in range(clients)
    )
    return f"""\
fleet:
  name: Power cut rig
  concurrency: {clients}
  update_seconds_per_mib: {seconds_per_mib}
machines:
  - name: host
    model: iR-ADV C5560
    series: iR-ADV C5500
    functions: [distribution_sender]
    seed: host
{machines}
"""


class Violation(AssertionError):
    """A client's data after a kill broke a promise (M-04, DID-12, DID-20, DID-23)."""


def tagged(info: DeviceInformation, generation: int) -> DeviceInformation:
    """The host's data with every category tagged with ``generation``."""
    tag = f"{TAG}{generation}"
    book = info.address_book
    entries = (replace(book.entries[0], name=tag), *book.entries[1:])
    depts = info.department_ids
    manager = replace(depts.system_manager, comment=tag)
    printer = tuple(p for p in info.printer_settings if p[0] != "Power Cut Rig") + (("Power Cut Rig", tag),)
    papers = (replace(info.paper_types[0], name=tag), *info.paper_types[1:])
    settings = tuple(s for s in info.settings_values if s.key != SETTING_KEY) + (
        SettingValue(SETTING_KEY, tag, True, False),
    )
    return replace(
        info,
        address_book=replace(book, entries=entries),
        department_ids=replace(depts, system_manager=manager),
        printer_settings=printer,
        paper_types=papers,
        settings_values=settings,
    )


def _gen(text: str | None) -> int:
    return int(text[len(TAG):]) if text and text.startswith(TAG) else 0


def _category_generation(category: Category, value: Any) -> int:
    if category is Category.ADDRESS_BOOK:
        return _gen(value.entries[0].name if value.entries else None)
    if category is Category.DEPARTMENT_ID:
        return _gen(value.system_manager.comment)
    if category is Category.PRINTER_SETTINGS:
        return _gen(dict(value).get("Power Cut Rig"))
    if category is Category.PAPER_INFORMATION:
        return _gen(value[0].name if value else None)
    return _gen(next((s.value for s in value if s.key == SETTING_KEY), None))


def generations_of(info_or_values: DeviceInformation | dict[Category, Any]) -> dict[Category, int]:
    """The generation each category carries (0: untagged, the client's own first data)."""
    if isinstance(info_or_values, DeviceInformation):
        return {c: _category_generation(c, info_or_values.category(c)) for c in Category}
    return {c: _category_generation(c, v) for c, v in info_or_values.items()}


@dataclass
class ClientHistory:
    """What the rig knows a client must hold."""

    generation: int = 0
    before_last_update: int | None = None
    applied: int = 0


@dataclass(frozen=True)
class KillOutcome:
    """What one kill left: ``old`` (no update started or it was cut before commit) or ``new``."""

    client: str
    delay_s: float
    host_result: str
    kept: str
    marker: bool


@dataclass
class PowerCutRig:
    """Runs the host here and each client as ``python -m mfp_console machine`` in its own process."""

    root: Path
    clients: int = 2
    seconds_per_mib: float = 1.5
    kill_window_s: float = 0.15
    seed: int = 0
    fork: bool = False
    """Clients forked from this process (:mod:`tests.reliability.forked_machines`) instead of each started as
    ``python -m mfp_console machine``: the same engine in its own process, without a second of imports."""
    rng: random.Random = field(init=False)
    fleet: Fleet = field(init=False)
    history: dict[str, ClientHistory] = field(init=False)
    processes: dict[str, Any] = field(init=False)  # asyncio.subprocess.Process or ForkedMachine
    outcomes: list[KillOutcome] = field(default_factory=list)
    generation: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.names = [f"client-{chr(ord('a') + i)}" for i in range(self.clients)]
        self.history = {name: ClientHistory() for name in self.names}
        self.processes = {}
        self.fleet_file = self.root / "fleet.yaml"
        self.state_dir = self.root / "state"

    async def __aenter__(self) -> PowerCutRig:
        self.root.mkdir(parents=True, exist_ok=True)
        self.fleet_file.write_text(fleet_text(self.clients, self.seconds_per_mib))
        self.fleet = Fleet.from_file(self.fleet_file, self.state_dir, RealClock(),
                                     handshake_timeout=5.0, conversation_timeout=5.0)
        await self.fleet.start(only=["host"])  # creates the PKI every client process loads
        self.fleet.panel.login_admin("host", *ADMIN)
        await asyncio.gather(*(self._spawn(name) for name in self.names))
        return self

    async def __aexit__(self, *exc: object) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.kill()
                await process.wait()
        await self.fleet.stop()

    # --- processes ----------------------------------------------------------------------------------

    async def _spawn(self, name: str) -> None:
        if self.fork:
            self.processes[name] = await fork_machine(name, self.fleet_file, self.state_dir, START_BOUND_S)
            return
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mfp_console", "machine", "--name", name,
            "--fleet", str(self.fleet_file), "--state-dir", str(self.state_dir),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), START_BOUND_S)
        except TimeoutError:
            line = b""
        if b"listening on" not in line:
            process.kill()
            await process.wait()
            raise RuntimeError(f"{name} did not start (said {line!r})")
        self.processes[name] = process

    # --- one cycle ----------------------------------------------------------------------------------

    async def cycle(self) -> list[KillOutcome]:
        """Tags a new generation, distributes it, SIGKILLs every client at a random moment, checks, restarts."""
        self.generation += 1
        host = self.fleet.live_machine("host")
        new_info = tagged(host.device_info, self.generation)
        for category in Category:
            host.store.save_category(category, new_info.category(category))
        loop = asyncio.get_running_loop()
        delays = {name: self.rng.uniform(0.0, self.kill_window_s) for name in self.names}
        timers = [loop.call_later(d, _kill, self.processes[n]) for n, d in delays.items()]
        job = self.fleet.distribution.start_manual_distribution("host", list(Category), self.names)
        try:
            async with asyncio.timeout(JOB_BOUND_S):
                while (job := self.fleet.distribution.last_job("host")).running:
                    await asyncio.sleep(0.01)
                await asyncio.gather(*(p.wait() for p in self.processes.values()))
        finally:
            for timer in timers:
                timer.cancel()
        outcomes = []
        for name in self.names:
            if self.processes[name].returncode != -signal.SIGKILL:
                raise Violation(f"{name} was not killed (exit {self.processes[name].returncode})")
            outcomes.append(self._check_at_rest(name, delays[name], job.results[name].text))
        await asyncio.gather(*(self._spawn(name) for name in self.names))
        for outcome in outcomes:
            self._check_after_restart(outcome)
        self.outcomes.extend(outcomes)
        return outcomes

    def _check_at_rest(self, name: str, delay: float, host_result: str) -> KillOutcome:
        known = self.history[name]
        if "E-BUSY" in host_result:
            raise Violation(f"{name}: refused the distribution as busy ({host_result}): left Updating by a kill")
        path = machine_database_path(self.state_dir, name)
        with MachineStore.open(path) as store:
            problems = store.check_integrity()
            if problems:
                raise Violation(f"{name}: database damaged: {problems}")
            found = generations_of(store.load_device_info())
            kept = set(found.values())
            if len(kept) != 1:
                raise Violation(f"{name}: a mix of generations after a kill: {found}")
            (generation,) = kept
            if generation not in (known.generation, self.generation):
                raise Violation(f"{name}: holds generation {generation}, neither the old "
                                f"{known.generation} nor the new {self.generation}")
            is_new = generation == self.generation and generation != known.generation
            if host_result == "OK" and not is_new:
                raise Violation(f"{name}: the host was told OK but the client kept generation {generation}")
            marker = store.update_marker() is not None
            if marker and is_new:
                raise Violation(f"{name}: new data committed but the update marker is still there")
            if is_new:
                known.before_last_update, known.generation = known.generation, generation
                known.applied += 1
            self._check_restore_point_and_log(name, store, known)
        return KillOutcome(name, delay, host_result, "new" if is_new else "old", marker)

    def _check_restore_point_and_log(self, name: str, store: MachineStore, known: ClientHistory) -> None:
        points = store.restore_point_categories()
        if known.before_last_update is None:
            if points:
                raise Violation(f"{name}: a restore point exists but no update was ever applied")
        else:
            if points != set(Category):
                raise Violation(f"{name}: restore point covers {sorted(c.value for c in points)}, not all five")
            values = {c: store.restore_point_value(c) for c in Category}
            found = set(generations_of(values).values())
            if found != {known.before_last_update}:
                raise Violation(f"{name}: restore point holds generations {found}, expected "
                                f"{known.before_last_update} (the data before the last update)")
        received_ok = store.read_log(kind=RECEIVED, result="OK")
        if len(received_ok) != known.applied:
            raise Violation(f"{name}: {len(received_ok)} 'Received OK' log entries for {known.applied} "
                            "applied updates")
        if received_ok and received_ok[0].peer != "host":
            raise Violation(f"{name}: newest log entry names {received_ok[0].peer!r}, not the host")

    def _check_after_restart(self, outcome: KillOutcome) -> None:
        path = machine_database_path(self.state_dir, outcome.client)
        with MachineStore.open(path) as store:
            state = store.load_state()
            shown = state.error_code if state else ""
            if outcome.marker and shown != "E-UPDATE":
                raise Violation(f"{outcome.client}: an update was cut off but the panel shows {shown!r}, "
                                "not E-UPDATE (DID-12)")
            found = set(generations_of(store.load_device_info()).values())
            if found != {self.history[outcome.client].generation}:
                raise Violation(f"{outcome.client}: data changed across the restart: {found}")

    async def calibrate(self, factor: float = 1.3) -> float:
        """Times one uninterrupted distribution and sets the kill window to ``factor`` times it.

        On a loaded machine everything is slower; a fixed window would then put every kill before the update
        began. Every client must end OK; the rig then knows they hold the new generation.
        """
        loop = asyncio.get_running_loop()
        began = loop.time()
        results = await self.final_distribution()
        took = loop.time() - began
        if any(result != "OK" for result in results.values()):
            raise Violation(f"the calibrating distribution did not end OK everywhere: {results}")
        for known in self.history.values():
            known.before_last_update, known.generation = known.generation, self.generation
            known.applied += 1
        self.kill_window_s = factor * took
        return took

    async def final_distribution(self) -> dict[str, str]:
        """One uninterrupted distribution: every client must end OK with the newest generation."""
        self.generation += 1
        host = self.fleet.live_machine("host")
        new_info = tagged(host.device_info, self.generation)
        for category in Category:
            host.store.save_category(category, new_info.category(category))
        job = self.fleet.distribution.start_manual_distribution("host", list(Category), self.names)
        async with asyncio.timeout(JOB_BOUND_S):
            while (job := self.fleet.distribution.last_job("host")).running:
                await asyncio.sleep(0.01)
        return {name: job.results[name].text for name in self.names}

    def summary(self) -> dict[str, Any]:
        """Counts of what the kills left."""
        kept = Counter(o.kept + (" (marker, E-UPDATE)" if o.marker else "") for o in self.outcomes)
        return {"kills": len(self.outcomes), "seed": self.seed, "left": dict(kept), "lost_or_mixed": 0}


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        try:
            process.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
