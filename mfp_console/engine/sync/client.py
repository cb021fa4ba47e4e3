"""The sync client function: joins the server, keeps the machine's users in step, survives losing it.

The client reads its connection settings when it starts — when ``<Start>`` is pressed or the machine
restarts — so a changed ``[Destination Server Address:]`` waits for the next start (SYNC-20). A blank
address searches the machines within ``[Search Depth (Router):]`` for the one running server;
``localhost:8443`` is the server machine's own client function (SYNC-01).

A start is a fresh beginning: every user the server has replaces the client's copy (SYNC-05), and users
only the client has are offered to the server (SYNC-06, SYNC-07). While the session is open, a change a
user makes here is pushed at once and the server pushes other machines' changes here. When the server
cannot be reached the client logs ``Warning``, keeps its data (users go on working with it), remembers
what changed, retries every :data:`RETRY_SECONDS` of machine time and catches up when it gets through
(SYNC-14); a refusal is logged as ``Error`` and not retried until the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfp_console.clock import TimerHandle
from mfp_console.domain.machine import Function
from mfp_console.domain.sync_items import (
    FIRMWARE_LIMITED_ITEMS,
    PersonalItem,
    firmware_below,
    unreflected_parts,
)
from mfp_console.domain.sync_records import DeviceProfile, LoginRecord, wire
from mfp_console.domain.sync_settings import SyncClientSettings, SyncClientState
from mfp_console.engine.events import MachineStateChanged
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.engine.sync.client_copies import COMMON_KEY, RANGES_KEY, ClientCopies
from mfp_console.engine.sync.link import PushAnswer, SyncLink
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.proof import join_proof
from mfp_console.errors import MfpError, RemoteProtocolError, TransportError
from mfp_console.protocol.messages import (
    Message,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPush,
)
from mfp_console.store.user_data import Sharing

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine
    from mfp_console.engine.runtime import Runtime

__all__ = ["COMMON_KEY", "RETRY_SECONDS", "SyncClient"]

_log = logging.getLogger(__name__)

RUN_KEY = "sync_client"
SETTINGS_KEY = "sync_client_settings"
DESTINATIONS_KEY = "connection_destinations"
MALFUNCTION_KEY = "sync_malfunction"
RETRY_SECONDS = 60.0
"""Machine seconds between attempts to reach an unreachable server."""


def connection_destinations_of(machine: Machine) -> list[str]:
    """The machine's connection destinations (Advanced Space, file servers) in registration order (SYNC-16)."""
    return list(machine.store.get_config(DESTINATIONS_KEY) or [])


