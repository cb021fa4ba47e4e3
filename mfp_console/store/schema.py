"""The tables of a machine's database, its schema version, and how a fresh database gets them.

One row per thing that changes as a unit: one row per device-information category (plus one for inbox
URL Send settings), one per restore-point category, one per log entry, one per configuration document,
one per personalized-data item. An update therefore rewrites a handful of rows, and atomicity comes from
writing them in one transaction, not from packing everything into one blob.
"""

from __future__ import annotations

import sqlite3

from mfp_console.domain.device_info import Category

__all__ = ["INBOX_KEY", "SCHEMA_VERSION", "STATEMENTS", "create_schema", "stored_schema_version"]

SCHEMA_VERSION = 1
"""The version this code writes; a database with a higher version is refused, not guessed at."""

INBOX_KEY = "inbox_url_send"
"""The ``device_info``/``restore_point`` key of the inbox URL Send settings (not a category, see DID-17)."""

_DEVICE_KEYS = ", ".join(f"'{key}'" for key in [*(c.value for c in Category), INBOX_KEY])

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
    "CREATE TABLE users (user TEXT PRIMARY KEY, last_login TEXT, created_at TEXT NOT NULL)",
    """CREATE TABLE user_data (
        user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE,
        item TEXT NOT NULL,
        value TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        sharing TEXT NOT NULL CHECK (sharing IN ('shared', 'device_specific')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (user, item)
    )""",
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
