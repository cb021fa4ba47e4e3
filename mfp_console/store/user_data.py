"""Users and their personalized data (SYNC) as stored in a machine's database.

Each item (``display_language``, ``home_screen``, ``keychain`` …) of each user is one row holding a JSON
value, a version that grows by one on every change, its sharing range (SYNC-10) and when it last changed.
A user row records creation and last login, which SYNC-03 uses to find the oldest user. The functions
here take an open connection; :class:`~mfp_console.store.machine_store.MachineStore` wraps each call in
one transaction, so a user's items change together or not at all.

**The server's answer, kept as sent.** A sync client that joins receives every user of the server
(SYNC-05): a thousand users are some 7,000 items. Rather than decode and re-encode each one, the client
stores the answer as it came — one blob of *user documents* (:func:`encode_user_doc`) in
``user_snapshot`` — and each user's row records where that user's document lies
(``snapshot_offset``/``snapshot_length``). Reading such a user decodes just their document, strictly,
with the time the answer arrived as every item's ``updated_at``. The first write of the user's data here
(a change on the panel, a change pushed by the server) turns the document into ordinary item rows and
clears the pointer, so from then on the user is stored like any other. A new answer replaces the blob;
users the new answer lacks but the old one held are turned into rows first, so nothing is lost.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mfp_console.domain.sync_items import SharingRange
from mfp_console.limits import INTEGER
from mfp_console.strict_json import JsonRefusal, loads_strict

__all__ = [
    "DamagedDocument",
    "Sharing",
    "UserItem",
    "UserRecord",
    "decode_user_doc",
    "delete_user",
    "encode_user_doc",
    "list_users",
    "put_user_items",
    "replace_user",
    "replace_users",
    "select_user_items",
    "set_item_versions",
    "store_snapshot",
    "touch_login",
    "touch_logins",
]


Sharing = SharingRange
"""An item's sharing range (SYNC-10): the store's name for the domain's :class:`SharingRange`."""

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
"""Encodes stored values as ``json.dumps(value, ensure_ascii=False, allow_nan=False)`` does, without rebuilding it
per value: a NaN or infinity is refused (``ValueError``), never stored as ``NaN``/``Infinity``."""


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
    _materialize(connection, user)
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
            (user, item, _ENCODER.encode(value), new_sharing, now.isoformat(), keep_sharing),
        ).fetchone()
        versions[item] = int(row[0])
    return versions


