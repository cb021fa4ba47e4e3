"""The server's synchronization data, kept apart from the server machine's own settings (SYNC-01).

A server stores every user's server copy, the sharing ranges, the shared non-personal settings and the
device registry in its own database file beside the machine's (``<state>/machines/<name>.sync-server.sqlite3``),
opened through the ordinary :class:`~mfp_console.store.MachineStore` API: users and their items in the
users tables, everything else in configuration documents. The machine's own users (what a person sees
when logging in at the server's panel) stay in the machine's database and reach the server copies only
through the server's own client function (``localhost:8443``).

Versions come from one sequence the server keeps for all its data (``version_sequence``): every copy
written gets the next number, so a number is never given twice, not even to a user deleted and
registered again (SYNC-07's "version order is the server's", see :mod:`mfp_console.domain.sync_merge`).
A push is written in one transaction (:meth:`ServerData.apply`): all of it or nothing.

Item keys: a shared item is stored under its name (``keychain``); a device-specific copy (SYNC-10) under
``<name>@<device>`` (``keychain@client-a``). The whole data set is mirrored in memory, so answering a
joining client never reads the database; so is each user's document as a client keeps it (every item
shared), encoded when the user's data changes rather than for every joining client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from mfp_console.domain.sync_items import CommonItem, PersonalItem, SharingRange
from mfp_console.domain.sync_merge import PushPlan, ServerView
from mfp_console.domain.sync_records import check_user_name, check_value_shape
from mfp_console.domain.sync_settings import MAX_SYNC_USERS
from mfp_console.store import MachineStore
from mfp_console.store.paths import machine_database_path
from mfp_console.store.user_data import Sharing, UserItem, encode_user_doc

__all__ = ["ServerData", "device_key", "server_data_path", "split_key"]

SHARING_KEY = "sharing"
COMMON_KEY = "common"
DEVICES_KEY = "devices"
SEEN_KEY = "devices_seen"
SEQUENCE_KEY = "version_sequence"
BACKUP_FORMAT = "mfp-console sync data"


def server_data_path(state_dir: Path, name: str) -> Path:
    """Where machine ``name`` keeps its server data."""
    return machine_database_path(state_dir, name).with_name(f"{name}.sync-server.sqlite3")


def device_key(item: str, device: str) -> str:
    """The key of ``device``'s copy of a device-specific item."""
    return f"{item}@{device}"


def split_key(key: str) -> tuple[str, str]:
    """``(item, device)``; the device is empty for a shared copy."""
    item, _, device = key.partition("@")
    return item, device


