"""The tables of a machine's database, its schema version, and how a fresh database gets them.

One row per thing that changes as a unit: one row per device-information category (plus one for inbox
URL Send settings), one per restore-point category, one per log entry, one per configuration document,
one per personalized-data item. An update therefore rewrites a handful of rows, and atomicity comes from
writing them in one transaction, not from packing everything into one blob.

The one exception is a sync client's copy of the server's answer (SYNC-05): it is kept as the server sent
it, one ``user_snapshot`` blob of per-user documents, and each user row points at its document until the
user's data is first written here (see :mod:`mfp_console.store.user_data`).

Version history: 1 — the first release; 2 — ``users.snapshot_offset``/``snapshot_length`` and the
``user_snapshot`` table. An older database is migrated in the transaction that opens it.
"""

from __future__ import annotations

import sqlite3

from mfp_console.domain.device_info import Category

__all__ = ["INBOX_KEY", "SCHEMA_VERSION", "STATEMENTS", "create_schema", "migrate_schema", "stored_schema_version"]

SCHEMA_VERSION = 2
"""The version this code writes; a database with a higher version is refused, not guessed at."""

INBOX_KEY = "inbox_url_send"
"""The ``device_info``/``restore_point`` key of the inbox URL Send settings (not a category, see DID-17)."""

_DEVICE_KEYS = ", ".join(f"'{key}'" for key in [*(c.value for c in Category), INBOX_KEY])

_SNAPSHOT_TABLE = """CREATE TABLE user_snapshot (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body BLOB NOT NULL,
        received_at TEXT NOT NULL
    )"""

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE users ADD COLUMN snapshot_offset INTEGER CHECK (snapshot_offset >= 0)",
        "ALTER TABLE users ADD COLUMN snapshot_length INTEGER CHECK (snapshot_length > 0)",
        _SNAPSHOT_TABLE,
    ),
}
"""Statements that take a database from the key's version to the next one."""

STATEMENTS: tuple[str, ...] = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Device information: one JSON document per category, encoded by the domain's helpers.
    f"""CREATE TABLE device_info (
        category TEXT PRIMARY KEY CHECK (category IN ({_DEVICE_KEYS})),
        payload TEXT NOT NULL
    )""",
    # DID-20: one level, per category; saved_at is the end time of the update that made it.
    f"""CREATE TABLE restore_point (
        category TEXT PRIMARY KEY CHECK (category IN ({_DEVICE_KEYS})),
        payload TEXT NOT NULL,
        saved_at TEXT NOT NULL
    )""",
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
