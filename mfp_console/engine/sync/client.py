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
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfp_console.clock import TimerHandle
from mfp_console.domain.machine import Function
from mfp_console.domain.sync_items import (
    FIRMWARE_LIMITED_ITEMS,
    CommonItem,
    PersonalItem,
    firmware_below,
)
from mfp_console.domain.sync_settings import SyncClientSettings, SyncClientState
from mfp_console.engine.events import DataChanged, MachineStateChanged
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.engine.sync.link import PullAnswer, SyncLink, record
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.server import (
    DELETED,
    DEVICE,
    LOGIN,
    SHARING,
    auth_settings_of,
)
from mfp_console.errors import MfpError, RemoteProtocolError, StoreError, TransportError
from mfp_console.protocol.messages import (
    Message,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPush,
)
from mfp_console.store.user_data import Sharing, UserItem, decode_user_doc

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine
    from mfp_console.engine.runtime import Runtime

__all__ = ["RETRY_SECONDS", "SyncClient"]

_log = logging.getLogger(__name__)

RUN_KEY = "sync_client"
SETTINGS_KEY = "sync_client_settings"
PENDING_KEY = "sync_pending"
COMMON_KEY = "sync_common"
DESTINATIONS_KEY = "connection_destinations"
MALFUNCTION_KEY = "sync_malfunction"
RANGES_KEY = "sync_sharing_ranges"
RETRY_SECONDS = 60.0
"""Machine seconds between attempts to reach an unreachable server."""
_ITEMS = {i.value for i in PersonalItem}


def connection_destinations_of(machine: Machine) -> list[str]:
    """The machine's connection destinations (Advanced Space, file servers) in registration order (SYNC-16)."""
    return list(machine.store.get_config(DESTINATIONS_KEY) or [])

