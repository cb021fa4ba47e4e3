"""A TLS 1.3 byte stream run by hand: an ``ssl.SSLObject`` over memory BIOs on a non-blocking socket.

asyncio's TLS transports hide handshake failures and keep a 256 KiB buffer per side and connection.
Running the TLS state machine ourselves keeps an idle link to a few kilobytes (a busy one holds at most
256 KiB read ahead of its reader, then the peer waits), lets the caller see the
first bytes a peer sends before any TLS happens, and lets OpenSSL's alert reach the peer when a
handshake fails (so the other end learns *why*). :mod:`mfp_console.engine.net.transport` builds its
listener and dialer on :class:`TlsStream`; the underscore methods are for it alone.

A stream closed properly by the peer (TLS close_notify) reads as ``b""``; a link lost any other way
(reset, cut, the peer vanished mid-record) raises :class:`~mfp_console.errors.TransportError` with
code ``E-INTERRUPTED`` (DID-05).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections import deque

from mfp_console.errors import TransportError
from mfp_console.pki.tls import PeerCertificate, peer_certificate

__all__ = ["E_INTERRUPTED", "TlsStream"]

E_INTERRUPTED = "E-INTERRUPTED"
CHUNK = 16 * 1024  # one TLS record at most
SOCKET_READ = 64 * 1024
"""Bytes asked of the socket at once. Each read allocates this much and gives back what it did not fill, so it
stays below the C library's threshold for mapping a block of its own (128 KiB): 256 KiB reads cost an
``mmap`` and ``munmap`` each, about 40 us for every small message, and made bulk reads slower too."""
_READ_AHEAD = 256 * 1024  # bytes read from the socket ahead of the reader, at most (then it is left unwatched)
LINE_LIMIT = 200


class TlsStream:
    """One open mutual-TLS 1.3 link to a peer machine (usable as ``async with``).

    Attributes:
        peer: What the peer's verified certificate says (machine name, serial, subject).
        peer_address: ``host:port`` of the peer socket.
    """

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, server_side: bool,
                 server_hostname: str | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._sock = sock
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._ssl = context.wrap_bio(self._incoming, self._outgoing, server_side, server_hostname)
        self._read_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._pending = bytearray()
        self._closed = False
        self._aborted = False
        self.bytes_received = 0
        # What the socket delivered and no read has taken yet (see _on_readable).
        self._fd = sock.fileno()
        self._arrived: deque[bytes] = deque()
        self._arrived_bytes = 0
        self._reading = False
        self._ended: BaseException | bool = False  # True at end of stream, the error when the link failed
        self._waiter: asyncio.Future[None] | None = None
        self.peer: PeerCertificate | None = None
        try:
            host, port = sock.getpeername()[:2]
            self.peer_address = f"{host}:{port}"
        except OSError:
            self.peer_address = "?"

    @property
    def peer_name(self) -> str:
        """The machine named by the peer's certificate."""
        return self.peer.machine_name if self.peer else ""

    @property
    def peer_serial(self) -> int:
        """The serial number of the peer's certificate."""
        return self.peer.serial if self.peer else 0

    @property
    def peer_subject(self) -> str:
        """The subject of the peer's certificate (RFC 4514)."""
        return self.peer.subject if self.peer else ""

    @property
    def tls_version(self) -> str:
        """The negotiated protocol, e.g. ``"TLSv1.3"``."""
        return self._ssl.version() or ""

    @property
    def cipher(self) -> str:
        """The negotiated cipher suite, e.g. ``"TLS_AES_256_GCM_SHA384"``."""
        info = self._ssl.cipher()
        return info[0] if info else ""

    async def send(self, data: bytes) -> None:
        """Sends ``data`` whole.

        Raises:
            TransportError: ``E-INTERRUPTED`` when the link is lost or closed.
        """
        self._check_open()
        try:
            view = memoryview(data)
            for start in range(0, len(view), CHUNK * 4):
                self._ssl.write(view[start : start + CHUNK * 4])
                await self._flush()
        except (ssl.SSLError, OSError) as exc:
            raise self._lost(exc) from exc

    async def receive(self, max_bytes: int = 65536, timeout: float | None = None) -> bytes:
        """Returns the next bytes, at most ``max_bytes``; ``b""`` once the peer closed properly.

        Args:
            max_bytes: The most bytes returned.
            timeout: Real seconds to wait for the peer's next bytes (None: no bound).

        Raises:
            TimeoutError: No bytes came within ``timeout``.
            TransportError: ``E-INTERRUPTED`` when the link is lost (peer vanished, reset, cut).
        """
        self._check_open()
        try:
            return await self._receive(max_bytes, timeout)
        except ssl.SSLZeroReturnError:
            return b""
        except TimeoutError:
            raise  # an OSError, but not a lost link
        except (ssl.SSLError, OSError, EOFError) as exc:
            raise self._lost(exc) from exc

    async def close(self) -> None:
        """Says goodbye (TLS close_notify) and closes the socket; closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        if not self._aborted:
            with contextlib.suppress(ssl.SSLError, OSError, ValueError):
                self._ssl.unwrap()  # queues close_notify; raises want-read, which is fine
            self._send_now()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes any coroutine still waiting on it
        async with self._read_lock, self._write_lock:
            self._stop_reading()
            self._sock.close()

    def abort(self) -> None:
        """Cuts the link at once, as a power cut or a pulled cable would (no TLS goodbye)."""
        self._aborted = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    async def __aenter__(self) -> TlsStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<TlsStream peer={self.peer_name or '?'} at {self.peer_address}>"

    # -- the TLS machinery --------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            who = self.peer_name or self.peer_address
            raise TransportError(f"the link with {who} is already closed", E_INTERRUPTED)

    def _lost(self, exc: BaseException) -> TransportError:
        why = "the link was cut" if self._aborted else (str(exc) or type(exc).__name__)
        who = self.peer_name or self.peer_address
        return TransportError(f"connection with {who} lost: {why}", E_INTERRUPTED)

    async def _flush(self) -> None:
        data = self._outgoing.read()
        if not data:
            return
        if not self._write_lock.locked():  # nothing of ours is still going out: try at once
            try:
                sent = self._sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            if sent == len(data):
                return  # the usual case: a message fits the socket's buffer, no turn of the loop needed
            data = data[sent:]
        async with self._write_lock:  # bytes read from TLS later wait for these, so they go out in order
            await self._loop.sock_sendall(self._sock, data)

    def _send_now(self) -> None:
        """Sends what is queued without waiting (an alert or a goodbye: best effort)."""
        data = self._outgoing.read()
        if data:
            with contextlib.suppress(OSError):
                self._sock.send(data)

    async def _fill(self, timeout: float | None = None) -> bytes:
        """Feeds the next bytes the socket delivered to TLS and returns them (``b""`` at end of stream).

        Raises:
            TimeoutError: Nothing came within ``timeout`` real seconds (when given).
        """
        async with self._read_lock:
            while not self._arrived and self._ended is False:
                self._start_reading()
                waiter = self._waiter = self._loop.create_future()
                # One timer on the wait itself: asyncio.timeout around each read cost a scope object,
                # a task look-up and a rescheduled timer per message.
                timer = None if timeout is None else self._loop.call_later(timeout, _time_out, waiter)
                try:
                    await waiter
                finally:
                    self._waiter = None
                    if timer is not None:
                        timer.cancel()
            if self._arrived:
                data = self._arrived.popleft()
                self._arrived_bytes -= len(data)
                self._start_reading()  # resumes a reader paused for a full buffer
            elif self._ended is True:
                data = b""
            else:
                raise self._ended
        if data:
            self.bytes_received += len(data)
            self._incoming.write(data)
        else:
            self._incoming.write_eof()
        return data

    # The socket stays watched while the link is open (asyncio's own transports do the same): watching it
    # anew for every read, as loop.sock_recv does, cost two epoll calls and a dozen Python steps per message.
    # At most _READ_AHEAD bytes wait here; then the peer waits until they are read.

    def _start_reading(self) -> None:
        if not self._reading and self._ended is False and self._arrived_bytes < _READ_AHEAD:
            self._loop.add_reader(self._fd, self._on_readable)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._fd)
            self._reading = False

    def _on_readable(self) -> None:
        try:
            data = self._sock.recv(SOCKET_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._ended = exc
            data = b""
        if data:
            self._arrived.append(data)
            self._arrived_bytes += len(data)
            if self._arrived_bytes >= _READ_AHEAD:
                self._stop_reading()
        else:
            if self._ended is False:
                self._ended = True
            self._stop_reading()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _handshake(self) -> None:
        while True:
            try:
                self._ssl.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._flush()
                if not await self._fill() and self._incoming.eof:
                    with contextlib.suppress(ssl.SSLWantReadError):
                        self._ssl.do_handshake()
                    raise ConnectionResetError("connection closed during the TLS handshake")
            except ssl.SSLError:
                self._send_now()  # let the peer read OpenSSL's alert, so it learns why
                raise
        await self._flush()
        self.peer = peer_certificate(self._ssl)

    async def _receive(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._pending:
            data = bytes(self._pending[:max_bytes])
            del self._pending[:max_bytes]
            return data
        while True:
            if self._incoming.pending or self._ssl.pending():  # else there is nothing to decrypt yet
                try:
                    return self._drain(self._ssl.read(max_bytes), max_bytes)
                except ssl.SSLWantReadError:
                    pass  # part of a record: more bytes are needed
            if not await self._fill(timeout):
                with contextlib.suppress(ssl.SSLWantReadError):
                    return self._ssl.read(max_bytes)  # raises: EOF without goodbye
                raise ConnectionResetError("connection closed")

    def _drain(self, data: bytes, max_bytes: int) -> bytes:
        """``data`` and whatever further records are already decryptable, up to ``max_bytes``.

        OpenSSL hands out one TLS record (16 KiB at most) per read: a megabyte received at once would
        otherwise cost the caller some sixty turns of its loop. A failure here is left for the next read.
        """
        if not data or len(data) >= max_bytes:
            return data
        pieces = [data]
        size = len(data)
        while size < max_bytes and self._incoming.pending:
            try:
                more = self._ssl.read(max_bytes - size)
            except ssl.SSLError:  # no whole record yet, or the peer's goodbye: the next read says so
                break
            if not more:
                break
            pieces.append(more)
            size += len(more)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    async def _send_line(self, line: str) -> None:
        self._ssl.write(line.encode("ascii") + b"\n")
        await self._flush()

    async def _read_line(self) -> bytes:
        while b"\n" not in self._pending:
            if len(self._pending) > LINE_LIMIT:
                raise ValueError("greeting line too long")
            chunk = await self._receive(CHUNK)
            if not chunk:
                raise EOFError("connection closed before the greeting")
            self._pending += chunk
        line, _, rest = bytes(self._pending).partition(b"\n")
        self._pending = bytearray(rest)
        return line


def _time_out(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
