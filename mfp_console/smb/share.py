"""One folder on an SMB 2/3 share: write a file atomically, read it, list files; every failure one ShareError.

The client is ``smbprotocol``'s high-level ``smbclient`` API, because it does everything needed here in
one call each — ``register_session(port=…, encrypt=True, require_signing=True)`` connects to any port
and refuses a session without SMB 3 encryption, ``replace`` is the SMB rename with ReplaceIfExists,
``scandir``/``makedirs``/``remove`` exist — while the lower-level ``Connection``/``Session``/``Open``
classes would need the CREATE, SET_INFO rename and QUERY_DIRECTORY requests written by hand. Its one
global piece, the connection pool, is avoided: every operation passes its own ``connection_cache`` and
closes it after, so no session (and no password) outlives the call or is shared between machines.

Every call blocks; the engine runs them in a worker thread (``asyncio.to_thread``). ``smbprotocol`` waits
for an answer without a limit, so each operation arms a watchdog that closes its connection when
``timeout`` passes: the waiting call then fails at once and is reported as a timeout.

Atomic write: the data goes to ``.<name>.<random>.mfp-partial`` in the target folder, is flushed (SMB2
FLUSH), then renamed over ``<name>``. On any failure the partial file is deleted when the connection still
allows it; when it does not (the server stopped), the next write sweeps the same writer's old partials.
A reader never sees a half-written file under the final name.
"""

from __future__ import annotations

import secrets
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import smbclient
from smbprotocol.connection import Connection
from smbprotocol.exceptions import (
    SMBConnectionClosed,
    SMBException,
    SMBOSError,
    SMBResponseException,
)
from smbprotocol.header import NtStatus
from smbprotocol.tree import TreeConnect

from mfp_console.errors import ShareError
from mfp_console.smb.credentials import ShareCredentials

__all__ = ["DEFAULT_TIMEOUT", "RemoteFile", "ShareLocation", "SmbShare"]

DEFAULT_TIMEOUT = 30.0
"""Seconds one operation (connect, log on, write or read, close) may take in all."""
CHUNK = 64 * 1024
"""Bytes per SMB2 WRITE; small enough that a lost connection is noticed within one chunk."""
PARTIAL = ".mfp-partial"
_DIRECTORY = 0x10  # FILE_ATTRIBUTE_DIRECTORY
MAX_READ = 256 * 1024 * 1024
"""A backup larger than this is not read (1,000 users are a few MiB)."""

_KINDS: dict[int, str] = {
    NtStatus.STATUS_LOGON_FAILURE: "logon",
    NtStatus.STATUS_WRONG_PASSWORD: "logon",
    NtStatus.STATUS_PASSWORD_EXPIRED: "logon",
    0xC0000072: "logon",  # STATUS_ACCOUNT_DISABLED
    0xC0000234: "logon",  # STATUS_ACCOUNT_LOCKED_OUT
    NtStatus.STATUS_BAD_NETWORK_NAME: "share",
    NtStatus.STATUS_ACCESS_DENIED: "access",
    0xC00000CA: "access",  # STATUS_NETWORK_ACCESS_DENIED
    NtStatus.STATUS_OBJECT_NAME_NOT_FOUND: "missing",
    NtStatus.STATUS_OBJECT_PATH_NOT_FOUND: "missing",
    NtStatus.STATUS_NOT_FOUND: "missing",
    NtStatus.STATUS_NO_SUCH_FILE: "missing",
    NtStatus.STATUS_DISK_FULL: "full",
    0xC0000044: "full",  # STATUS_QUOTA_EXCEEDED
    NtStatus.STATUS_USER_SESSION_DELETED: "lost",
    NtStatus.STATUS_NETWORK_NAME_DELETED: "lost",
}
_STATUS_NAMES = {value: name for name, value in vars(NtStatus).items() if name.startswith("STATUS_")}
_STATUS_NAMES.update({0xC0000072: "STATUS_ACCOUNT_DISABLED", 0xC0000234: "STATUS_ACCOUNT_LOCKED_OUT",
                      0xC00000CA: "STATUS_NETWORK_ACCESS_DENIED", 0xC0000044: "STATUS_QUOTA_EXCEEDED"})


