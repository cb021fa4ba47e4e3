"""The sync server function: admits clients, keeps the server copies, and passes every change on.

The server answers conversations of purpose ``sync``. A client's :class:`SyncJoin` is checked against
the server's rules — the server function is started (SYNC-01), the client proves it holds the same
user-authentication and group settings (SYNC-04, :mod:`~mfp_console.engine.sync.proof`), at most ten
machines including the server (SYNC-02) — and refused with ``Error`` in both logs, or admitted and
registered on the device list (SYNC-15). The session then stays open until the client stops
synchronizing or a side goes away:

* a pull of everything answers with the server copies this device should hold
  (:mod:`~mfp_console.engine.sync.server_answers`);
* every push is checked whole (:func:`~mfp_console.domain.sync_records.parse_client_records`), decided
  by :func:`~mfp_console.domain.sync_merge.plan_push` — registrations (SYNC-05/06/07), changes on the
  server's current version, logins stamped with the server's clock, eviction past the user limit
  (SYNC-03) — written in one transaction, and always answered: with the outcome of each change, or with
  why none of it was stored. Shared changes then go out over every other open session.

The server also refuses to go to Sleep while clients operate or its own client goes through a proxy
(SYNC-13), and takes a replica of another server's data while its own server function is stopped
(SYNC-18, :mod:`~mfp_console.engine.sync.replica`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfp_console.domain.sync_items import SharingRange
from mfp_console.domain.sync_merge import plan_push
from mfp_console.domain.sync_records import (
    DeletedNotice,
    ServerRecord,
    parse_client_records,
    wire_all,
)
from mfp_console.domain.sync_rules import admission_problem
from mfp_console.domain.sync_settings import MAX_SYNC_MACHINES, MAX_SYNC_USERS
from mfp_console.engine.net.channel import Channel
from mfp_console.engine.sync.backup import BackupTimer
from mfp_console.engine.sync.link import SyncLink
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.preview import PREVIEW_ROLE, serve_preview
from mfp_console.engine.sync.proof import auth_settings_of, check_join_proof, uses_proxy
from mfp_console.engine.sync.replica import receive_replica
from mfp_console.engine.sync.server_answers import AnswerCache, records_for
from mfp_console.engine.sync.server_data import (
    ServerData,
    device_key,
    server_data_path,
    split_key,
)
from mfp_console.errors import (
    MachineUnavailable,
    RemoteProtocolError,
    RuleRefusal,
    StoreError,
)
from mfp_console.protocol.messages import (
    Hello,
    Message,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPull,
    SyncPush,
    Welcome,
)
from mfp_console.store.user_data import Sharing, UserItem

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine
    from mfp_console.engine.runtime import Runtime

__all__ = ["SyncServer", "auth_settings_of"]

RUN_KEY = "sync_server"


class SyncServer:
    """The server function of one machine (its ``<Start>``/``<Stop>`` are :meth:`switch_on`/:meth:`switch_off`)."""

    def __init__(self, runtime: Runtime, machine: Machine) -> None:
        self.runtime = runtime
        self.machine = machine
        self.links: dict[str, SyncLink] = {}
        self.ready: set[str] = set()
        self.last_sync: dict[str, datetime] = {}
        self.user_limit = MAX_SYNC_USERS
        self.machine_limit = MAX_SYNC_MACHINES
        self._data: ServerData | None = None
        self._answers = AnswerCache(self)
        self._closed = False
        self.backup_timer = BackupTimer(runtime, self)
        machine.responders["sync"] = self.serve
        machine.sleep_guards.append(self._sleep_guard)

    # --- life cycle -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the server function is started (kept across restarts)."""
        return bool((self.machine.store.get_config(RUN_KEY) or {}).get("running", False))

    @property
    def data(self) -> ServerData:
        """The server data (opened on first use)."""
        if self._data is None:
            if self._closed:
                raise MachineUnavailable(f"{self.machine.name} has stopped", "M-06")
            self._data = ServerData.open(server_data_path(self.runtime.state_dir, self.machine.name))
        return self._data

    def start(self) -> None:
        """The machine is on: the backup schedule runs (it skips slots while the machine is off)."""
        if self.backup_timer.handle is None:
            self.backup_timer.rearm()

    def stop(self) -> None:
        """The machine goes off: every session ends (clients keep their data and retry)."""
        for link in list(self.links.values()):
            link.abort("the server machine was switched off")

    def switch_on(self) -> None:
        """``<Start>``: the server accepts clients from now on (nothing when already started)."""
        if self.running:
            return
        self.machine.store.set_config(RUN_KEY, {"running": True})
        self.data  # noqa: B018 - opens the file now, so a broken file shows at once
        sync_log(self.machine, "Info", "server function started")

    def switch_off(self) -> None:
        """``<Stop>``: open sessions end (clients keep their data and retry); registrations stay."""
        self.machine.store.set_config(RUN_KEY, {"running": False})
        for link in list(self.links.values()):
            link.leave("the server function was stopped")
        sync_log(self.machine, "Info", "server function stopped")

    def close(self) -> None:
        """The machine stops: cut every session and close the data file."""
        self._closed = True
        self.backup_timer.stop()
        for link in list(self.links.values()):
            link.abort("the server machine stopped")
        if self._data is not None:
            self._data.close()
            self._data = None

    # --- the device registry (SYNC-02, SYNC-15) -------------------------------------------------------

    def registered(self) -> dict[str, dict[str, Any]]:
        """Clients that have not stopped synchronizing."""
        return self.data.devices()

    def unregister(self, client: str, why: str) -> bool:
        """Forgets a client (it stopped, or the server stopped it because it is broken)."""
        devices = self.data.devices()
        if devices.pop(client, None) is None:
            return False
        self.data.set_devices(devices)
        sync_log(self.machine, "Info", f"{client} no longer synchronizes ({why})", client)
        return True

    def operating_clients(self) -> list[str]:
        """Clients connected now whose machine is On (SYNC-13); the server's own client is not one."""
        devices = self.data.devices()
        return sorted(
            name for name, link in self.links.items()
            if name != self.machine.name and not link.closed.is_set()
            and devices.get(name, {}).get("power", "On") == "On"
        )

    # --- SYNC-13 ------------------------------------------------------------------------------------------

    def sleep_refusal(self) -> str:
        """Why the server may not enter Sleep now (empty when it may)."""
        if not self.running:
            return ""
        operating = self.operating_clients()
        if operating:
            return f"synchronization clients are operating ({', '.join(operating)})"
        own = self.links.get(self.machine.name)
        if own is not None and not own.closed.is_set() and uses_proxy(self.machine):
            return "its own client function (localhost) is connected through a proxy (Use Proxy is On)"
        return ""

    def _sleep_guard(self) -> RuleRefusal | None:
        reason = self.sleep_refusal()
        if not reason:
            return None
        sync_log(self.machine, "Info", f"Sleep refused: {reason}")
        return RuleRefusal(f"{self.machine.name} cannot enter Sleep mode now: {reason}", "SYNC-13")

    # --- the conversation ---------------------------------------------------------------------------------

    async def serve(self, channel: Channel, hello: Hello, welcome: Welcome) -> None:
        """Responder of purpose ``sync``: search probes, replicas, and client sessions."""
        join = await channel.expect(SyncJoin)
        if join.role == "search":
            await self._answer_search(channel)
            return
        if join.role == "replica":
            await receive_replica(self, channel, hello.machine, join, welcome)
            return
        if join.role == PREVIEW_ROLE:  # read-only: checked like the join it previews, then nothing registered
            would_be = "server/client" if hello.machine == self.machine.name else "client"
            await serve_preview(self, channel, hello.machine, join,
                                *self._join_problem(hello.machine, join, welcome, would_be))
            return
        client = hello.machine
        code, reason = self._join_problem(client, join, welcome)
        now = self.runtime.clock.now()
        if code:
            await channel.send(SyncJoinReply(ok=False, code=code, reason=reason, server_time=now.isoformat()))
            sync_log(self.machine, "Error", f"refused {client}: {reason}", client)
            return
        self._register(client, join, now)
        await channel.send(SyncJoinReply(ok=True, code="", reason="", server_time=now.isoformat()))
        old = self.links.pop(client, None)
        if old is not None:
            old.abort("replaced by a new session")
        link = SyncLink(self.runtime.work, channel, self.machine.name, client, self._handle)
        self.links[client] = link
        link.start()
        sync_log(self.machine, "Info", f"{client} connected ({join.role})", client)
        # The session may stay open for hours: only messages awaiting answers count as work (see SyncLink).
        self.runtime.work.track_conversation(-1)
        try:
            reason = await link.wait_closed()
        finally:
            self.runtime.work.track_conversation(+1)
            link.abort("session ended")
            if self.links.get(client) is link:
                del self.links[client]
                self.ready.discard(client)
        if self._closed:
            return
        if link.leave_reason == "stopped":
            self.unregister(client, "its synchronization was stopped")
        else:
            sync_log(self.machine, "Info", f"{client} disconnected: {reason}", client)

    def _join_problem(self, client: str, join: SyncJoin, welcome: Welcome, role: str = "") -> tuple[str, str]:
        """Why ``join`` is refused ('' when admitted); ``role`` checks a preview as the join it stands for."""
        me = self.machine
        role = role or join.role
        if not self.running:
            return "E-NOSERVER", f"the server function of {me.name} is stopped"
        if me.state.error_code:
            return "E-NOSERVER", f"{me.name} shows error {me.state.error_code}"
        if role not in ("client", "server/client") or (role == "server/client") != (client == me.name):
            return "E-REFUSED", f"{client} cannot join as {join.role!r}"
        if not check_join_proof(me, welcome.challenge, client, join.role, join.proof):
            return "E-SETTINGS", (f"user authentication and group management settings differ from the server's "
                                  f"({auth_settings_of(me).describe()}) (SYNC-04)")
        problem = admission_problem(me.name, set(self.registered()), client, self.machine_limit)
        if problem:
            return "E-LIMIT", problem + " (SYNC-02)"
        return "", ""

    def _register(self, client: str, join: SyncJoin, now: datetime) -> None:
        devices = self.data.devices()
        entry = devices.get(client, {})
        entry.update({
            "device_name": join.device_name,
            "product_name": join.product_name,
            "location": join.location,
            "address": join.address,
            "firmware": join.firmware,
            "role": "Server/Client" if client == self.machine.name else "Client",
            "registered_at": entry.get("registered_at", now.isoformat()),
            "power": "On",
        })
        devices[client] = entry
        self.data.set_devices(devices)

    async def _answer_search(self, channel: Channel) -> None:
        now = self.runtime.clock.now().isoformat()
        if self.running and not self.machine.state.error_code:
            await channel.send(SyncJoinReply(ok=True, code="", reason="", server_time=now))
            try:
                await channel.expect(SyncLeave)
            except Exception:
                pass
        else:
            await channel.send(SyncJoinReply(ok=False, code="E-NOSERVER", reason="no sync server here", server_time=now))

    # --- messages of a session ------------------------------------------------------------------------------

    def _handle(self, link: SyncLink, message: Message) -> None:
        self.last_sync[link.peer] = self.runtime.clock.now()
        if isinstance(message, SyncPush):
            self._on_push(link, message.records)
        elif isinstance(message, SyncPull):
            self._on_pull(link, message.users)

    def _on_pull(self, link: SyncLink, users: tuple[str, ...]) -> None:
        if users:
            link.answer(records_for(self, link.peer, users))
            return
        link.answer_frames(*self.full_answer(link.peer))
        self.ready.add(link.peer)

    def full_answer(self, device: str) -> tuple[list[tuple[type[Message], bytes]], int]:
        """The frames answering ``device``'s pull of everything, and how many records they hold."""
        return self._answers.full_answer(device)

    def _on_push(self, link: SyncLink, raw: tuple[dict[str, Any], ...]) -> None:
        """Checks, decides, writes and answers one push: all of it or nothing, and always an answer."""
        client, now = link.peer, self.runtime.clock.now()
        try:
            records = parse_client_records(raw)
        except RemoteProtocolError as exc:
            link.ack(0, str(exc))
            sync_log(self.machine, "Warning", f"refused a push from {client}: {exc}", client)
            return
        plan = plan_push(self.data.view(self.user_limit), client, records, now)
        try:
            self.data.apply(plan, client, now)
        except StoreError as exc:
            link.ack(0, f"the server could not store it: {exc}")
            sync_log(self.machine, "Error", f"could not store a push from {client}: {exc}", client)
            return
        if plan.device is not None and plan.device.reset_device_specific:
            self._drop_device_copies(client, now)
            sync_log(self.machine, "Warning",
                     f"{client} malfunctioned during synchronization: its device-specific data was reset (SYNC-11)",
                     client)
        if plan.back:
            link.push(wire_all(plan.back))
        link.ack(len(raw), "", [outcome.to_wire() for outcome in plan.outcomes])
        self._spread(plan.spread, exclude=client)
        self._spread(plan.notices)
        for user in plan.evicted:
            sync_log(self.machine, "Info",
                     f"more than {self.user_limit} users: deleted the settings of {user}, the least recently "
                     f"logged-in user (<Delete Oldest User Settings>, SYNC-03)")

    def malfunction(self) -> None:
        """SYNC-11 on the server machine itself: its device-specific copies are lost and every session ends."""
        self._drop_device_copies(self.machine.name, self.runtime.clock.now())
        for link in list(self.links.values()):
            link.abort("the server malfunctioned")

    def _drop_device_copies(self, device: str, now: datetime) -> None:
        changes = {user: {k: v for k, v in items.items() if split_key(k)[1] != device}
                   for user, items in self.data.users.items()
                   if any(split_key(k)[1] == device for k in items)}
        self.data.replace_copies(changes, now)

    def _spread(self, records: Iterable[ServerRecord], exclude: str = "") -> None:
        """Pushes records over every open session but ``exclude``'s (the server's own client included)."""
        chosen_all = list(records)
        if not chosen_all:
            return
        devices = self.data.devices()
        for name, link in list(self.links.items()):
            if name == exclude or link.closed.is_set():
                continue
            withheld = set(devices.get(name, {}).get("withheld", []))
            chosen = [r for r in chosen_all
                      if isinstance(r, DeletedNotice) or getattr(getattr(r, "item", None), "value", "") not in withheld]
            if chosen:
                link.push(wire_all(chosen))

    # --- server-side administration -------------------------------------------------------------------

    def delete_users(self, users: list[str]) -> list[str]:
        """``[Delete User Data]`` (SYNC-07): clients keep their copies; a client that starts later re-registers them."""
        deleted = [u for u in users if self.data.delete_user(u)]
        if deleted:
            sync_log(self.machine, "Info", f"deleted the user data of {', '.join(deleted)}")
        return deleted

    def change_sharing(self, item: str, new: SharingRange) -> None:
        """Changes an item's range (callers check SYNC-10's precondition); shared → device copies each device.

        Every copy written takes a new version of the server's sequence.
        """
        data, now = self.data, self.runtime.clock.now()
        old = data.range_of(item)
        if old is new:
            return
        devices = sorted(set(data.devices_seen()) | {self.machine.name})
        changes: dict[str, dict[str, UserItem]] = {}
        for user, items in data.users.items():
            if new is SharingRange.DEVICE_SPECIFIC and item in items:
                shared = items[item]
                kept = {k: v for k, v in items.items() if k != item}
                for device, version in zip(devices, data.take_versions(len(devices))):
                    kept[device_key(item, device)] = UserItem(shared.value, version, Sharing.DEVICE_SPECIFIC, now)
                changes[user] = kept
            elif new is SharingRange.SHARED:
                copies = {k: v for k, v in items.items() if split_key(k)[0] == item and split_key(k)[1]}
                if copies:
                    newest = max(copies.values(), key=lambda it: (it.updated_at, it.version))
                    kept = {k: v for k, v in items.items() if k not in copies}
                    kept[item] = UserItem(newest.value, data.take_versions(1)[0], Sharing.SHARED, now)
                    changes[user] = kept
        data.replace_copies(changes, now)
        ranges = {i.value: r.value for i, r in data.sharing().items()}
        ranges[item] = new.value
        data.set_sharing(ranges)
        sync_log(self.machine, "Info", f"sharing range of {item} changed to {new.label}")
