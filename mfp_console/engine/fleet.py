"""The fleet facade: the one object the panel, the scenarios, the CLI and the tests drive.

A :class:`Fleet` is built from a :class:`~mfp_console.fleet_file.FleetSpec`, a state directory and
a :class:`~mfp_console.clock.Clock`. :meth:`Fleet.start` opens every machine's store (seeding it on first
start), loads or creates the fleet's PKI, and opens every machine's TLS listener on loopback. Everything
that happens is published on :attr:`Fleet.bus`.

Under a virtual clock the engine must not let time jump while bytes are still moving: the fleet counts
conversations and tasks in flight, and :meth:`settle` waits until only clock sleepers remain.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mfp_console.clock import Clock
from mfp_console.domain.login_guard import LockoutPolicy
from mfp_console.domain.machine import Activity, PowerState
from mfp_console.domain.seed import seed_device_information
from mfp_console.engine.bus import EventBus
from mfp_console.engine.events import ConnectionOpened, MachineStarted, MachineStopped
from mfp_console.fleet_file import FleetSpec, MachineSpec, load_fleet_file
from mfp_console.engine.machine import Machine
from mfp_console.engine.distribution.part import DistributionOperations, attach_distribution
from mfp_console.engine.import_export import ImportExportOperations
from mfp_console.engine.panel_ops import PanelOperations
from mfp_console.engine.panel_session import SystemManagerSecret
from mfp_console.engine.net.ping import PingResult, ping_machine, serve_ping
from mfp_console.engine.sync.part import SyncOperations, attach_sync
from mfp_console.engine.net.transport import TlsStream
from mfp_console.errors import ConfigError, MachineUnavailable, MfpError
from mfp_console.pki import FleetPki, load_or_create_fleet_pki
from mfp_console.store import MachineStore
from mfp_console.store.paths import default_state_dir, machine_database_path

__all__ = ["Fleet", "MachineStatus", "default_state_dir", "machine_seed", "raise_open_file_limit"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MachineStatus:
    """One row of ``fleet status``."""

    name: str
    model: str
    series: str
    address: str
    functions: tuple[str, ...]
    power: str
    activity: str
    error: str
    network: str
    tls: str
    fingerprint: str
    running_here: bool

    def to_json(self) -> dict[str, Any]:
        """Returns the row as JSON-ready data."""
        return dict(self.__dict__)


class Fleet(PanelOperations, DistributionOperations, ImportExportOperations, SyncOperations):
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
        self.spec = spec
        self.state_dir = Path(state_dir)
        self.clock = clock
        self.bus = bus or EventBus()
        self.handshake_timeout = handshake_timeout
        self.conversation_timeout = conversation_timeout
        self.pki_now = pki_now
        self.machines: dict[str, Machine] = {}
        self.pki: FleetPki | None = None
        self._addresses: dict[str, tuple[str, int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._conversations = 0
        self.progress = 0
        """Counts bytes moved and work finished; see :meth:`settle`."""
        self._idle = asyncio.Event()
        self._idle.set()
        self.lockout_policy = LockoutPolicy(spec.settings.lockout_threshold, spec.settings.lockout_minutes)

    @classmethod
    def from_file(cls, fleet_file: Path | str | None, state_dir: Path, clock: Clock, **kwargs: Any) -> Fleet:
        """Loads a fleet file (None: the default fleet) and builds the fleet (not started)."""
        return cls(load_fleet_file(fleet_file), state_dir, clock, **kwargs)

    # --- life cycle ---------------------------------------------------------------------------------

    async def start(self, only: Collection[str] | None = None) -> None:
        """Opens stores, PKI and listeners for every machine (or only the named ones).

        Machines already running in another process of the same state directory are not started here;
        they are dialled at the address they published.
        """
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # A machine holds about four descriptors (listener, database, WAL, shared memory) plus two per link.
        raise_open_file_limit(4 * len(self.spec.machines) + 256)
        now = self.pki_now or datetime.now(timezone.utc)
        self.pki = await asyncio.to_thread(load_or_create_fleet_pki, self.state_dir / "pki", self.spec.names, now)
        names = [n for n in self.spec.names if only is None or n in only]
        for name in names:
            external = self._external_address(name)
            if external is not None and only is None:
                self._addresses[name] = external
                continue
            await self._start_machine(self.spec.machine(name))

    async def _start_machine(self, spec: MachineSpec) -> None:
        store = MachineStore.open(machine_database_path(self.state_dir, spec.name))
        if not store.has_device_info():
            self._seed(store, spec)
        machine = Machine(spec, store, self)
        machine.responders["ping"] = lambda channel, hello, welcome: serve_ping(machine, channel, hello, welcome)
        self.machines[spec.name] = machine
        self._attach_functions(machine)
        host, port = _split_address(spec.address) if spec.address else ("127.0.0.1", 0)
        if not _is_loopback(host) and not spec.address:
            raise ConfigError(f"{spec.name}: only loopback addresses are used unless the fleet file opts in (M-07)")
        await machine.start_listener(host, port)
        assert machine.listener is not None
        self._addresses[spec.name] = (host, machine.listener.port)
        self._publish_address(spec.name, host, machine.listener.port)
        self.bus.publish(
            MachineStarted(at=self.clock.now(), machine=spec.name, address=f"{host}:{machine.listener.port}")
        )

    def _attach_functions(self, machine: Machine) -> None:
        """Hook for the feature modules (distribution, sync) to register their functions."""
        for attach in _FUNCTION_ATTACHERS:
            attach(self, machine)

    def _seed(self, store: MachineStore, spec: MachineSpec) -> None:
        info = seed_device_information(spec.seed, spec.name, seed=machine_seed(spec.name))
        secret = SystemManagerSecret.from_id_pin(spec.system_manager_id, spec.system_manager_pin)
        store.seed(info)
        store.set_configs({"system_manager": secret.to_json(), **_initial_configs(self.spec, spec)})

    async def stop(self) -> None:
        """Cancels work in flight and closes every machine this process runs."""
        for machine in self.machines.values():
            timer = machine.functions.get("auto_distribution")
            if timer is not None:
                timer.stop()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for name, machine in list(self.machines.items()):
            await machine.close()
            self._unpublish_address(name)
            self.bus.publish(MachineStopped(at=self.clock.now(), machine=name))
        self.machines.clear()

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

    def machine(self, name: str) -> Machine:
        """Returns the machine called ``name`` running in this process."""
        try:
            return self.machines[name]
        except KeyError:
            self.spec.machine(name)  # raises with a "did you mean" hint when the name is unknown
            raise MachineUnavailable(f"{name} is not running in this process") from None

    def address_of(self, name: str) -> tuple[str, int]:
        """Resolves a machine name to the loopback socket address it listens on."""
        if name in self._addresses:
            return self._addresses[name]
        external = self._external_address(name)
        if external is None:
            raise MachineUnavailable(f"{name} is not running (no address known)", "M-06")
        return external

    @property
    def ca_pem(self) -> bytes:
        """The fleet CA's certificate."""
        assert self.pki is not None, "fleet not started"
        return self.pki.ca_pem

    def pki_identity(self, name: str) -> Any:
        """The machine's key and certificate, or None when removed."""
        assert self.pki is not None, "fleet not started"
        return self.pki.identity(name)

    def revoked_serials(self) -> set[int]:
        """Serial numbers of revoked certificates (M-05)."""
        return set(self.pki.revoked_serials) if self.pki else set()

    def is_running(self, name: str) -> bool:
        """True when machine ``name`` runs in this process."""
        return name in self.machines

    def status(self) -> list[MachineStatus]:
        """Every machine's status row, in fleet-file order."""
        rows = []
        for spec in self.spec.machines:
            machine = self.machines.get(spec.name)
            identity = self.pki.identity(spec.name) if self.pki else None
            host, port = self._addresses.get(spec.name, ("", 0))
            state = machine.state if machine else None
            rows.append(
                MachineStatus(
                    name=spec.name,
                    model=spec.identity.model,
                    series=spec.identity.series,
                    address=f"{host}:{port}" if host else "-",
                    functions=tuple(sorted(f.value for f in spec.identity.functions)),
                    power=state.power.value if state else "?",
                    activity=state.activity.value if state else "?",
                    error=(state.error_code if state else "") or "",
                    network=("cut" if state and state.network_cut else "connected") if state else "?",
                    tls=("configured" if state.tls_configured else "removed") if state else "?",
                    fingerprint=identity.fingerprint if identity else "-",
                    running_here=machine is not None,
                )
            )
        return rows

    # --- work in flight -----------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        """Runs engine work as a tracked task; :meth:`settle` waits for it."""
        task = asyncio.get_running_loop().create_task(coro, name=name or None)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self.progress += 1
        if not task.cancelled() and task.exception() is not None:
            _log.error("engine task %s failed", task.get_name(), exc_info=task.exception())
        self._update_idle()

    def track_conversation(self, delta: int) -> None:
        """Counts incoming conversations in flight (they keep the fleet from being quiescent)."""
        self._conversations += delta
        self.progress += 1
        self._update_idle()

    def _update_idle(self) -> None:
        if not self._tasks and self._conversations <= 0:
            self._idle.set()
        else:
            self._idle.clear()

    @property
    def busy(self) -> bool:
        """True while tasks or conversations are in flight."""
        return bool(self._tasks) or self._conversations > 0

    def note_progress(self) -> None:
        """Called whenever bytes move or work completes; :meth:`settle` watches it."""
        self.progress += 1

    async def settle(self, timeout: float = 60.0, window: float = 0.003) -> None:
        """Waits (real time, bounded) until the fleet is quiescent.

        Quiescent means no work in flight, or work in flight that is parked on the virtual clock with no
        bytes moving: the progress counter stays still over a short real-time window. Only then may a
        virtual clock jump (see "Virtual time with real sockets" in docs/architecture.md).

        Raises:
            MfpError: Work was still moving after ``timeout`` real seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.busy:
            if getattr(self.clock, "sleepers", 0):
                before = self.progress
                for _ in range(3):
                    await asyncio.sleep(0)
                await asyncio.sleep(window)
                if self.progress == before and getattr(self.clock, "sleepers", 0):
                    return
            else:
                try:
                    await asyncio.wait_for(self._idle.wait(), 0.05)
                except asyncio.TimeoutError:
                    pass
            if loop.time() > deadline:
                raise MfpError(f"the fleet did not settle within {timeout:g} s (work still in flight)")

    # --- conversations out --------------------------------------------------------------------------

    def on_connection_opened(self, name: str) -> Callable[[TlsStream], None]:
        """Returns the listener callback that publishes an opened connection."""

        def opened(stream: TlsStream) -> None:
            self.bus.publish(
                ConnectionOpened(
                    at=self.clock.now(),
                    machine=name,
                    peer=stream.peer_name or "?",
                    tls_version=stream.tls_version,
                    cipher=stream.cipher,
                )
            )

        return opened

    async def advance_to_next(self) -> datetime | None:
        """Under a virtual clock: settles, jumps to the next timer, fires it and settles again (UI-05).

        Returns:
            The new machine time, or None when nothing is scheduled (or the clock is real).
        """
        if not self.clock.is_virtual:
            return None
        await self.settle()
        handle = self.clock.jump_to_next()
        await self.settle()
        return handle.when if handle else None

    async def advance(self, seconds: float) -> None:
        """Under a virtual clock: moves time forward timer by timer, settling the fleet between timers."""
        if not self.clock.is_virtual:
            raise MfpError("the clock is real: it cannot be advanced")
        target = self.clock.now() + timedelta(seconds=seconds)
        await self.settle()
        while (head := self.clock.next_timer()) is not None and head.when <= target:
            self.clock.advance_to(head.when)
            await self.settle()
        self.clock.advance_to(target)
        await self.settle()

    async def ping(self, source: str, target: str) -> PingResult:
        """A real mutual-TLS handshake and ping exchange from ``source`` to ``target``."""
        return await ping_machine(self, self.machine(source), target)

    async def ping_all(self, source: str | None = None) -> list[PingResult]:
        """Pings every other machine from ``source`` (the first distribution sender by default)."""
        source = source or self.default_host()
        return [await self.ping(source, name) for name in self.spec.names if name != source]

    def default_host(self) -> str:
        """The first machine with the distribution sender function (else the first machine)."""
        from mfp_console.domain.machine import Function

        for spec in self.spec.machines:
            if Function.DISTRIBUTION_SENDER in spec.identity.functions:
                return spec.name
        return self.spec.machines[0].name

    # --- faults (UI-04) -----------------------------------------------------------------------------

    def power(self, name: str, power: PowerState) -> None:
        """Powers a machine On, Off or to Sleep."""
        self.machine(name).set_power(power)

    def set_activity(self, name: str, activity: Activity) -> None:
        """Makes a machine busy (Printing, Sending…) or Idle."""
        self.machine(name).set_activity(activity)

    def cut_network(self, name: str, cut: bool = True) -> None:
        """Cuts (or restores) a machine's network link."""
        self.machine(name).set_network_cut(cut)

    def remove_tls_key(self, name: str) -> None:
        """Removes a machine's TLS key and certificate (it can no longer complete a handshake)."""
        assert self.pki is not None
        self.pki.remove_identity(name)
        self.machine(name).set_tls_configured(False)

    def regenerate_tls_key(self, name: str) -> None:
        """Issues a new TLS key and certificate for a machine."""
        assert self.pki is not None
        self.pki.regenerate_identity(name, self.pki_now or datetime.now(timezone.utc))
        machine = self.machine(name)
        machine.set_tls_configured(True)
        if machine.listener is not None:
            machine.listener.set_identity(self.pki.identity(name))

    def change_pin(self, name: str, pin: str, manager_id: str | None = None) -> None:
        """Changes a machine's System Manager PIN (and optionally ID)."""
        machine = self.machine(name)
        machine.change_system_manager(manager_id or machine.secret.manager_id, pin)

    def set_error(self, name: str, code: str) -> None:
        """Shows an error code on a machine's panel (an empty code clears it)."""
        self.machine(name).set_error(code)

    def clear_error(self, name: str) -> None:
        """Clears the error shown on a machine's panel."""
        self.machine(name).set_error("")

    # --- multi-process addresses --------------------------------------------------------------------

    def _run_dir(self) -> Path:
        return self.state_dir / "run"

    def _publish_address(self, name: str, host: str, port: int) -> None:
        run = self._run_dir()
        run.mkdir(parents=True, exist_ok=True)
        tmp = run / f".{name}.json.tmp"
        tmp.write_text(json.dumps({"host": host, "port": port, "pid": os.getpid()}))
        os.replace(tmp, run / f"{name}.json")

    def _unpublish_address(self, name: str) -> None:
        path = self._run_dir() / f"{name}.json"
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass

    def _external_address(self, name: str) -> tuple[str, int] | None:
        published = self._published_elsewhere(name)
        return None if published is None else (published[0], published[1])

    def _published_elsewhere(self, name: str) -> tuple[str, int, int] | None:
        """Host, port and process id of ``name`` when another live process runs it on this state directory."""
        path = self._run_dir() / f"{name}.json"
        try:
            data = json.loads(path.read_text())
            host, port, pid = str(data["host"]), int(data["port"]), int(data.get("pid", 0))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if pid == os.getpid() or not _pid_alive(pid):
            return None
        return host, port, pid

    def running_elsewhere(self) -> dict[str, int]:
        """The machines of this state directory that other live processes run: name → process id.

        A second panel on a state directory whose machines all run elsewhere has nothing to show; it
        uses this to say which process holds them.
        """
        out: dict[str, int] = {}
        for name in self.spec.names:
            published = self._published_elsewhere(name)
            if published is not None:
                out[name] = published[2]
        return out


_FUNCTION_ATTACHERS: list[Callable[[Fleet, Machine], None]] = [attach_distribution, attach_sync]


def _initial_configs(fleet: FleetSpec, spec: MachineSpec) -> dict[str, Any]:
    """A distribution host starts with every receiver of the fleet registered, in fleet-file order."""
    from mfp_console.domain.destinations import Destination, DestinationList
    from mfp_console.domain.machine import Function

    configs: dict[str, Any] = {}
    if Function.DISTRIBUTION_SENDER in spec.identity.functions:
        limit = fleet.settings.destination_limit
        receivers = [
            Destination(m.name, m.name)
            for m in fleet.machines
            if m.name != spec.name and Function.DISTRIBUTION_RECEIVER in m.identity.functions
        ][:limit]
        configs["destinations"] = DestinationList(tuple(receivers), limit).to_json()
    return configs


def machine_seed(name: str) -> int:
    """The seed-data generator's seed for a machine: stable across runs, different per name."""
    return sum((i + 1) * ord(c) for i, c in enumerate(name))


def _split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


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


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