@dataclass(frozen=True)
class ShareLocation:
    """A folder on an SMB share: ``smb://host[:port]/share/folder…``."""

    host: str
    share: str
    folder: tuple[str, ...] = ()
    port: int = 445

    def unc(self, name: str = "") -> str:
        """``\\\\host\\share\\folder…\\name`` as smbclient takes it."""
        return "\\\\" + "\\".join(p for p in (self.host, self.share, *self.folder, name) if p)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        where = host if self.port == 445 else f"{host}:{self.port}"
        return "smb://" + "/".join((where, self.share, *self.folder))


@dataclass(frozen=True)
class RemoteFile:
    """A file found in the folder: its name and size in bytes."""

    name: str
    size: int


class _Watchdog:
    """Closes every connection of one operation when its time is up, so a blocked wait fails at once."""

    def __init__(self, cache: dict[str, Any], timeout: float) -> None:
        self.cache = cache
        self.fired = False
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        for connection in list(self.cache.values()):
            try:
                connection.transport.close()
            except Exception:  # pragma: no cover - closing an already broken socket
                pass

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


class SmbShare:
    """Blocking operations on one folder of one share, each on its own encrypted SMB session."""

    def __init__(self, location: ShareLocation, credentials: ShareCredentials,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.location = location
        self._credentials = credentials
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SmbShare({str(self.location)!r}, user={self._credentials.account!r})"

    # --- the operations ------------------------------------------------------------------------------

    def write_atomically(self, name: str, data: bytes, *, stale_prefix: str = "",
                         on_chunk: Callable[[int], None] | None = None) -> None:
        """Writes ``data`` to ``name`` in the folder (made when missing): all of it, or nothing under ``name``.

        ``stale_prefix`` names this writer's files (e.g. ``sync-host-``): its partial files left by an
        earlier failed write are deleted first. ``on_chunk`` is told the bytes written so far after each
        chunk (progress; the tests stop the server from it).

        Raises:
            ShareError: The server refused or failed; no file ``name`` was created or replaced.
        """
        partial = f".{name}.{secrets.token_hex(6)}{PARTIAL}"
        with self._session("write", name) as kw:
            if self.location.folder:
                smbclient.makedirs(self.location.unc(), exist_ok=True, **kw)
            if stale_prefix:
                self._sweep(stale_prefix, kw)
            try:
                with smbclient.open_file(self.location.unc(partial), mode="wb", buffering=0, **kw) as raw:
                    view = memoryview(data)
                    written = 0
                    while written < len(data):
                        written += raw.write(view[written:written + CHUNK])
                        if on_chunk is not None:
                            on_chunk(written)
                    raw.flush()  # SMB2 FLUSH: the server puts the bytes on its disk before the rename
                smbclient.replace(self.location.unc(partial), self.location.unc(name), **kw)
            except BaseException:
                self._remove_quietly(partial, kw)
                raise

    def read(self, name: str) -> bytes:
        """The whole file ``name``.

        Raises:
            ShareError: The server refused or failed, or the file is missing or too large.
        """
        with self._session("read", name) as kw:
            with smbclient.open_file(self.location.unc(name), mode="rb", buffering=0, **kw) as raw:
                chunks: list[bytes] = []
                total = 0
                while True:
                    piece = raw.read(CHUNK)
                    if not piece:
                        break
                    total += len(piece)
                    if total > MAX_READ:
                        raise ShareError(f"{name} on {self.location} is larger than {MAX_READ >> 20} MiB",
                                         "invalid")
                    chunks.append(piece)
                return b"".join(chunks)

    def list(self, prefix: str = "", suffix: str = "") -> list[RemoteFile]:
        """Files in the folder whose names start with ``prefix`` and end with ``suffix`` (a missing
        folder holds none), sorted by name.

        Raises:
            ShareError: The server refused or failed.
        """
        with self._session("list", "") as kw:
            try:
                entries = list(smbclient.scandir(self.location.unc(), search_pattern=f"{prefix}*{suffix}", **kw))
            except SMBOSError as exc:
                if _KINDS.get(exc.ntstatus) == "missing":
                    return []
                raise
            # the listing's own attributes and sizes: DirEntry.is_file()/stat() would reconnect on port 445
            found = [RemoteFile(e.name, int(e.smb_info.end_of_file)) for e in entries
                     if not e.smb_info.file_attributes & _DIRECTORY and e.name.startswith(prefix)
                     and e.name.endswith(suffix)]
            return sorted(found, key=lambda f: f.name)

    # --- the session ----------------------------------------------------------------------------------

    @contextmanager
    def _session(self, operation: str, name: str) -> Iterator[dict[str, Any]]:
        """An encrypted, signed session for one operation; every failure leaves as one :class:`ShareError`."""
        cache: dict[str, Any] = {}
        loc = self.location
        kw: dict[str, Any] = {"port": loc.port, "username": self._credentials.account, "connection_cache": cache}
        with _Watchdog(cache, self.timeout) as watchdog:
            try:
                # A connection of this operation's own, under a fresh client GUID: smbclient would reuse one
                # process-wide GUID, and a server hands a new connection with a known GUID over to the
                # process of the old one (SMB 3 multichannel) — racing with that one's logoff.
                connection = Connection(uuid.uuid4(), loc.host, loc.port, require_signing=True)
                cache[f"{loc.host.lower()}:{loc.port}"] = connection
                connection.connect(timeout=self.timeout)
                session = smbclient.register_session(
                    loc.host, username=self._credentials.account, password=self._credentials.password,
                    port=loc.port, encrypt=True, require_signing=True, connection_timeout=self.timeout,
                    connection_cache=cache, auth_protocol="ntlm")
                # The share first, on its own: smbclient answers a missing share with a DFS lookup that ends
                # in STATUS_NOT_FOUND, which would read as "no such folder".
                tree = TreeConnect(session, f"\\\\{loc.host}\\{loc.share}")
                tree.connect()
                tree.disconnect()
                if not session.encrypt_data:  # smbprotocol refuses first; this keeps the promise explicit
                    raise ShareError(f"the SMB server {loc.host} did not encrypt the session", "encryption",
                                     "no SMB 3 encryption")
                yield kw
            except ShareError:
                raise
            except (SMBException, OSError, ValueError) as exc:
                raise self._translate(exc, operation, name, watchdog.fired) from None
            finally:
                try:
                    smbclient.reset_connection_cache(fail_on_error=False, connection_cache=cache)
                except Exception:  # pragma: no cover - a connection already torn down
                    pass

    def _translate(self, exc: BaseException, operation: str, name: str, timed_out: bool) -> ShareError:
        loc = self.location
        server = f"the SMB server {loc.host}" + (f":{loc.port}" if loc.port != 445 else "")
        where = f"{name} in {loc}" if name else str(loc)
        if timed_out:
            return ShareError(f"{server} did not answer within {self.timeout:g} s ({operation} {where})",
                              "timeout", "no answer")
        status = getattr(exc, "ntstatus", None)
        if status is None and isinstance(exc, SMBResponseException):
            status = exc.status
        if status is not None:
            reason = _STATUS_NAMES.get(status, f"NTSTATUS 0x{status:08x}")
            kind = _KINDS.get(status, "refused")
            message = {
                "logon": f"{server} refused the user name or password of {self._credentials.account}",
                "share": f"{server} has no share '{loc.share}'",
                "access": f"{server} denied {self._credentials.account} access to {where}",
                "missing": f"{where} does not exist",
                "full": f"the share '{loc.share}' on {loc.host} is full: {name or 'the file'} was not written",
                "lost": f"{server} ended the session during {operation} of {where}",
            }.get(kind, f"{server} refused {operation} of {where}")
            return ShareError(message, kind, reason)
        text = str(exc) or type(exc).__name__
        if "encryption is required" in text.lower() or "does not support encryption" in text.lower():
            return ShareError(f"{server} does not offer SMB 3 encryption; backups are only sent encrypted",
                              "encryption", text)
        if isinstance(exc, (ConnectionRefusedError, socket.gaierror)) or "failed to connect" in text.lower():
            return ShareError(f"cannot reach {server}", "unreachable", text)
        if isinstance(exc, (SMBConnectionClosed, ConnectionError, OSError)) or "socket" in text.lower():
            return ShareError(f"the connection to {server} was lost during {operation} of {where}", "lost", text)
        return ShareError(f"{server} failed {operation} of {where}", "refused", text)

    def _sweep(self, prefix: str, kw: dict[str, Any]) -> None:
        """Deletes this writer's partial files left by an earlier write that could not clean up."""
        for entry in smbclient.scandir(self.location.unc(), search_pattern=f".{prefix}*{PARTIAL}", **kw):
            if entry.name.startswith(f".{prefix}") and entry.name.endswith(PARTIAL):
                self._remove_quietly(entry.name, kw)

    def _remove_quietly(self, name: str, kw: dict[str, Any]) -> None:
        try:
            smbclient.remove(self.location.unc(name), **kw)
        except Exception:  # the connection may be gone: the next write sweeps it
            pass
