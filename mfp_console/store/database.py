"""One SQLite connection to one machine's database: opening, transactions, and error wrapping.

Settings chosen on open, and why:

* ``journal_mode=WAL`` — a writer never blocks readers and a commit appends to the WAL instead of
  rewriting pages in place, so a kill at any instant leaves exactly the last committed state.
* ``synchronous=NORMAL`` — in WAL mode a commit hands its pages to the operating system before it
  returns; only the fsync is deferred to the next checkpoint. A killed *process* (our "power cut",
  simulated or a real SIGKILL) therefore never loses a committed transaction and never sees a half one.
  Only an operating-system crash or a real power loss could drop the last few commits — still atomically,
  never half-applied — which is an acceptable trade for an emulator that commits on every panel touch.
* ``foreign_keys=ON`` — personalized data rows go with their user.
* ``cache_size=-128`` (128 KiB) and at most 8 cached statements — a fleet keeps up to 1,000 stores
  open in one process. The default 2 MiB page cache would let each store grow to 2 MiB as its log grows;
  each database is small and the OS page cache serves re-reads cheaply. Prepared statements turned out
  to be the larger cost: 32 cached statements added ~70 KiB per store. Measured (1,000 stores, each
  seeded, updated once and read): ~0.21 MiB RSS per open store, of which ~0.1 MiB is SQLite's own
  per-connection baseline (lookaside, schema) that Python's ``sqlite3`` cannot tune, and ~14 KiB of
  Python heap (tracemalloc, including the cached device information). Each store also holds three file
  descriptors (database, WAL, shared memory). Opening costs ~4 ms for a new file, ~1.5 ms for an
  existing one.
* ``journal_size_limit`` — the WAL is truncated to 1 MiB after a checkpoint, so 1,000 idle machines do
  not keep 1,000 large WAL files on disk.

A new database is made whole before it gets its name: the schema is written to a temporary file in the
same folder (rollback journal, so every page is in the file at commit), the file is switched to WAL and
then linked into place. So an existing database file of 0 bytes was never written by this program: it
was truncated (a full disk, a bad copy) and is reported as damaged, rather than silently filled with the
machine's default data as a new machine would be.

A database *rests* when its machine is idle (:meth:`Database.rest`): the connection is closed, which
checkpoints the WAL and lets SQLite remove the WAL and shared-memory files, so an idle machine holds no
descriptor and none of SQLite's per-connection memory (~0.1 MiB). The next use of :attr:`Database.connection`
opens it again (``mode=rw``: a file deleted meanwhile is reported, never re-created empty) with the same
pragmas, in ~1.5 ms. A fleet of 10,000 machines can only exist in one process this way (issue 18).

The connection is in autocommit mode (``isolation_level=None``): a single-row write is atomic on its own,
and every write of more than one row goes through :meth:`Database.transaction`, which issues
``BEGIN IMMEDIATE`` itself so the write lock is taken up front rather than on the first write.
"""

from __future__ import annotations

import errno
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from mfp_console.errors import StoreError
from mfp_console.store.schema import (
    SCHEMA_VERSION,
    create_schema,
    migrate_schema,
    stored_schema_version,
)

__all__ = ["Database", "descriptor_shortage"]

_PAGE_CACHE_KIB = 128
_CACHED_STATEMENTS = 8
_WAL_SIZE_LIMIT = 1024 * 1024
_BUSY_TIMEOUT_S = 5.0
_FILE_MODE = 0o600
_DIRECTORY_MODE = 0o700


