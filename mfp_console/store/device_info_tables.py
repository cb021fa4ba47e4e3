"""The SQL of device information and its one restore point (DID-20), kept without copying the data.

Each key's JSON document (a category, or the inbox URL Send settings) is a row of ``device_document``,
written once and never changed. A row of ``device_info`` says which document a key has: ``previous`` 0
for the value the machine has now, 1 for the value it had immediately before the most recent received
update. The rows with ``previous = 1`` are the restore point; the one-row ``restore_point`` table says when
it was made and which host sent the update.

* A received update (:func:`write_received`) drops the old restore point whole (its rows and their
  documents), flips the current rows of the keys it changes to ``previous = 1`` and inserts their new
  documents. A flip rewrites a small row only: the document it points at stays where it is, unread. In
  version 3 the document was in the flipped row, and SQLite read all of its overflow pages to rewrite it
  (about 0.8 ms of CPU for a 1 MiB bundle); version 2 copied it into a second table.
* An import and a change on the panel (:func:`replace_current`) write the current documents only: they
  make no restore point and leave the one there is.
* A restore (:func:`restore_from_point`) drops the picked keys' current rows, flips their restore-point
  rows back and then drops whatever is left of the point: it is used up, whatever was picked.

A document goes with the row that points at it (each is pointed at by one row). The caller holds the
transaction; these functions never open one.
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
    return dict(connection.execute(
        "SELECT i.category, d.payload FROM device_info i JOIN device_document d ON d.id = i.document"
        " WHERE i.previous = 0"))


def select_current_keys(connection: sqlite3.Connection, keys: Collection[str]) -> dict[str, str]:
    """Returns the current documents of ``keys`` only (a key without a row is left out)."""
    marks = ",".join("?" * len(keys))
    return dict(connection.execute(
        "SELECT i.category, d.payload FROM device_info i JOIN device_document d ON d.id = i.document"
        f" WHERE i.previous = 0 AND i.category IN ({marks})", tuple(keys)))


def replace_current(connection: sqlite3.Connection, rows: Iterable[tuple[str, str]]) -> None:
    """Writes current documents (seed, panel change, import); the restore point is left as it is."""
    rows = list(rows)
    for key, _ in rows:
        _drop_rows(connection, "previous = 0 AND category = ?", (key,))
    _insert_current(connection, rows)


def write_received(
    connection: sqlite3.Connection, rows: Collection[tuple[str, str]], saved_at: datetime, peer: str
) -> None:
    """Writes a received update's documents and makes the restore point from the ones they replace.

    Args:
        rows: ``(key, payload)`` of every key the update changes; the point holds exactly these keys.
        saved_at: When the update ended (shown with the point).
        peer: The host that sent the update.
    """
    _drop_rows(connection, "previous = 1", ())
    connection.executemany("UPDATE device_info SET previous = 1 WHERE previous = 0 AND category = ?",
                           [(key,) for key, _ in rows])
    _insert_current(connection, rows)
    if rows:
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
        _drop_rows(connection, "previous = 0 AND category = ?", (key,))
        connection.execute("UPDATE device_info SET previous = 0 WHERE category = ? AND previous = 1", (key,))
        restored.add(key)
    _drop_rows(connection, "previous = 1", ())
    connection.execute("DELETE FROM restore_point")
    return restored


def point_keys(connection: sqlite3.Connection) -> set[str]:
    """The keys the restore point holds."""
    return {key for (key,) in connection.execute("SELECT category FROM device_info WHERE previous = 1")}


def point_payload(connection: sqlite3.Connection, key: str) -> str | None:
    """One key's restore-point document, or None when the point does not hold it."""
    row = connection.execute(
        "SELECT d.payload FROM device_info i JOIN device_document d ON d.id = i.document"
        " WHERE i.category = ? AND i.previous = 1", (key,)
    ).fetchone()
    return None if row is None else str(row[0])


def point_made(connection: sqlite3.Connection) -> tuple[str, str] | None:
    """``(saved_at, peer)`` of the restore point, or None when there is none."""
    row = connection.execute("SELECT saved_at, peer FROM restore_point WHERE id = 1").fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def _insert_current(connection: sqlite3.Connection, rows: Collection[tuple[str, str]]) -> None:
    """Stores each ``(key, payload)`` as a new document and makes it the key's current one (the keys have
    none now).

    The small rows go first and their documents after them (the reference is checked at commit): once a
    megabyte of documents has filled SQLite's small page cache (``store/database.py``), every other page
    touched in the transaction costs a spill, and writing the rows after the documents made a received
    update 0.65 ms slower.
    """
    first = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM device_document").fetchone()[0]
    numbered = [(first + n, key, payload) for n, (key, payload) in enumerate(rows)]
    connection.executemany("INSERT INTO device_info (category, previous, document) VALUES (?, 0, ?)",
                           [(key, document) for document, key, _ in numbered])
    connection.executemany("INSERT INTO device_document (id, payload) VALUES (?, ?)",
                           [(document, payload) for document, _, payload in numbered])


def _drop_rows(connection: sqlite3.Connection, where: str, parameters: tuple[str, ...]) -> None:
    """Deletes the ``device_info`` rows matching ``where`` and the documents they point at."""
    documents = [row for row in connection.execute(f"SELECT document FROM device_info WHERE {where}", parameters)]
    if documents:
        connection.execute(f"DELETE FROM device_info WHERE {where}", parameters)
        connection.executemany("DELETE FROM device_document WHERE id = ?", documents)
