"""The sync server function: admits clients, keeps the server copies, and passes every change on.

The server answers conversations of purpose ``sync``. A client's :class:`SyncJoin` is checked against
the server's rules — the server function is started (SYNC-01), the user-authentication and group settings
match (SYNC-04), at most ten machines including the server (SYNC-02) — and refused with ``Error`` in both
logs, or admitted and registered on the device list (SYNC-15). The session then stays open until the
client stops synchronizing or a side goes away:

* a pull of everything answers with the server copies this device should hold: shared items, this
  device's device-specific copies (SYNC-10), the shared non-personal settings (SYNC-09), less what old
  firmware does not synchronize (SYNC-17);
* a client's registration of users the server lacks is taken from the first client that offers them
  (SYNC-06, SYNC-07); later offers get the server's copy back (SYNC-05);
* a change based on the server's current version is stored and pushed at once over every other open
  session; a change based on an older version loses, and its sender gets the server's copy back;
* past 1,000 users the least recently logged-in user's data is deleted everywhere (SYNC-03).

The server also refuses to go to Sleep while clients operate (SYNC-13) and can take a replica of another
server's data while its own server function is stopped (SYNC-18).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfp_console.domain.machine import PowerState
from mfp_console.domain.sync_items import CommonItem, SharingRange
from mfp_console.domain.sync_rules import (
    accept_change,
    admission_problem,
    users_to_evict,
)
from mfp_console.domain.sync_settings import MAX_SYNC_MACHINES, MAX_SYNC_USERS
from mfp_console.engine.events import MachineStateChanged
from mfp_console.engine.net.channel import Channel
from mfp_console.engine.sync.backup import BackupTimer
from mfp_console.engine.sync.link import (
    SyncLink,
    encode_batches,
    encode_snapshot,
    record,
)
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.server_data import (
    ServerData,
    device_key,
    server_data_path,
    split_key,
)
from mfp_console.errors import MachineUnavailable
from mfp_console.protocol.messages import (
    Hello,
    Message,
    SyncAck,
    SyncData,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPull,
    SyncPush,
    Welcome,
)
from mfp_console.store.user_data import UserItem, encode_user_doc
from mfp_console.strict_json import loads_strict

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine
    from mfp_console.engine.runtime import Runtime

__all__ = ["SyncServer", "auth_settings_of"]

_log = logging.getLogger(__name__)

RUN_KEY = "sync_server"
DEVICE = "@device"
LOGIN = "@login"
DELETED = "@deleted"
SHARING = "@sharing"
COMMON_ITEMS = frozenset(c.value for c in CommonItem)


def auth_settings_of(machine: Machine) -> Any:
    """The machine's SYNC-04 settings (user authentication, Department ID management, groups)."""
    from mfp_console.domain.sync_settings import AuthSettings

    groups = bool((machine.store.get_config("sync_group_management") or {}).get("groups_by_department", False))
    ids = tuple(d.dept_id for d in machine.device_info.department_ids.departments) if groups else ()
    return AuthSettings(machine.spec.user_authentication, machine.spec.department_id_management, groups, ids)


