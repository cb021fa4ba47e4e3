"""Every message machines exchange: greetings, pings, distribution and synchronisation, as frozen values.

Each class's ``TYPE`` is the ``"type"`` of its JSON body and its fields are the body's other fields;
:func:`~mfp_console.protocol.message_schema.parse_message` validates a received body against them.
Which message may follow which is not decided here but in :mod:`mfp_console.protocol.conversation`.
The one exception is :class:`Attachment`: opaque bytes carried by a raw frame, never as JSON.

A distribution bundle travels as the JSON text of its categories, cut into :class:`Chunk` messages by
:func:`split_text` and checked on arrival against the digest in :class:`Apply` (see
:func:`bundle_digest`).
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from mfp_console.errors import LocalProtocolError
from mfp_console.protocol.message_schema import (
    PROTOCOL_VERSION,
    Message,
    category_problems,
    encode_message,
    hex_256_problems,
    parse_message,
    register,
    reply_code_problems,
)

__all__ = [
    "DEFAULT_CHUNK_CHARS",
    "PROTOCOL_VERSION",
    "Apply",
    "Attachment",
    "Auth",
    "AuthResult",
    "Bye",
    "Chunk",
    "Hello",
    "Message",
    "Offer",
    "OfferReply",
    "Ping",
    "Pong",
    "ProtocolErrorMessage",
    "Purpose",
    "Result",
    "SyncAck",
    "SyncData",
    "SyncJoin",
    "SyncJoinReply",
    "SyncLeave",
    "SyncPull",
    "SyncPush",
    "Welcome",
    "bundle_digest",
    "encode_message",
    "parse_message",
    "split_text",
]

DEFAULT_CHUNK_CHARS = 256 * 1024
"""Characters of bundle text per :class:`Chunk`.

At most 4 UTF-8 bytes per character keeps a chunk of ordinary text well under the default 1 MiB frame
limit; a chunk made only of 4-byte characters would not fit and is refused when sent.
"""

_OUTCOME = re.compile(r"applied|(refused|skipped): .+", re.DOTALL)


class Purpose(enum.Enum):
    """Why the initiator dialled, as announced in :class:`Hello`."""

    PING = "ping"
    DISTRIBUTION = "distribution"
    SYNC = "sync"


def split_text(text: str, chunk_chars: int = DEFAULT_CHUNK_CHARS) -> list[str]:
    """Cuts text into pieces of at most ``chunk_chars`` characters; ``""`` gives no pieces.

    Raises:
        ValueError: ``chunk_chars`` is not positive.
    """
    if chunk_chars < 1:
        raise ValueError(f"chunk_chars must be positive, got {chunk_chars}")
    return [text[start : start + chunk_chars] for start in range(0, len(text), chunk_chars)]


def bundle_digest(text: str) -> str:
    """Returns the hex SHA-256 of a bundle's whole text as UTF-8, as :class:`Apply` carries it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- common -------------------------------------------------------------------------------------------


@register
@dataclass(frozen=True)
class Hello(Message):
    """The initiator introduces itself and says why it dialled."""

    TYPE = "hello"
    machine: str
    model: str
    series: str
    firmware: str
    purpose: str

    def semantic_problems(self) -> list[str]:
        """The purpose must be one of :class:`Purpose`'s values."""
        if self.purpose in {p.value for p in Purpose}:
            return []
        return [f"field 'purpose' must be one of {[p.value for p in Purpose]}, got {self.purpose!r}"]


@register
@dataclass(frozen=True)
class Welcome(Message):
    """The responder introduces itself and hands out a fresh challenge (hex of 32 random bytes)."""

    TYPE = "welcome"
    machine: str
    model: str
    series: str
    firmware: str
    challenge: str

    def semantic_problems(self) -> list[str]:
        """The challenge must be 32 bytes in lower-case hex."""
        return hex_256_problems("challenge", self.challenge)


@register
@dataclass(frozen=True)
class ProtocolErrorMessage(Message):
    """Either side gives up on the conversation; ``code`` is e.g. ``E-PROTOCOL``."""

    TYPE = "error"
    code: str
    reason: str

    def semantic_problems(self) -> list[str]:
        """The code must not be empty."""
        return [] if self.code else ["field 'code' must not be empty"]