class ServerData:
    """A server's synchronization data (open with :meth:`open`)."""

    def __init__(self, store: MachineStore) -> None:
        self.store = store
        self.users: dict[str, dict[str, UserItem]] = {}
        self.last_seen: dict[str, datetime] = {}
        self.revision = 0
        """Grows on every change (answers encoded for one revision are reused until the next)."""
        self.next_version = 1
        """The next number of the version sequence."""
        self._documents: dict[str, bytes] = {}
        self._load()

    @classmethod
    def open(cls, path: Path) -> ServerData:
        """Opens (creating) the data file."""
        return cls(MachineStore.open(path))

    def close(self) -> None:
        """Closes the file."""
        self.store.close()

    def _load(self) -> None:
        self.users.clear()
        self._documents.clear()
        self.last_seen.clear()
        highest = 0
        for rec in self.store.list_users():
            items = self.store.user_items(rec.user)
            self.users[rec.user] = items
            self.last_seen[rec.user] = rec.last_seen
            highest = max([highest, *(it.version for it in items.values())])
        for entry in self.common().values():
            highest = max(highest, int(entry.get("version", 0)))
        self.next_version = max(int(self.store.get_config(SEQUENCE_KEY) or 1), highest + 1)

    # --- reading ----------------------------------------------------------------------------------------

    @property
    def latest_login(self) -> datetime | None:
        """The latest login stamp given (None before the first)."""
        return max(self.last_seen.values(), default=None)

    def view(self, user_limit: int) -> ServerView:
        """What :func:`~mfp_console.domain.sync_merge.plan_push` reads (the live data, not a copy)."""
        common = {CommonItem(k): UserItem(v["value"], int(v["version"]), Sharing.SHARED, datetime.min)
                  for k, v in self.common().items() if k in _COMMON_NAMES}
        return ServerView(self.users, self.last_seen, self.sharing(), common, self.next_version,
                          self.latest_login, user_limit)

    def oldest_first(self) -> list[str]:
        """Users, least recently logged in first (SYNC-03)."""
        return sorted(self.users, key=lambda u: (self.last_seen.get(u), u))

    def document(self, user: str) -> bytes:
        """``user``'s shared items as one document (:func:`~mfp_console.store.user_data.encode_user_doc`)."""
        doc = self._documents.get(user)
        if doc is None:
            items = self.users.get(user, {})
            doc = self._documents[user] = encode_user_doc(
                {key: (it.value, it.version, Sharing.SHARED.value) for key, it in items.items() if "@" not in key}
            )
        return doc

    def item(self, user: str, key: str) -> UserItem | None:
        """One stored copy, or None."""
        return self.users.get(user, {}).get(key)

    def sharing(self) -> dict[PersonalItem, SharingRange]:
        """Every item's sharing range (``[Shared across All Devices]`` unless set otherwise)."""
        stored = self.store.get_config(SHARING_KEY) or {}
        return {item: SharingRange(stored.get(item.value, "shared")) for item in PersonalItem}

    def range_of(self, item: str) -> SharingRange:
        """One item's sharing range."""
        stored = self.store.get_config(SHARING_KEY) or {}
        return SharingRange(stored.get(item, "shared"))

    def common(self) -> dict[str, dict[str, Any]]:
        """Shared non-personal settings (SYNC-09): ``{item: {"value", "version", "updated_at"}}``."""
        return dict(self.store.get_config(COMMON_KEY) or {})

    def devices(self) -> dict[str, dict[str, Any]]:
        """Registered clients (they count until they stop synchronizing, SYNC-02)."""
        return dict(self.store.get_config(DEVICES_KEY) or {})

    def devices_seen(self) -> list[str]:
        """Every device that ever synchronized (SYNC-10 copies shared values to each)."""
        return list(self.store.get_config(SEEN_KEY) or [])

    # --- writing ----------------------------------------------------------------------------------------

    def take_versions(self, count: int) -> list[int]:
        """Takes ``count`` numbers of the version sequence (saved with the next write)."""
        first = self.next_version
        self.next_version += count
        return list(range(first, first + count))

    def _written(self, users: Iterable[str]) -> None:
        self.revision += 1
        for user in users:
            self._documents.pop(user, None)

    def apply(self, plan: PushPlan, client: str, now: datetime) -> None:
        """Writes what :func:`~mfp_console.domain.sync_merge.plan_push` decided, in one transaction.

        Raises:
            StoreError: Nothing was written (the data in memory is unchanged too).
        """
        if not plan.writes and plan.next_version == self.next_version:
            return
        gone = set(plan.evicted)
        replace: dict[str, dict[str, UserItem]] = {}
        for user, copies in plan.puts.items():
            items = dict(self.users.get(user, {}))
            for key, (value, version) in copies.items():
                sharing = Sharing.DEVICE_SPECIFIC if "@" in key else Sharing.SHARED
                items[key] = UserItem(value, version, sharing, now)
            replace[user] = items
        configs: dict[str, Any] = {SEQUENCE_KEY: plan.next_version}
        if plan.common:
            common = self.common()
            for item, (value, version) in plan.common.items():
                common[item.value] = {"value": value, "version": version, "updated_at": now.isoformat()}
            configs[COMMON_KEY] = common
        devices = None
        if plan.device is not None:
            devices = self.devices()
            if client in devices:
                devices[client] = {**devices[client], **plan.device.registry_entry()}
                configs[DEVICES_KEY] = devices
        self.store.write_users(now, replace, plan.logins, sorted(gone), configs)
        for user, items in replace.items():
            self.users[user] = items
        for user, when in plan.logins.items():
            self.users.setdefault(user, {})
            self.last_seen[user] = when
        for user in gone:
            self.users.pop(user, None)
            self.last_seen.pop(user, None)
        self.next_version = plan.next_version
        if replace or gone or plan.common:  # what an answer holds changed (a login or a profile does not)
            self._written([*replace, *gone])

    def put_user(self, user: str, items: Mapping[str, UserItem], now: datetime, last_login: datetime | None) -> None:
        """Replaces all of a user's copies with fresh versions of the sequence (restore, benchmarks)."""
        versions = self.take_versions(len(items))
        fresh = {key: UserItem(it.value, version, it.sharing, it.updated_at)
                 for (key, it), version in zip(items.items(), versions)}
        seen = last_login or self.last_seen.get(user) or now
        self.store.write_users(now, {user: fresh}, {user: seen}, configs={SEQUENCE_KEY: self.next_version})
        self.users[user] = fresh
        self.last_seen[user] = seen
        self._written([user])
        self.document(user)

    def replace_copies(self, changes: Mapping[str, Mapping[str, UserItem]], now: datetime) -> None:
        """Replaces whole users' copies (sharing range changes, SYNC-10; lost device data, SYNC-11)."""
        if not changes:
            return
        self.store.write_users(now, changes, configs={SEQUENCE_KEY: self.next_version})
        for user, items in changes.items():
            self.users[user] = dict(items)
        self._written(changes)

    def delete_user(self, user: str) -> bool:
        """Deletes a user's data; False when unknown."""
        self._written([user])
        self.users.pop(user, None)
        self.last_seen.pop(user, None)
        return self.store.delete_user(user)

    def set_sharing(self, ranges: Mapping[str, str]) -> None:
        """Saves the sharing ranges."""
        self.revision += 1
        self.store.set_config(SHARING_KEY, dict(ranges))

    def set_devices(self, devices: Mapping[str, dict[str, Any]]) -> None:
        """Saves the registry (and remembers every device ever seen)."""
        seen = self.devices_seen()
        for name in devices:
            if name not in seen:
                seen.append(name)
        self.store.set_configs({DEVICES_KEY: dict(devices), SEEN_KEY: seen})

    # --- whole data (backup, restore, replication) ------------------------------------------------------

    def dump(self, server: str, now: datetime) -> dict[str, Any]:
        """Everything a backup or a replica holds (not the device registry: clients join again)."""
        users = []
        for user in self.oldest_first():
            items = {
                key: {"value": it.value, "version": it.version, "updated_at": it.updated_at.isoformat()}
                for key, it in self.users[user].items()
            }
            users.append({"user": user, "last_seen": self.last_seen[user].isoformat(), "items": items})
        return {
            "format": BACKUP_FORMAT,
            "version": 1,
            "server": server,
            "made_at": now.isoformat(),
            "sharing": self.store.get_config(SHARING_KEY) or {},
            "common": self.common(),
            "devices_seen": self.devices_seen(),
            "users": users,
        }

    def load_dump(self, dump: Mapping[str, Any], now: datetime) -> int:
        """Replaces every user, sharing range and shared setting by a dump's, in one transaction; returns
        the user count. The dump is checked whole first (types, known items, bounds): a bad one changes nothing.

        Raises:
            ValueError: The dump is not synchronization data of this format, or a part of it is not sound.
        """
        incoming, sharing, common = read_dump(dump)
        highest = max([0, *(it.version for items, _ in incoming.values() for it in items.values()),
                       *(int(e["version"]) for e in common.values())])
        sequence = max(self.next_version, highest + 1)
        gone = [user for user in self.users if user not in incoming]
        self.store.write_users(
            now, {user: items for user, (items, _) in incoming.items()},
            {user: seen for user, (_, seen) in incoming.items()}, gone,
            {SHARING_KEY: sharing, COMMON_KEY: common, SEQUENCE_KEY: sequence},
        )
        self._written([*self.users, *incoming])
        self.users = {user: dict(items) for user, (items, _) in incoming.items()}
        self.last_seen = {user: seen for user, (_, seen) in incoming.items()}
        self.next_version = sequence
        return len(incoming)


