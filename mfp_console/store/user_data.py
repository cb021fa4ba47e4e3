"""Users and their personalized data (SYNC) as stored in a machine's database.

Each item (``display_language``, ``home_screen``, ``keychain`` …) of each user is one row holding a JSON
value, a version that grows by one on every change, its sharing range (SYNC-10) and when it last changed.
A user row records creation and last login, which SYNC-03 uses to find the oldest user. The functions
here take an open connection; :class:`~mfp_console.store.machine_store.MachineStore` wraps each call in
one transaction, so a user's items change together or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mfp_console.domain.sync_items import SharingRange

__all__ = [
    "Sharing",
    "UserItem",
    "UserRecord",
    "delete_user",
    "list_users",
    "put_user_items",
    "replace_user",
    "replace_users",
    "select_user_items",
    "touch_login",
]


Sharing = SharingRange
"""An item's sharing range (SYNC-10): the store's name for the domain's :class:`SharingRange`."""

_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""Encodes stored values as ``json.dumps(value, ensure_ascii=False)`` does, without rebuilding it per value."""


@dataclass(frozen=True)
class UserItem:
    """One personalized-data item of one user.

    Attributes:
        value: The item's JSON value (decoded afresh on every read, so mutating it changes nothing stored).
        version: 1 when first written, one more on each change.
        sharing: The item's sharing range.
        updated_at: When it last changed (machine time).
    """

    value: Any
    version: int
    sharing: Sharing
    updated_at: datetime


@dataclass(frozen=True)
class UserRecord:
    """A user known to this machine.

    Attributes:
        user: The login name.
        last_login: The last login on any synchronized machine, or None when never logged in.
        created_at: When the user was first stored here.
    """

    user: str
    last_login: datetime | None
    created_at: datetime

    @property
    def last_seen(self) -> datetime:
        """The last login, or the creation time for a user who never logged in (SYNC-03's age)."""
        return self.last_login if self.last_login is not None else self.created_at


def _ensure_user(connection: sqlite3.Connection, user: str, now: datetime) -> None:
    connection.execute(
        "INSERT INTO users (user, last_login, created_at) VALUES (?, NULL, ?) ON CONFLICT (user) DO NOTHING",
        (user, now.isoformat()),
    )


def put_user_items(
    connection: sqlite3.Connection,
    user: str,
    items: Mapping[str, Any],
    now: datetime,
    sharing: Sharing | None,
) -> dict[str, int]:
    """Writes ``items`` of ``user``, creating the user when new; returns each item's new version.

    A new item gets version 1 and ``sharing`` (``SHARED`` when None); an existing one gets its version plus
    one and keeps its sharing range unless ``sharing`` is given.
    """
    _ensure_user(connection, user, now)
    new_sharing = (sharing or Sharing.SHARED).value
    keep_sharing = sharing is None
    versions: dict[str, int] = {}
    for item, value in items.items():
        row = connection.execute(
            "INSERT INTO user_data (user, item, value, version, sharing, updated_at)"
            " VALUES (?, ?, ?, 1, ?, ?)"
            " ON CONFLICT (user, item) DO UPDATE SET"
            "  value = excluded.value,"
            "  version = user_data.version + 1,"
            "  sharing = CASE WHEN ? THEN user_data.sharing ELSE excluded.sharing END,"
            "  updated_at = excluded.updated_at"
            " RETURNING version",
            (user, item, json.dumps(value, ensure_ascii=False), new_sharing, now.isoformat(), keep_sharing),
        ).fetchone()
        versions[item] = int(row[0])
    return versions


def select_user_items(connection: sqlite3.Connection, user: str) -> dict[str, UserItem]:
    """Returns every item of ``user`` keyed by item name (empty for an unknown user)."""
    rows = connection.execute(
        "SELECT item, value, version, sharing, updated_at FROM user_data WHERE user = ? ORDER BY item",
        (user,),
    )
    return {
        item: UserItem(json.loads(value), int(version), Sharing(sharing), datetime.fromisoformat(updated))
        for item, value, version, sharing, updated in rows
    }


def replace_user(
    connection: sqlite3.Connection, user: str, items: Mapping[str, UserItem], now: datetime
) -> None:
    """Replaces all of ``user``'s items by ``items``, versions included (SYNC-05: the server's copy wins)."""
    replace_users(connection, {user: items}, now)


def replace_users(
    connection: sqlite3.Connection, users: Mapping[str, Mapping[str, UserItem]], now: datetime
) -> None:
    """:func:`replace_user` for many users at once: three bulk statements however many users there are.

    Each value is encoded as ``json.dumps(value, ensure_ascii=False)`` would, by one shared encoder, and
    each distinct ``updated_at`` is formatted once.
    """
    if not users:
        return
    created = now.isoformat()
    connection.executemany(
        "INSERT INTO users (user, last_login, created_at) VALUES (?, NULL, ?) ON CONFLICT (user) DO NOTHING",
        [(user, created) for user in users],
    )
    connection.executemany("DELETE FROM user_data WHERE user = ?", [(user,) for user in users])
    encode = _ENCODER.encode
    # Keyed by identity, not equality: equal instants in different zones format differently.
    stamps: dict[int, str] = {}
    rows = []
    for user, items in users.items():
        for name, item in items.items():
            stamp = stamps.get(id(item.updated_at))
            if stamp is None:
                stamp = stamps[id(item.updated_at)] = item.updated_at.isoformat()
            rows.append((user, name, encode(item.value), item.version, item.sharing.value, stamp))
    connection.executemany(
        "INSERT INTO user_data (user, item, value, version, sharing, updated_at) VALUES (?, ?, ?, ?, ?, ?)", rows
    )


def list_users(connection: sqlite3.Connection) -> list[UserRecord]:
    """Returns every user, least recently seen first (the first one is SYNC-03's "oldest user")."""
    rows = connection.execute(
        "SELECT user, last_login, created_at FROM users ORDER BY COALESCE(last_login, created_at), user"
    )
    return [
        UserRecord(user, datetime.fromisoformat(last) if last else None, datetime.fromisoformat(created))
        for user, last, created in rows
    ]


def delete_user(connection: sqlite3.Connection, user: str) -> bool:
    """Deletes ``user`` and, by cascade, all their items; returns False when there was no such user."""
    return connection.execute("DELETE FROM users WHERE user = ?", (user,)).rowcount > 0


def touch_login(connection: sqlite3.Connection, user: str, now: datetime) -> None:
    """Records that ``user`` logged in at ``now``, creating the user when new."""
    connection.execute(
        "INSERT INTO users (user, last_login, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user) DO UPDATE SET last_login = excluded.last_login",
        (user, now.isoformat(), now.isoformat()),
    )
