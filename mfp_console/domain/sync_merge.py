"""Whose copy wins: every merge decision of synchronization as a pure function (SYNC-03, -05, -06, -07, -23).

The sync server and client functions (``engine/sync/``) only do I/O; they ask this module what to do.

**Version order is the server's (SYNC-07).** Every copy the server stores gets the next number of *one*
sequence the server keeps for all its data, so a version number is never given twice on a server, not
even after a user was deleted and registered again. A client stores the server's version with each
copy and never compares two versions as older or newer: a copy from the server always replaces the
client's, except where the client holds a change of its own made on exactly that version (the *base*),
which is on its way up. The server takes a change whose base is the version it holds and refuses one
whose base is another (someone else's change got there first); the client that made a refused change is
told (SYNC-23). The acknowledgement of a push says, per record, whether it was taken and under which
version, so the client never has to guess the number the server gave its change (issue 17, item 4).

**Login times are the server's (SYNC-03).** A login is stamped with the server's clock, never earlier than
the latest stamp it gave (so logins in the same instant keep their order), and a registered user's login
time as the client tells it is never taken later than the server's clock. Eviction then picks the least
recently logged-in users, whoever pushed them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from mfp_console.domain.sync_items import CommonItem, PersonalItem, SharingRange
from mfp_console.domain.sync_records import (
    ClientRecord,
    CommonChange,
    CommonCopy,
    DeletedNotice,
    DeviceProfile,
    ItemChange,
    ItemCopy,
    LoginRecord,
    Registration,
    ServerRecord,
)
from mfp_console.domain.sync_rules import users_to_evict

__all__ = [
    "TICK",
    "JoinPlan",
    "Outcome",
    "PushPlan",
    "ServerView",
    "Stored",
    "copy_key",
    "plan_join",
    "plan_push",
    "stamp_login",
    "take_server_copy",
]

TICK = timedelta(microseconds=1)
"""How far apart two login stamps given in the same instant are."""

TAKEN = "taken"
UNKNOWN_USER = "unknown user"


class Stored(Protocol):
    """One stored copy as the planner reads it."""

    @property
    def value(self) -> Any: ...

    @property
    def version(self) -> int: ...


@dataclass(frozen=True)
class ServerView:
    """What the server holds, as the planner reads it (never changed by it).

    Attributes:
        users: Each user's copies by key (``item``, or ``item@device`` for a device-specific copy).
        last_seen: Each user's last login (or registration) as the server stamped it.
        ranges: Each item's sharing range (SYNC-10); missing means shared.
        common: The shared non-personal settings (SYNC-09).
        next_version: The next number of the server's version sequence.
        latest_login: The latest login stamp given so far.
        user_limit: The most users the server keeps (SYNC-03).
    """

    users: Mapping[str, Mapping[str, Stored]]
    last_seen: Mapping[str, datetime]
    ranges: Mapping[PersonalItem, SharingRange]
    common: Mapping[CommonItem, Stored]
    next_version: int
    latest_login: datetime | None
    user_limit: int


@dataclass(frozen=True)
class Outcome:
    """What became of one record of a push: taken under ``version``, or refused and why.

    ``item`` is the item's name (a personal item, or a shared setting with an empty ``user``). A change
    to a user the server does not hold is refused with :data:`UNKNOWN_USER`: the client registers the
    user whole instead (SYNC-07).
    """

    user: str
    item: str
    taken: bool
    version: int
    reason: str = ""

    @property
    def unknown_user(self) -> bool:
        """The server holds no data of this user (deleted or evicted): register them again."""
        return not self.taken and self.reason == UNKNOWN_USER

    def to_wire(self) -> dict[str, Any]:
        """The outcome as a record of the acknowledgement."""
        text = TAKEN if self.taken else (self.reason if self.unknown_user else f"refused: {self.reason}")
        return {"user": self.user, "item": self.item, "value": text, "version": self.version, "range": "shared"}

    @classmethod
    def from_wire(cls, rec: Mapping[str, Any]) -> Outcome:
        """Reads an outcome record.

        Raises:
            ValueError: It is not an outcome.
        """
        user, item, text, version = rec.get("user"), rec.get("item"), rec.get("value"), rec.get("version")
        if type(user) is not str or type(item) is not str or type(text) is not str or type(version) is not int:
            raise ValueError("an outcome holds user, item, value text and version")
        if text == TAKEN:
            return cls(user, item, True, version)
        if text == UNKNOWN_USER:
            return cls(user, item, False, version, UNKNOWN_USER)
        if text.startswith("refused: "):
            return cls(user, item, False, version, text[len("refused: "):])
        raise ValueError(f"unknown outcome {text[:40]!r}")


@dataclass(frozen=True)
class PushPlan:
    """What the server does with one push, decided before anything is written; written in one transaction.

    Attributes:
        puts: New copies by user and key: ``(value, version)``.
        logins: Users whose last login becomes this stamp (a new user is created).
        evicted: Users whose data goes (SYNC-03), least recently logged in first.
        common: Shared settings taken: ``(value, version)``.
        device: The device profile sent, if any.
        back: The server's copies the sender gets back (its change or registration lost).
        spread: The server's copies every other session gets (shared items only).
        notices: Sent to every session, the sender's too (deleted users).
        outcomes: One per change or registered item, in the push's order.
        next_version: The sequence's next number afterwards.
        latest_login: The latest login stamp afterwards.
    """

    puts: Mapping[str, Mapping[str, tuple[Any, int]]] = field(default_factory=dict)
    logins: Mapping[str, datetime] = field(default_factory=dict)
    evicted: tuple[str, ...] = ()
    common: Mapping[CommonItem, tuple[Any, int]] = field(default_factory=dict)
    device: DeviceProfile | None = None
    back: tuple[ServerRecord, ...] = ()
    spread: tuple[ServerRecord, ...] = ()
    notices: tuple[ServerRecord, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    next_version: int = 1
    latest_login: datetime | None = None

    @property
    def writes(self) -> bool:
        """True when the plan changes the server's data."""
        return bool(self.puts or self.logins or self.evicted or self.common or self.device)