_COMMON_NAMES = frozenset(c.value for c in CommonItem)
_ITEM_NAMES = frozenset(i.value for i in PersonalItem)


def read_dump(dump: Mapping[str, Any]) -> tuple[dict[str, tuple[dict[str, UserItem], datetime]],
                                                dict[str, str], dict[str, Any]]:
    """Checks a backup or replica whole and reads it: users with their copies, sharing ranges, shared settings.

    Raises:
        ValueError: Says what is wrong (format, a user, an item, a bound).
    """
    from mfp_console.domain.sync_items import check_common_value, check_item_value

    if not isinstance(dump, Mapping) or dump.get("format") != BACKUP_FORMAT or dump.get("version") != 1:
        raise ValueError("not a synchronization data backup of mfp-console (format 1)")
    users = dump.get("users")
    if not isinstance(users, list) or len(users) > MAX_SYNC_USERS:
        raise ValueError(f"'users' must be a list of at most {MAX_SYNC_USERS} users")
    incoming: dict[str, tuple[dict[str, UserItem], datetime]] = {}
    for index, entry in enumerate(users):
        try:
            if not isinstance(entry, dict) or not isinstance(entry.get("items"), dict):
                raise ValueError("a user is an object with 'user', 'last_seen' and 'items'")
            user = check_user_name(entry.get("user"))
            if user in incoming:
                raise ValueError(f"{user!r} is listed twice")
            items = {}
            for key, data in entry["items"].items():
                name, _, device = str(key).partition("@")
                if name not in _ITEM_NAMES or not isinstance(data, dict):
                    raise ValueError(f"{str(key)[:40]!r} is not a personalized item")
                version = data.get("version")
                if type(version) is not int or not 1 <= version <= 2**63 - 1:
                    raise ValueError(f"{key}: the version must be a whole number from 1")
                check_value_shape(data.get("value"))
                check_item_value(PersonalItem(name), data.get("value"))
                items[key] = UserItem(data["value"], version,
                                      Sharing.DEVICE_SPECIFIC if device else Sharing.SHARED,
                                      _aware(data.get("updated_at")))
            incoming[user] = (items, _aware(entry.get("last_seen")))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"user #{index + 1}: {exc}") from None
    sharing = {}
    for key, value in dict(dump.get("sharing") or {}).items():
        if key in _ITEM_NAMES:
            sharing[key] = SharingRange(value).value
    common = {}
    for key, entry in dict(dump.get("common") or {}).items():
        if key not in _COMMON_NAMES:
            continue
        if not isinstance(entry, dict) or type(entry.get("version")) is not int:
            raise ValueError(f"shared setting {key}: needs a value and a version")
        check_value_shape(entry.get("value"))
        check_common_value(CommonItem(key), entry.get("value"))
        common[key] = dict(entry)
    return incoming, sharing, common


def _aware(text: Any) -> datetime:
    if not isinstance(text, str):
        raise ValueError("a time must be ISO text")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return when
