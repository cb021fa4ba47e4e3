"""The tables of a machine's database, its schema version, and how a fresh database gets them.

One row per thing that changes as a unit: one row per device-information category (plus one for inbox
URL Send settings), one per log entry, one per configuration document, one per personalized-data item.
An update therefore rewrites a handful of rows, and atomicity comes from writing them in one transaction,
not from packing everything into one blob.

The restore point of DID-20 lives in the same ``device_info`` table: a row with ``previous = 1`` points
at the document a key had immediately before the most recent received update. The documents themselves
are rows of ``device_document``, never changed once written. An update flips the small current rows of the
keys it changes to ``previous = 1`` (dropping the older point first) and inserts the new documents; the
previous data is kept where it lies, never copied nor read (see :mod:`mfp_console.store.device_info_tables`).

The one exception is a sync client's copy of the server's answer (SYNC-05): it is kept as the server sent
it, one ``user_snapshot`` blob of per-user documents, and each user row points at its document until the
user's data is first written here (see :mod:`mfp_console.store.user_data`).

Version history: 1 — the first release; 2 — ``users.snapshot_offset``/``snapshot_length`` and the
``user_snapshot`` table; 3 — one restore point for the whole device information (DID-20): the
``previous`` column of ``device_info`` replaces the per-category ``restore_point`` copies, and a one-row
``restore_point`` table says when and from whom it came; the receiving settings' refused categories are
stored under their own name (DID-19); 4 — the documents move to ``device_document`` and ``device_info``
points at them, so making the restore point no longer rewrites (and reads) each replaced document. An
older database is migrated in the transaction that opens it.
"""

from __future__ import annotations

import sqlite3

from mfp_console.domain.device_info import Category

__all__ = ["INBOX_KEY", "SCHEMA_VERSION", "STATEMENTS", "create_schema", "migrate_schema", "stored_schema_version"]

SCHEMA_VERSION = 4
"""The version this code writes; a database with a higher version is refused, not guessed at."""

INBOX_KEY = "inbox_url_send"
"""The ``device_info``/``restore_point`` key of the inbox URL Send settings (not a category, see DID-17)."""

_DEVICE_KEYS = ", ".join(f"'{key}'" for key in [*(c.value for c in Category), INBOX_KEY])

_SNAPSHOT_TABLE = """CREATE TABLE user_snapshot (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body BLOB NOT NULL,
        received_at TEXT NOT NULL
    )"""

# Version 3's device_info: the document in the row that a restore point flips.
_DEVICE_INFO_TABLE_V3 = f"""CREATE TABLE device_info (
        category TEXT NOT NULL CHECK (category IN ({_DEVICE_KEYS})),
        previous INTEGER NOT NULL CHECK (previous IN (0, 1)),
        payload TEXT NOT NULL,
        PRIMARY KEY (category, previous)
    )"""

# One JSON document per row, encoded by the domain's helpers; written once, deleted with its device_info row.
# The reference is checked at commit, so a row may be written before its document (device_info_tables).
_DEVICE_DOCUMENT_TABLE = """CREATE TABLE device_document (
        id INTEGER PRIMARY KEY,
        payload TEXT NOT NULL
    )"""

# DID-20: the current document of each key (previous = 0) and, for the keys the most recent received update
# changed, the document from immediately before it (previous = 1): the one restore point.
_DEVICE_INFO_TABLE = f"""CREATE TABLE device_info (
        category TEXT NOT NULL CHECK (category IN ({_DEVICE_KEYS})),
        previous INTEGER NOT NULL CHECK (previous IN (0, 1)),
        document INTEGER NOT NULL UNIQUE REFERENCES device_document (id) DEFERRABLE INITIALLY DEFERRED,
        PRIMARY KEY (category, previous)
    )"""

# DID-20: when the restore point was made (the end of the update) and the host that sent the update.
_RESTORE_POINT_TABLE = """CREATE TABLE restore_point (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        saved_at TEXT NOT NULL,
        peer TEXT NOT NULL
    )"""