@register
@dataclass(frozen=True)
class Bye(Message):
    """The initiator ends a finished conversation."""

    TYPE = "bye"


# -- ping ---------------------------------------------------------------------------------------------


@register
@dataclass(frozen=True)
class Ping(Message):
    """Is the peer there? The nonce comes back in :class:`Pong`."""

    TYPE = "ping"
    nonce: str


@register
@dataclass(frozen=True)
class Pong(Message):
    """The answer to a :class:`Ping`, echoing its nonce."""

    TYPE = "pong"
    nonce: str


# -- distribution (the host dials the client) ---------------------------------------------------------


@register
@dataclass(frozen=True)
class Auth(Message):
    """The host proves it knows the client's System Manager ID and PIN (DID-08) without sending them."""

    TYPE = "auth"
    proof: str

    def semantic_problems(self) -> list[str]:
        """The proof must be an HMAC-SHA256 in lower-case hex."""
        return hex_256_problems("proof", self.proof)


@register
@dataclass(frozen=True)
class AuthResult(Message):
    """The client accepts the proof (``ok``, empty ``code``) or refuses it (e.g. ``E-AUTH``)."""

    TYPE = "auth_result"
    ok: bool
    code: str
    reason: str

    def semantic_problems(self) -> list[str]:
        """``code`` is empty exactly when ``ok`` is true."""
        return reply_code_problems(self.ok, self.code, "ok is true")


@register
@dataclass(frozen=True)
class Offer(Message):
    """The host offers categories and announces the size of the bundle that will follow."""

    TYPE = "offer"
    job_id: int
    categories: tuple[str, ...]
    include_network: bool
    total_bytes: int
    chunk_count: int
    card_reader: bool

    def semantic_problems(self) -> list[str]:
        """At least one category, each a known :class:`Category` value, none twice."""
        if not self.categories:
            return ["field 'categories' must offer at least one category"]
        return category_problems("categories", self.categories)


@register
@dataclass(frozen=True)
class OfferReply(Message):
    """The client accepts some categories and refuses others with reasons.

    ``code`` is empty when at least one category was accepted; otherwise it says why none was
    (``E-MODEL``, ``E-BUSY``, ``E-REFUSED`` …) and the conversation ends.
    """

    TYPE = "offer_reply"
    accepted: tuple[str, ...]
    refused: dict[str, str]
    code: str
    reason: str

    def semantic_problems(self) -> list[str]:
        """Known categories, none both accepted and refused, and a code exactly when none is accepted."""
        problems = category_problems("accepted", self.accepted)
        problems += category_problems("refused", list(self.refused))
        both = sorted(set(self.accepted) & set(self.refused))
        if both:
            problems.append(f"categories {both} are both accepted and refused")
        return problems + reply_code_problems(bool(self.accepted), self.code, "a category is accepted")


@register
@dataclass(frozen=True)
class Chunk(Message):
    """One piece of the bundle's JSON text; ``seq`` counts from 0."""

    TYPE = "chunk"
    seq: int
    text: str


@register
@dataclass(frozen=True)
class Apply(Message):
    """All chunks are sent: apply the bundle whose UTF-8 text has this SHA-256 (see :func:`bundle_digest`)."""

    TYPE = "apply"
    sha256: str

    def semantic_problems(self) -> list[str]:
        """The digest must be a SHA-256 in lower-case hex."""
        return hex_256_problems("sha256", self.sha256)


@register
@dataclass(frozen=True)
class Result(Message):
    """How the update ended: ``OK`` or ``NG`` with an error code, and each category's outcome.

    Outcomes read ``applied``, ``refused: <reason>`` or ``skipped: <reason>``.
    """

    TYPE = "result"
    code: str
    error: str
    outcomes: dict[str, str]
    detail: str

    def semantic_problems(self) -> list[str]:
        """``OK`` without error or ``NG`` with one; outcomes keyed by category, in the three forms."""
        problems = category_problems("outcomes", list(self.outcomes))
        if self.code not in ("OK", "NG"):
            problems.append(f"field 'code' must be 'OK' or 'NG', got {self.code!r}")
        elif (self.code == "OK") == bool(self.error):
            problems.append(f"field 'error' must be empty exactly when code is 'OK', got {self.error!r}")
        for category, outcome in self.outcomes.items():
            if not _OUTCOME.fullmatch(outcome):
                problems.append(
                    f"outcome of {category!r} must be 'applied', 'refused: …' or 'skipped: …', "
                    f"got {outcome!r}"
                )
        return problems


