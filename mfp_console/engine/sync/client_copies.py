"""The sync client's data side: the server's copies it stores, and the changes made here on their way up.

:class:`ClientCopies` belongs to one :class:`~mfp_console.engine.sync.client.SyncClient` and does what
the merge rules of :mod:`mfp_console.domain.sync_merge` decide:

* **Joining** (:meth:`ClientCopies.on_everything`): every user the server has replaces this machine's
  copy (SYNC-05) — kept as the server sent it; users only this machine has are offered whole to the
  server (SYNC-06, SYNC-07); after a lost connection a change made here on the copy the server still
  holds goes up, and one the server changed meanwhile loses and is reported (SYNC-14, SYNC-23).
* **The server's copies** (pushes, and the answer at a login): stored, unless a change made here on
  exactly that version is on its way (:func:`~mfp_console.domain.sync_merge.take_server_copy`). At a
  login the server's copy of the user replaces this machine's whole, as at a start.
* **Changes made here** are *pending* (kept in the store with the server version they were made on, the
  *base*) until the server's answer says they were taken; the answer carries the version the server
  gave, which becomes the copy's version here (SYNC-07: version order is the server's). One change per
  item is in flight at a time: a later change of the same item waits for the answer and goes up on the
  version it reports. A change the server refused is logged here as ``Warning`` and the server's copy
  is shown (SYNC-23); a change of a user the server no longer holds registers the user whole (SYNC-07).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mfp_console.domain.sync_items import CommonItem, PersonalItem, check_item_value
from mfp_console.domain.sync_merge import Outcome, plan_join, take_server_copy
from mfp_console.domain.sync_records import (
    CommonChange,
    CommonCopy,
    DeletedNotice,
    ItemChange,
    ItemCopy,
    Registration,
    ServerRecord,
    SharingNotice,
    check_value_shape,
    parse_server_records,
    wire,
)
from mfp_console.engine.events import DataChanged
from mfp_console.engine.sync.link import PullAnswer, PushAnswer
from mfp_console.engine.sync.log import sync_log
from mfp_console.errors import RemoteProtocolError, StoreError
from mfp_console.store.user_data import UserItem, decode_user_doc

if TYPE_CHECKING:
    from mfp_console.engine.sync.client import SyncClient

__all__ = ["COMMON_KEY", "PENDING_KEY", "RANGES_KEY", "ClientCopies"]

PENDING_KEY = "sync_pending"
COMMON_KEY = "sync_common"
RANGES_KEY = "sync_sharing_ranges"
_ITEMS = {i.value for i in PersonalItem}
_EMPTY = b"{}"

Key = tuple[str, str]


class ClientCopies:
    """The data side of one machine's client function."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client
        self.machine = client.machine
        self.in_flight: dict[Key, int] = {}
        """Changes pushed and not yet answered: ``(user, item)`` → the version here when it was sent."""
        self.common_in_flight: dict[str, int] = {}
        """Shared settings pushed and not yet answered: item → the server version the change was made on."""

    # --- small helpers ----------------------------------------------------------------------------------

    def _now(self) -> Any:
        return self.client.runtime.clock.now()

    def _withheld(self) -> set[str]:
        return {i.value for i in self.client.withheld}

    def _log(self, level: str, message: str) -> None:
        sync_log(self.machine, level, message, self.client.server)

    def stored(self, user: str) -> dict[str, UserItem]:
        """The user's items here; a kept copy that cannot be read counts as none (the server's replaces it)."""
        try:
            return self.machine.store.user_items(user)
        except StoreError as exc:
            self._damaged(user, f"the server's copy replaces it ({exc})")
            return {}

    def _damaged(self, user: str, what: str) -> None:
        self._log("Error", f"the stored data of {user} was damaged: {what}")

    def _announce(self, users: Collection[str]) -> None:
        """Tells the panel that personalized data arrived from the server (one event per batch)."""
        if users:
            runtime = self.client.runtime
            runtime.bus.publish(DataChanged(
                at=runtime.clock.now(), machine=self.machine.name, what="personal_data",
                detail=f"from the sync server: {', '.join(sorted(users)[:3])}{' …' if len(users) > 3 else ''}",
            ))

    def _push(self, records: list[dict[str, Any]], keys: Collection[Key] = ()) -> None:
        """Pushes records; ``keys`` are the changes among them, answered by :meth:`_answered`."""
        link = self.client.link
        if records and link is not None and not link.closed.is_set():
            sent = tuple(keys)
            link.push(records, on_ack=lambda answer: self._answered(answer, sent))

    def session_ended(self) -> None:
        """The session is gone: nothing is in flight any more (pending changes go up on the next one)."""
        self.in_flight.clear()
        self.common_in_flight.clear()

    # --- pending changes -------------------------------------------------------------------------------

    def pending(self) -> dict[str, dict[str, int]]:
        """Changes made here and not taken yet: user → item → base."""
        return {u: dict(v) for u, v in (self.machine.store.get_config(PENDING_KEY) or {}).items()}

    def save_pending(self, pending: Mapping[str, Mapping[str, int]]) -> None:
        """Stores the pending changes (only when they changed: a read costs less than a commit)."""
        kept = {u: dict(v) for u, v in pending.items() if v}
        if kept != (self.machine.store.get_config(PENDING_KEY) or {}):
            self.machine.store.set_config(PENDING_KEY, kept)

    def forget_pending(self, why: str) -> None:
        """A start of the client function is a fresh beginning (SYNC-05): changes not sent yet are dropped,
        and the log says so (SYNC-23: nothing is lost silently)."""
        count = self.pending_changes
        if count:
            self._log("Warning", f"{why}: {count} change(s) made here while the server could not be reached were "
                                 "not sent; where the server holds a copy, it replaces them (SYNC-05)")
        self.save_pending({})
        self.session_ended()

    @property
    def pending_changes(self) -> int:
        """Changes made here that the server has not taken yet."""
        return sum(len(v) for v in self.pending().values())

    # --- changes made here ------------------------------------------------------------------------------

    def changed(self, user: str, versions: Mapping[str, int], before: Mapping[str, int]) -> None:
        """Items of ``user`` changed here (``before``: their versions before); pushed now or when back online."""
        withheld = self._withheld()
        wanted = [i for i in versions if i not in withheld]
        if not wanted:
            return
        pending = self.pending()
        mine = pending.setdefault(user, {})
        for item in wanted:
            mine.setdefault(item, before.get(item, 0))
        self.save_pending(pending)
        if self.client.connected:
            self.send_changes({user: wanted})

    def send_changes(self, items: Mapping[str, Iterable[str]]) -> None:
        """Pushes pending changes of these items that are not already in flight."""
        pending = self.pending()
        records: list[dict[str, Any]] = []
        keys: list[Key] = []
        for user, names in items.items():
            mine = pending.get(user, {})
            stored = self.stored(user)
            for item in names:
                if item in mine and item not in stored:
                    del mine[item]  # nothing left here to send (the user's data went meanwhile)
                if item not in mine or (user, item) in self.in_flight:
                    continue
                it = stored[item]
                self.in_flight[(user, item)] = it.version
                keys.append((user, item))
                records.append(wire(ItemChange(user, PersonalItem(item), it.value, it.sharing, mine[item])))
        self.save_pending(pending)
        self._push(records, keys)

    def changed_common(self, item: str, value: Any, base: int) -> None:
        """A shared non-personal setting changed here (SYNC-09)."""
        if self.client.connected:
            self.common_in_flight[item] = base
            self._push([wire(CommonChange(CommonItem(item), value, base))])

    def _answered(self, answer: PushAnswer, sent_keys: Collection[Key]) -> None:
        """The server's answer to a push of this machine: versions given, refusals reported (SYNC-23)."""
        store, pending = self.machine.store, self.pending()
        if answer.refused:
            # Nothing was stored: these changes are lost, and this machine shows what the server holds.
            self._log("Error", f"the server stored nothing of a push from here: {answer.refused}")
            users = sorted({user for user, _ in sent_keys})
            for user, item in sent_keys:
                self.in_flight.pop((user, item), None)
                pending.get(user, {}).pop(item, None)
            self.save_pending(pending)
            for user in users:
                self.client.pull_user(user)
            return
        again: dict[str, list[str]] = {}
        register: set[str] = set()
        resync: set[str] = set()
        versions: dict[str, dict[str, int]] = {}
        for raw in answer.outcomes:
            try:
                outcome = Outcome.from_wire(raw)
            except ValueError as exc:
                self._log("Warning", f"the server's answer could not be read: {exc}")
                continue
            if outcome.user == "":
                self._common_answered(outcome)
                continue
            key = (outcome.user, outcome.item)
            sent = self.in_flight.pop(key, None)
            mine = pending.get(outcome.user, {})
            if outcome.taken:
                it = self.stored(outcome.user).get(outcome.item)
                if it is None:
                    # Taken by the server but gone here meanwhile (e.g. the user was evicted while this push
                    # travelled, then registered again by it): this machine asks for the server's copy.
                    resync.add(outcome.user)
                    continue
                if sent is not None and it.version == sent:
                    versions.setdefault(outcome.user, {})[outcome.item] = outcome.version
                    mine.pop(outcome.item, None)
                elif outcome.item in mine:  # changed again here meanwhile: that change goes up on this version
                    mine[outcome.item] = outcome.version
                    again.setdefault(outcome.user, []).append(outcome.item)
            elif outcome.unknown_user:
                mine.pop(outcome.item, None)
                register.add(outcome.user)
            elif sent is not None:
                mine.pop(outcome.item, None)
                self._log("Warning", f"a change made here was refused: {outcome.reason}; this machine shows "
                                     "the server's copy (SYNC-23)")
        for user, items in versions.items():
            store.set_item_versions(user, items)
        self.save_pending(pending)
        if again:
            self.send_changes(again)
        if register:
            self.register(sorted(register))
        for user in sorted(resync - register):
            self.client.pull_user(user)
        self.client.last_sync = self._now()

    def _common_answered(self, outcome: Outcome) -> None:
        self.common_in_flight.pop(outcome.item, None)
        if outcome.taken:
            common = dict(self.machine.store.get_config(COMMON_KEY) or {})
            entry = common.get(outcome.item)
            if entry is not None:
                common[outcome.item] = {**entry, "version": outcome.version}
                self.machine.store.set_config(COMMON_KEY, common)
        else:
            self._log("Warning", f"a change made here was refused: {outcome.reason}; this machine shows the "
                                 "server's copy (SYNC-23)")

    # --- registering users the server lacks (SYNC-06, SYNC-07) ------------------------------------------

    def registration(self, user: str) -> Registration | None:
        """The user's data here as one registration (None when there is nothing to offer).

        Items with a change of their own on the way (pending, or already in flight) are left out: that
        change carries them.
        """
        withheld = self._withheld()
        mine = self.pending().get(user, {})
        items = []
        for item, it in self.stored(user).items():
            if item in withheld or item not in _ITEMS or item in mine or (user, item) in self.in_flight:
                continue
            try:
                check_value_shape(it.value)
                check_item_value(PersonalItem(item), it.value)
            except ValueError as exc:
                self._log("Warning", f"{user}'s {item} is not offered to the server: {exc}")
                continue
            items.append((PersonalItem(item), it.value, it.sharing))
        if not items:
            return None
        last = next((u.last_login for u in self.machine.store.list_users() if u.user == user), None)
        return Registration(user, tuple(items), last)

    def register(self, users: Iterable[str]) -> int:
        """Offers these users whole to the server; returns how many were offered."""
        records = []
        keys: list[Key] = []
        for user in users:
            offer = self.registration(user)
            if offer is None:
                continue
            stored = self.stored(user)
            for item, _, _ in offer.items:
                self.in_flight[(user, item.value)] = stored[item.value].version
                keys.append((user, item.value))
            records.append(wire(offer))
        self._push(records, keys)
        return len(records)

    # --- the server's copies ----------------------------------------------------------------------------

    def _store_common(self, rec: CommonCopy) -> None:
        if not take_server_copy(rec.version, self.common_in_flight.get(rec.item.value)):
            return
        common = dict(self.machine.store.get_config(COMMON_KEY) or {})
        common[rec.item.value] = {"value": rec.value, "version": rec.version}
        self.machine.store.set_config(COMMON_KEY, common)

    def parse(self, records: Iterable[Mapping[str, Any]]) -> list[ServerRecord]:
        """The server's records, typed and checked (raises RemoteProtocolError for a bad one)."""
        return parse_server_records(list(records))

    def apply_pushed(self, records: Iterable[ServerRecord]) -> None:
        """Stores the server's copies pushed here, in one transaction (SYNC-05, SYNC-07, SYNC-23)."""
        store, now, withheld = self.machine.store, self._now(), self._withheld()
        by_user: dict[str, list[ItemCopy]] = {}
        deleted: dict[str, DeletedNotice] = {}
        for rec in records:
            if isinstance(rec, CommonCopy):
                self._store_common(rec)
            elif isinstance(rec, SharingNotice):
                store.set_config(RANGES_KEY, {i.value: r.value for i, r in rec.ranges.items()})
            elif isinstance(rec, DeletedNotice):
                deleted[rec.user] = rec
                by_user.pop(rec.user, None)
            elif isinstance(rec, ItemCopy) and rec.item.value not in withheld:
                by_user.setdefault(rec.user, []).append(rec)
        pending = self.pending()
        changed: dict[str, dict[str, UserItem]] = {}
        for user, copies in by_user.items():
            items = self.stored(user)
            mine = pending.get(user, {})
            touched = False
            for copy in copies:
                name = copy.item.value
                if not take_server_copy(copy.version, mine.get(name)):
                    continue  # a change made here on exactly this copy is on its way up
                items[name] = UserItem(copy.value, copy.version, copy.sharing, now)
                mine.pop(name, None)
                touched = True
            if touched:
                changed[user] = items
        if changed or deleted:
            store.write_users(now, changed, delete=list(deleted))
        for user, notice in deleted.items():
            pending.pop(user, None)
            for key in [k for k in self.in_flight if k[0] == user]:
                del self.in_flight[key]
            if notice.reason == "limit":
                self._log("Error", f"the server's user limit ({notice.limit}) was exceeded: the settings of "
                                   f"{user} were deleted (SYNC-03)")
        self._announce([*changed, *deleted])
        self.save_pending(pending)

    def take_user(self, user: str, answer: PullAnswer) -> None:
        """The answer to the pull at a login: the server's copy of the user replaces this machine's whole,
        less changes made here on exactly that copy; with no data there, this machine's copy registers."""
        try:
            records = self.parse(answer.records)
        except RemoteProtocolError as exc:
            self._log("Warning", f"the server's copy of {user} could not be read: {exc}")
            return
        copies = {r.item.value: r for r in records if isinstance(r, ItemCopy) and r.user == user}
        if not copies:
            if self.stored(user):
                # The server has no data of this user (deleted there, SYNC-07): this machine's copy registers.
                self.register([user])
            return
        store, now, withheld = self.machine.store, self._now(), self._withheld()
        local = self.stored(user)
        pending = self.pending()
        mine = pending.get(user, {})
        new: dict[str, UserItem] = {}
        for name, copy in copies.items():
            if name in withheld:
                continue
            if name in local and not take_server_copy(copy.version, mine.get(name)):
                new[name] = local[name]
            else:
                new[name] = UserItem(copy.value, copy.version, copy.sharing, now)
                mine.pop(name, None)
        for name, it in local.items():
            if name not in new and (name in withheld or name in mine):
                new[name] = it  # old firmware keeps it as it is; a change made here goes up
        if new != local:
            store.write_users(now, {user: new})
            self._announce([user])
        self.save_pending(pending)

    async def on_everything(self, answer: PullAnswer) -> None:
        """The server's full answer: SYNC-05 on a start, catch-up after a lost connection (SYNC-14).

        The users' documents are kept as they came (see :mod:`mfp_console.store.user_data`); a user is
        decoded here only to keep a change made here that the server has not taken, or, on old
        firmware, the items this machine does not synchronize (SYNC-17).
        """
        client, store, now = self.client, self.machine.store, self._now()
        withheld = self._withheld()
        for rec in self.parse(answer.records):
            if isinstance(rec, (CommonCopy, SharingNotice)):
                self.apply_pushed([rec])
        original = self.pending()
        pending = {user: dict(items) for user, items in original.items()}
        local_users = {u.user: u for u in store.list_users()}
        # A user whose document is empty has no data on the server (only a login): what is here registers.
        plan = plan_join([user for user, length in answer.users if length > len(_EMPTY)], local_users, pending)
        merge = set(plan.merge) | (set(plan.replace) if withheld else set())
        documents: dict[str, dict[str, UserItem]] = {}
        offset = 0
        for user, length in answer.users:
            if user in merge:
                documents[user] = _decoded(user, answer.body[offset : offset + length], now)
            offset += length
        replacements: dict[str, dict[str, UserItem]] = {}
        lost: list[tuple[str, str]] = []
        for count, user in enumerate(sorted(merge)):
            if count % 50 == 49:
                await asyncio.sleep(0)
            local = self.stored(user)
            mine = pending.get(user, {}) if user in plan.merge else {}
            new: dict[str, UserItem] = {}
            for name, copy in documents[user].items():
                if name in local and not take_server_copy(copy.version, mine.get(name)):
                    new[name] = local[name]  # changed here on the copy the server still holds: ours goes up
                    continue
                new[name] = copy
                if name in mine:
                    del mine[name]
                    if name in local and local[name].value != copy.value:
                        lost.append((user, name))
            for name, it in local.items():
                if name not in new and (name in withheld or name in mine):
                    new[name] = it
            replacements[user] = new
        listed = {user for user, _ in answer.users}
        for user in plan.register & listed:  # listed without data: what is here stays, and registers
            replacements[user] = self.stored(user)
        damaged = store.store_snapshot(answer.body, answer.users, now, replacements)
        for user in damaged:
            self._damaged(user, "its data from an earlier answer could not be read and is lost")
        self._announce({user for user, _ in answer.users})
        for user, name in lost:
            self._log("Warning", f"a change of {user}'s {name} made here while the server was away was "
                                 "refused: it was changed on another machine meanwhile; this machine shows "
                                 "the server's copy (SYNC-23)")
        # Changes made while this answer was being stored are pending too: everything pending goes up now.
        for user, items in self.pending().items():
            for name, base in items.items():
                if name not in original.get(user, {}):
                    pending.setdefault(user, {})[name] = base
        self.save_pending(pending)
        client.mark_synchronized()
        registered = self.register(sorted(plan.register))
        self.send_changes({user: list(items) for user, items in self.pending().items()})
        self._log("Info", f"synchronized with {client.server}: {len(answer.users)} users from the server, "
                          f"{registered} registered from here")


def _decoded(user: str, document: bytes, now: Any) -> dict[str, UserItem]:
    """A kept document of the server's answer, for merging with this machine's changes."""
    try:
        return decode_user_doc(document, now)
    except ValueError as exc:
        raise RemoteProtocolError(f"the server's copy of {user!r} cannot be decoded: {exc}") from exc

