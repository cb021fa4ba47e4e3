"""The server's synchronization data, kept apart from the server machine's own settings (SYNC-01).

A server stores every user's server copy, the sharing ranges, the shared non-personal settings and the
device registry in its own database file beside the machine's (``<state>/machines/<name>.sync-server.sqlite3``),
opened through the ordinary :class:`~mfp_console.store.MachineStore` API: users and their items in the
users tables, everything else in configuration documents. The machine's own users (what a person sees
when logging in at the server's panel) stay in the machine's database and reach the server copies only
through the server's own client function (``localhost:8443``).

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
from mfp_console.store import MachineStore
from mfp_console.store.paths import machine_database_path
from mfp_console.store.user_data import Sharing, UserItem, encode_user_doc

__all__ = ["ServerData", "device_key", "server_data_path", "split_key"]

SHARING_KEY = "sharing"
COMMON_KEY = "common"
DEVICES_KEY = "devices"
SEEN_KEY = "devices_seen"
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
        for rec in self.store.list_users():
            self.users[rec.user] = self.store.user_items(rec.user)
            self.last_seen[rec.user] = rec.last_seen

    # --- reading ----------------------------------------------------------------------------------------

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

    def put(self, user: str, key: str, value: Any, version: int, now: datetime) -> None:
        """Stores one copy with an exact version (the user's items are rewritten in one transaction)."""
        self.revision += 1
        items = dict(self.users.get(user, {}))
        sharing = Sharing.DEVICE_SPECIFIC if "@" in key else Sharing.SHARED
        items[key] = UserItem(value, version, sharing, now)
        self.store.replace_user(user, items, now)
        self.users[user] = items
        self._documents.pop(user, None)
        self.last_seen.setdefault(user, now)

    def put_user(self, user: str, items: Mapping[str, UserItem], now: datetime, last_login: datetime | None) -> None:
        """Replaces all of a user's copies (registration from a client, restore)."""
        self.revision += 1
        self.store.replace_user(user, items, now)
        if last_login is not None:
            self.store.touch_login(user, last_login)
        self.users[user] = dict(items)
        self._documents.pop(user, None)
        self.document(user)
        self.last_seen[user] = last_login or self.last_seen.get(user) or now

    def touch_login(self, user: str, when: datetime) -> None:
        """Records a login (creating the user when new)."""
        self.revision += 1
        self.store.touch_login(user, when)
        self.users.setdefault(user, {})
        self.last_seen[user] = when

    def delete_user(self, user: str) -> bool:
        """Deletes a user's data; False when unknown."""
        self.revision += 1
        self.users.pop(user, None)
        self._documents.pop(user, None)
        self.last_seen.pop(user, None)
        return self.store.delete_user(user)

    def delete_keys(self, user: str, keys: Iterable[str], now: datetime) -> None:
        """Removes some copies of a user (lost device-specific data, SYNC-11; range changes, SYNC-10)."""
        self.revision += 1
        items = {k: v for k, v in self.users.get(user, {}).items() if k not in set(keys)}
        if len(items) != len(self.users.get(user, {})):
            self.store.replace_user(user, items, now)
            self.users[user] = items
            self._documents.pop(user, None)

    def set_sharing(self, ranges: Mapping[str, str]) -> None:
        """Saves the sharing ranges."""
        self.revision += 1
        self.store.set_config(SHARING_KEY, dict(ranges))

    def set_common(self, item: str, value: Any, version: int, now: datetime) -> None:
        """Stores a shared non-personal setting."""
        self.revision += 1
        common = self.common()
        common[item] = {"value": value, "version": version, "updated_at": now.isoformat()}
        self.store.set_config(COMMON_KEY, common)

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
        """Replaces every user, sharing range and shared setting by a dump's; returns the user count.

        Raises:
            ValueError: The dump is not synchronization data of this format.
        """
        self.revision += 1
        if dump.get("format") != BACKUP_FORMAT or dump.get("version") != 1:
            raise ValueError("not a synchronization data backup of mfp-console (format 1)")
        incoming = {}
        for entry in dump["users"]:
            items = {
                key: UserItem(
                    data["value"],
                    int(data["version"]),
                    Sharing.DEVICE_SPECIFIC if "@" in key else Sharing.SHARED,
                    datetime.fromisoformat(data["updated_at"]),
                )
                for key, data in entry["items"].items()
            }
            incoming[str(entry["user"])] = (items, datetime.fromisoformat(entry["last_seen"]))
        for user in list(self.users):
            if user not in incoming:
                self.delete_user(user)
        for user, (items, seen) in incoming.items():
            self.put_user(user, items, now, seen)
        valid = {i.value for i in PersonalItem}
        self.set_sharing({k: v for k, v in dict(dump.get("sharing", {})).items() if k in valid})
        common = {k: v for k, v in dict(dump.get("common", {})).items() if k in {c.value for c in CommonItem}}
        self.store.set_config(COMMON_KEY, common)
        return len(incoming)