# -- personalised data synchronisation -----------------------------------------------------------------


@register
@dataclass(frozen=True)
class SyncJoin(Message):
    """A sync client asks to join, describing itself for the server's device list (SYNC-15).

    ``proof`` shows, without sending them, that the client holds the server's user-authentication and
    group settings (SYNC-04): an HMAC of the server's ``Welcome`` challenge, both names and the role
    (``client``, ``server/client``, ``search`` or ``replica``) under a key derived from those settings
    (:func:`~mfp_console.protocol.auth.make_sync_proof`).
    """

    TYPE = "sync_join"
    device_name: str
    product_name: str
    location: str
    address: str
    firmware: str
    proof: str
    role: str

    def semantic_problems(self) -> list[str]:
        """The proof of the user-authentication settings (SYNC-04) is an HMAC-SHA256 in lower-case hex."""
        return hex_256_problems("proof", self.proof)


@register
@dataclass(frozen=True)
class SyncJoinReply(Message):
    """The server admits the client (``ok``, empty ``code``) or refuses it with a code."""

    TYPE = "sync_join_reply"
    ok: bool
    code: str
    reason: str
    server_time: str

    def semantic_problems(self) -> list[str]:
        """``code`` is empty exactly when ``ok`` is true."""
        return reply_code_problems(self.ok, self.code, "ok is true")


@register
@dataclass(frozen=True)
class SyncPull(Message):
    """Asks for the records of these users (all users when empty)."""

    TYPE = "sync_pull"
    users: tuple[str, ...]


@register
@dataclass(frozen=True)
class SyncData(Message):
    """Records sent in answer to a :class:`SyncPull`."""

    TYPE = "sync_data"
    records: tuple[dict[str, Any], ...]


@register
@dataclass(frozen=True)
class SyncPush(Message):
    """Records changed on the sender, to be stored by the receiver."""

    TYPE = "sync_push"
    records: tuple[dict[str, Any], ...]


@register
@dataclass(frozen=True)
class SyncAck(Message):
    """Answers every :class:`SyncPush`: ``count`` records stored, or none and ``refused`` says why.

    A push is taken whole or not at all. ``records`` say, per change, whether the receiver took it and
    under which version (``value`` ``taken``, ``refused: <reason>`` or ``unknown user``), so the sender
    never guesses the version its change got (SYNC-07, SYNC-23).
    """

    TYPE = "sync_ack"
    count: int
    refused: str = ""
    records: tuple[dict[str, Any], ...] = ()


@register
@dataclass(frozen=True)
class SyncLeave(Message):
    """Either side ends the synchronisation session."""

    TYPE = "sync_leave"
    reason: str


@dataclass(frozen=True, repr=False)
class Attachment(Message):
    """Opaque bytes carried by one raw frame, never as JSON.

    The frame is made by :func:`~mfp_console.protocol.framing.encode_raw_frame`, which spares a large
    binary block the cost of escaping into a JSON string. An attachment has no JSON body and is not in
    the registry :func:`~mfp_console.protocol.message_schema.parse_message` consults, so a JSON body
    whose type is ``"attachment"`` is refused like any unknown type.

    It says nothing about itself: what the bytes mean is said by the JSON message that announces them
    (the sync layer announces the byte count in a :class:`SyncData` record). Either side may send one
    while syncing.

    A ``bytearray`` or ``memoryview`` given as ``data`` is copied into ``bytes``, so the value stays
    frozen. Its ``repr`` shows the length, not the bytes.
    """

    TYPE = "attachment"
    data: bytes

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.data, (bytearray, memoryview)):
            object.__setattr__(self, "data", bytes(self.data))

    def __repr__(self) -> str:
        if isinstance(self.data, bytes):
            return f"Attachment(<{len(self.data)} bytes>)"
        return f"Attachment(<{type(self.data).__name__}>)"

    def to_wire(self) -> dict[str, Any]:
        """An attachment has no JSON body.

        Raises:
            LocalProtocolError: Always; send it as a raw frame instead.
        """
        raise LocalProtocolError("an Attachment has no JSON body: it travels as a raw frame")
