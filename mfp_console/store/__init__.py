"""Per-machine SQLite stores: each machine keeps its data in ``<state>/machines/<name>.sqlite3``.

:class:`MachineStore` is the one entry point; the other modules hold its pieces (schema, connection
handling, communication log, personalized data, paths).
"""

from __future__ import annotations

from mfp_console.store.machine_store import (
    MachineStore,
    RestoreOutcome,
    RestorePointMade,
    StoredCategories,
)
from mfp_console.store.paths import machine_database_path, validate_machine_name
from mfp_console.store.schema import SCHEMA_VERSION
from mfp_console.store.user_data import Sharing, UserItem, UserRecord

__all__ = [
    "SCHEMA_VERSION",
    "MachineStore",
    "RestoreOutcome",
    "RestorePointMade",
    "Sharing",
    "StoredCategories",
    "UserItem",
    "UserRecord",
    "machine_database_path",
    "validate_machine_name",
]
