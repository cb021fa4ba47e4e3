"""A channel: one sans-IO protocol conversation pumped over one TLS stream.

The protocol core never touches sockets; this small adapter feeds it the bytes a :class:`TlsStream`
delivers and writes the bytes it produces. Every wait is bounded by a real-time timeout so that a peer that
stalls cannot hold a machine forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mfp_console.engine.net.transport import TlsStream
from mfp_console.errors import RemoteProtocolError, TransportError
from mfp_console.pki.tls_stream import SOCKET_READ
from mfp_console.protocol import CLOSED, NEED_DATA, Conversation, Message, Role
from mfp_console.protocol.messages import ProtocolErrorMessage

__all__ = ["Channel", "PeerClosed", "PeerError"]

M = TypeVar("M", bound=Message)

_READ_SIZE = SOCKET_READ  # the TLS stream allocates what is asked: kept small (see SOCKET_READ)


class PeerClosed(TransportError):
    """The peer closed the connection before the conversation ended."""

    def __init__(self, message: str = "the peer closed the connection") -> None:
        super().__init__(message, "E-INTERRUPTED")


class PeerError(TransportError):
    """The peer ended the conversation with an ``error`` message (its code and reason are kept)."""

    def __init__(self, code: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"peer refused: {code}: {reason}", code)


class Channel:
    """Sends and receives protocol messages over a TLS stream.

    Args:
        stream: The established mutual-TLS stream.
        role: ``Role.INITIATOR`` for the side that dialed.
        timeout: Real seconds to wait for the next message before giving up.
    """

    def __init__(
        self,
        stream: TlsStream,
        role: Role,
        timeout: float = 30.0,
        on_progress: Callable[[], None] | None = None,
    ) -> None:
        self.stream = stream
        self._progress = on_progress or (lambda: None)
        self.conversation = Conversation(role)
        self.timeout = timeout

    async def send(self, message: Message) -> None:
        """Sends one message (the state machine checks it is allowed now)."""
        await self.stream.send(self.conversation.send(message))
        self._progress()

    async def send_encoded(self, kind: type[Message], frame: bytes) -> None:
        """Sends a frame encoded once for many peers (a distribution chunk)."""
        await self.stream.send(self.conversation.send_encoded(kind, frame))
        self._progress()

    async def send_error(self, code: str, reason: str) -> None:
        """Tells the peer why the conversation ends; never raises."""
        try:
            await self.stream.send(self.conversation.send_error(code, reason))
        except Exception:  # the peer may already be gone; the error is ours to log, not to raise
            pass

    async def receive(self) -> Message:
        """Returns the next message from the peer.

        Raises:
            PeerClosed: The peer closed the connection.
            PeerError: The peer sent an ``error`` message.
            RemoteProtocolError: The peer broke the protocol (the caller should answer with an error).
            TransportError: No message arrived within the timeout (code ``E-INTERRUPTED``).
        """
        while True:
            event = self.conversation.next_event()
            if event is NEED_DATA:
                try:
                    # The stream bounds its own wait: no task or timeout scope per read (wait_for made a
                    # task per TLS record).
                    data = await self.stream.receive(_READ_SIZE, self.timeout)
                except TimeoutError:
                    reason = f"no answer from {self.stream.peer_name or 'the peer'} within {self.timeout:g} s"
                    # Tell a stalled peer (e.g. one that sent half a frame) why the link ends.
                    await self.send_error("E-INTERRUPTED", f"no complete message within {self.timeout:g} s")
                    raise TransportError(reason, "E-INTERRUPTED") from None
                except (ConnectionError, OSError) as exc:
                    raise PeerClosed(f"connection lost: {exc}") from None
                self._progress()
                self.conversation.receive_data(data)
                continue
            if event is CLOSED:
                raise PeerClosed()
            if isinstance(event, ProtocolErrorMessage):
                raise PeerError(event.code, event.reason)
            return event  # type: ignore[return-value]

    async def expect(self, kind: type[M]) -> M:
        """Receives the next message and checks it is a ``kind``."""
        message = await self.receive()
        if not isinstance(message, kind):
            raise RemoteProtocolError(f"expected {kind.__name__}, got {type(message).__name__}")
        return message

    async def close(self) -> None:
        """Closes the stream; never raises."""
        try:
            await self.stream.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<Channel peer={self.stream.peer_name!r} state={getattr(self.conversation, 'state', '?')}>"
