"""The SQL of device information and its one restore point (DID-20), kept without copying the data.

Every row of ``device_info`` is one key's JSON document (a category, or the inbox URL Send settings) and a
flag ``previous``: 0 for the value the machine has now, 1 for the value it had immediately before the most
recent received update. The rows with ``previous = 1`` are the restore point; the one-row
``restore_point`` table says when it was made and which host sent the update.

* A received update (:func:`write_received`) drops the old restore point whole, flips the current rows of
  the keys it changes to ``previous = 1`` and inserts their new values. The previous documents stay where
  they are: a flip rewrites a row with the same-sized record (0 and 1 take no bytes in SQLite's record
  format), so SQLite overwrites it in place and leaves its overflow pages, which hold the document,
  untouched. Version 2 copied every changed document into a second table instead.
* An import and a change on the panel (:func:`replace_current`) write the current rows only: they make
  no restore point and leave the one there is.
* A restore (:func:`restore_from_point`) flips the picked keys' rows back and then drops whatever is left
  of the point: it is used up, whatever was picked.

The caller holds the transaction; these functions never open one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from datetime import datetime

__all__ = [
    "point_keys",
    "point_payload",
    "point_made",
    "replace_current",
    "restore_from_point",
    "select_current",
    "select_current_keys",
    "write_received",
]


def select_current(connection: sqlite3.Connection) -> dict[str, str]:
    """Returns each key's current document."""
    return dict(connection.execute("SELECT category, payload FROM device_info WHERE previous = 0"))


def select_current_keys(connection: sqlite3.Connection, keys: Collection[str]) -> dict[str, str]:
    """Returns the current documents of ``keys`` only (a key without a row is left out)."""
    marks = ",".join("?" * len(keys))
    return dict(connection.execute(
        f"SELECT category, payload FROM device_info WHERE previous = 0 AND category IN ({marks})", tuple(keys)))


def replace_current(connection: sqlite3.Connection, rows: Iterable[tuple[str, str]]) -> None:
    """Writes current documents (seed, panel change, import); the restore point is left as it is."""
    connection.executemany(
        "INSERT OR REPLACE INTO device_info (category, previous, payload) VALUES (?, 0, ?)", rows
    )


def write_received(
    connection: sqlite3.Connection, rows: Collection[tuple[str, str]], saved_at: datetime, peer: str
) -> None:
    """Writes a received update's documents and makes the restore point from the ones they replace.

    Args:
        rows: ``(key, payload)`` of every key the update changes; the point holds exactly these keys.
        saved_at: When the update ended (shown with the point).
        peer: The host that sent the update.
    """
    keys = [(key,) for key, _ in rows]
    connection.execute("DELETE FROM device_info WHERE previous = 1")
    connection.executemany("UPDATE device_info SET previous = 1 WHERE previous = 0 AND category = ?", keys)
    connection.executemany("INSERT INTO device_info (category, previous, payload) VALUES (?, 0, ?)", rows)
    if keys:
        connection.execute(
            "INSERT OR REPLACE INTO restore_point (id, saved_at, peer) VALUES (1, ?, ?)",
            (saved_at.isoformat(), peer),
        )
    else:
        connection.execute("DELETE FROM restore_point")


def restore_from_point(connection: sqlite3.Connection, keys: Collection[str]) -> set[str]:
    """Returns the picked keys to their restore-point documents and uses the point up; returns the keys
    that had one."""
    restored: set[str] = set()
    for key in keys:
        if connection.execute(
            "SELECT 1 FROM device_info WHERE category = ? AND previous = 1", (key,)
        ).fetchone() is None:
            continue
        connection.execute("DELETE FROM device_info WHERE category = ? AND previous = 0", (key,))
        connection.execute("UPDATE device_info SET previous = 0 WHERE category = ? AND previous = 1", (key,))
        restored.add(key)
    connection.execute("DELETE FROM device_info WHERE previous = 1")
    connection.execute("DELETE FROM restore_point")
    return restored


def point_keys(connection: sqlite3.Connection) -> set[str]:
    """The keys the restore point holds."""
    return {key for (key,) in connection.execute("SELECT category FROM device_info WHERE previous = 1")}


def point_payload(connection: sqlite3.Connection, key: str) -> str | None:
    """One key's restore-point document, or None when the point does not hold it."""
    row = connection.execute(
        "SELECT payload FROM device_info WHERE category = ? AND previous = 1", (key,)
    ).fetchone()
    return None if row is None else str(row[0])


def point_made(connection: sqlite3.Connection) -> tuple[str, str] | None:
    """``(saved_at, peer)`` of the restore point, or None when there is none."""
    row = connection.execute("SELECT saved_at, peer FROM restore_point WHERE id = 1").fetchone()
    return None if row is None else (str(row[0]), str(row[1]))
