"""One simulated machine: its identity, durable data, power/activity/error state, listener and panel session.

A :class:`Machine` owns its :class:`~mfp_console.store.MachineStore` and its TLS listener. What a machine
can *do* over the wire lives in its functions (:mod:`mfp_console.engine.functions`), which register a
responder for a conversation purpose. Every state change is written to the store and published on the bus,
so the panel, the fleet view and scenario transcripts see the same thing.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from mfp_console.domain.device_info import DeviceInformation
from mfp_console.domain.login_guard import LoginGuard
from mfp_console.domain.machine import (
    Activity,
    MachineIdentity,
    MachineState,
    PowerState,
)
from mfp_console.engine.events import (
    ConnectionOpened,
    ConnectionRefused,
    DataChanged,
    MachineStateChanged,
)
from mfp_console.engine.functions import MachineFunctions
from mfp_console.engine.net.channel import Channel, PeerClosed, PeerError
from mfp_console.engine.net.transport import TlsListener, TlsStream
from mfp_console.engine.panel_session import PanelSession, SystemManagerSecret
from mfp_console.engine.runtime import Runtime
from mfp_console.errors import (
    MachineBusy,
    MachineUnavailable,
    MfpError,
    RemoteProtocolError,
    RuleRefusal,
    StoreError,
    TransportError,
)
from mfp_console.fleet_file import FleetSpec, MachineSpec
from mfp_console.protocol import Role
from mfp_console.protocol.messages import Hello, Purpose, Welcome
from mfp_console.store import MachineStore
from mfp_console.store.machine_lock import MachineLock

__all__ = ["LOCKOUT_KEY", "Machine", "MachineRoster", "Responder"]

LOCKOUT_KEY = "panel_lockout"
"""The panel's PIN lockout state in the machine's store (kept across restarts, M-03)."""

_log = logging.getLogger(__name__)

Responder = Callable[[Channel, Hello, Welcome], Awaitable[None]]
"""Serves one conversation of a purpose after the hello/welcome exchange."""


class Machine:
    """A machine of the fleet.

    Args:
        spec: What the fleet file says about it.
        store: Its open database.
        runtime: The fleet's clock, bus, work tracker, keys and addresses.
        lock: This process's lock on the machine, released when it closes.
    """

    def __init__(self, spec: MachineSpec, store: MachineStore, runtime: Runtime,
                 lock: MachineLock | None = None) -> None:
        self.spec = spec
        self.store = store
        self._lock = lock
        self.runtime = runtime
        self.state = store.load_state() or MachineState()
        self.panel = PanelSession(runtime.lockout, _kept_guard(store))
        self.listener: TlsListener | None = None
        self.responders: dict[str, Responder] = {}
        self.conversations: dict[asyncio.Task[Any], str] = {}
        """Incoming conversations being served, each with its purpose; a power cut cancels them (DID-12)."""
        self.functions = MachineFunctions()
        """The functions this machine runs (distribution sender/receiver, sync server/client)."""
        self.sleep_guards: list[Callable[[], RuleRefusal | None]] = []
        """Functions that may keep the machine awake (M-10, e.g. SYNC-13): each says why, or None."""
        self.secret = SystemManagerSecret.from_json(store.get_config("system_manager"))
        if store.update_marker() is not None and not self.state.error_code:
            # DID-12: an update was cut off; the data is the old data, the panel asks for service.
            self.state = replace(self.state, error_code="E-UPDATE", activity=Activity.IDLE)
            store.save_state(self.state)
        elif self.state.activity in (Activity.UPDATING, Activity.PREPARING):
            self.state = replace(self.state, activity=Activity.IDLE)  # the program stopped mid-way

    # --- identity -----------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The machine's name in the fleet."""
        return self.spec.name

    @property
    def identity(self) -> MachineIdentity:
        """Model, series, options, functions."""
        return self.spec.identity

    @property
    def device_info(self) -> DeviceInformation:
        """The machine's current device information (from its store)."""
        return self.store.load_device_info()

    # --- state --------------------------------------------------------------------------------------

    def _set_state(self, what: str, **changes: Any) -> None:
        old = self.state
        new = replace(old, **changes)
        if new == old:
            return
        self.state = new
        if _kept(new) != _kept(old):  # Updating and Preparing are not kept: a restart ends them anyway
            try:
                self.store.save_state(_kept(new))
            except StoreError as exc:  # e.g. a full disk: the machine goes on in the state it is in, unsaved
                _log.warning("%s: %s state not saved: %s", self.name, what, exc)
        old_text, new_text = _state_text(old, what), _state_text(new, what)
        self.runtime.bus.publish(
            MachineStateChanged(at=self.runtime.clock.now(), machine=self.name, what=what, old=old_text, new=new_text)
        )

    def set_power(self, power: PowerState) -> None:
        """Turns the machine On, Off or to Sleep (M-06); Off also logs the panel out and stops its functions."""
        was_off = self.state.power is PowerState.OFF
        if power is PowerState.OFF:
            self.panel.logout()
            for task in list(self.conversations):
                task.cancel()  # a power cut ends every conversation at once (DID-12)
            if self.state.activity in (Activity.UPDATING, Activity.PREPARING):
                self._set_state("activity", activity=Activity.IDLE)
        self._set_state("power", power=power)
        if was_off and power is not PowerState.OFF and self.store.update_marker() is not None:
            self._set_state("error", error_code="E-UPDATE")  # DID-12: the update was cut off
        self._sync_listener()
        if power is PowerState.OFF and not was_off:
            self.functions.stop_all()
        elif was_off and power is not PowerState.OFF:
            self.functions.start_all()

    def enter_sleep(self) -> None:
        """The Energy Saver key or the sleep timer: the machine enters Sleep unless a function keeps it awake.

        Raises:
            RuleRefusal: A feature rule keeps it awake (M-10); the reason says why, and nothing changes.
            MachineUnavailable: The machine is off.
        """
        if self.state.power is PowerState.OFF:
            raise MachineUnavailable(f"{self.name} is off", "M-06")
        if self.state.power is PowerState.SLEEP:
            return
        for guard in self.sleep_guards:
            refusal = guard()
            if refusal is not None:
                raise refusal
        self.set_power(PowerState.SLEEP)

    def set_activity(self, activity: Activity) -> None:
        """Sets what the machine is doing (Printing makes it busy, DID-10)."""
        self._set_state("activity", activity=activity)

    def set_error(self, code: str) -> None:
        """Shows (or with an empty code, clears) an error on the panel."""
        self._set_state("error", error_code=code)
        if not code:
            self.store.clear_update_marker()

    def set_network_cut(self, cut: bool) -> None:
        """Cuts or restores the machine's network link (M-06)."""
        self._set_state("network", network_cut=cut)
        self._sync_listener()

    def set_tls_configured(self, configured: bool) -> None:
        """Records whether the machine has a TLS key and certificate (DID-09)."""
        self._set_state("tls", tls_configured=configured)
        if self.listener is not None:
            self.listener.set_identity(self.runtime.pki.identity(self.name) if configured else None)

    def wake(self) -> None:
        """A connection arrived while asleep: the machine wakes (M-06)."""
        if self.state.power is PowerState.SLEEP:
            self.set_power(PowerState.ON)

    def require_operable(self, what: str) -> None:
        """Raises when the panel cannot be used now (off, updating, or another exclusive activity)."""
        if self.state.power is PowerState.OFF:
            raise MachineUnavailable(f"{self.name} is off", "M-06")
        if self.state.activity is Activity.UPDATING:
            raise MachineBusy(f"{self.name} is applying received settings; {what} waits until it ends", "DID-11")

    def change_system_manager(self, manager_id: str, pin: str) -> None:
        """Changes the System Manager ID and PIN (M-02 validation); the PIN itself is never stored."""
        self.secret = SystemManagerSecret.from_id_pin(manager_id, pin)
        self.store.set_config("system_manager", self.secret.to_json())
        self.runtime.bus.publish(DataChanged(at=self.runtime.clock.now(), machine=self.name, what="system_manager",
                                             detail="System Manager ID/PIN changed"))

    # --- network ------------------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> None:
        """Opens the machine's TLS listener and starts its functions."""
        runtime = self.runtime
        identity = runtime.pki.identity(self.name) if self.state.tls_configured else None
        self.listener = TlsListener(
            name=self.name,
            identity=identity,
            ca_pem=runtime.pki.ca_pem,
            handler=self._serve,
            on_refused=self._on_refused,
            on_opened=self._on_opened,
            revoked=runtime.pki.revoked_serials,
            handshake_timeout=runtime.timeouts.handshake,
        )
        await self.listener.start(host, port)
        self._sync_listener()
        self.functions.start_all()  # each function knows what to do while the machine is off

    def _sync_listener(self) -> None:
        if self.listener is None:
            return
        if self.state.reachable:
            self.listener.resume()
        else:
            self.listener.pause()

    async def close(self) -> None:
        """Closes the functions, the listener and the store."""
        self.functions.close_all()
        if self.listener is not None:
            await self.listener.close()
            self.listener = None
        self.store.close()
        if self._lock is not None:
            self._lock.release()

    def _on_refused(self, peer: str, code: str, reason: str) -> None:
        _log.info("%s refused %s: %s (%s)", self.name, peer, reason, code)
        self.runtime.bus.publish(
            ConnectionRefused(at=self.runtime.clock.now(), machine=self.name, peer=peer, code=code, reason=reason)
        )

    def _on_opened(self, stream: TlsStream) -> None:
        self.runtime.bus.publish(
            ConnectionOpened(at=self.runtime.clock.now(), machine=self.name, peer=stream.peer_name or "?",
                             tls_version=stream.tls_version, cipher=stream.cipher)
        )

    async def _serve(self, stream: TlsStream) -> None:
        """Serves one incoming conversation: hello, welcome, then the purpose's responder."""
        work = self.runtime.work
        channel = Channel(
            stream, Role.RESPONDER, timeout=self.runtime.timeouts.conversation, on_progress=work.note_progress
        )
        peer = stream.peer_name or "?"
        try:
            hello = await channel.expect(Hello)
            if hello.machine != stream.peer_name:
                raise RemoteProtocolError(
                    f"peer certificate names {stream.peer_name!r} but hello claims {hello.machine!r}"
                )
            responder = self.responders.get(hello.purpose)
            if responder is None:
                await channel.send_error("E-REFUSED", f"{self.name} does not serve {hello.purpose!r}")
                self._on_refused(peer, "E-REFUSED", f"no {hello.purpose} function")
                return
            if hello.purpose != Purpose.FORECAST.value:
                self.wake()  # M-06; a pre-flight check is answered asleep: it must change nothing
            ident = self.identity
            welcome = Welcome(
                machine=self.name,
                model=ident.model,
                series=ident.series,
                firmware=ident.firmware,
                challenge=secrets.token_hex(32),
            )
            await channel.send(welcome)
            work.track_conversation(+1)
            task = asyncio.current_task()
            if task is not None:
                self.conversations[task] = hello.purpose
            try:
                await responder(channel, hello, welcome)
            finally:
                work.track_conversation(-1)
                if task is not None:
                    self.conversations.pop(task, None)
        except RemoteProtocolError as exc:
            await channel.send_error("E-PROTOCOL", str(exc))
            self._on_refused(peer, "E-PROTOCOL", str(exc))
        except (PeerClosed, PeerError) as exc:
            _log.debug("%s: conversation with %s ended: %s", self.name, peer, exc)
        except TransportError as exc:
            self._on_refused(peer, exc.code, str(exc))
        except MfpError as exc:
            await channel.send_error("E-REFUSED", str(exc))
        finally:
            await channel.close()

    def __repr__(self) -> str:
        s = self.state
        return f"<Machine {self.name} {s.power.value} {s.activity.value} {s.error_code or '-'}>"