_RECEIVING_SETTINGS_KEY = "receiving_settings"
"""The engine's configuration key of ``<Receiving Settings>`` (``engine/distribution/receiver.py``)."""

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE users ADD COLUMN snapshot_offset INTEGER CHECK (snapshot_offset >= 0)",
        "ALTER TABLE users ADD COLUMN snapshot_length INTEGER CHECK (snapshot_length > 0)",
        _SNAPSHOT_TABLE,
    ),
    # Version 2 kept a restore point per category, each from the last update that changed it. Version 3
    # keeps one: the rows of the newest update only, and none when a restore came after it (a restore uses
    # the point up) or when the newest rows were made by an import (imports make no restore point).
    2: (
        "ALTER TABLE device_info RENAME TO device_info_v2",
        "ALTER TABLE restore_point RENAME TO restore_point_v2",
        _DEVICE_INFO_TABLE_V3,
        "INSERT INTO device_info (category, previous, payload) SELECT category, 0, payload FROM device_info_v2",
        """CREATE TEMP TABLE newest_point AS
            SELECT category, payload, saved_at FROM restore_point_v2
            WHERE saved_at = (SELECT max(saved_at) FROM restore_point_v2)
              AND NOT EXISTS (SELECT 1 FROM communication_log
                              WHERE kind = 'Import' AND ended_at = restore_point_v2.saved_at)
              AND NOT EXISTS (SELECT 1 FROM communication_log
                              WHERE kind = 'Restore' AND ended_at >= restore_point_v2.saved_at)""",
        "INSERT INTO device_info (category, previous, payload) SELECT category, 1, payload FROM newest_point",
        _RESTORE_POINT_TABLE,
        """INSERT INTO restore_point (id, saved_at, peer)
            SELECT 1, saved_at, coalesce((SELECT peer FROM communication_log
                                          WHERE kind = 'Received' AND ended_at = newest_point.saved_at
                                          ORDER BY id DESC LIMIT 1), '')
            FROM newest_point LIMIT 1""",
        "DROP TABLE newest_point",
        "DROP TABLE device_info_v2",
        "DROP TABLE restore_point_v2",
        # DID-19: the same refused set under its own name (nothing is inverted).
        f"""UPDATE config SET value = json_set(json_remove(value, '$.restricted_categories'),
                                              '$.refused_categories', json(value -> '$.restricted_categories'))
            WHERE key = '{_RECEIVING_SETTINGS_KEY}' AND json_valid(value)
              AND json_type(value, '$.restricted_categories') = 'array'""",
    ),
    # Version 3 kept each document in its device_info row; version 4 keeps it in device_document, under
    # the row's rowid, and the row points at it.
    3: (
        "ALTER TABLE device_info RENAME TO device_info_v3",
        _DEVICE_DOCUMENT_TABLE,
        _DEVICE_INFO_TABLE,
        "INSERT INTO device_document (id, payload) SELECT rowid, payload FROM device_info_v3",
        "INSERT INTO device_info (category, previous, document) SELECT category, previous, rowid FROM device_info_v3",
        "DROP TABLE device_info_v3",
    ),
}
"""Statements that take a database from the key's version to the next one."""

STATEMENTS: tuple[str, ...] = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Device information: one JSON document per category (and the inbox settings), and which of them are
    # current and which the restore point's (previous = 1).
    _DEVICE_DOCUMENT_TABLE,
    _DEVICE_INFO_TABLE,
    _RESTORE_POINT_TABLE,
    # DID-12: present from the start of an update until it is applied; found after a crash → E-UPDATE.
    "CREATE TABLE update_marker (id INTEGER PRIMARY KEY CHECK (id = 1), job TEXT NOT NULL)",
    # DID-23.
    """CREATE TABLE communication_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        peer TEXT NOT NULL,
        contents TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('OK', 'NG')),
        code TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
    """CREATE TABLE machine_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        power TEXT NOT NULL,
        activity TEXT NOT NULL,
        error_code TEXT NOT NULL,
        network_cut INTEGER NOT NULL,
        tls_configured INTEGER NOT NULL
    )""",
    # Receiving settings, destinations, auto-distribution schedule, System Manager, lockout, sync …
    "CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # SYNC: users and their personalized data (on a server, the server copies).
    # A user whose snapshot_offset is set has no user_data rows: their items are the document at that
    # place in user_snapshot.body (a sync client's copy of the server's answer, SYNC-05).
    """CREATE TABLE users (
        user TEXT PRIMARY KEY,
        last_login TEXT,
        created_at TEXT NOT NULL,
        snapshot_offset INTEGER CHECK (snapshot_offset >= 0),
        snapshot_length INTEGER CHECK (snapshot_length > 0)
    )""",
    """CREATE TABLE user_data (
        user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE,
        item TEXT NOT NULL,
        value TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        sharing TEXT NOT NULL CHECK (sharing IN ('shared', 'device_specific')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (user, item)
    )""",
    _SNAPSHOT_TABLE,
)


def stored_schema_version(connection: sqlite3.Connection) -> int | None:
    """Returns the schema version stored in ``connection``'s database, or None for a fresh database."""
    exists = connection.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if exists is None:
        return None
    row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row is not None else None


def create_schema(connection: sqlite3.Connection) -> None:
    """Creates every table; the caller holds the write transaction so a crash leaves no half schema."""
    for statement in STATEMENTS:
        connection.execute(statement)
    connection.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def migrate_schema(connection: sqlite3.Connection, version: int) -> None:
    """Brings a database of an older ``version`` up to :data:`SCHEMA_VERSION`, step by step.

    The caller holds the write transaction, so a crash part-way leaves the old schema whole.
    """
    while version < SCHEMA_VERSION:
        for statement in _MIGRATIONS[version]:
            connection.execute(statement)
        version += 1
    connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