def select_user_items(connection: sqlite3.Connection, user: str) -> dict[str, UserItem]:
    """Returns every item of ``user`` keyed by item name (empty for an unknown user).

    Raises:
        ValueError: The user's document in the server's answer cannot be decoded.
    """
    kept = _snapshot_items(connection, user)
    if kept is not None:
        return kept
    rows = connection.execute(
        "SELECT item, value, version, sharing, updated_at FROM user_data WHERE user = ? ORDER BY item",
        (user,),
    )
    return {
        item: UserItem(loads_strict(value), int(version), Sharing(sharing), datetime.fromisoformat(updated))
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

    Each value is encoded as ``json.dumps(value, ensure_ascii=False, allow_nan=False)`` would, by one shared encoder, and
    each distinct ``updated_at`` is formatted once.
    """
    if not users:
        return
    created = now.isoformat()
    connection.executemany(
        "INSERT INTO users (user, last_login, created_at) VALUES (?, NULL, ?)"
        " ON CONFLICT (user) DO UPDATE SET snapshot_offset = NULL, snapshot_length = NULL",
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
    touch_logins(connection, {user: now})


def touch_logins(connection: sqlite3.Connection, logins: Mapping[str, datetime]) -> None:
    """:func:`touch_login` for many users at once."""
    connection.executemany(
        "INSERT INTO users (user, last_login, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user) DO UPDATE SET last_login = excluded.last_login",
        [(user, when.isoformat(), when.isoformat()) for user, when in logins.items()],
    )


def set_item_versions(connection: sqlite3.Connection, user: str, versions: Mapping[str, int]) -> None:
    """Gives items of ``user`` the versions the sync server gave them, values unchanged (SYNC-07)."""
    _materialize(connection, user)
    connection.executemany(
        "UPDATE user_data SET version = ? WHERE user = ? AND item = ?",
        [(version, user, item) for item, version in versions.items()],
    )


# --- the server's answer, kept as sent ----------------------------------------------------------------


class DamagedDocument(ValueError):
    """A user's document in the kept answer cannot be read (the message names the user and the fault)."""


def encode_user_doc(items: Mapping[str, tuple[Any, int, str]]) -> bytes:
    """One user's document: ``{item: {"value": …, "version": n, "range": "shared"|"device_specific"}}``.

    Args:
        items: ``(value, version, range)`` per item name.
    """
    return _ENCODER.encode(
        {name: {"value": value, "version": version, "range": sharing} for name, (value, version, sharing) in items.items()}
    ).encode("utf-8")


def decode_user_doc(raw: bytes, updated_at: datetime) -> dict[str, UserItem]:
    """Decodes a user document strictly: UTF-8, JSON by :func:`~mfp_console.strict_json.loads_strict`'s rules
    (no repeated keys, NaN, infinities or lone surrogates), every item sound.

    Raises:
        ValueError: Says what is wrong with the document.
    """
    try:
        doc = loads_strict(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"the document is not UTF-8 (byte {exc.start})") from exc
    except JsonRefusal as exc:
        raise ValueError(f"the document {exc}") from exc
    if not isinstance(doc, dict):
        raise ValueError("the document is not a JSON object")
    items: dict[str, UserItem] = {}
    for name, entry in doc.items():
        if not isinstance(entry, dict) or set(entry) != {"value", "version", "range"}:
            raise ValueError(f"item {name!r} must hold exactly value, version and range")
        version, sharing = entry["version"], entry["range"]
        if type(version) is not int or not 1 <= version <= INTEGER:
            raise ValueError(f"item {name!r} has version {version!r}, not a whole number from 1")
        if sharing not in _RANGES:
            raise ValueError(f"item {name!r} has the unknown sharing range {sharing!r}")
        items[name] = UserItem(entry["value"], version, _RANGES[sharing], updated_at)
    return items


_RANGES = {r.value: r for r in Sharing}



def store_snapshot(
    connection: sqlite3.Connection, body: bytes, users: Sequence[tuple[str, int]], now: datetime
) -> list[str]:
    """Keeps a server's answer as sent: ``body`` is the users' documents one after another.

    Every listed user's items become their document in ``body`` (their item rows go: the server's copy
    wins, SYNC-05); a user who is new here is created. Users whose document was in the previous answer
    but who are not in this one get item rows from the previous answer first, so their data stays; one
    whose document there cannot be read keeps the user but no items (there is nothing left to keep).

    Args:
        body: The documents of ``users``, in order, with nothing between them.
        users: ``(user, document length)`` in the order of ``body``.
        now: When the answer arrived (the items' ``updated_at``; a new user's creation time).

    Returns:
        The users whose document in the previous answer could not be read.

    Raises:
        DamagedDocument: The lengths do not add up to ``body`` or a user is listed twice.
    """
    spans = []
    offset = 0
    for user, length in users:
        spans.append((user, offset, length))
        offset += length
    if offset != len(body):
        raise DamagedDocument(f"the documents' lengths add up to {offset} bytes, the answer holds {len(body)}")
    listed = {user for user, _ in users}
    if len(listed) != len(users):
        raise DamagedDocument("the answer lists a user twice")
    leaving = [
        user
        for (user,) in connection.execute("SELECT user FROM users WHERE snapshot_offset IS NOT NULL")
        if user not in listed
    ]
    damaged = []
    for user in leaving:
        try:
            _materialize(connection, user)
        except DamagedDocument:
            damaged.append(user)
            replace_users(connection, {user: {}}, now)
    stamp = now.isoformat()
    connection.execute(
        "INSERT INTO user_snapshot (id, body, received_at) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET body = excluded.body, received_at = excluded.received_at",
        (body, stamp),
    )
    table = _ENCODER.encode(spans)
    if connection.execute("SELECT 1 FROM user_data LIMIT 1").fetchone() is not None:
        connection.execute(
            "DELETE FROM user_data WHERE user IN (SELECT json_extract(value, '$[0]') FROM json_each(?))", (table,)
        )
    connection.execute(
        "INSERT INTO users (user, last_login, created_at, snapshot_offset, snapshot_length)"
        " SELECT json_extract(value, '$[0]'), NULL, ?, json_extract(value, '$[1]'), json_extract(value, '$[2]')"
        " FROM json_each(?) WHERE true"
        " ON CONFLICT (user) DO UPDATE SET"
        "  snapshot_offset = excluded.snapshot_offset, snapshot_length = excluded.snapshot_length",
        (stamp, table),
    )
    return damaged


def _snapshot_items(connection: sqlite3.Connection, user: str) -> dict[str, UserItem] | None:
    """The user's items from the kept answer, or None when the user's data is in item rows (or unknown)."""
    kept = _kept_document(connection, user)
    return None if kept is None else kept[0]


def _kept_document(connection: sqlite3.Connection, user: str) -> tuple[dict[str, UserItem], datetime] | None:
    row = connection.execute(
        "SELECT u.snapshot_offset, u.snapshot_length, s.received_at"
        " FROM users AS u JOIN user_snapshot AS s ON s.id = 1"
        " WHERE u.user = ? AND u.snapshot_offset IS NOT NULL",
        (user,),
    ).fetchone()
    if row is None:
        return None
    offset, length, received = row
    with connection.blobopen("user_snapshot", "body", 1, readonly=True) as blob:
        if offset + length > len(blob):
            raise DamagedDocument(f"the server's copy of {user!r} lies past the end of the kept answer")
        blob.seek(offset)
        raw = blob.read(length)
    arrived = datetime.fromisoformat(received)
    try:
        return decode_user_doc(raw, arrived), arrived
    except ValueError as exc:
        raise DamagedDocument(f"the server's copy of {user!r} is damaged: {exc}") from exc


def _materialize(connection: sqlite3.Connection, user: str) -> None:
    """Turns the user's document in the kept answer into item rows (nothing to do for other users)."""
    kept = _kept_document(connection, user)
    if kept is not None:
        replace_users(connection, {user: kept[0]}, kept[1])
