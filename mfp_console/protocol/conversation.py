"""The sans-IO conversation between two machines: bytes in, messages out; messages in, bytes out.

One :class:`Conversation` holds one side of one connection. It never touches a socket, a clock or a
random source: the transport feeds it received bytes with :meth:`Conversation.receive_data`, drains
messages with :meth:`Conversation.next_event`, turns messages into bytes with
:meth:`Conversation.send` and writes those bytes itself. Every message travels as a JSON frame except
:class:`~mfp_console.protocol.messages.Attachment`, whose bytes travel as a raw frame (see
:mod:`mfp_console.protocol.framing`).

Order comes from the one table in :mod:`mfp_console.protocol.states`. A few facts the table cannot
hold are checked beside it: the bundle's attachment frames against the offer's ``chunk_count`` and
``total_bytes`` (the receiving side refuses a frame whose 4-byte header announces more than the offer has
left, before it buffers the body), replies and results naming only offered categories, a ``Pong``
echoing its ``Ping``.

Failures are split as in h11. A message from the peer that breaks the protocol raises
:class:`~mfp_console.errors.RemoteProtocolError`; one this side tries to send raises
:class:`~mfp_console.errors.LocalProtocolError`. Either moves the conversation to ``ERROR``, after
which every call raises except :meth:`Conversation.send_error`, so the peer can still be told why.
An ``error`` message from the peer is returned as an event and also ends the conversation in ``ERROR``.

A peer that closes the connection yields :data:`CLOSED` once every complete message it sent has been
returned. Whether that was an orderly end or an interruption (DID-12's ``E-INTERRUPTED``) the caller
judges from :attr:`Conversation.closed_in` and :attr:`Conversation.clean_close`.
"""

from __future__ import annotations

import enum
from typing import NoReturn

from mfp_console.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from mfp_console.protocol.framing import (
    DEFAULT_MAX_FRAME,
    HEADER_SIZE,
    RAW_FRAME_FLAG,
    FrameDecoder,
    encode_frame,
    encode_raw_frame,
)
from mfp_console.protocol.message_schema import (
    check_message,
    message_types,
    parse_message,
)
from mfp_console.protocol.messages import (
    PROTOCOL_VERSION,
    Apply,
    Attachment,
    AuthResult,
    ForecastAnswer,
    ForecastAsk,
    Hello,
    Message,
    Offer,
    OfferReply,
    Ping,
    Pong,
    ProtocolErrorMessage,
    Purpose,
    Result,
    SyncJoinReply,
)
from mfp_console.protocol.states import (
    ALLOWED,
    TRANSITIONS,
    ConversationState,
    Role,
    event_variant,
    names_of,
)

__all__ = [
    "CLOSED",
    "NEED_DATA",
    "Conversation",
    "ConversationState",
    "Purpose",
    "Role",
    "Signal",
]


class Signal(enum.Enum):
    """What :meth:`Conversation.next_event` returns when it has no message to give."""

    NEED_DATA = "need data"
    """No complete message yet: feed more bytes."""
    CLOSED = "closed"
    """The peer closed the connection and every message it sent has been returned."""

    def __repr__(self) -> str:
        return self.name


NEED_DATA = Signal.NEED_DATA
CLOSED = Signal.CLOSED

# A transition or guard reads these messages' content, so they cannot be sent as opaque bytes.
_NEEDS_CONTENT = frozenset(
    {Hello, Ping, Pong, AuthResult, Offer, OfferReply, Result, ForecastAnswer, SyncJoinReply,
     ProtocolErrorMessage}
)
_CLEAN_CLOSE_STATES = frozenset({ConversationState.IDLE, ConversationState.DONE})
_BUNDLE_STATES = frozenset({ConversationState.TRANSFER, ConversationState.FORECAST_TRANSFER})
"""Where the host sends the bundle's attachment frames: a run, or a pre-flight check."""
_LENGTH_BITS = RAW_FRAME_FLAG - 1  # the part of a frame header that is the body's length


