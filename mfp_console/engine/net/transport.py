"""Mutual TLS 1.3 links between machines: a listener and a dialer that say why a link was refused.

Every machine listens on its own loopback port and dials the others (M-05, M-07). asyncio's own TLS
server hides handshake failures in the loop's exception handler and its transports keep a 256 KiB
buffer per side, so this module runs TLS itself: an :class:`ssl.SSLObject` over memory BIOs on a
plain non-blocking socket. That lets a listener see the first bytes a peer sends (plain TCP, or
the TLS version its ClientHello offers), catch every handshake failure and still send OpenSSL's alert
to the peer, and keep per-connection memory to a few kilobytes.

After the handshake the dialer sends one line ``MFP-HELLO <its machine name>`` and the listener
answers ``MFP-OK <its name>`` or ``MFP-NO <reason code>``. The hello carries the claim a listener
needs to spot a swapped certificate, and the answer lets :func:`dial` return only links the listener
has accepted (revoked and swapped certificates are refused there, after the handshake). The
application protocol starts after this exchange and never sees it.

Connection outcomes (DID-05 codes, as :class:`DialError` carries them):

- ``E-UNREACH``: connection refused, no TCP answer in time, or dropped before any TLS byte came
  back (a paused listener: machine off or cut off, M-06);
- ``E-TLS``: any handshake failure, a peer certificate naming another machine, a revoked one, a
  listener without a TLS key and certificate (DID-09), or a listener refusing our certificate.

After a link is open, ``send``/``receive`` raise :class:`~mfp_console.errors.TransportError` with
code ``E-INTERRUPTED`` when the link is lost; a peer that closes properly gives ``b""``.
Idle connections are never kept: a conversation opens its link and closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import os
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from mfp_console.errors import TransportError
from mfp_console.pki.ca import MachineIdentityCert
from mfp_console.pki.refusal import (
    NO_IDENTITY_ALERT,
    Refusal,
    RefusalReason,
    classify_dial_error,
    classify_listen_error,
    looks_like_tls,
)
from mfp_console.pki.tls import PeerCertificate, client_context, server_context
from mfp_console.pki.tls_stream import TlsStream

__all__ = [
    "DEFAULT_HANDSHAKE_TIMEOUT",
    "DialError",
    "LOOPBACK",
    "TlsListener",
    "TlsStream",
    "dial",
]

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
DEFAULT_HANDSHAKE_TIMEOUT = 5.0
_HANDSHAKE_ERRORS = (ssl.SSLError, OSError, EOFError)

Handler = Callable[["TlsStream"], Awaitable[None]]
RevokedSerials = Callable[[], Collection[int]]


class DialError(TransportError):
    """A dial that failed, with the DID-05 code and the classified reason.

    Attributes:
        code: ``"E-UNREACH"`` or ``"E-TLS"``.
        reason: Which refusal it was.
    """

    def __init__(self, message: str, reason: RefusalReason) -> None:
        self.reason = reason
        super().__init__(message, reason.error_code)


def _revoked(source: RevokedSerials | None) -> Collection[int]:
    return source() if source is not None else ()


def _call(callback: Callable[..., object] | None, *args: object) -> None:
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:  # a broken observer must not break the link
        log.exception("transport callback %r failed", callback)


class TlsListener:
    """One machine's TLS listener: accepts, verifies, refuses with a reason, serves the rest.

    Args:
        name: The listening machine's name (what dialers expect its certificate to say).
        identity: Its key and certificate, or None when it has none (every connection is refused).
        ca_pem: The fleet CA certificate.
        handler: Called with each accepted :class:`TlsStream`; the stream is closed when it returns.
            An exception it raises is logged and the listener carries on.
        on_refused: Called as ``on_refused(peer, code, reason)`` for every refused connection:
            the peer's machine name when its certificate was read (else ``host:port``), the code
            its dialer reports (``E-TLS``), and the reason in words, naming the rule (M-05).
        on_opened: Called with each accepted stream before ``handler``.
        revoked: Returns the fleet's revoked serials (asked on every connection).
        handshake_timeout: Seconds a peer has to complete TLS and the greeting (real time).
    """

    def __init__(
        self,
        name: str,
        identity: MachineIdentityCert | None,
        ca_pem: bytes,
        handler: Handler,
        on_refused: Callable[[str, str, str], None] | None = None,
        on_opened: Callable[[TlsStream], None] | None = None,
        revoked: RevokedSerials | None = None,
        handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        self.name = name
        self._identity = identity
        self._ca_pem = ca_pem
        self._context: ssl.SSLContext | None = None
        self._handler = handler
        self._on_refused = on_refused
        self._on_opened = on_opened
        self._revoked = revoked
        self.handshake_timeout = handshake_timeout
        self.host = LOOPBACK
        self.port = 0
        self._sock: socket.socket | None = None
        self._accepting: asyncio.Task[None] | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._streams: set[TlsStream] = set()
        self._paused = False
        self._closed = False

    @property
    def identity(self) -> MachineIdentityCert | None:
        """The key and certificate new connections are served with."""
        return self._identity

    @property
    def paused(self) -> bool:
        """True while the listener refuses to accept (machine off or network cut)."""
        return self._paused

    @property
    def open_connections(self) -> int:
        """How many links are being set up or served right now."""
        return len(self._connections)

    def set_identity(self, identity: MachineIdentityCert | None) -> None:
        """Replaces the key and certificate (None: no TLS key); takes effect for new connections."""
        self._identity = identity
        self._context = None if self._closed else self._build_context()

    def _build_context(self) -> ssl.SSLContext | None:
        # Built when the listener starts (about 2 ms and 36 KiB each), not at a peer's first connection,
        # where it would be paid inside the first conversation's time.
        return server_context(self._identity, self._ca_pem) if self._identity is not None else None

    async def start(self, host: str = LOOPBACK, port: int = 0) -> None:
        """Starts listening; ``port=0`` picks a free port, readable as :attr:`port` afterwards.

        Raises:
            TransportError: ``E-UNREACH`` when the address cannot be bound.
        """
        self.host = host
        self._context = self._build_context()
        self._listen(port)
        self._paused = False

    def pause(self) -> None:
        """Refuses every connection and cuts open links: dialers now get ``E-UNREACH`` (machine off, link cut).

        The port stays this machine's: its socket keeps listening and each connection is reset the moment it
        is accepted, before a TLS byte is sent, which a dialer reads as nobody there. Closing the socket
        instead would free the port for whichever fleet on this computer binds it next (they plan the same
        addresses), and that fleet's machine would answer in this one's place.
        """
        if self._paused or self._sock is None:
            return
        self._paused = True
        for stream in list(self._streams):
            stream.abort()

    def resume(self) -> None:
        """Accepts connections again after :meth:`pause`, on the same port."""
        if self._closed:
            return
        self._paused = False

    async def close(self) -> None:
        """Stops listening for good, cuts every open link and waits for their tasks to end."""
        self._closed = True
        self._stop_accepting()
        self._paused = True
        for stream in list(self._streams):
            stream.abort()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _listen(self, port: int) -> None:
        try:
            sock = socket.create_server((self.host, port), backlog=128)
        except OSError as exc:
            raise TransportError(
                f"{self.name} cannot listen on {self.host}:{port}: {exc.strerror or exc}",
                RefusalReason.UNREACHABLE.error_code,
            ) from exc
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._accepting = asyncio.get_running_loop().create_task(
            self._accept_loop(sock), name=f"tls-listener-{self.name}"
        )

    def _stop_accepting(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            # Unregister before closing, so a later socket reusing the fd number is not disturbed.
            asyncio.get_running_loop().remove_reader(sock.fileno())
            sock.close()
        if self._accepting is not None:
            self._accepting.cancel()
            self._accepting = None

    async def _accept_loop(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, _ = await loop.sock_accept(sock)
            except OSError as exc:
                if sock.fileno() < 0:
                    return
                log.warning("%s: accept failed: %s", self.name, exc)
                await asyncio.sleep(0.1)  # out of file descriptors: back off, do not spin
                continue
            if self._paused:  # off or cut off: reset at once, nothing read or sent (see pause)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = loop.create_task(self._serve(conn))
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)

    def _refuse(self, reason: RefusalReason, detail: str, address: str,
                peer: PeerCertificate | None = None) -> None:
        refusal = Refusal(self.name, reason, detail, address, peer.machine_name if peer else None)
        if self._paused:  # we cut this link ourselves (power off, network cut): not a refusal
            log.debug("%s (while paused)", refusal)
            return
        log.warning("%s", refusal)
        _call(self._on_refused, refusal.peer_name or address, refusal.code, detail)

    async def _serve(self, conn: socket.socket) -> None:
        identity = self._identity
        if identity is None:
            try:
                address = "%s:%s" % conn.getpeername()[:2]
            except OSError:
                address = "?"
            with contextlib.suppress(OSError):
                conn.send(NO_IDENTITY_ALERT)
            conn.close()
            reason = RefusalReason.NO_IDENTITY
            self._refuse(reason, f"{reason.text} ({reason.rule_id})", address)
            return
        context = self._context if self._context is not None else server_context(identity, self._ca_pem)
        stream = TlsStream(conn, context, server_side=True)
        self._streams.add(stream)
        try:
            if await self._accept(stream):
                await self._run_handler(stream)
        except Exception:  # a bug here must not go unseen nor stop the listener
            log.exception("%s: serving %s failed", self.name, stream.peer_address)
        finally:
            self._streams.discard(stream)
            await stream.close()

    async def _accept(self, stream: TlsStream) -> bool:
        """Runs the handshake and greeting; returns True when the peer is accepted."""
        stage = "sent nothing"
        first = b""
        try:
            async with asyncio.timeout(self.handshake_timeout):
                first = await stream._fill()
                if not first:
                    self._refuse(RefusalReason.HUNG_UP, "peer closed the connection without a word",
                                 stream.peer_address)
                    return False
                if not looks_like_tls(first):
                    reason = RefusalReason.PLAIN_TCP
                    self._refuse(reason, f"{reason.text} ({reason.rule_id})", stream.peer_address)
                    return False
                stage = "did not finish the TLS handshake"
                try:
                    await stream._handshake()
                except _HANDSHAKE_ERRORS as exc:
                    self._refuse(*classify_listen_error(exc, first), stream.peer_address)
                    return False
                stage = "never sent its greeting"
                return await self._check_peer(stream)
        except TimeoutError:
            reason = RefusalReason.STALLED
            detail = f"{reason.text}: peer {stage} within {self.handshake_timeout:g} s"
            self._refuse(reason, detail, stream.peer_address, stream.peer)
            return False
        except _HANDSHAKE_ERRORS as exc:  # reset before or after the handshake
            reason = RefusalReason.HUNG_UP
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            self._refuse(reason, f"{reason.text} ({why})", stream.peer_address, stream.peer)
            return False

    async def _check_peer(self, stream: TlsStream) -> bool:
        peer = stream.peer
        assert peer is not None  # CERT_REQUIRED: a finished handshake has a peer certificate
        if peer.serial in _revoked(self._revoked):
            reason = RefusalReason.REVOKED
            detail = f"{reason.text}: serial {peer.serial:#x} ({reason.rule_id})"
            return await self._say_no(stream, reason, detail)
        try:
            line = await stream._read_line()
        except (ssl.SSLError, OSError, EOFError, ValueError):
            reason = RefusalReason.HUNG_UP
            detail = ("peer closed the connection right after the handshake, without its "
                      "greeting (did it refuse our certificate?)")
            self._refuse(reason, detail, stream.peer_address, peer)
            return False
        word, _, claimed = line.decode("ascii", "replace").partition(" ")
        if word != "MFP-HELLO" or not claimed:
            reason = RefusalReason.HANDSHAKE_FAILED
            return await self._say_no(stream, reason, f"peer sent no valid greeting: {line[:40]!r}")
        if not peer.names(claimed):
            reason = RefusalReason.SWAPPED
            detail = (f"swapped certificate: peer says it is {claimed} but its certificate names "
                      f"{peer.machine_name} ({reason.rule_id})")
            return await self._say_no(stream, reason, detail)
        await stream._send_line(f"MFP-OK {self.name}")
        return True

    async def _say_no(self, stream: TlsStream, reason: RefusalReason, detail: str) -> bool:
        self._refuse(reason, detail, stream.peer_address, stream.peer)
        with contextlib.suppress(ssl.SSLError, OSError):
            await stream._send_line(f"MFP-NO {reason.code}")
        return False

    async def _run_handler(self, stream: TlsStream) -> None:
        _call(self._on_opened, stream)
        try:
            await self._handler(stream)
        except TransportError as exc:
            log.warning("%s: link with %s ended: %s", self.name, stream.peer_name, exc)
        except Exception:
            log.exception("%s: handler failed for %s", self.name, stream.peer_name)


async def dial(
    host: str,
    port: int,
    identity: MachineIdentityCert | None,
    ca_pem: bytes,
    expected_peer: str,
    timeout: float,
    revoked: RevokedSerials | None = None,
    *,
    local_name: str | None = None,
) -> TlsStream:
    """Opens a mutual-TLS 1.3 link to ``expected_peer`` and returns it once the peer accepted it.

    Args:
        host: The address to dial (the fleet gives 127.0.0.1 unless a fleet file opts a machine
            into a real host, M-07).
        port: The peer's listening port.
        identity: Our key and certificate; None means this machine has none (``E-TLS``, DID-09).
        ca_pem: The fleet CA certificate.
        expected_peer: The machine we mean to reach; its certificate must name it.
        timeout: Seconds (real time) for the whole dial: TCP, TLS and greeting.
        revoked: Returns the fleet's revoked serials; a revoked peer certificate is refused.
        local_name: The name we claim in the greeting (default: our certificate's machine name).

    Raises:
        DialError: ``E-UNREACH`` or ``E-TLS``, with the reason in words and as ``.reason``.
    """
    if identity is None:
        reason = RefusalReason.NO_IDENTITY
        who = local_name or "this machine"
        raise DialError(f"{who} has no TLS key and certificate ({reason.rule_id})", reason)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    sock = await _connect(host, port, expected_peer, timeout)
    try:
        context = client_context(identity, ca_pem)
        try:  # SNI carries the name we expect; the listener does not need it, a capture shows it
            stream = TlsStream(sock, context, server_side=False, server_hostname=expected_peer)
        except ValueError:  # a name SNI cannot carry: send none, the name is checked anyway
            stream = TlsStream(sock, context, server_side=False)
    except BaseException:
        sock.close()
        raise
    try:
        async with asyncio.timeout_at(deadline):
            await _dial_handshake(stream, expected_peer)
            _check_listener(stream, expected_peer, revoked)
            await _send_greeting(stream, expected_peer, local_name or identity.machine_name)
            await _read_verdict(stream, expected_peer)
        return stream
    except DialError:
        await stream.close()  # a polite goodbye: the listener logs a hang-up, not a cut
        raise
    except TimeoutError:
        stream.abort()
        await stream.close()
        reason = RefusalReason.STALLED
        raise DialError(
            f"{reason.text}: {expected_peer} did not complete the TLS handshake within "
            f"{timeout:g} s", reason) from None
    except BaseException:
        stream.abort()
        await stream.close()
        raise


async def _resolve(loop: asyncio.AbstractEventLoop, host: str, port: int) -> tuple[int, int, int, Any]:
    """The socket family, type, protocol and address for ``host``.

    Machines listen on loopback literals (``127.0.0.1``, ``::1``), which need no resolver; only a name goes
    through ``getaddrinfo`` (in the loop's thread pool, so it is kept off the common path).
    """
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        family, kind, proto, _, address = (await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))[0]
        return family, kind, proto, address
    if ip.version == 6:
        return socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, (host, port, 0, 0)
    return socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, (host, port)


async def _connect(host: str, port: int, peer: str, timeout: float) -> socket.socket:
    """Opens the TCP connection; every failure here is ``E-UNREACH``."""
    loop = asyncio.get_running_loop()
    unreachable = RefusalReason.UNREACHABLE
    sock: socket.socket | None = None
    try:
        async with asyncio.timeout(timeout):
            family, kind, proto, address = await _resolve(loop, host, port)
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
    except TimeoutError:
        if sock is not None:
            sock.close()
        raise DialError(f"no answer from {peer} at {host}:{port} within {timeout:g} s",
                        unreachable) from None
    except OSError as exc:
        if sock is not None:
            sock.close()
        if exc.errno == errno.ECONNREFUSED:
            why = "connection refused (machine off or its network cut)"
        else:
            why = os.strerror(exc.errno) if exc.errno else str(exc)
        raise DialError(f"{peer} at {host}:{port} cannot be reached: {why}", unreachable) from exc
    try:
        self_connected = sock.getsockname() == sock.getpeername()
    except OSError as exc:  # ENOTCONN: reset as it was made (a machine off or cut off, see pause; or killed)
        sock.close()
        raise DialError(f"{peer} at {host}:{port} cannot be reached: the connection was reset as it was made "
                        "(machine off or its network cut)", unreachable) from exc
    if self_connected:  # TCP self-connect: our ephemeral port was the one dialled, and nobody listens there
        sock.close()
        raise DialError(f"{peer} at {host}:{port} cannot be reached: connection refused (machine off or its "
                        "network cut)", unreachable)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


async def _dial_handshake(stream: TlsStream, peer: str) -> None:
    try:
        await stream._handshake()
    except _HANDSHAKE_ERRORS as exc:
        reason, detail = classify_dial_error(exc, peer)
        if reason is RefusalReason.HUNG_UP and stream.bytes_received == 0:
            # Dropped before a single TLS byte came back: nobody is really there (M-06).
            reason = RefusalReason.UNREACHABLE
            detail = f"connection to {peer} dropped before the TLS handshake"
        raise DialError(detail, reason) from exc


def _check_listener(stream: TlsStream, peer: str, revoked: RevokedSerials | None) -> None:
    certificate = stream.peer
    if certificate is None or not certificate.names(peer):
        reason = RefusalReason.SWAPPED
        named = certificate.machine_name if certificate else "no machine"
        raise DialError(
            f"swapped certificate: {stream.peer_address} should be {peer} but its certificate "
            f"names {named} ({reason.rule_id})", reason)
    if certificate.serial in _revoked(revoked):
        reason = RefusalReason.REVOKED
        raise DialError(
            f"{peer}'s {reason.text}: serial {certificate.serial:#x} ({reason.rule_id})", reason)


async def _send_greeting(stream: TlsStream, peer: str, name: str) -> None:
    # A peer that vanished right after the handshake (killed, powered off) breaks the pipe here.
    try:
        await stream._send_line(f"MFP-HELLO {name}")
    except (ssl.SSLError, OSError) as exc:
        reason = RefusalReason.HUNG_UP
        raise DialError(f"{peer} closed the connection right after the handshake", reason) from exc


async def _read_verdict(stream: TlsStream, peer: str) -> None:
    try:
        line = await stream._read_line()
    except ssl.SSLZeroReturnError as exc:
        reason = RefusalReason.HUNG_UP
        raise DialError(f"{peer} closed the connection right after the handshake", reason) from exc
    except (ssl.SSLError, OSError, EOFError) as exc:
        reason, detail = classify_dial_error(exc, peer)
        if reason is RefusalReason.HUNG_UP:
            detail = f"{peer} closed the connection right after the handshake"
        raise DialError(detail, reason) from exc
    except ValueError as exc:
        raise DialError(f"{peer} sent no valid greeting", RefusalReason.HANDSHAKE_FAILED) from exc
    word, _, rest = line.decode("ascii", "replace").partition(" ")
    if word == "MFP-OK":
        return
    if word == "MFP-NO":
        said = RefusalReason.from_code(rest.strip())
        why = f"our {said.text}" if said else f"it said {rest.strip()!r}"
        reason = RefusalReason.PEER_REFUSED
        raise DialError(f"{peer} refused the connection: {why} ({reason.rule_id})", reason)
    raise DialError(f"{peer} sent no valid greeting: {line[:40]!r}",
                    RefusalReason.HANDSHAKE_FAILED)