def _make_private(path: Path) -> None:
    """Creates the database file readable by its owner only, or narrows an existing one to that.

    The store holds the key derived from the System Manager ID and PIN; with a 7-digit PIN anyone who can
    read it can find the PIN by trying them all, so the file is 0600 like the TLS keys. SQLite gives the
    WAL and shared-memory files the database file's mode.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, _FILE_MODE)
        try:
            os.fchmod(fd, _FILE_MODE)
        finally:
            os.close(fd)
    except OSError:
        pass  # not ours to change (a read-only copy, another owner): SQLite reports what matters


def descriptor_shortage(action: str) -> str | None:
    """When this process has no file descriptor left, a sentence saying so with the numbers; else None.

    SQLite reports a descriptor shortage as "unable to open database file", which reads like a missing
    or unreadable file; the caller names the real cause instead (issue 18).
    """
    try:
        fd = os.open(os.devnull, os.O_RDONLY)
    except OSError as exc:
        if exc.errno not in (errno.EMFILE, errno.ENFILE):
            return None
    else:
        os.close(fd)
        return None
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        limit = f"the limit is {soft} (hard limit {hard})"
    except (ImportError, OSError, ValueError):  # pragma: no cover - not on this platform
        soft, limit = -1, "the limit was reached"
    try:
        in_use = f"{len(os.listdir('/proc/self/fd')) - 1} descriptors open"
    except OSError:  # listing them needs a descriptor too
        in_use = f"all {soft} descriptors open" if soft > 0 else "every descriptor open"
    return (f"could not {action}: this process has run out of file descriptors ({in_use}; {limit}); "
            "run fewer machines in this process, or raise the limit (ulimit -n)")


def _create_database_file(path: Path) -> None:
    """Makes a new database with its schema at ``path``, whole or not at all (see the module docstring).

    Another process creating the same database at the same moment wins or loses cleanly: the file is
    linked into place only when no file is there yet.

    Raises:
        StoreError: The file could not be written.
    """
    # A kill during creation may leave the temporary file (a few KiB, named ".<name>.<hex>.new"); it is not
    # removed by a later start, which cannot tell it from another process's creation in progress.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    try:
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
            os.fchmod(fd, _FILE_MODE)
            os.close(fd)
            connection = sqlite3.connect(temporary, isolation_level=None)
            try:
                # No syncs while the file has no name (nobody can see a half-made file); one fsync below
                # before it gets its name. Three syncs per new database made preparing thousands slow.
                connection.execute("PRAGMA synchronous = OFF")
                connection.execute("PRAGMA journal_mode = DELETE")
                connection.execute("BEGIN IMMEDIATE")
                create_schema(connection)
                connection.execute("COMMIT")
                connection.execute("PRAGMA journal_mode = WAL")
            finally:
                connection.close()
            fd = os.open(temporary, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(temporary, path)  # never replaces a database another process made meanwhile
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links: a rename, unless one appeared meanwhile
                if not path.exists():
                    os.replace(temporary, path)
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        finally:
            temporary.unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as exc:
        shortage = descriptor_shortage("create the database")
        raise StoreError(f"{path}: {shortage or f'could not create the database: {exc}'}") from exc


class Database:
    """An open connection to one machine's database, with every failure reported as :class:`StoreError`.

    Use it from one thread (the asyncio loop's); it never awaits, so a transaction cannot interleave
    with another coroutine's.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = connection
        self._closed = False
        self.used = True
        """Set on every use of :attr:`connection`; whoever rests idle databases clears it (see :meth:`rest`)."""

    @classmethod
    def open(cls, path: Path) -> Database:
        """Opens (creating when needed) the database at ``path`` and its schema.

        Raises:
            StoreError: The file cannot be opened, is not a database, or was written by a newer version.
        """
        path = Path(path)
        try:
            path.parent.mkdir(mode=_DIRECTORY_MODE, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{path}: could not create the directory: {exc}") from exc
        try:
            size: int | None = path.stat().st_size
        except FileNotFoundError:
            size = None
        except OSError as exc:
            raise StoreError(f"{path}: could not open the database: {exc.strerror or exc}") from exc
        if size is None:
            _create_database_file(path)
        elif size == 0:
            raise StoreError(
                f"{path}: the machine's database is damaged: the file is empty (0 bytes), so its data was lost; "
                "nothing was re-created. Restore the file from a copy, or delete it to give this machine its "
                "default data again"
            )
        _make_private(path)
        connection = _connect(path, path)
        database = cls(path, connection)
        try:
            database._prepare()
        except BaseException:
            connection.close()
            raise
        return database

    def _prepare(self, schema: bool = True) -> None:
        connection = self.connection
        with self.guard("set up the database"):
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{self._path}: WAL journal mode is not available (got {mode!r})")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute(f"PRAGMA cache_size = -{_PAGE_CACHE_KIB}")
            connection.execute(f"PRAGMA journal_size_limit = {_WAL_SIZE_LIMIT}")
        if not schema:
            return
        with self.transaction("create the schema") as conn:
            version = stored_schema_version(conn)
            if version is None:
                create_schema(conn)
            elif version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self._path}: schema version {version} is newer than this program's "
                    f"({SCHEMA_VERSION}); use a newer mfp-console or another state directory"
                )
            elif version < SCHEMA_VERSION:
                migrate_schema(conn, version)

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called (a resting database is not closed)."""
        return self._closed

    @property
    def resting(self) -> bool:
        """True while the connection is closed for idleness (:meth:`rest`); the next use opens it."""
        return self._connection is None and not self._closed

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection (opened again when the database was resting).

        Raises:
            StoreError: The database was closed, or it cannot be opened again (the file is gone or
                damaged, or the process has no file descriptor left).
        """
        self.used = True
        if self._connection is None:
            if self._closed:
                raise StoreError(f"{self._path}: the database is closed")
            self._reopen()
            assert self._connection is not None
        return self._connection

    def _reopen(self) -> None:
        path = self._path
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise StoreError(f"{path}: the machine's database is gone: the file was removed while the "
                             "machine ran; nothing was re-created") from None
        except OSError as exc:
            raise StoreError(f"{path}: could not open the database: {exc.strerror or exc}") from exc
        if size == 0:
            raise StoreError(f"{path}: the machine's database is damaged: the file is empty (0 bytes)")
        connection = _connect(f"file:{quote(str(path))}?mode=rw", path)
        self._connection = connection
        try:
            self._prepare(schema=False)
        except BaseException:
            self._connection = None
            connection.close()
            raise

    def rest(self, only_if_cheap: bool = False) -> bool:
        """Closes the connection of an idle database (reopened on the next use); returns True when it did.

        Nothing happens inside a transaction (a transaction never spans an ``await``, so a rest run by
        the event loop never meets one) or when the database is closed or resting already.

        Args:
            only_if_cheap: Rest only when the write-ahead log is empty, so closing copies nothing back and
                syncs nothing (a machine restarted after a kill finds a full log: it rests at the next
                quiet period instead of making its start wait for a checkpoint).
        """
        connection = self._connection
        if connection is None or connection.in_transaction:
            return False
        if only_if_cheap:
            try:
                if Path(f"{self._path}-wal").stat().st_size > 0:
                    return False
            except FileNotFoundError:
                pass
            except OSError:
                return False
        self._connection = None
        with self.guard("close the database"):
            connection.close()
        return True

    def close(self) -> None:
        """Closes the connection; closing twice is harmless."""
        connection, self._connection = self._connection, None
        self._closed = True
        if connection is not None:
            with self.guard("close the database"):
                connection.close()

    @contextmanager
    def guard(self, action: str) -> Iterator[None]:
        """Turns a ``sqlite3.Error`` raised inside the block into a :class:`StoreError` naming the file.

        Args:
            action: What was being done, as a verb phrase (``"read the log"``).
        """
        try:
            yield
        except sqlite3.Error as exc:
            shortage = descriptor_shortage(action) if "unable to open" in str(exc) else None
            raise StoreError(f"{self._path}: {shortage or f'could not {action}: {exc}'}") from exc

    @contextmanager
    def transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """Runs the block in one ``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back.

        Args:
            action: What the transaction does, for the error message.

        Yields:
            The connection to write with.

        Raises:
            StoreError: SQLite failed (the transaction was rolled back). Other exceptions raised by the
                block propagate unchanged after the rollback.
        """
        connection = self.connection
        with self.guard(action):
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    def check_integrity(self) -> list[str]:
        """Runs ``PRAGMA integrity_check`` and returns the problems found (empty when the file is sound)."""
        with self.guard("check the database's integrity"):
            rows = self.connection.execute("PRAGMA integrity_check").fetchall()
        problems = [str(row[0]) for row in rows]
        return [] if problems == ["ok"] else problems


def _connect(target: str | Path, path: Path) -> sqlite3.Connection:
    """Opens a connection with the store's settings; a descriptor shortage is reported as such."""
    try:
        return sqlite3.connect(target, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                               cached_statements=_CACHED_STATEMENTS, uri=isinstance(target, str))
    except sqlite3.Error as exc:
        shortage = descriptor_shortage("open the database")
        raise StoreError(f"{path}: {shortage or f'could not open the database: {exc}'}") from exc