def copy_key(item: PersonalItem, sharing: SharingRange, device: str) -> str:
    """Where the server keeps ``device``'s copy: under the item's name when shared, else ``item@device``."""
    return item.value if sharing is SharingRange.SHARED else f"{item.value}@{device}"


def stamp_login(now: datetime, latest: datetime | None) -> datetime:
    """The server's stamp for a login at ``now``: never before (nor equal to) the latest stamp given."""
    if latest is not None and now <= latest:
        return latest + TICK
    return now


def plan_push(view: ServerView, client: str, records: Sequence[ClientRecord], now: datetime) -> PushPlan:
    """Decides what the server does with a client's push (SYNC-03, -05, -06, -07, -09, -10, -23)."""
    return _Planner(view, client, now).run(records)


class _Planner:
    def __init__(self, view: ServerView, client: str, now: datetime) -> None:
        self.view, self.client, self.now = view, client, now
        self.seq = view.next_version
        self.latest = view.latest_login
        self.puts: dict[str, dict[str, tuple[Any, int]]] = {}
        self.logins: dict[str, datetime] = {}
        self.common: dict[CommonItem, tuple[Any, int]] = {}
        self.device: DeviceProfile | None = None
        self.back: list[ServerRecord] = []
        self.spread: list[ServerRecord] = []
        self.outcomes: list[Outcome] = []

    def _version(self) -> int:
        version, self.seq = self.seq, self.seq + 1
        return version

    def _range(self, item: PersonalItem) -> SharingRange:
        return self.view.ranges.get(item, SharingRange.SHARED)

    def _known(self, user: str) -> bool:
        return user in self.view.users or user in self.puts or user in self.logins

    def _copy(self, user: str, key: str) -> tuple[Any, int] | None:
        mine = self.puts.get(user, {}).get(key)
        if mine is not None:
            return mine
        stored = self.view.users.get(user, {}).get(key)
        return (stored.value, stored.version) if stored is not None else None

    def _has_items(self, user: str) -> bool:
        return bool(self.view.users.get(user)) or bool(self.puts.get(user))

    def _put(self, user: str, key: str, value: Any) -> int:
        version = self._version()
        self.puts.setdefault(user, {})[key] = (value, version)
        return version

    def run(self, records: Sequence[ClientRecord]) -> PushPlan:
        for rec in records:
            if isinstance(rec, LoginRecord):
                self.latest = self.logins[rec.user] = stamp_login(self.now, self.latest)
            elif isinstance(rec, Registration):
                self._register(rec)
            elif isinstance(rec, ItemChange):
                self._change(rec)
            elif isinstance(rec, CommonChange):
                self._common(rec)
            elif isinstance(rec, DeviceProfile):
                self.device = rec
        evicted = self._evict()
        gone = set(evicted)
        return PushPlan(
            puts={u: c for u, c in self.puts.items() if u not in gone},
            logins={u: t for u, t in self.logins.items() if u not in gone},
            evicted=tuple(evicted),
            common=dict(self.common),
            device=self.device,
            back=tuple(r for r in self.back if getattr(r, "user", "") not in gone),
            spread=tuple(r for r in self.spread if getattr(r, "user", "") not in gone),
            notices=tuple(DeletedNotice(user, "limit", self.view.user_limit) for user in evicted),
            outcomes=tuple(self.outcomes),
            next_version=self.seq,
            latest_login=self.latest,
        )

    def _register(self, rec: Registration) -> None:
        """SYNC-06/07: the items of the user the server lacks are taken; those it holds stay the server's (SYNC-05)."""
        user = rec.user
        if not self._has_items(user) and user not in self.logins and user not in self.view.last_seen:
            claimed = rec.last_login if rec.last_login is not None and rec.last_login <= self.now else self.now
            self.logins[user] = claimed
        for item, value, _ in rec.items:
            sharing = self._range(item)  # the server's range counts, not what the client thought
            key = copy_key(item, sharing, self.client)
            current = self._copy(user, key)
            if current is not None:
                self.outcomes.append(Outcome(user, item.value, False, current[1],
                                             f"{item.label} of {user} is already held by the server"))
                self.back.append(ItemCopy(user, item, current[0], current[1], sharing))
                continue
            version = self._put(user, key, value)
            self.outcomes.append(Outcome(user, item.value, True, version))
            if sharing is SharingRange.SHARED:
                self.spread.append(ItemCopy(user, item, value, version, sharing))

    def _change(self, rec: ItemChange) -> None:
        user, item = rec.user, rec.item
        if not self._known(user):
            self.outcomes.append(Outcome(user, item.value, False, 0, UNKNOWN_USER))
            return
        sharing = self._range(item)
        key = copy_key(item, sharing, self.client)
        current = self._copy(user, key)
        if current is None or current[1] == rec.base:
            version = self._put(user, key, rec.value)
            self.outcomes.append(Outcome(user, item.value, True, version))
            if sharing is SharingRange.SHARED:
                self.spread.append(ItemCopy(user, item, rec.value, version, sharing))
            return
        self.outcomes.append(Outcome(user, item.value, False, current[1],
                                     f"{item.label} of {user} was changed on another machine first"))
        self.back.append(ItemCopy(user, item, current[0], current[1], sharing))

    def _common(self, rec: CommonChange) -> None:
        stored = self.view.common.get(rec.item)
        current = self.common.get(rec.item) or ((stored.value, stored.version) if stored is not None else None)
        if current is None or current[1] == rec.base:
            version = self._version()
            self.common[rec.item] = (rec.value, version)
            self.outcomes.append(Outcome("", rec.item.value, True, version))
            self.spread.append(CommonCopy(rec.item, rec.value, version))
            return
        self.outcomes.append(Outcome("", rec.item.value, False, current[1],
                                     f"{rec.item.label} was changed on another machine first"))
        self.back.append(CommonCopy(rec.item, current[0], current[1]))

    def _evict(self) -> list[str]:
        seen = dict(self.view.last_seen)
        seen.update(self.logins)
        population = set(self.view.users) | set(self.puts) | set(self.logins)
        if len(population) <= self.view.user_limit:
            return []
        oldest_first = sorted(population, key=lambda u: (seen.get(u, self.now), u))
        return users_to_evict(oldest_first, self.view.user_limit)


