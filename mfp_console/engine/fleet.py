"""The fleet facade: the one object the panel, the scenarios, the CLI and the tests drive.

A :class:`Fleet` is built from a :class:`~mfp_console.fleet_file.FleetSpec`, a state directory and a
:class:`~mfp_console.clock.Clock`. It keeps the fleet's life cycle (start, stop, reset), lookup (views of
its machines, their status and addresses) and time (settle, advance). What a person does with the
machines hangs off it as parts, each with its own name::

    fleet.panel          Administrator login and logout (M-02, M-03)
    fleet.data           device information: read and edit (address book, Department IDs, …)
    fleet.import_export  <Import/Export> of device information (DID-24)
    fleet.distribution   Device Information Distribution (DID-01…DID-28)
    fleet.sync           the sync functions on each panel (SYNC-01, -11, -12, -13, -20)
    fleet.sync_server    the sync server's Remote UI screens (SYNC-02, -07, -10, -15, -18, -19)
    fleet.users          login users and their personalized data (SYNC-03, -08, -09, -16)
    fleet.faults         what the fault panel injects (UI-04)

Parts and machines receive one :class:`~mfp_console.engine.runtime.Runtime` (clock, bus, work tracker,
keys, addresses), never the fleet. Everything the facade hands out is a value
(:mod:`mfp_console.engine.views`, domain values) or an event on :attr:`Fleet.bus`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from mfp_console.clock import Clock, VirtualClock
from mfp_console.domain.login_guard import LockoutPolicy
from mfp_console.domain.machine import Function
from mfp_console.domain.seed import seed_device_information
from mfp_console.engine.addresses import AddressRegistry
from mfp_console.engine.bus import EventBus
from mfp_console.engine.device_data import DataPart
from mfp_console.engine.distribution.part import DESTINATIONS_KEY, DistributionPart
from mfp_console.engine.events import MachineStarted, MachineStopped
from mfp_console.engine.faults import FaultsPart
from mfp_console.engine.idle_stores import IdleStores
from mfp_console.engine.import_export import ImportExportPart
from mfp_console.engine.machine import Machine, MachineRoster
from mfp_console.engine.net.control import ControlServer, control_socket_path
from mfp_console.engine.net.ping import PingResult, ping_machine, serve_ping
from mfp_console.engine.panel import PanelPart
from mfp_console.engine.panel_session import SystemManagerSecret
from mfp_console.engine.placement import (
    is_local_address,
    listen_as_planned,
    show_network_settings,
    with_network_address,
)
from mfp_console.engine.runtime import PkiView, Runtime, Timeouts
from mfp_console.engine.status import ask_ping, gather_status, status_row
from mfp_console.engine.sync.part import SyncPart
from mfp_console.engine.sync.server_change import ServerChangeTracker
from mfp_console.engine.sync.server_part import SyncServerPart
from mfp_console.engine.sync.users import UsersPart
from mfp_console.engine.views import MachineStatus, MachineView
from mfp_console.engine.work import WorkTracker
from mfp_console.errors import ConfigError, MachineBusy, MfpError
from mfp_console.fleet_file import FleetSpec, MachineSpec, load_fleet_file
from mfp_console.pki import load_or_create_fleet_pki
from mfp_console.store import MachineStore
from mfp_console.store.machine_lock import MachineLock
from mfp_console.store.machine_time import read_last_time as saved_machine_time
from mfp_console.store.machine_time import write_last_time
from mfp_console.store.paths import default_state_dir, machine_database_path
from mfp_console.store.state_dir import prepare_state_dir

if TYPE_CHECKING:
    from mfp_console.engine.workers import Workers

__all__ = ["Fleet", "MachineStatus", "MachineView", "default_state_dir", "machine_seed", "prepare_state_dir",
           "raise_open_file_limit", "saved_machine_time"]

_log = logging.getLogger(__name__)


class Fleet:
    """The simulated fleet.

    Args:
        spec: The fleet description.
        state_dir: Where machine databases and the PKI live.
        clock: The one clock of the fleet.
        bus: The event bus (a new one when not given).
        handshake_timeout: Real seconds a TLS handshake may take before it is refused.
        conversation_timeout: Real seconds to wait for a peer's next message.
        pki_now: The time certificates are issued at; X.509 validity is checked by OpenSSL against the
            real clock, so this defaults to the real time even under a virtual machine clock.
    """

    def __init__(
        self,
        spec: FleetSpec,
        state_dir: Path,
        clock: Clock,
        bus: EventBus | None = None,
        *,
        handshake_timeout: float = 5.0,
        conversation_timeout: float = 30.0,
        pki_now: datetime | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.clock = clock
        self.bus = bus or EventBus()
        self._machines = MachineRoster(spec)
        self._control: ControlServer | None = None
        self._idle_stores = IdleStores(lambda: [m.store for m in self._machines.running()])
        self._runtime = Runtime(
            spec=spec,
            state_dir=self.state_dir,
            clock=clock,
            bus=self.bus,
            work=WorkTracker(clock),
            pki=PkiView(),
            addresses=AddressRegistry(self.state_dir, spec),
            timeouts=Timeouts(handshake_timeout, conversation_timeout),
            lockout=LockoutPolicy(spec.settings.lockout_threshold, spec.settings.lockout_minutes),
            pki_now=(lambda: pki_now) if pki_now is not None else (lambda: datetime.now(timezone.utc)),
        )
        runtime, machines = self._runtime, self._machines
        change = ServerChangeTracker(machines)
        self.panel = PanelPart(runtime, machines)
        self.data = DataPart(runtime, machines, self.panel)
        self.distribution = DistributionPart(runtime, machines, self.panel)
        self.sync = SyncPart(runtime, machines, self.panel, change)
        self.sync_server = SyncServerPart(runtime, machines, self.panel, change)
        self.users = UsersPart(runtime, machines, self.panel, self.sync)
        self.import_export = ImportExportPart(runtime, machines, self.panel,
                                              guards=(self._distribution_guard, self.sync.import_export_guard))
        self.faults = FaultsPart(runtime, machines)

    @classmethod
    def from_file(cls, fleet_file: Path | str | None, state_dir: Path, clock: Clock, *,
                  handshake_timeout: float = 5.0, conversation_timeout: float = 30.0,
                  pki_now: datetime | None = None) -> Fleet:
        """Loads a fleet file (None: the default fleet) and builds the fleet (not started)."""
        return cls(load_fleet_file(fleet_file), state_dir, clock, handshake_timeout=handshake_timeout,
                   conversation_timeout=conversation_timeout, pki_now=pki_now)

    @property
    def spec(self) -> FleetSpec:
        """The fleet file's description."""
        return self._runtime.spec

    @spec.setter
    def spec(self, spec: FleetSpec) -> None:
        """Tunes the fleet's settings while it runs (the machines stay the same)."""
        if spec.names != self._runtime.spec.names:
            raise ConfigError("the machines of a running fleet cannot change")
        self._runtime.addresses.set_spec(spec)
        self._runtime.spec = spec

    def _distribution_guard(self, name: str) -> None:
        reason = self.distribution.busy_reason(name)
        if reason:
            raise MachineBusy(reason, "DID-24")

    # --- life cycle ---------------------------------------------------------------------------------

    async def start(self, only: Collection[str] | None = None) -> None:
        """Opens stores, PKI and listeners for every machine (or only the named ones).

        Machines already running in another process of the same state directory are not started here;
        they are dialled at the address they published. Starting every machine (``only`` None) also leaves out
        the machines the fleet file places on another computer (their address is not this one's, M-07).

        Raises:
            MachineInUse: A machine named in ``only`` already runs in another process of this state folder.
            ConfigError: A machine cannot listen on the address the fleet file gives it.
        """
        prepare_state_dir(self.state_dir)  # a file, a path under a file or a read-only folder: ConfigError
        # An idle machine holds its listener and its lock (its database rests, engine/idle_stores.py); one
        # in use three more (database, WAL, shared memory) until its next quiet period, and two per link.
        raise_open_file_limit(5 * len(self.spec.machines) + 256)
        pki = await asyncio.to_thread(load_or_create_fleet_pki, self.state_dir / "pki", self.spec.names,
                                      self._runtime.pki_now())
        self._runtime.pki.load(pki)
        addresses = self._runtime.addresses
        for name in self.spec.names:
            if only is not None and name not in only:
                continue
            if only is None and addresses.elsewhere(name) is not None:
                continue  # dialled where it runs; asked for by name, its lock says who holds it
            plan = addresses.plan(name)
            if only is None and plan.remote_capable and not is_local_address(plan.ipv4):
                continue  # it runs on the computer that has its address, and is dialled there
            await self._start_machine(self.spec.machine(name))
        self._idle_stores.start()

    async def _open_control(self) -> None:
        """Opens this process's control socket before its first machine publishes its address."""
        if self._control is not None or not ControlServer.available():
            return
        server = ControlServer(control_socket_path(self.state_dir), self._answer_control)
        try:
            await server.start()
        except (OSError, MfpError) as exc:  # fleet status then shows run-file addresses only
            _log.warning("no control socket at %s: %s", server.path, exc)
            return
        self._control = server
        self._runtime.addresses.control = server.path

    async def _answer_control(self, request: dict[str, object]) -> dict[str, object]:
        """Answers ``fleet status`` and ``fleet ping`` of another process (see ``engine/net/control.py``)."""
        if request.get("op") == "status":
            return {"machines": [row.to_json() for row in self.status() if row.running_here]}
        if request.get("op") == "ping":
            source, target = request.get("source"), request.get("target")
            if not isinstance(source, str) or not isinstance(target, str) or source not in self._machines:
                return {"error": f"{source!r} does not run in this process"}
            if target not in self.spec.names:
                return {"error": f"{target!r} is no machine of this fleet"}
            return {"result": (await self.ping(source, target)).to_json()}
        return {"error": f"unknown request {request.get('op')!r}"}

    async def _start_machine(self, spec: MachineSpec) -> None:
        await self._open_control()
        database = machine_database_path(self.state_dir, spec.name)
        lock = MachineLock.acquire(database, spec.name)  # one process per machine (MachineInUse otherwise)
        try:
            store = MachineStore.open(database)
            seeded = not store.has_device_info()
            if seeded:
                self._seed(store, spec)
            addresses = self._runtime.addresses
            plan = addresses.plan(spec.name)
            show_network_settings(store, plan, spec.name)
        except BaseException:
            lock.release()
            raise
        machine = Machine(spec, store, self._runtime, lock)
        machine.responders["ping"] = serve_ping
        self._machines.add(machine)
        self.distribution.attach(machine)
        self.sync.attach(machine)
        try:
            listening = await listen_as_planned(machine, plan)
        except BaseException:
            self._machines.remove(spec.name)
            machine.functions.close_all()
            store.close()
            raise
        addresses.listening_here(spec.name, listening)
        # A machine that just started is idle: its database rests (opened again when used), at once when that
        # costs nothing, else at the next quiet period. A new machine's seed is written back now, so a
        # first start of thousands of machines does not hold three descriptors each.
        store.rest(only_if_cheap=not seeded)
        self.bus.publish(MachineStarted(at=self.clock.now(), machine=spec.name,
                                        address=f"{listening.host}:{listening.port}"))

    def _seed(self, store: MachineStore, spec: MachineSpec) -> None:
        info = seed_device_information(spec.seed, spec.name, seed=machine_seed(spec.name),
                                       series=spec.identity.series)
        info = with_network_address(info, self._runtime.addresses.plan(spec.name).ipv4, spec.name)  # M-09
        secret = SystemManagerSecret.from_id_pin(spec.system_manager_id, spec.system_manager_pin)
        store.seed(info)
        store.set_configs({"system_manager": secret.to_json(), **_initial_configs(self.spec, spec),
                           **self.sync.seed_configs(spec)})

    def workers(self, fleet_file: Path | str | None, names: Sequence[str], count: int) -> Workers:
        """``count`` worker processes that run the machines ``names`` of this fleet's file and state folder
        (an ``async with`` block starts them and waits until they listen; its end stops them)."""
        from mfp_console.engine.workers import (
            Workers,  # subprocess plumbing, loaded only when asked for
        )

        return Workers(fleet_file, self.state_dir, names, count)

    def save_machine_time(self) -> None:
        """Records the clock's time in the state folder, for the next ``--clock virtual`` session to resume
        from (:func:`saved_machine_time`); only when this process runs machines (they own the folder)."""
        if self.running:
            write_last_time(self.state_dir, self.clock.now())

    async def stop(self) -> None:
        """Cancels work in flight and closes every machine this process runs."""
        self._idle_stores.stop()
        for machine in self._machines.running():
            machine.functions.close_all()
        await self._runtime.work.cancel_all()
        for machine in self._machines.running():
            await machine.close()
            self._machines.remove(machine.name)
            self._runtime.addresses.stopped_here(machine.name)
            self.bus.publish(MachineStopped(at=self.clock.now(), machine=machine.name))
        if self._control is not None:
            await self._control.close()
            self._control = None
            self._runtime.addresses.control = ""

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def reset(self) -> None:
        """Puts every machine back to its default data (stores and PKI are recreated)."""
        await self.stop()
        for sub in ("machines", "pki", "run"):
            shutil.rmtree(self.state_dir / sub, ignore_errors=True)
        await self.start()

    # --- lookup -------------------------------------------------------------------------------------

    @property
    def running(self) -> tuple[str, ...]:
        """The machines running in this process, in fleet-file order."""
        return tuple(name for name in self.spec.names if name in self._machines)

    def is_running(self, name: str) -> bool:
        """True when machine ``name`` runs in this process."""
        return name in self._machines

    def view(self, name: str) -> MachineView:
        """Machine ``name`` as its panel shows it now.

        Raises:
            ConfigError: No machine of the fleet has that name.
            MachineUnavailable: It does not run in this process.
        """
        machine = self._machines(name)
        panel = machine.panel
        return MachineView(machine.identity, machine.state, panel.admin, panel.user,
                           panel.lock_seconds_left(self.clock.now()))

    def live_machine(self, name: str) -> Machine:
        """The live engine object of machine ``name``: for engine tests, benchmarks and tools only.

        The panel and the scenarios use :meth:`view` and the parts; a test keeps them to that.
        """
        return self._machines(name)

    @property
    def runtime(self) -> Runtime:
        """The fleet's shared services (clock, bus, work tracker, keys, addresses): for engine tests and tools."""
        return self._runtime

    def running_elsewhere(self) -> dict[str, int]:
        """The machines that other processes run on this state folder: name → process id.

        A second panel on a state folder whose machines all run elsewhere has nothing to show; it says
        which process holds them.
        """
        found = {name: self._runtime.addresses.process_elsewhere(name) for name in self.spec.names}
        return {name: pid for name, pid in found.items() if pid is not None}

    def address_of(self, name: str) -> tuple[str, int]:
        """The socket address machine ``name`` listens on (here or in another process)."""
        return self._runtime.addresses.address_of(name)

    def status(self) -> list[MachineStatus]:
        """Every machine's status row as this process sees it, in fleet-file order (``?`` for the state of
        machines that run elsewhere; :meth:`status_everywhere` asks their processes)."""
        return [status_row(self._runtime, spec, self._machines(spec.name) if spec.name in self._machines else None)
                for spec in self.spec.machines]

    async def status_everywhere(self) -> list[MachineStatus]:
        """Every machine's status row, asking the process that runs it (a panel, a ``machine`` process) for
        the rows of machines that do not run here: the same rows whichever way the fleet runs."""
        return await gather_status(self._runtime, self.status(), self.is_running)

    def default_host(self) -> str:
        """The first machine with the distribution sender function (else the first machine)."""
        return self.spec.default_host()

    async def ping(self, source: str, target: str) -> PingResult:
        """A real mutual-TLS handshake and ping exchange from ``source`` to ``target``.

        When ``source`` runs in another process of this state folder, that process is asked to ping.
        """
        if source in self._machines:
            return await ping_machine(self._runtime, self._machines(source), target)
        self.spec.machine(source)  # an unknown name fails with a hint
        return await ask_ping(self._runtime, source, target)

    async def ping_all(self, source: str | None = None) -> list[PingResult]:
        """Pings every other machine from ``source`` (the first distribution sender by default)."""
        source = source or self.default_host()
        return [await self.ping(source, name) for name in self.spec.names if name != source]

    # --- time ---------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while engine work or conversations are in flight."""
        return self._runtime.work.busy

    async def settle(self, timeout: float = 60.0) -> None:
        """Waits (real time, bounded) until the fleet is quiescent; see :class:`~mfp_console.engine.work.WorkTracker`."""
        await self._runtime.work.settle(timeout)

    async def advance_to_next(self) -> datetime | None:
        """Under a virtual clock: settles, jumps to the next timer, fires it and settles again (UI-05).

        Returns:
            The new machine time, or None when nothing is scheduled (or the clock is real).
        """
        clock = self.clock
        if not isinstance(clock, VirtualClock):
            return None
        await self.settle()
        handle = clock.jump_to_next()
        await self.settle()
        return handle.when if handle else None

    async def advance(self, seconds: float) -> None:
        """Under a virtual clock: moves time forward timer by timer, settling the fleet between timers."""
        clock = self.clock
        if not isinstance(clock, VirtualClock):
            raise MfpError("the clock is real: it cannot be advanced")
        target = clock.now() + timedelta(seconds=seconds)
        await self.settle()
        while (head := clock.next_timer()) is not None and head.when <= target:
            clock.advance_to(head.when)
            await self.settle()
        clock.advance_to(target)
        await self.settle()


def _initial_configs(fleet: FleetSpec, spec: MachineSpec) -> dict[str, object]:
    """A distribution host starts with every receiver of the fleet registered, in fleet-file order."""
    from mfp_console.domain.destinations import Destination, DestinationList

    configs: dict[str, object] = {}
    if Function.DISTRIBUTION_SENDER in spec.identity.functions:
        limit = fleet.settings.destination_limit
        receivers = [
            Destination(m.name, m.name)
            for m in fleet.machines
            if m.name != spec.name and Function.DISTRIBUTION_RECEIVER in m.identity.functions
        ][:limit]
        configs[DESTINATIONS_KEY] = DestinationList(tuple(receivers), limit).to_json()
    return configs


def machine_seed(name: str) -> int:
    """The seed-data generator's seed for a machine: stable across runs, different per name."""
    return sum((i + 1) * ord(c) for i, c in enumerate(name))


def raise_open_file_limit(wanted: int) -> int:
    """Raises the soft open-file limit towards ``wanted`` (at most the hard limit); returns the soft limit.

    A 1,000-machine fleet needs ~4,100 descriptors where many systems default to a soft limit of 1,024.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on this platform
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    return int(soft)