class Conversation:
    """One side of one connection's protocol state, fed bytes and messages by a transport.

    Example:
        >>> host, client = Conversation(Role.INITIATOR), Conversation(Role.RESPONDER)
        >>> client.receive_data(host.send(Hello("host", "iR-ADV C5560", "iR-ADV C5500", "1.0", "ping")))
        >>> client.next_event().purpose, client.state
        ('ping', <ConversationState.PING_GREETING: 'ping greeting'>)
    """

    def __init__(self, role: Role, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        """Creates a conversation at its start.

        Args:
            role: Whether this side dialled (``INITIATOR``) or accepted (``RESPONDER``).
            max_frame: Largest frame body accepted from the peer, and sent to it, in bytes.
        """
        self._role = role
        self._decoder = FrameDecoder(max_frame)
        self._state = ConversationState.IDLE
        self._peer_closed = False
        self._closed_in: ConversationState | None = None
        self._failure: ProtocolError | None = None
        self._last: type[Message] | None = None
        self._purpose: Purpose | None = None
        self._offer: Offer | None = None
        self._chunks = 0
        self._bundle_bytes = 0
        self._ping_nonce = ""

    # -- what the caller may read ---------------------------------------------------------------

    @property
    def role(self) -> Role:
        """The role of this side."""
        return self._role

    @property
    def state(self) -> ConversationState:
        """Where the conversation stands."""
        return self._state

    @property
    def purpose(self) -> Purpose | None:
        """The purpose announced in ``Hello`` (None before it)."""
        return self._purpose

    @property
    def offer(self) -> Offer | None:
        """The distribution's ``Offer`` once sent or received."""
        return self._offer

    @property
    def chunks_transferred(self) -> int:
        """Attachment frames of the bundle sent or received so far in this distribution."""
        return self._chunks

    @property
    def bundle_bytes_transferred(self) -> int:
        """Bytes of the bundle sent or received so far in this distribution."""
        return self._bundle_bytes

    @property
    def failure(self) -> ProtocolError | None:
        """The error that put the conversation in ``ERROR`` (None otherwise)."""
        return self._failure

    @property
    def closed_in(self) -> ConversationState | None:
        """The state in which the peer closed the connection (None while open)."""
        return self._closed_in

    @property
    def clean_close(self) -> bool:
        """True when the peer closed at a message boundary before anything began or after the end."""
        return self._closed_in in _CLEAN_CLOSE_STATES and self._decoder.buffered == 0

    # -- receiving --------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Hands over bytes read from the connection; ``b""`` means the peer closed it.

        Raises:
            LocalProtocolError: Data arrives after the peer closed (a transport bug).
            ProtocolError: The conversation already failed.
        """
        self._raise_if_failed()
        if self._peer_closed:
            if data:
                raise LocalProtocolError("received data after the peer closed the connection")
            return
        if data:
            self._decoder.feed(data)
        else:
            self._peer_closed = True

    def next_event(self) -> Message | Signal:
        """Returns the next message from the peer, :data:`NEED_DATA` or :data:`CLOSED`.

        Raises:
            RemoteProtocolError: The peer broke the protocol (framing, validation or order); the
                conversation is then in ``ERROR``.
            ProtocolError: The conversation already failed.
        """
        self._raise_if_failed()
        if self._state is ConversationState.CLOSED:
            return CLOSED
        try:
            body = self._decoder.next_frame()
            if body is None:
                if not self._peer_closed:
                    return NEED_DATA
                self._closed_in = self._state
                self._state = ConversationState.CLOSED
                return CLOSED
            raw = isinstance(body, bytes)
            message = Attachment(body) if raw else parse_message(body)
        except RemoteProtocolError as exc:
            self._fail(exc)
        if isinstance(message, ProtocolErrorMessage):
            self._failure = RemoteProtocolError(f"the peer gave up: {message.code}: {message.reason}")
            self._state = ConversationState.ERROR
            return message
        size = len(body) if raw else 0
        problem = self._transition_problem(message, self._role.peer, size)
        if problem:
            self._fail(RemoteProtocolError(problem))
        self._advance(message, self._role.peer, size)
        return message

    # -- sending ------------------------------------------------------------------------------------

    def send(self, message: Message) -> bytes:
        """Checks that this side may send a message now, records it and returns its frame.

        An ``error`` message is routed to :meth:`send_error`. An :class:`Attachment` becomes a raw frame
        (:func:`~mfp_console.protocol.framing.encode_raw_frame`), every other message a JSON frame.

        Raises:
            LocalProtocolError: The message is invalid, out of order, or too large for a frame; the
                conversation is then in ``ERROR``.
        """
        if isinstance(message, ProtocolErrorMessage):
            return self.send_error(message.code, message.reason)
        self._check_can_send(type(message).__name__)
        try:
            if not isinstance(message, Message):
                raise LocalProtocolError(f"cannot send {type(message).__name__}: it is not a message")
            raw = isinstance(message, Attachment)
            if not raw:  # an attachment's only check, that its data is bytes, is encode_raw_frame's
                check_message(message)
            frame = encode_raw_frame(message.data) if raw else encode_frame(message.to_wire())
            size = len(frame) - HEADER_SIZE if raw else 0
            problem = self._transition_problem(message, self._role, size)
            if problem:
                raise LocalProtocolError(f"cannot send: {problem}")
            self._check_frame_size(frame, type(message))
        except LocalProtocolError as exc:
            self._fail(exc)
        self._advance(message, self._role, size)
        return frame

    def send_encoded(self, msg_type: type[Message], frame: bytes) -> bytes:
        """Sends a frame encoded once for many peers, still checking order.

        The frame must come from :func:`~mfp_console.protocol.message_schema.encode_message` for a
        message of ``msg_type``, or from :func:`~mfp_console.protocol.framing.encode_raw_frame` when
        ``msg_type`` is ``Attachment``. Only messages whose order does not depend on their content
        qualify (``Apply``, ``Auth``, ``Welcome``, ``Bye``, the sync data messages and ``Attachment``,
        whose size is read from the frame's header).

        Returns:
            ``frame`` itself.

        Raises:
            LocalProtocolError: The type does not qualify, the frame does not hold a message of that
                type (a raw frame for any type but ``Attachment``, a JSON frame for ``Attachment``), it
                is too large, or the message is out of order.
        """
        self._check_can_send(getattr(msg_type, "__name__", repr(msg_type)))
        try:
            message = self._stand_in(msg_type, frame)
            size = len(frame) - HEADER_SIZE if msg_type is Attachment else 0
            problem = self._transition_problem(message, self._role, size)
            if problem:
                raise LocalProtocolError(f"cannot send: {problem}")
        except LocalProtocolError as exc:
            self._fail(exc)
        self._advance(message, self._role, size)
        return frame

    def send_error(self, code: str, reason: str) -> bytes:
        """Tells the peer this side gives up; allowed in any state but ``CLOSED``.

        Raises:
            LocalProtocolError: The peer closed the connection, or ``code`` is empty.
        """
        if self._state is ConversationState.CLOSED:
            raise LocalProtocolError(f"cannot send error {code}: the peer closed the connection")
        message = ProtocolErrorMessage(code, reason)
        check_message(message)
        frame = encode_frame(message.to_wire())
        if self._failure is None:
            self._failure = LocalProtocolError(f"this side gave up: {code}: {reason}")
        self._state = ConversationState.ERROR
        return frame

    # -- the machinery ----------------------------------------------------------------------------

    def _check_can_send(self, name: str) -> None:
        if self._state is ConversationState.CLOSED:
            raise LocalProtocolError(f"cannot send {name}: the peer closed the connection")
        if self._failure is not None:
            raise LocalProtocolError(f"cannot send {name}: the conversation already failed ({self._failure})")

    def _check_frame_size(self, frame: bytes, msg_type: type[Message]) -> None:
        size = len(frame) - HEADER_SIZE
        if size > self._decoder.max_frame:
            raise LocalProtocolError(
                f"{msg_type.__name__} frame of {size} bytes exceeds the {self._decoder.max_frame}-byte limit"
            )

    def _stand_in(self, msg_type: type[Message], frame: bytes) -> Message:
        """Builds a message carrying just what the table needs from a pre-encoded frame."""
        if msg_type is not Attachment and msg_type not in message_types().values():
            raise LocalProtocolError(f"cannot send_encoded {msg_type!r}: not a message class")
        if msg_type in _NEEDS_CONTENT:
            raise LocalProtocolError(
                f"cannot send_encoded {msg_type.__name__}: use send(), its content matters"
            )
        if not isinstance(frame, (bytes, bytearray)) or len(frame) <= HEADER_SIZE:
            raise LocalProtocolError(f"cannot send_encoded {msg_type.__name__}: not a frame")
        header = int.from_bytes(frame[:HEADER_SIZE], "big")
        raw = bool(header & RAW_FRAME_FLAG)
        if raw and msg_type is not Attachment:
            raise LocalProtocolError(
                f"cannot send_encoded {msg_type.__name__}: the frame is a raw frame, which only an "
                "Attachment may be"
            )
        if msg_type is Attachment and not raw:
            raise LocalProtocolError(
                "cannot send_encoded Attachment: the frame is a JSON frame, not a raw frame"
            )
        if header & _LENGTH_BITS != len(frame) - HEADER_SIZE:
            raise LocalProtocolError(f"cannot send_encoded {msg_type.__name__}: header length is wrong")
        self._check_frame_size(frame, msg_type)
        if msg_type is Attachment:
            return Attachment(b"")  # the table reads nothing of it (its size is passed beside it)
        head = b'{"v":%d,"type":"%s"' % (PROTOCOL_VERSION, msg_type.TYPE.encode())
        end = HEADER_SIZE + len(head)
        if frame[HEADER_SIZE:end] != head or frame[end : end + 1] not in (b",", b"}"):
            raise LocalProtocolError(
                f"cannot send_encoded {msg_type.__name__}: "
                f"the frame does not hold a {msg_type.TYPE!r} message"
            )
        # Neither the table nor a guard reads these types' fields, so a field-less instance stands
        # in for the message; it is used for the transition only and never handed out.
        return msg_type.__new__(msg_type)

    def _transition_problem(self, message: Message, sender: Role, size: int = 0) -> str | None:
        """Says why ``sender`` may not send ``message`` now (None when it may); ``size``: an attachment's bytes."""
        key = (self._state, sender, type(message), event_variant(message))
        if key in TRANSITIONS:
            return self._guard_problem(message, size)
        after = f"after {self._last.__name__}" if self._last else "at the start"
        got = type(message).__name__
        allowed = ALLOWED.get((self._state, sender), ())
        if allowed:
            return f"expected {names_of(allowed)} {after}, got {got}"
        if self._state is ConversationState.DONE:
            return f"expected the connection to close {after}, got {got}"
        other = ALLOWED.get((self._state, sender.peer), ())
        return (
            f"expected {names_of(other)} from the {sender.peer.value} {after}, "
            f"got {got} from the {sender.value}"
        )

    def _guard_problem(self, message: Message, size: int) -> str | None:
        """Checks what the table cannot: the bundle's frames and bytes, offered categories, echoed nonces."""
        offer = self._offer
        if isinstance(message, Attachment) and self._state in _BUNDLE_STATES and offer is not None:
            if self._chunks >= offer.chunk_count:
                return f"Attachment {self._chunks + 1} goes beyond the {offer.chunk_count} frames offered"
            if self._bundle_bytes + size > offer.total_bytes:
                return (f"the bundle's frames hold more than the {offer.total_bytes} bytes the offer announced "
                        f"({self._bundle_bytes + size} after frame {self._chunks + 1})")
        elif isinstance(message, (Apply, ForecastAsk)) and offer is not None and self._chunks != offer.chunk_count:
            return f"{type(message).__name__} after {self._chunks} of the {offer.chunk_count} frames offered"
        elif isinstance(message, (Apply, ForecastAsk)) and offer is not None and self._bundle_bytes != offer.total_bytes:
            return f"{type(message).__name__} after {self._bundle_bytes} of the {offer.total_bytes} bytes offered"
        elif isinstance(message, (OfferReply, Result, ForecastAnswer)) and offer is not None:
            if isinstance(message, OfferReply):
                named = set(message.accepted) | set(message.refused)
            else:
                named = set(message.outcomes)
            stray = sorted(named - set(offer.categories))
            if stray:
                return f"{type(message).__name__} names categories that were not offered: {stray}"
        elif isinstance(message, Pong) and message.nonce != self._ping_nonce:
            return f"Pong nonce {message.nonce!r} does not echo the Ping's {self._ping_nonce!r}"
        return None

    def _advance(self, message: Message, sender: Role, size: int = 0) -> None:
        before = self._state
        self._state = TRANSITIONS[(before, sender, type(message), event_variant(message))]
        self._last = type(message)
        if isinstance(message, Hello):
            self._purpose = Purpose(message.purpose)
        elif isinstance(message, Offer):
            self._offer = message
        elif isinstance(message, Attachment) and before in _BUNDLE_STATES:
            self._chunks += 1
            self._bundle_bytes += size
        elif isinstance(message, Ping):
            self._ping_nonce = message.nonce
        if self._role is Role.RESPONDER and self._offer is not None:
            self._limit_bundle_frames()

    def _limit_bundle_frames(self) -> None:
        """While the peer sends the bundle, its next raw frame may hold no more than the offer has left: the
        decoder refuses a larger one from its header, before a byte of its body is buffered."""
        offer = self._offer
        assert offer is not None
        if self._state in _BUNDLE_STATES:
            self._decoder.raw_budget = offer.total_bytes - self._bundle_bytes
        else:
            self._decoder.raw_budget = None

    def _fail(self, error: ProtocolError) -> NoReturn:
        self._failure = error
        self._state = ConversationState.ERROR
        raise error

    def _raise_if_failed(self) -> None:
        failure = self._failure
        if failure is not None:
            raise type(failure)(f"the conversation already failed: {failure}")