_COMMON = {c.value for c in CommonItem}


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
        self.fresh_start = True
        self.last_sync: datetime | None = None
        self._retry: TimerHandle | None = None
        self._connecting: asyncio.Task[Any] | None = None
        self._watcher: asyncio.Task[Any] | None = None
        self._warned = False
        self._closed = False
        self._started = False
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
        self._save_pending({})
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
        """``<Start>``: reads the connection settings and starts synchronizing."""
        self.machine.store.set_config(RUN_KEY, {"running": True})
        sync_log(self.machine, "Info", "client function started")
        self._begin()

    def _begin(self) -> None:
        """A start of the client function (``<Start>`` or a restart): settings and SYNC-05 apply afresh."""
        self.effective = self.settings()
        self.fresh_start = True
        self._save_pending({})
        self._warned = False
        self.state = SyncClientState.CONNECTING
        self.connect_soon()

    def switch_off(self) -> None:
        """``<Stop>``: tells the server (which then stops counting this machine, SYNC-02) and disconnects."""
        self.machine.store.set_config(RUN_KEY, {"running": False})
        self._cancel_retry()
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
            target = await self._resolve()
            opened = await open_conversation(self.runtime, me, target, "sync")
            channel = opened.channel
            try:
                await channel.send(self._join_message())
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

    def _join_message(self) -> SyncJoin:
        me = self.machine
        plan = self.runtime.addresses.plan(me.name)  # the address its Network Settings show (M-09)
        host, port = plan.ipv4, plan.port
        return SyncJoin(
            device_name=me.name,
            product_name=me.identity.model,
            location=me.identity.location,
            address=f"{host}:{port}",
            firmware=me.identity.firmware,
            auth_settings_digest=auth_settings_of(me).digest(),
            role="server/client" if self.effective and self.effective.server.is_localhost else "client",
        )

    async def _resolve(self) -> str:
        """The machine the settings point at (searching when blank)."""
        settings = self.effective or self.settings()
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
            join = self._join_message()
            await channel.send(SyncJoin(join.device_name, join.product_name, join.location, join.address,
                                        join.firmware, join.auth_settings_digest, "search"))
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
            if self.running:
                self.state = SyncClientState.DISCONNECTED
                self._warned = False
                if self.machine.state.reachable and not self.machine.state.error_code:
                    self._unreachable(f"lost the connection: {reason}")

    # --- the session ----------------------------------------------------------------------------------

    def device_profile(self) -> dict[str, Any]:
        """What the server's device list learns about this machine (SYNC-13, SYNC-15, SYNC-16, SYNC-17)."""
        me = self.machine
        profile = {
            "destinations": connection_destinations_of(me),
            "withheld": sorted(i.value for i in self.withheld),
            "power": me.state.power.value,
        }
        if me.store.get_config(MALFUNCTION_KEY):
            profile["reset_device_specific"] = True
        return profile

    def send_profile(self) -> None:
        """Pushes the device profile when it changed (power, connection destinations)."""
        if self.link is not None and not self.link.closed.is_set():
            profile = self.device_profile()
            reset = bool(profile.get("reset_device_specific"))
            self.link.push([record("", DEVICE, profile)],
                           on_ack=(lambda: self.machine.store.set_config(MALFUNCTION_KEY, False)) if reset else None)

    def _begin_session(self, link: SyncLink) -> None:
        self.state = SyncClientState.SYNCHRONIZING
        self.send_profile()
        link.pull((), self._on_everything)

    async def _on_everything(self, answer: PullAnswer) -> None:
        """The server's full answer: SYNC-05 on a start, catch-up after a lost connection (SYNC-14).

        The users' documents are kept as they came (see :mod:`mfp_console.store.user_data`): the server's
        copy wins, so a user is decoded here only to keep a change of theirs the server has not taken yet,
        or, on old firmware, the items this machine does not synchronize (SYNC-17).
        """
        me, store, now = self.machine, self.machine.store, self.runtime.clock.now()
        withheld = {i.value for i in self.withheld}
        server: dict[str, dict[str, dict[str, Any]]] = {}
        for rec in answer.records:
            user, item = rec["user"], rec["item"]
            if user == "":
                if item in _COMMON:
                    self._store_common(item, rec)
                elif item == SHARING:
                    store.set_config(RANGES_KEY, dict(rec["value"]))
                continue
            items = server.setdefault(user, {})
            if item != LOGIN and item not in withheld:
                items[item] = rec
        pending = self._pending()
        local_users = {u.user: u for u in store.list_users()}
        offset = 0
        for user, length in answer.users:
            if user in local_users and (user in pending or withheld):
                server[user] = _records_of(user, answer.body[offset : offset + length], now)
            offset += length
        push: list[dict[str, Any]] = []
        replacements: dict[str, dict[str, UserItem]] = {}
        for count, (user, items) in enumerate(server.items()):
            if count % 50 == 49:
                await asyncio.sleep(0)
            local = self._stored(user) if user in local_users else {}
            mine = pending.get(user, {})
            new: dict[str, UserItem] = {}
            for item, rec in items.items():
                base = mine.get(item)
                if base is not None and base == int(rec["version"]) and item in local:
                    new[item] = local[item]  # changed here while away and not since on the server: ours goes up
                    push.append(self._change_record(user, item, local[item], base))
                else:
                    new[item] = _user_item(rec, now)
            for item, it in local.items():
                if item in new:
                    continue
                if item in withheld:
                    new[item] = it  # old firmware: never synchronized, stays as it is here (SYNC-17)
                elif not self.fresh_start and item in mine:
                    new[item] = it
                    push.append(self._change_record(user, item, it, mine[item]))
            replacements[user] = new
        damaged = store.store_snapshot(answer.body, answer.users, now, replacements)
        for user in damaged:
            self._damaged(user, "its data from an earlier answer could not be read and is lost")
        everyone = {*server, *(user for user, _ in answer.users)}
        self._announce(everyone)
        registered = 0
        for user, info in local_users.items():
            if user in everyone:
                continue
            registered += 1
            push.extend(self._register_records(user, info.last_login))
        # Changes made while this answer was being stored are still pending: they go up now.
        later = self._pending()
        for user, items in pending.items():
            for item in items:
                later.get(user, {}).pop(item, None)
        self._save_pending(later)
        for user, items in later.items():
            stored = self._stored(user)
            push.extend(self._change_record(user, i, stored[i], base) for i, base in items.items() if i in stored)
        self.fresh_start = False
        self.synced = True
        self.state = SyncClientState.SYNCHRONIZED
        self.last_sync = now
        if push:
            assert self.link is not None
            sent: dict[str, dict[str, int]] = {}
            for rec in push:
                if "base" in rec:
                    sent.setdefault(rec["user"], {})[rec["item"]] = int(rec["version"])
            self.link.push(push, on_ack=lambda: [self._taken(u, items) for u, items in sent.items()])
        self._warned = False
        sync_log(me, "Info", f"synchronized with {self.server}: {len(everyone)} users from the server, "
                 f"{registered} registered from here", self.server)

    def _stored(self, user: str) -> dict[str, UserItem]:
        """The user's items here; a kept copy that cannot be read counts as none (the server's replaces it)."""
        try:
            return self.machine.store.user_items(user)
        except StoreError as exc:
            self._damaged(user, f"the server's copy replaces it ({exc})")
            return {}

    def _damaged(self, user: str, what: str) -> None:
        sync_log(self.machine, "Error", f"the stored data of {user} was damaged: {what}", self.server)

    def _register_records(self, user: str, last_login: datetime | None) -> list[dict[str, Any]]:
        withheld = {i.value for i in self.withheld}
        out = [record(user, LOGIN, last_login.isoformat() if last_login else "")]
        for item, it in self._stored(user).items():
            if item in withheld or item not in _ITEMS:
                continue
            out.append(record(user, item, it.value, it.version, it.sharing.value, register=True))
        return out

    def _change_record(self, user: str, item: str, it: UserItem, base: int) -> dict[str, Any]:
        return record(user, item, it.value, it.version, it.sharing.value, base=base)

    def _handle(self, link: SyncLink, message: Message) -> None:
        if isinstance(message, SyncPush):
            self.apply_pushed(message.records)
            link.ack(len(message.records))
            self.last_sync = self.runtime.clock.now()

    def apply_pushed(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Stores the server's copies pushed here (the server's copy wins over a change not yet taken)."""
        store, now = self.machine.store, self.runtime.clock.now()
        withheld = {i.value for i in self.withheld}
        by_user: dict[str, list[Mapping[str, Any]]] = {}
        for rec in records:
            user, item = rec["user"], rec["item"]
            if user == "":
                if item in _COMMON:
                    self._store_common(item, rec)
            elif item == DELETED:
                store.delete_user(user)
                self._drop_pending(user, None)
                if rec["value"].get("reason") == "limit":
                    sync_log(self.machine, "Error", f"the server's user limit ({rec['value'].get('limit')}) was "
                             f"exceeded: the settings of {user} were deleted (SYNC-03)", self.server)
            elif item in _ITEMS and item not in withheld:
                by_user.setdefault(user, []).append(rec)
        pending = self._pending()
        changed_users: dict[str, dict[str, UserItem]] = {}
        for user, recs in by_user.items():
            items = self._stored(user)
            mine = pending.get(user, {})
            changed = False
            for rec in recs:
                item, version = rec["item"], int(rec["version"])
                local = items.get(item)
                if local is not None:
                    base = mine.get(item)
                    if base is not None and version <= base:
                        continue  # our change, based on this version or a later one, is on its way up
                    if base is None and version < local.version:
                        continue  # an older copy than the one already here (a stale answer)
                items[item] = _user_item(rec, now)
                mine.pop(item, None)
                changed = True
            if changed:
                changed_users[user] = items
        store.replace_users(changed_users, now)
        self._announce(changed_users)
        self._save_pending(pending)

    def _announce(self, users: Collection[str]) -> None:
        """Tells the panel that personalized data arrived from the server (one event per batch)."""
        if users:
            self.runtime.bus.publish(DataChanged(
                at=self.runtime.clock.now(), machine=self.machine.name, what="personal_data",
                detail=f"from the sync server: {', '.join(sorted(users)[:3])}{' …' if len(users) > 3 else ''}",
            ))

    def sharing_of(self, item: str) -> Sharing | None:
        """The item's sharing range as the server last said (None when unknown or not synchronizing)."""
        if not self.running:
            return None
        value = (self.machine.store.get_config(RANGES_KEY) or {}).get(item)
        return Sharing(value) if value else None

    def _store_common(self, item: str, rec: Mapping[str, Any]) -> None:
        common = dict(self.machine.store.get_config(COMMON_KEY) or {})
        common[item] = {"value": rec["value"], "version": int(rec["version"])}
        self.machine.store.set_config(COMMON_KEY, common)

    # --- changes made here -------------------------------------------------------------------------------

    def changed(self, user: str, items: Mapping[str, int], before: Mapping[str, int]) -> None:
        """Items of ``user`` changed here (new versions, versions before); pushed now or when back online."""
        if not self.running:
            return
        withheld = {i.value for i in self.withheld}
        wanted = {i: v for i, v in items.items() if i not in withheld}
        if not wanted:
            return
        pending = self._pending()
        mine = pending.setdefault(user, {})
        for item in wanted:
            mine.setdefault(item, before.get(item, 0))
        self._save_pending(pending)
        if self.link is not None and self.synced and not self.link.closed.is_set():
            stored = self.machine.store.user_items(user)
            recs = [self._change_record(user, i, stored[i], mine[i]) for i in wanted if i in stored]
            sent = {i: stored[i].version for i in wanted if i in stored}
            self.link.push(recs, on_ack=lambda: self._taken(user, sent))

    def _taken(self, user: str, sent: Mapping[str, int]) -> None:
        stored = self.machine.store.user_items(user)
        pending = self._pending()
        mine = pending.get(user, {})
        for item, version in sent.items():
            if item in mine and item in stored and stored[item].version == version:
                del mine[item]
        if not mine:
            pending.pop(user, None)
        self._save_pending(pending)
        self.last_sync = self.runtime.clock.now()

    def changed_common(self, item: str, value: Any, base: int, version: int) -> None:
        """A shared non-personal setting changed here (SYNC-09)."""
        if self.link is not None and self.synced and not self.link.closed.is_set():
            self.link.push([record("", item, value, version, base=base)])

    def logged_in(self, user: str) -> None:
        """A user logged in here: the server learns the time (SYNC-03) and sends the freshest copy."""
        if self.link is None or not self.synced or self.link.closed.is_set():
            return
        now = self.runtime.clock.now()
        self.link.push([record(user, LOGIN, now.isoformat())])
        self.link.pull((user,), lambda recs: self._on_user(user, recs))

    def _on_user(self, user: str, answer: PullAnswer) -> None:
        data = [r for r in answer.records if r["item"] != LOGIN]
        if data:
            self.apply_pushed(data)
        elif self._stored(user) and self.link is not None:
            # The server has no data for this user (deleted there, SYNC-07): this machine's copy registers.
            self.link.push(self._register_records(user, self.runtime.clock.now()))

    # --- pending changes -----------------------------------------------------------------------------

    def _pending(self) -> dict[str, dict[str, int]]:
        return {u: dict(v) for u, v in (self.machine.store.get_config(PENDING_KEY) or {}).items()}

    def _save_pending(self, pending: Mapping[str, Mapping[str, int]]) -> None:
        kept = {u: dict(v) for u, v in pending.items() if v}
        if kept != (self.machine.store.get_config(PENDING_KEY) or {}):  # a read costs less than a commit
            self.machine.store.set_config(PENDING_KEY, kept)

    def _drop_pending(self, user: str, item: str | None) -> None:
        pending = self._pending()
        if user not in pending:
            return
        if item is None:
            del pending[user]
        else:
            pending[user].pop(item, None)
        self._save_pending(pending)

    @property
    def pending_changes(self) -> int:
        """Changes made here that the server has not taken yet."""
        return sum(len(v) for v in self._pending().values())

    # --- faults ----------------------------------------------------------------------------------------

    def malfunction(self) -> int:
        """SYNC-11: device-specific data cannot be recovered: it returns to defaults here and on the server."""
        store, now = self.machine.store, self.runtime.clock.now()
        reset = 0
        for info in store.list_users():
            items = self._stored(info.user)
            kept = {k: v for k, v in items.items() if v.sharing is not Sharing.DEVICE_SPECIFIC}
            if len(kept) != len(items):
                reset += len(items) - len(kept)
                store.replace_user(info.user, kept, now)
        store.set_config(MALFUNCTION_KEY, True)
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


def _records_of(user: str, document: bytes, now: datetime) -> dict[str, dict[str, Any]]:
    """A kept document of the server's answer as records, for merging with this machine's changes."""
    try:
        items = decode_user_doc(document, now)
    except ValueError as exc:
        raise RemoteProtocolError(f"the server's copy of {user!r} cannot be decoded: {exc}") from exc
    return {name: record(user, name, it.value, it.version, it.sharing.value) for name, it in items.items()}


def _user_item(rec: Mapping[str, Any], now: datetime) -> UserItem:
    sharing = Sharing.DEVICE_SPECIFIC if rec.get("range") == "device_specific" else Sharing.SHARED
    return UserItem(rec["value"], int(rec["version"]), sharing, now)