# --- the client's side -------------------------------------------------------------------------------------


def take_server_copy(server_version: int, base: int | None) -> bool:
    """Whether a client stores the server's copy of an item (SYNC-05, SYNC-07, SYNC-23).

    Args:
        server_version: The version of the copy the server sent.
        base: The server version a change of the client's own (not yet taken) was made on, or None.

    The server's copy always wins — a copy a client kept from before never outranks it — except over a
    change of the client's own made on exactly that copy: that change is on its way and the server will
    take it. When the server's copy is another, the client's change will be refused, and the client
    shows the server's copy at once.
    """
    return base is None or server_version != base


@dataclass(frozen=True)
class JoinPlan:
    """What a client does with the server's answer when it joins (SYNC-05, SYNC-06, SYNC-07, SYNC-14).

    Attributes:
        replace: Users on both sides: the server's copy replaces the client's (SYNC-05).
        merge: Of those, users with changes made here since the client function started (it started
            afresh: anything older is gone), made while the server could not be reached: each goes up
            when the server still holds the copy it was made on, and loses (reported) otherwise.
        register: Users only on the client: offered to the server, which takes what it lacks (SYNC-06);
            a user deleted on the server is one of these (SYNC-07).
        receive: Users only on the server: the client stores the server's copy.
    """

    replace: frozenset[str]
    merge: frozenset[str]
    register: frozenset[str]
    receive: frozenset[str]


def plan_join(server_users: Iterable[str], client_users: Iterable[str], pending_users: Collection[str] = ()) -> JoinPlan:
    """Splits users by where they exist when a client joins; ``pending_users`` have changes made here since
    the client function started."""
    server, client = set(server_users), set(client_users)
    both = server & client
    return JoinPlan(frozenset(both), frozenset(both & set(pending_users)), frozenset(client - server),
                    frozenset(server - client))