class SyncServer:
    """The server function of one machine (its ``<Start>``/``<Stop>`` are :meth:`switch_on`/:meth:`switch_off`)."""

    def __init__(self, runtime: Runtime, machine: Machine) -> None:
        self.runtime = runtime
        self.machine = machine
        self.links: dict[str, SyncLink] = {}
        self.ready: set[str] = set()
        self.last_sync: dict[str, datetime] = {}
        self.sleep_deferred = False
        self.user_limit = MAX_SYNC_USERS
        self.machine_limit = MAX_SYNC_MACHINES
        self._data: ServerData | None = None
        self._answers: dict[tuple[Any, ...], tuple[list[tuple[type[Message], bytes]], int]] = {}
        self._closed = False
        self.backup_timer = BackupTimer(runtime, self)
        self._subscription = runtime.bus.subscribe(MachineStateChanged, self._on_state)
        machine.responders["sync"] = self.serve

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
        self.sleep_deferred = False

    def switch_on(self) -> None:
        """``<Start>``: the server accepts clients from now on."""
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
        self._subscription.close()
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
        """Why the server may not sleep now (empty when it may)."""
        if not self.running:
            return ""
        operating = self.operating_clients()
        if operating:
            return f"sync clients are operating ({', '.join(operating)}): the server stays awake"
        return ""

    def _on_state(self, event: MachineStateChanged) -> None:
        if event.machine != self.machine.name or event.what != "power":
            return
        if event.new == "Sleep":
            reason = self.sleep_refusal()
            if reason:
                self.sleep_deferred = True
                self.machine.set_power(PowerState.ON)
                sync_log(self.machine, "Info", f"Sleep deferred (SYNC-13): {reason}")

    def _maybe_sleep(self) -> None:
        if self.sleep_deferred and not self.sleep_refusal() and self.machine.state.power is PowerState.ON:
            self.sleep_deferred = False
            sync_log(self.machine, "Info", "no sync client operates any more: entering Sleep (SYNC-13)")
            self.machine.set_power(PowerState.SLEEP)

    # --- the conversation ---------------------------------------------------------------------------------

    async def serve(self, channel: Channel, hello: Hello, welcome: Welcome) -> None:
        """Responder of purpose ``sync``: search probes, replicas, and client sessions."""
        join = await channel.expect(SyncJoin)
        if join.role == "search":
            await self._answer_search(channel)
            return
        if join.role == "replica":
            await self._receive_replica(channel, hello.machine)
            return
        client = hello.machine
        code, reason = self._join_problem(client, join)
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
        self._maybe_sleep()

    def _join_problem(self, client: str, join: SyncJoin) -> tuple[str, str]:
        me = self.machine
        if not self.running:
            return "E-NOSERVER", f"the server function of {me.name} is stopped"
        if me.state.error_code:
            return "E-NOSERVER", f"{me.name} shows error {me.state.error_code}"
        mine = auth_settings_of(me)
        if join.auth_settings_digest != mine.digest():
            return "E-SETTINGS", (f"user authentication and group management settings differ from the server's "
                                  f"({mine.describe()}) (SYNC-04)")
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
            count = self._on_push(link, message.records)
            link.ack(count)
        elif isinstance(message, SyncPull):
            self._on_pull(link, message.users)

    def _on_pull(self, link: SyncLink, users: tuple[str, ...]) -> None:
        if users:
            link.answer(self.records_for(link.peer, users))
            return
        link.answer_frames(*self.full_answer(link.peer))
        self.ready.add(link.peer)

    def full_answer(self, device: str) -> tuple[list[tuple[type[Message], bytes]], int]:
        """The frames answering ``device``'s pull of everything, and how many records they hold.

        Users travel as kept documents (see :mod:`mfp_console.engine.sync.link`); the sharing ranges and
        shared settings as records. Devices that hold the same copies get the same frames, encoded once
        per revision of the data.
        """
        data = self.data
        ranges = {item.value: r for item, r in data.sharing().items()}
        specific = any(r is SharingRange.DEVICE_SPECIFIC for r in ranges.values())
        withheld = tuple(sorted(data.devices().get(device, {}).get("withheld", [])))
        key = (data.revision, device if specific else "", withheld)
        cached = self._answers.get(key)
        if cached is None:
            if specific or withheld:
                docs = [(user, self._document(user, device, ranges, set(withheld))) for user in data.users]
            else:
                docs = [(user, data.document(user)) for user in data.users]
            settings = self._settings_records(ranges)
            frames = encode_snapshot(docs) if docs else []
            frames.extend((SyncData, frame) for frame in encode_batches(SyncData, settings))
            cached = (frames, len(settings) + (1 if docs else 0))
            self._answers = {k: v for k, v in self._answers.items() if k[0] == data.revision}
            self._answers[key] = cached
        return cached

    def _document(self, user: str, device: str, ranges: dict[str, SharingRange], withheld: set[str]) -> bytes:
        """``user``'s document as ``device`` holds it (see :meth:`_copies_for`)."""
        return encode_user_doc({item: (it.value, it.version, sharing.value)
                                for item, it, sharing in self._copies_for(user, device, ranges, withheld)})

    def _copies_for(self, user: str, device: str, ranges: dict[str, SharingRange],
                    withheld: set[str]) -> Iterator[tuple[str, UserItem, SharingRange]]:
        """The copies of ``user``'s items ``device`` holds: shared items and its own device-specific copies,
        less what its firmware does not synchronize (SYNC-10, SYNC-17)."""
        for key, it in self.data.users.get(user, {}).items():
            item, owner = split_key(key)
            if item in withheld:
                continue
            sharing = ranges.get(item, SharingRange.SHARED)
            shared = sharing is SharingRange.SHARED
            if (shared and owner) or (not shared and owner != device):
                continue
            yield item, it, sharing

    def _settings_records(self, ranges: dict[str, SharingRange]) -> list[dict[str, Any]]:
        out = [record("", SHARING, {item: r.value for item, r in ranges.items()})]
        for item, entry in self.data.common().items():
            out.append(record("", item, entry["value"], int(entry["version"])))
        return out

    def records_for(self, device: str, users: tuple[str, ...]) -> list[dict[str, Any]]:
        """The server copies of ``users`` that ``device`` holds, as records: shared items and its own copies."""
        data = self.data
        ranges = {item.value: r for item, r in data.sharing().items()}
        withheld = set(data.devices().get(device, {}).get("withheld", []))
        out: list[dict[str, Any]] = []
        for user in users:
            if user not in data.users:
                continue
            seen = data.last_seen.get(user)
            out.append(record(user, LOGIN, seen.isoformat() if seen else ""))
            out.extend(record(user, item, it.value, it.version, sharing.value)
                       for item, it, sharing in self._copies_for(user, device, ranges, withheld))
        return out

    def _on_push(self, link: SyncLink, records: tuple[dict[str, Any], ...]) -> int:
        client, now, data = link.peer, self.runtime.clock.now(), self.data
        ranges = {item.value: r for item, r in data.sharing().items()}
        back: list[dict[str, Any]] = []
        spread: list[dict[str, Any]] = []
        registering: set[str] = getattr(link, "registering", set())
        link.registering = registering  # type: ignore[attr-defined]
        lost_back: set[str] = set()
        for rec in records:
            user, item = rec["user"], rec["item"]
            if user == "":
                if item == DEVICE:
                    self._on_device_profile(client, rec["value"], now)
                elif item in COMMON_ITEMS:
                    current = data.common().get(item)
                    version = int(current["version"]) if current else None
                    if accept_change(version, int(rec.get("base", 0))):
                        new_version = max(int(rec["version"]), (version or 0) + 1)
                        data.set_common(item, rec["value"], new_version, now)
                        spread.append(record("", item, rec["value"], new_version))
                    elif current is not None:
                        back.append(record("", item, current["value"], int(current["version"])))
                continue
            if item == LOGIN:
                when = datetime.fromisoformat(rec["value"]) if rec["value"] else now
                if user not in data.users:
                    registering.add(user)
                data.touch_login(user, when)
                continue
            sharing = ranges.get(item, SharingRange.SHARED)
            key = item if sharing is SharingRange.SHARED else device_key(item, client)
            current = data.item(user, key)
            if rec.get("register"):
                if user in data.users and user not in registering and data.users[user]:
                    if user not in lost_back:  # SYNC-05: the server's copy wins over a later client's
                        lost_back.add(user)
                        back.extend(self.records_for(client, (user,)))
                    continue
                registering.add(user)
                accepted = current is None or int(rec["version"]) >= current.version
            else:
                accepted = accept_change(current.version if current else None, int(rec.get("base", 0)))
            if accepted:
                version = max(int(rec["version"]), (current.version + 1) if current else 1)
                data.put(user, key, rec["value"], version, now)
                if sharing is SharingRange.SHARED:
                    spread.append(record(user, item, rec["value"], version, sharing.value))
            elif current is not None:
                back.append(record(user, item, current.value, current.version, sharing.value))
        if back:
            link.push(back)
        self._spread(spread, exclude=client)
        self._enforce_user_limit(keep=registering)
        return len(records)

    def _on_device_profile(self, client: str, profile: dict[str, Any], now: datetime) -> None:
        devices = self.data.devices()
        entry = devices.get(client)
        if entry is None:
            return
        if profile.get("reset_device_specific"):
            self._drop_device_copies(client, now)
            sync_log(self.machine, "Warning",
                     f"{client} malfunctioned during synchronization: its device-specific data was reset (SYNC-11)", client)
        for key in ("destinations", "withheld", "power"):
            if key in profile:
                entry[key] = profile[key]
        devices[client] = entry
        self.data.set_devices(devices)
        if profile.get("power") == "Sleep":
            self._maybe_sleep()

    def malfunction(self) -> None:
        """SYNC-11 on the server machine itself: its device-specific copies are lost and every session ends."""
        self._drop_device_copies(self.machine.name, self.runtime.clock.now())
        for link in list(self.links.values()):
            link.abort("the server malfunctioned")

    def _drop_device_copies(self, device: str, now: datetime) -> None:
        for user, items in list(self.data.users.items()):
            keys = [k for k in items if split_key(k)[1] == device]
            if keys:
                self.data.delete_keys(user, keys, now)

    def _spread(self, records: list[dict[str, Any]], exclude: str = "") -> None:
        """Pushes shared changes over every other open session (the server's own client included)."""
        if not records:
            return
        devices = self.data.devices()
        for name, link in list(self.links.items()):
            if name == exclude or link.closed.is_set():
                continue
            withheld = set(devices.get(name, {}).get("withheld", []))
            chosen = [r for r in records if r["item"] not in withheld]
            if chosen:
                link.push(chosen)

    def _enforce_user_limit(self, keep: set[str]) -> None:
        if len(self.data.users) <= self.user_limit:
            return
        victims = users_to_evict(self.data.oldest_first(), self.user_limit, keep)
        if not victims:
            return
        now = self.runtime.clock.now()
        for user in victims:
            self.data.delete_user(user)
            sync_log(self.machine, "Info",
                     f"more than {self.user_limit} users: deleted the settings of {user}, the least recently "
                     f"logged-in user (<Delete Oldest User Settings>, SYNC-03)")
        notice = [record(user, DELETED, {"reason": "limit", "limit": self.user_limit, "at": now.isoformat()})
                  for user in victims]
        self._spread(notice)

    # --- server-side administration -------------------------------------------------------------------

    def delete_users(self, users: list[str]) -> list[str]:
        """``[Delete User Data]`` (SYNC-07): clients keep their copies; a client that starts later re-registers them."""
        deleted = [u for u in users if self.data.delete_user(u)]
        if deleted:
            sync_log(self.machine, "Info", f"deleted the user data of {', '.join(deleted)}")
        return deleted

    def change_sharing(self, item: str, new: SharingRange) -> None:
        """Changes an item's range (callers check SYNC-10's precondition); shared → device copies each device."""
        data, now = self.data, self.runtime.clock.now()
        old = data.range_of(item)
        if old is new:
            return
        devices = sorted(set(data.devices_seen()) | {self.machine.name})
        for user, items in list(data.users.items()):
            if new is SharingRange.DEVICE_SPECIFIC and item in items:
                shared = items[item]
                for device in devices:
                    data.put(user, device_key(item, device), shared.value, shared.version, now)
                data.delete_keys(user, [item], now)
            elif new is SharingRange.SHARED:
                copies = {k: v for k, v in items.items() if split_key(k)[0] == item and split_key(k)[1]}
                if copies:
                    newest = max(copies.values(), key=lambda it: (it.updated_at, it.version))
                    data.delete_keys(user, list(copies), now)
                    version = max(it.version for it in copies.values()) + 1
                    data.put(user, item, newest.value, version, now)
        ranges = {i.value: r.value for i, r in data.sharing().items()}
        ranges[item] = new.value
        data.set_sharing(ranges)
        sync_log(self.machine, "Info", f"sharing range of {item} changed to {new.label}")

    # --- replication (SYNC-18) -------------------------------------------------------------------------

    async def _receive_replica(self, channel: Channel, source: str) -> None:
        now = self.runtime.clock.now().isoformat()
        if self.running:
            await channel.send(SyncJoinReply(ok=False, code="E-REFUSED",
                                             reason=f"{self.machine.name} runs its own server function", server_time=now))
            return
        await channel.send(SyncJoinReply(ok=True, code="", reason="", server_time=now))
        pieces: list[str] = []
        while True:
            message = await channel.receive()
            if isinstance(message, SyncPush):
                pieces.extend(str(r["value"]) for r in message.records)
                await channel.send(SyncAck(count=len(message.records)))
            elif isinstance(message, SyncLeave):
                break
        dump = loads_strict("".join(pieces))
        count = self.data.load_dump(dump, self.runtime.clock.now())
        self.machine.store.set_config("sync_replica", {"source": source, "at": self.runtime.clock.now().isoformat(),
                                                      "users": count})
        sync_log(self.machine, "Info", f"replica of {source}'s synchronization data stored ({count} users)", source)