class SyncClient:
    """The client function of one machine (its ``<Start>``/``<Stop>`` are :meth:`switch_on`/:meth:`switch_off`)."""

    def __init__(self, runtime: Runtime, machine: Machine) -> None:
        self.runtime = runtime
        self.machine = machine
        self.link: SyncLink | None = None
        self.server = ""
        self.state = SyncClientState.STOPPED
        self.effective: SyncClientSettings | None = None
        self.synced = False
        self.last_sync: datetime | None = None
        self._retry: TimerHandle | None = None
        self._connecting: asyncio.Task[Any] | None = None
        self._watcher: asyncio.Task[Any] | None = None
        self._warned = False
        self._closed = False
        self._started = False
        self.copies = ClientCopies(self)
        self._subscription = runtime.bus.subscribe(MachineStateChanged, self._on_state)

    def start(self) -> None:
        """The machine came on: like a machine restart, a started client function begins afresh (SYNC-20)."""
        first, self._started = not self._started, True
        if not self.running:
            return
        if not first:
            sync_log(self.machine, "Info", "the machine restarted: the client function starts with its "
                     "connection settings (SYNC-20)")
            self._begin()
            return
        self.effective = self.settings()
        self.copies.forget_pending("the program restarted")
        self.state = SyncClientState.CONNECTING
        work = self.runtime.work
        work.track_conversation(+1)  # the fleet is not quiescent until the attempt is under way

        def resume() -> None:
            try:
                self.connect_soon()
            finally:
                work.track_conversation(-1)

        asyncio.get_running_loop().call_soon(resume)

    def stop(self) -> None:
        """The machine goes off: the session ends and retries stop until it comes on again."""
        if not self.running:
            return
        self._cancel_retry()
        if self.link is not None:
            self.link.abort("the machine was switched off")
        self.state = SyncClientState.DISCONNECTED

    # --- settings and life cycle ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the client function is started (kept across restarts)."""
        return bool((self.machine.store.get_config(RUN_KEY) or {}).get("running", False))

    def settings(self) -> SyncClientSettings:
        """The stored connection settings (what the next start uses)."""
        data = self.machine.store.get_config(SETTINGS_KEY)
        return SyncClientSettings.from_json(data) if data else SyncClientSettings()

    @property
    def settings_pending(self) -> bool:
        """True when stored settings differ from those in effect (they wait for a restart, SYNC-20)."""
        return self.running and self.effective is not None and self.effective != self.settings()

    @property
    def withheld(self) -> frozenset[PersonalItem]:
        """Items this machine does not synchronize because its firmware is old (SYNC-17)."""
        if firmware_below(self.machine.identity.firmware, self.machine.spec.sync_min_firmware):
            return FIRMWARE_LIMITED_ITEMS
        return frozenset()

    def switch_on(self) -> None:
        """``<Start>``: reads the connection settings and starts synchronizing (nothing when already started)."""
        if self.running:
            return
        self.machine.store.set_config(RUN_KEY, {"running": True})
        sync_log(self.machine, "Info", "client function started")
        self._begin()

    def _begin(self) -> None:
        """A start of the client function (``<Start>`` or a restart): settings and SYNC-05 apply afresh."""
        self.effective = self.settings()
        self.copies.forget_pending("the client function started again")
        self._warned = False
        self.state = SyncClientState.CONNECTING
        self.connect_soon()

    def switch_off(self) -> None:
        """``<Stop>``: tells the server (which then stops counting this machine, SYNC-02) and disconnects."""
        self.machine.store.set_config(RUN_KEY, {"running": False})
        self._cancel_retry()
        if self.connected:
            self.copies.save_pending({})  # already on their way: the leave follows them
        else:
            self.copies.forget_pending("the client function was stopped")
        if self.link is not None and not self.link.closed.is_set() and self.synced:
            self.link.leave("stopped")
            sync_log(self.machine, "Info", f"client function stopped; {self.server} was told", self.server)
        else:
            if self.link is not None:
                self.link.abort("stopped")
            sync_log(self.machine, "Warning", "client function stopped while not connected: the server counts "
                     "this machine until its synchronization is stopped there too (SYNC-02)")
        self.link = None
        self.synced = False
        self.state = SyncClientState.STOPPED

    def close(self) -> None:
        """The machine stops: cut the session, cancel timers and tasks."""
        self._closed = True
        self._subscription.close()
        self._cancel_retry()
        for task in (self._connecting, self._watcher):
            if task is not None:
                task.cancel()
        if self.link is not None:
            self.link.abort("the machine stopped")

    # --- connecting ---------------------------------------------------------------------------------------

    def connect_soon(self) -> None:
        """Starts a connection attempt unless one is open, under way, or impossible now."""
        self._retry = None
        me = self.machine
        if self._closed or not self.running or not me.state.reachable or me.state.error_code:
            return
        if self.link is not None and not self.link.closed.is_set():
            return
        if self._connecting is not None and not self._connecting.done():
            return
        self.runtime.work.track_conversation(+1)  # released once the session is set up (or failed)
        self._connecting = asyncio.get_running_loop().create_task(self._connect(), name=f"sync join {me.name}")

    def _cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def _schedule_retry(self) -> None:
        self._cancel_retry()
        if self.running:
            self._retry = self.runtime.clock.call_later(RETRY_SECONDS, self.connect_soon,
                                                      f"{self.machine.name} sync retry")

    async def _connect(self) -> None:
        me = self.machine
        try:
            target = await self.resolve()
            opened = await open_conversation(self.runtime, me, target, "sync")
            channel = opened.channel
            try:
                await channel.send(self.join_message(target, opened.welcome.challenge, self._role()))
                reply = await channel.expect(SyncJoinReply)
            except BaseException:
                await channel.close()
                raise
            if not reply.ok:
                await channel.close()
                self._refused(target, reply.code, reply.reason)
                return
            self.server = target
            link = SyncLink(self.runtime.work, channel, me.name, target, self._handle)
            self.link = link
            link.start()
            self._begin_session(link)
            self._watcher = asyncio.get_running_loop().create_task(self._watch(link), name=f"sync watch {me.name}")
        except asyncio.CancelledError:
            raise
        except (MfpError, OSError) as exc:
            if not self._closed:
                self._unreachable(str(exc))
        finally:
            self.runtime.work.track_conversation(-1)

    def _role(self) -> str:
        return "server/client" if self.effective and self.effective.server.is_localhost else "client"

    def join_message(self, server: str, challenge: str, role: str) -> SyncJoin:
        """This machine's request to join, with the proof of its SYNC-04 settings for this challenge."""
        me = self.machine
        plan = self.runtime.addresses.plan(me.name)  # the address its Network Settings show (M-09)
        host, port = plan.ipv4, plan.port
        return SyncJoin(
            device_name=me.name,
            product_name=me.identity.model,
            location=me.identity.location,
            address=f"{host}:{port}",
            firmware=me.identity.firmware,
            proof=join_proof(me, challenge, server, role),
            role=role,
        )

    async def resolve(self, settings: SyncClientSettings | None = None) -> str:
        """The machine the settings point at (searching when blank): ``settings``, else those of the
        running start."""
        settings = settings or self.effective or self.settings()
        address = settings.server
        me = self.machine
        if address.is_localhost:
            if Function.SYNC_SERVER not in me.identity.functions:
                raise TransportError("localhost:8443 names this machine, which has no server function", "E-UNREACH")
            return me.name
        if not address.search:
            # An IPv4 address, a host name or localhost (M-09); an address no machine has is dialled only on
            # loopback or where the fleet file opts in (M-07), and fails as a real one would.
            found = self.runtime.resolve(str(address), me.name, address.port)
            if found.target:
                return found.target
            raise TransportError(f"no machine answers at {address}: {found.reason}", "E-UNREACH")
        found = []
        for spec in self.runtime.spec.machines:
            if Function.SYNC_SERVER not in spec.identity.functions:
                continue
            hops = self.runtime.router_hops(spec.name, me.name)
            if hops > settings.search_depth and spec.name != me.name:
                continue
            if await self._probe(spec.name):
                found.append(spec.name)
        if len(found) > 1:
            raise TransportError(f"more than one sync server found ({', '.join(found)}): type the server's address",
                                 "E-UNREACH")
        if not found:
            raise TransportError(f"no sync server found within {settings.search_depth} router(s)", "E-UNREACH")
        return found[0]

    async def _probe(self, name: str) -> bool:
        try:
            opened = await open_conversation(self.runtime, self.machine, name, "sync")
        except (MfpError, OSError):
            return False
        channel = opened.channel
        try:
            await channel.send(self.join_message(name, opened.welcome.challenge, "search"))
            reply = await channel.expect(SyncJoinReply)
            if reply.ok:
                await channel.send(SyncLeave(reason="search only"))
            return reply.ok
        except (MfpError, OSError):
            return False
        finally:
            await channel.close()

    def _refused(self, server: str, code: str, reason: str) -> None:
        if code == "E-NOSERVER":
            self._unreachable(f"{server}: {reason}")
            return
        self.state = SyncClientState.ERROR
        sync_log(self.machine, "Error", f"the server refused this machine ({code}): {reason}", server)

    def _unreachable(self, reason: str) -> None:
        self.state = SyncClientState.DISCONNECTED
        if not self._warned:
            self._warned = True
            sync_log(self.machine, "Warning", f"cannot reach the sync server ({reason}); working with the cached "
                     f"data and retrying every {RETRY_SECONDS:g} s", self.server)
        self._schedule_retry()

    async def _watch(self, link: SyncLink) -> None:
        reason = await link.wait_closed()
        if self._closed:
            return
        if self.link is link:
            self.link = None
            self.synced = False
            self.copies.session_ended()
            if self.running:
                self.state = SyncClientState.DISCONNECTED
                self._warned = False
                if self.machine.state.reachable and not self.machine.state.error_code:
                    self._unreachable(f"lost the connection: {reason}")

    # --- the session ----------------------------------------------------------------------------------

    def device_profile(self) -> DeviceProfile:
        """What the server's device list learns about this machine (SYNC-11, -13, -15, -16, -17, -22)."""
        me = self.machine
        return DeviceProfile(
            destinations=tuple(connection_destinations_of(me)),
            withheld=self.withheld,
            power="Sleep" if me.state.power.value == "Sleep" else "On",
            reset_device_specific=bool(me.store.get_config(MALFUNCTION_KEY)),
            unreflected=unreflected_parts(me.identity.options),
        )

    def send_profile(self) -> None:
        """Pushes the device profile when it changed (power, connection destinations)."""
        if self.link is not None and not self.link.closed.is_set():
            profile = self.device_profile()

            def answered(answer: PushAnswer) -> None:
                if profile.reset_device_specific and not answer.refused:
                    self.machine.store.set_config(MALFUNCTION_KEY, False)

            self.link.push([wire(profile)], on_ack=answered)

    def _begin_session(self, link: SyncLink) -> None:
        self.state = SyncClientState.SYNCHRONIZING
        self.copies.session_ended()
        self.send_profile()
        link.pull((), self.copies.on_everything)

    def mark_synchronized(self) -> None:
        """The server's answer is stored: changes go up as they are made from now on."""
        self.synced = True
        self.state = SyncClientState.SYNCHRONIZED
        self.last_sync = self.runtime.clock.now()
        self._warned = False

    @property
    def connected(self) -> bool:
        """True while a session is open and the server's answer is stored."""
        return self.link is not None and self.synced and not self.link.closed.is_set()

    def _handle(self, link: SyncLink, message: Message) -> None:
        if isinstance(message, SyncPush):
            try:
                records = self.copies.parse(message.records)
            except RemoteProtocolError as exc:
                link.ack(0, str(exc))
                sync_log(self.machine, "Warning", f"refused a push from the server: {exc}", self.server)
                return
            self.copies.apply_pushed(records)
            link.ack(len(message.records))
            self.last_sync = self.runtime.clock.now()

    def sharing_of(self, item: str) -> Sharing | None:
        """The item's sharing range as the server last said (None when unknown or not synchronizing)."""
        if not self.running:
            return None
        value = (self.machine.store.get_config(RANGES_KEY) or {}).get(item)
        return Sharing(value) if value else None

    # --- what the panel does ----------------------------------------------------------------------------

    def changed(self, user: str, items: Mapping[str, int], before: Mapping[str, int]) -> None:
        """Items of ``user`` changed here (new versions, versions before); pushed now or when back online."""
        if self.running:
            self.copies.changed(user, items, before)

    def changed_common(self, item: str, value: Any, base: int) -> None:
        """A shared non-personal setting changed here (SYNC-09)."""
        if self.running:
            self.copies.changed_common(item, value, base)

    def logged_in(self, user: str) -> None:
        """A user logged in here: the server stamps the login (SYNC-03) and sends its copy of the user."""
        if not self.connected:
            return
        assert self.link is not None
        self.link.push([wire(LoginRecord(user))])
        self.pull_user(user)

    def pull_user(self, user: str) -> None:
        """Asks the server for its copy of ``user``; it replaces this machine's (see ``take_user``)."""
        if self.connected:
            assert self.link is not None
            self.link.pull((user,), lambda answer: self.copies.take_user(user, answer))

    @property
    def pending_changes(self) -> int:
        """Changes made here that the server has not taken yet."""
        return self.copies.pending_changes

    # --- faults ----------------------------------------------------------------------------------------

    def malfunction(self) -> int:
        """SYNC-11: device-specific data cannot be recovered: it returns to defaults here and on the server."""
        store, now = self.machine.store, self.runtime.clock.now()
        reset = 0
        changed = {}
        for info in store.list_users():
            items = self.copies.stored(info.user)
            kept = {k: v for k, v in items.items() if v.sharing is not Sharing.DEVICE_SPECIFIC}
            if len(kept) != len(items):
                reset += len(items) - len(kept)
                changed[info.user] = kept
        store.write_users(now, changed, configs={MALFUNCTION_KEY: True})
        if self.link is not None:
            self.link.abort("the machine malfunctioned")
        return reset

    def _on_state(self, event: MachineStateChanged) -> None:
        if event.machine != self.machine.name:
            return
        if not self.running:
            return
        if event.what == "power":
            if event.new != "Off" and event.old != "Off":
                self.send_profile()  # On ↔ Sleep: the server's device list shows it (SYNC-13)
        elif event.what == "network":
            if event.new == "cut":
                if self.link is not None:
                    self.link.abort("the network link was cut")
            else:
                self._cancel_retry()
                self.connect_soon()
        elif event.what == "error":
            if event.new == "none":
                self.connect_soon()
            elif self.link is not None:
                self.link.abort(f"error {event.new}")