_TRANSIENT = (Activity.UPDATING, Activity.PREPARING)


def _kept(state: MachineState) -> MachineState:
    """The state as the store keeps it: an update or a preparation in progress reads as idle.

    A program that stops while updating or preparing starts idle again (see :class:`Machine`; an update
    cut off is told by the store's durable marker, DID-12), so writing those activities would be two
    commits per received update that no restart ever reads.
    """
    return replace(state, activity=Activity.IDLE) if state.activity in _TRANSIENT else state


def _state_text(state: MachineState, what: str) -> str:
    return {
        "power": state.power.value,
        "activity": state.activity.value,
        "error": state.error_code or "none",
        "network": "cut" if state.network_cut else "connected",
        "tls": "configured" if state.tls_configured else "removed",
    }[what]


def _kept_guard(store: MachineStore) -> LoginGuard | None:
    data = store.get_config(LOCKOUT_KEY)
    try:
        return LoginGuard.from_json(data) if data else None
    except (KeyError, ValueError, TypeError):
        return None  # a damaged record forgets the count, as the panel did before it was kept


class MachineRoster:
    """The machines running in this process, by name; calling it finds one.

    Args:
        spec: The fleet file's description (to tell an unknown name from one that runs elsewhere).
    """

    def __init__(self, spec: FleetSpec) -> None:
        self._spec = spec
        self._running: dict[str, Machine] = {}

    def __call__(self, name: str) -> Machine:
        """The machine called ``name``.

        Raises:
            ConfigError: No machine of the fleet has that name (with a "did you mean" hint).
            MachineUnavailable: It does not run in this process.
        """
        try:
            return self._running[name]
        except KeyError:
            self._spec.machine(name)
            raise MachineUnavailable(f"{name} is not running in this process") from None

    def __contains__(self, name: object) -> bool:
        return name in self._running

    def running(self) -> list[Machine]:
        """The machines running here, in the order they started."""
        return list(self._running.values())

    def add(self, machine: Machine) -> None:
        """A machine started here."""
        self._running[machine.name] = machine

    def remove(self, name: str) -> None:
        """A machine stopped here."""
        self._running.pop(name, None)
