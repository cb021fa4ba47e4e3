"""A machine's durable data in its own SQLite database: device information, updates and restore points,
communication log, state, configuration documents and personalized data.

The promise kept here is M-04 (and architecture promise 5): a machine's data survives a power cycle and a
restart of the program, and no operation leaves it half-changed. An update (DID-11…17) is two commits:
:meth:`MachineStore.mark_update_started` records a durable marker, then :meth:`MachineStore.apply_update`
writes the changed categories, the restore point (DID-20: the rows they replace, kept and flipped, see
:mod:`~mfp_console.store.device_info_tables`), the log entry and the marker's removal in one
transaction. A power cut between the two leaves the old data and the marker, which the machine shows as
``E-UPDATE`` (DID-12); a power cut during the second leaves exactly the same, because the transaction
never committed.

Reads of device information are frequent (every panel screen, every distribution), so the decoded
:class:`DeviceInformation` is kept in memory and dropped on every write, committed or rolled back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.device_info import Category, DeviceInformation, InboxUrlSend
from mfp_console.domain.device_info_json import category_to_json, inbox_to_json
from mfp_console.domain.machine import Activity, MachineState, PowerState
from mfp_console.errors import StoreError
from mfp_console.store import device_info_tables as tables
from mfp_console.store import user_data
from mfp_console.store.communication_log import insert_log_entry, select_log_entries
from mfp_console.store.database import Database
from mfp_console.store.device_info_rows import (
    decode_device_info,
    decode_payload,
    device_rows,
    dumps,
    key_label,
)
from mfp_console.store.schema import INBOX_KEY
from mfp_console.store.user_data import Sharing, UserItem, UserRecord
from mfp_console.strict_json import loads_strict

__all__ = ["MachineStore", "RestoreOutcome", "RestorePointMade", "StoredCategories"]

_DECODE_ERRORS = (ValueError, TypeError, KeyError)


@dataclass(frozen=True)
class RestoreOutcome:
    """What :meth:`MachineStore.restore` did (DID-20).

    Attributes:
        info: The device information after the restore.
        restored: The picked categories that came back from their restore point.
        missing: The picked categories that had no restore point (nothing to restore).
        inbox_restored: True when inbox URL Send settings came back from their restore point.
    """

    info: DeviceInformation
    restored: frozenset[Category]
    missing: frozenset[Category]
    inbox_restored: bool = False

    @property
    def nothing_restored(self) -> bool:
        """True when no picked category had a restore point."""
        return not self.restored and not self.inbox_restored


@dataclass(frozen=True)
class StoredCategories:
    """Categories as the store keeps them, for a reader that passes most of them on without looking inside.

    Attributes:
        texts: Each asked category's JSON text as stored, in :class:`Category` order: the compact text the
            store writes, or a category received whole as its text came (valid JSON of the category, not
            necessarily compact).
        values: The decoded value of each category asked decoded.
    """

    texts: Mapping[Category, str]
    values: Mapping[Category, Any]


@dataclass(frozen=True)
class RestorePointMade:
    """When the restore point was made and by which update (DID-20).

    Attributes:
        saved_at: The machine time the update ended, ISO 8601 as stored.
        peer: The host that sent the update.
    """

    saved_at: str
    peer: str


class MachineStore:
    """One machine's database. Open with :meth:`open`; use from one thread; close when done."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._info: DeviceInformation | None = None

    @classmethod
    def open(cls, path: Path) -> MachineStore:
        """Opens the database at ``path``, creating the file, its directory and its schema when needed.

        Raises:
            StoreError: The database cannot be opened or was written by a newer version.
        """
        return cls(Database.open(path))

    @property
    def path(self) -> Path:
        """The database file."""
        return self._db.path

    def close(self) -> None:
        """Closes the database; closing twice is harmless."""
        self._info = None
        self._db.close()

    @property
    def used(self) -> bool:
        """True when the database was used since :meth:`mark_unused` (see :meth:`rest_if_unused`)."""
        return self._db.used

    @property
    def resting(self) -> bool:
        """True while the database is closed for idleness (reopened on the next use)."""
        return self._db.resting

    def rest(self, only_if_cheap: bool = False) -> bool:
        """Closes the database connection and forgets the decoded device information until the next use;
        returns True when it did (see :meth:`Database.rest`)."""
        if not self._db.rest(only_if_cheap):
            return False
        self._info = None
        return True

    def rest_if_unused(self) -> bool:
        """Rests the database unless it was used since the previous call; returns True when it rested."""
        used, self._db.used = self._db.used, False
        return False if used else self.rest()

    def __enter__(self) -> MachineStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def check_integrity(self) -> list[str]:
        """Runs SQLite's integrity check; returns the problems found (empty when sound)."""
        return self._db.check_integrity()

    # --- device information -------------------------------------------------------------------------

    def has_device_info(self) -> bool:
        """True once the machine's device information was seeded."""
        with self._db.guard("read device information"):
            return self._db.connection.execute("SELECT 1 FROM device_info LIMIT 1").fetchone() is not None

    def load_device_info(self) -> DeviceInformation:
        """Returns the machine's device information (cached until the next write).

        Raises:
            StoreError: Nothing was seeded, a category is missing, or a stored value cannot be decoded.
        """
        if self._info is None:
            with self._db.guard("read device information"):
                rows = tables.select_current(self._db.connection)
            with self._decoding("device information"):
                self._info = decode_device_info(rows)
        return self._info

    def load_for_merge(self, categories: Collection[Category]) -> DeviceInformation:
        """The device information as far as a merge reads it: ``categories`` and the inbox URL Send
        settings decoded from the store, every other category left at its empty default.

        For :func:`~mfp_console.domain.distribution_rules.apply_received`, which reads only the categories
        it applies (and of those only the merged ones, Department IDs and settings values, for their
        content) and the inbox; a received update writes back only what it applied. Decoding the rest of
        a client's data (an address book of thousands of entries) would be work for nothing. The whole
        device information, when it is at hand decoded already, is returned instead.

        Raises:
            StoreError: A wanted row is missing or cannot be decoded.
        """
        if self._info is not None:
            return self._info
        keys = [c.value for c in Category if c in set(categories)] + [INBOX_KEY]
        with self._db.guard("read device information"):
            rows = tables.select_current_keys(self._db.connection, keys)
        missing = [key_label(key) for key in keys if key not in rows]
        if missing:
            raise StoreError(f"{self.path}: device information cannot be decoded: missing {', '.join(missing)}")
        info = DeviceInformation(inbox_url_send=self._decode(INBOX_KEY, rows[INBOX_KEY]))
        for key in keys[:-1]:
            category = Category(key)
            info = info.with_category(category, self._decode(key, rows[key]))
        return info

    def load_category_texts(
        self, categories: Collection[Category], decoded: Collection[Category] = ()
    ) -> StoredCategories:
        """The stored JSON texts of ``categories``, not decoded, and the decoded values of ``decoded``.

        For a reader that sends categories on as they are: a distribution host's bundle is made of the
        texts, so its address book (thousands of entries) is neither decoded nor encoded again; only what
        it filters item by item is asked decoded. One read serves both; a decoded value at hand (the whole
        device information, cached) is used instead of decoding its text again.

        Raises:
            StoreError: A wanted row is missing or a value asked decoded cannot be decoded.
        """
        as_text, as_value = set(categories), set(decoded)
        wanted = as_text | as_value
        keys = [c.value for c in Category if c in wanted]
        with self._db.guard("read device information"):
            rows = tables.select_current_keys(self._db.connection, keys)
        missing = [key_label(key) for key in keys if key not in rows]
        if missing:
            raise StoreError(f"{self.path}: device information cannot be read: missing {', '.join(missing)}")
        info = self._info
        texts = {c: rows[c.value] for c in Category if c in as_text}
        values = {c: info.category(c) if info is not None else self._decode(c.value, rows[c.value])
                  for c in Category if c in as_value}
        return StoredCategories(texts, values)

    def seed(self, info: DeviceInformation) -> None:
        """Writes the whole device information of a new machine in one transaction.

        Raises:
            StoreError: The machine already has device information (seeding never overwrites it).
        """
        with self._writing_device_info(), self._db.transaction("seed device information") as conn:
            if conn.execute("SELECT 1 FROM device_info LIMIT 1").fetchone() is not None:
                raise StoreError(f"{self.path}: device information is already stored; not seeding again")
            tables.replace_current(conn, device_rows(info, Category, True))

    def save_category(self, category: Category, value: Any) -> None:
        """Replaces one category's value (a change made on the panel; no restore point is kept)."""
        with self._writing_device_info(), self._db.transaction(f"save {category.label}") as conn:
            tables.replace_current(conn, [(category.value, dumps(category_to_json(category, value)))])

    def save_inbox(self, value: InboxUrlSend) -> None:
        """Replaces the inbox URL Send settings."""
        with self._writing_device_info(), self._db.transaction("save inbox URL Send settings") as conn:
            tables.replace_current(conn, [(INBOX_KEY, dumps(inbox_to_json(value)))])

    # --- updates and restore points (DID-11…17, DID-20) ----------------------------------------------

    def mark_update_started(self, job_info: Mapping[str, Any]) -> None:
        """Commits a durable "update in progress" marker holding ``job_info`` (DID-11, DID-12)."""
        with self._encoding("the update marker"), self._db.guard("mark the update as started"):
            self._db.connection.execute(
                "INSERT OR REPLACE INTO update_marker (id, job) VALUES (1, ?)", (dumps(dict(job_info)),)
            )

    def update_marker(self) -> dict[str, Any] | None:
        """Returns the marker's job information, or None; non-None after a crash mid-update (E-UPDATE)."""
        with self._db.guard("read the update marker"):
            row = self._db.connection.execute("SELECT job FROM update_marker WHERE id = 1").fetchone()
        return None if row is None else self._loads(row[0], "the update marker")

    def clear_update_marker(self) -> None:
        """Removes the update marker (the error was cleared from the fault panel)."""
        with self._db.guard("clear the update marker"):
            self._db.connection.execute("DELETE FROM update_marker")

    def apply_update(
        self,
        new_info: DeviceInformation,
        changed: Collection[Category],
        inbox_changed: bool,
        log_entry: LogEntry,
        *,
        encoded: Mapping[Category, str] | None = None,
    ) -> None:
        """Applies a received update in one transaction (M-04, DID-12…17, DID-20, DID-23).

        Writes the new value of each changed category (and of inbox URL Send settings when
        ``inbox_changed``) and makes the one restore point of DID-20 from the values they replace: the
        previous restore point goes whole, whatever categories it held, so afterwards exactly the
        categories this update changed can be restored. Appends ``log_entry`` and removes the update
        marker. Either all of it is stored or none of it.

        Args:
            new_info: The device information after the update (the engine applied the merge rules).
            changed: The categories the update changes.
            inbox_changed: True when the update changes inbox URL Send settings (DID-17).
            log_entry: The ``Received`` entry reporting the update (its end and peer label the point).
            encoded: Payload text already at hand for some changed categories, stored as it is: it must
                decode to exactly that category's value in ``new_info`` (a received category kept whole
                arrives as the same JSON the store writes, so encoding it again would only cost time).
        """
        categories = [c for c in Category if c in set(changed)]
        rows = device_rows(new_info, categories, inbox_changed, encoded)
        with self._writing_device_info(), self._db.transaction("apply the update") as conn:
            tables.write_received(conn, rows, log_entry.end, log_entry.peer)
            insert_log_entry(conn, log_entry)
            conn.execute("DELETE FROM update_marker")

    def apply_import(self, new_info: DeviceInformation, changed: Collection[Category], log_entry: LogEntry) -> None:
        """Writes imported categories and their log entry in one transaction; makes no restore point and
        keeps the one there is (DID-20: imports make none)."""
        categories = [c for c in Category if c in set(changed)]
        with self._writing_device_info(), self._db.transaction("import device information") as conn:
            tables.replace_current(conn, device_rows(new_info, categories, False))
            insert_log_entry(conn, log_entry)

    def restore(
        self,
        categories: Collection[Category],
        log_entry: LogEntry | None = None,
        *,
        restore_inbox: bool = False,
        set_inbox: InboxUrlSend | None = None,
    ) -> RestoreOutcome:
        """Returns each picked category to the restore point and uses the point up (DID-20); one transaction.

        The whole point is used up, whatever was picked: afterwards nothing can be restored until the next
        received update.

        Args:
            categories: The categories picked on ``<Restore Data>``.
            log_entry: An entry to append in the same transaction (appended whatever was found; check
                :meth:`restore_point_categories` first to word it).
            restore_inbox: Also return inbox URL Send settings to the restore point, when it holds them.
            set_inbox: Instead, write this inbox value (e.g. cleared settings, DID-17).

        Returns:
            The device information afterwards, and which picked categories were restored or had nothing.

        Raises:
            ValueError: Both ``restore_inbox`` and ``set_inbox`` were given.
        """
        if restore_inbox and set_inbox is not None:
            raise ValueError("restore_inbox and set_inbox exclude each other")
        picked = [c for c in Category if c in set(categories)]
        keys = [c.value for c in picked] + ([INBOX_KEY] if restore_inbox else [])
        with self._writing_device_info(), self._db.transaction("restore data") as conn:
            found = tables.restore_from_point(conn, keys)
            if set_inbox is not None:
                tables.replace_current(conn, [(INBOX_KEY, dumps(inbox_to_json(set_inbox)))])
            if log_entry is not None:
                insert_log_entry(conn, log_entry)
        restored = frozenset(c for c in picked if c.value in found)
        return RestoreOutcome(self.load_device_info(), restored, frozenset(picked) - restored, INBOX_KEY in found)

    def restore_point_categories(self) -> set[Category]:
        """Returns the categories the restore point holds (the ones the most recent update changed)."""
        with self._db.guard("read the restore point"):
            keys = tables.point_keys(self._db.connection)
        return {Category(key) for key in keys if key != INBOX_KEY}

    def restore_point_made(self) -> RestorePointMade | None:
        """When and from which host the restore point came, or None when there is none."""
        with self._db.guard("read the restore point"):
            made = tables.point_made(self._db.connection)
        return None if made is None else RestorePointMade(*made)

    def restore_point_value(self, category: Category) -> Any | None:
        """Returns the value ``category`` would be restored to, or None when the point does not hold it."""
        payload = self._restore_point_payload(category.value)
        return None if payload is None else self._decode(category.value, payload)

    def restore_point_inbox(self) -> InboxUrlSend | None:
        """Returns the inbox URL Send settings a restore could bring back, or None."""
        payload = self._restore_point_payload(INBOX_KEY)
        return None if payload is None else self._decode(INBOX_KEY, payload)

    def _restore_point_payload(self, key: str) -> str | None:
        with self._db.guard("read the restore point"):
            return tables.point_payload(self._db.connection, key)

    # --- communication log (DID-23) ------------------------------------------------------------------

    def append_log(self, entry: LogEntry) -> None:
        """Appends one entry to the communication log."""
        with self._db.guard("write the communication log"):
            insert_log_entry(self._db.connection, entry)

    def read_log(
        self,
        kind: str | None = None,
        peer: str | None = None,
        result: str | None = None,
        limit: int | None = None,
    ) -> list[LogEntry]:
        """Returns the log entries matching every given filter, newest first, at most ``limit`` of them."""
        with self._db.guard("read the communication log"), self._decoding("the communication log"):
            return select_log_entries(self._db.connection, kind=kind, peer=peer, result=result, limit=limit)

    # --- machine state -------------------------------------------------------------------------------

    def load_state(self) -> MachineState | None:
        """Returns the stored machine state, or None when none was saved yet."""
        with self._db.guard("read the machine state"):
            row = self._db.connection.execute(
                "SELECT power, activity, error_code, network_cut, tls_configured FROM machine_state"
            ).fetchone()
        if row is None:
            return None
        with self._decoding("the machine state"):
            return MachineState(PowerState(row[0]), Activity(row[1]), row[2], bool(row[3]), bool(row[4]))

    def save_state(self, state: MachineState) -> None:
        """Stores the machine state (power, activity, error code, network cut, TLS configured)."""
        with self._db.guard("save the machine state"):
            self._db.connection.execute(
                "INSERT OR REPLACE INTO machine_state"
                " (id, power, activity, error_code, network_cut, tls_configured) VALUES (1, ?, ?, ?, ?, ?)",
                (
                    state.power.value,
                    state.activity.value,
                    state.error_code,
                    int(state.network_cut),
                    int(state.tls_configured),
                ),
            )

    # --- configuration documents ---------------------------------------------------------------------

    def get_config(self, key: str, default: Any = None) -> Any:
        """Returns the JSON document stored under ``key`` (a fresh copy), or ``default``."""
        with self._db.guard(f"read configuration {key!r}"):
            row = self._db.connection.execute("SELECT value FROM config WHERE key = ?", (key,)).fetchone()
        return default if row is None else self._loads(row[0], f"configuration {key!r}")

    def set_config(self, key: str, value: Any) -> None:
        """Stores ``value`` (JSON-serializable) under ``key``."""
        self.set_configs({key: value})

    def set_configs(self, values: Mapping[str, Any]) -> None:
        """Stores several documents in one transaction."""
        with self._encoding("configuration"):
            rows = [(key, dumps(value)) for key, value in values.items()]
        with self._db.transaction("save configuration") as conn:
            conn.executemany("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", rows)

    # --- personalized data (SYNC) --------------------------------------------------------------------

    def put_user_items(
        self, user: str, items: Mapping[str, Any], now: datetime, sharing: Sharing | None = None
    ) -> dict[str, int]:
        """Writes items of ``user`` in one transaction, bumping versions; returns the new versions."""
        with self._encoding(f"user data of {user!r}"), self._damaged(), \
                self._db.transaction(f"save user data of {user!r}") as conn:
            return user_data.put_user_items(conn, user, items, now, sharing)

    def user_items(self, user: str) -> dict[str, UserItem]:
        """Returns ``user``'s items keyed by item name (empty for an unknown user)."""
        with self._db.guard(f"read user data of {user!r}"), self._decoding(f"user data of {user!r}"), self._damaged():
            return user_data.select_user_items(self._db.connection, user)

    def replace_user(self, user: str, items: Mapping[str, UserItem], now: datetime) -> None:
        """Replaces all of ``user``'s items by ``items`` with their versions, in one transaction (SYNC-05)."""
        with self._encoding(f"user data of {user!r}"), self._db.transaction(f"replace user data of {user!r}") as conn:
            user_data.replace_user(conn, user, items, now)

    def replace_users(self, users: Mapping[str, Mapping[str, UserItem]], now: datetime) -> None:
        """Replaces the items of many users at once, in one transaction (a sync join or catch-up)."""
        if not users:
            return
        with self._encoding("user data"), self._db.transaction(f"replace user data of {len(users)} users") as conn:
            user_data.replace_users(conn, users, now)

    def store_snapshot(
        self,
        body: bytes,
        users: Sequence[tuple[str, int]],
        now: datetime,
        replacements: Mapping[str, Mapping[str, UserItem]] | None = None,
    ) -> list[str]:
        """Keeps a sync server's answer as sent, and writes ``replacements`` beside it, in one transaction.

        See :func:`~mfp_console.store.user_data.store_snapshot`; ``replacements`` are users whose items
        were merged here (a change not yet taken by the server) and are stored as item rows instead.

        Returns:
            Users of the previous answer, not in this one, whose document could not be read (kept without
            items).

        Raises:
            StoreError: The answer's lengths do not add up or list a user twice (nothing is written).
        """
        with self._encoding("user data"), self._damaged(), self._db.transaction(f"store {len(users)} users") as conn:
            damaged = user_data.store_snapshot(conn, body, users, now)
            if replacements:
                user_data.replace_users(conn, replacements, now)
        return damaged

    def list_users(self) -> list[UserRecord]:
        """Returns every user, least recently seen first (SYNC-03)."""
        with self._db.guard("read users"), self._decoding("users"):
            return user_data.list_users(self._db.connection)

    def delete_user(self, user: str) -> bool:
        """Deletes ``user`` and all their items; returns False when unknown."""
        with self._db.transaction(f"delete user {user!r}") as conn:
            return user_data.delete_user(conn, user)

    def write_users(
        self,
        now: datetime,
        replace: Mapping[str, Mapping[str, UserItem]] | None = None,
        logins: Mapping[str, datetime] | None = None,
        delete: Iterable[str] = (),
        configs: Mapping[str, Any] | None = None,
    ) -> None:
        """Replaces users' items, records logins, deletes users and stores configuration documents, all in
        one transaction: a sync push is applied whole or not at all (M-04)."""
        rows = [(key, dumps(value)) for key, value in (configs or {}).items()]
        gone = list(delete)
        with self._damaged(), self._db.transaction("store synchronized user data") as conn:
            if replace:
                user_data.replace_users(conn, replace, now)
            if logins:
                user_data.touch_logins(conn, logins)
            for user in gone:
                user_data.delete_user(conn, user)
            if rows:
                conn.executemany("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", rows)

    def set_item_versions(self, user: str, versions: Mapping[str, int]) -> None:
        """Gives ``user``'s items the versions the sync server gave them (values unchanged)."""
        if not versions:
            return
        with self._damaged(), self._db.transaction(f"set versions of {user!r}") as conn:
            user_data.set_item_versions(conn, user, versions)

    def touch_login(self, user: str, now: datetime) -> None:
        """Records ``user``'s login at ``now`` (creating the user when new)."""
        with self._db.guard(f"record the login of {user!r}"):
            user_data.touch_login(self._db.connection, user, now)

    # --- helpers -------------------------------------------------------------------------------------

    @contextmanager
    def _writing_device_info(self) -> Iterator[None]:
        # Dropped before and after, so a failed or rolled-back write never leaves a stale cache.
        self._info = None
        try:
            yield
        finally:
            self._info = None

    @contextmanager
    def _decoding(self, what: str) -> Iterator[None]:
        try:
            yield
        except _DECODE_ERRORS as exc:
            raise StoreError(f"{self.path}: {what} cannot be decoded: {exc!r}") from exc

    @contextmanager
    def _encoding(self, what: str) -> Iterator[None]:
        # json refuses NaN and infinities (allow_nan=False) with a ValueError; the transaction around the
        # write was rolled back by then. (A value JSON cannot hold at all, a TypeError, is a bug: it passes.)
        try:
            yield
        except ValueError as exc:
            raise StoreError(f"{self.path}: cannot store {what}: {exc}; nothing was stored") from exc

    @contextmanager
    def _damaged(self) -> Iterator[None]:
        try:
            yield
        except user_data.DamagedDocument as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def _loads(self, text: str, what: str) -> Any:
        with self._decoding(what):
            return loads_strict(text)

    def _decode(self, key: str, payload: str) -> Any:
        with self._decoding(key_label(key)):
            return decode_payload(key, payload)
