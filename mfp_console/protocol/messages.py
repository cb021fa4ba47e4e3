"""Every message machines exchange: greetings, pings, distribution and synchronisation, as frozen values.

Each class's ``TYPE`` is the ``"type"`` of its JSON body and its fields are the body's other fields;
:func:`~mfp_console.protocol.message_schema.parse_message` validates a received body against them.
Which message may follow which is not decided here but in :mod:`mfp_console.protocol.conversation`.
The one exception is :class:`Attachment`: opaque bytes carried by a raw frame, never as JSON.

A distribution bundle travels as the UTF-8 JSON text of its categories, cut by :func:`split_bytes` into
:class:`Attachment` raw frames (no JSON inside JSON: the text is never escaped into a JSON string) and
checked on arrival against the digest in :class:`Apply` (see :func:`bundle_digest`).

A pre-flight forecast (the emulator's own aid, no Canon message) walks the same path up to the chunks under
its own purpose, then asks with :class:`ForecastAsk` instead of :class:`Apply`, and the client answers with
:class:`ForecastAnswer`: what it would do, without doing it. The order lives in
:mod:`mfp_console.protocol.states`, where no state of a forecast leads to an apply.

"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from mfp_console.errors import LocalProtocolError
from mfp_console.limits import (
    BUNDLE_BYTES,
    BUNDLE_CHUNKS,
    FORECAST_TEXT_CHARS,
    USERS_PER_PUSH,
)
from mfp_console.protocol.message_schema import (
    PROTOCOL_VERSION,
    ChangeRecord,
    Message,
    category_problems,
    encode_message,
    hex_256_problems,
    parse_message,
    register,
    reply_code_problems,
)

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "PROTOCOL_VERSION",
    "Apply",
    "Attachment",
    "Auth",
    "AuthResult",
    "Bye",
    "ForecastAnswer",
    "ForecastAsk",
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
    "split_bytes",
    "split_text",
]

DEFAULT_CHUNK_BYTES = 256 * 1024
"""Bytes of bundle text per :class:`Attachment` frame, well under the 1 MiB frame limit
(:data:`~mfp_console.limits.FRAME_BYTES`)."""

_OUTCOME = re.compile(r"applied|(refused|skipped): .+", re.DOTALL)


class Purpose(enum.Enum):
    """Why the initiator dialled, as announced in :class:`Hello`."""

    PING = "ping"
    DISTRIBUTION = "distribution"
    FORECAST = "forecast"
    """A pre-flight check: a distribution's offer and bundle, answered with a forecast, never applied."""
    SYNC = "sync"


def split_text(text: str, chunk_chars: int = 256 * 1024) -> list[str]:
    """Cuts text into pieces of at most ``chunk_chars`` characters; ``""`` gives no pieces.

    Raises:
        ValueError: ``chunk_chars`` is not positive.
    """
    if chunk_chars < 1:
        raise ValueError(f"chunk_chars must be positive, got {chunk_chars}")
    return [text[start : start + chunk_chars] for start in range(0, len(text), chunk_chars)]


def split_bytes(data: bytes, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> list[bytes]:
    """Cuts bytes into pieces of at most ``chunk_bytes``; ``b""`` gives no pieces.

    A piece may end inside a UTF-8 character: the receiver joins the pieces before it decodes the text.

    Raises:
        ValueError: ``chunk_bytes`` is not positive.
    """
    if chunk_bytes < 1:
        raise ValueError(f"chunk_bytes must be positive, got {chunk_bytes}")
    return [data[start : start + chunk_bytes] for start in range(0, len(data), chunk_bytes)]


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
    """The host offers categories and announces the size of the bundle that will follow.

    ``total_bytes`` is the UTF-8 length of the bundle's text, at most
    :data:`~mfp_console.limits.BUNDLE_BYTES`; ``chunk_count`` (the number of :class:`Attachment` frames
    that carry it) is at most :data:`~mfp_console.limits.BUNDLE_CHUNKS` and never more than
    ``total_bytes`` (a frame carries at least one byte). The client holds the frames to these figures as
    they arrive, each from its 4-byte header before its body is read.
    """

    TYPE = "offer"
    job_id: int
    categories: tuple[str, ...]
    include_network: bool
    total_bytes: int
    chunk_count: int
    card_reader: bool

    def semantic_problems(self) -> list[str]:
        """At least one category, each a known :class:`Category` value, none twice; sizes within bounds."""
        problems = []
        if self.total_bytes > BUNDLE_BYTES:
            problems.append(f"field 'total_bytes' announces {self.total_bytes:,} bytes, more than the "
                            f"{BUNDLE_BYTES:,} a machine accepts")
        if self.chunk_count > min(BUNDLE_CHUNKS, self.total_bytes):
            problems.append(f"field 'chunk_count' announces {self.chunk_count:,} chunks: at most "
                            f"{BUNDLE_CHUNKS:,}, and no more than the bundle has bytes")
        if not self.categories:
            return [*problems, "field 'categories' must offer at least one category"]
        return problems + category_problems("categories", self.categories)


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
class Apply(Message):
    """All frames are sent: apply the bundle whose UTF-8 text has this SHA-256 (see :func:`bundle_digest`)."""

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


# -- the pre-flight forecast (the host dials the client; the emulator's own aid) ---------------------------


@register
@dataclass(frozen=True)
class ForecastAsk(Message):
    """All chunks are sent: say what applying the bundle with this SHA-256 would do, without applying it."""

    TYPE = "forecast_ask"
    sha256: str

    def semantic_problems(self) -> list[str]:
        """The digest must be a SHA-256 in lower-case hex."""
        return hex_256_problems("sha256", self.sha256)


@register
@dataclass(frozen=True)
class ForecastAnswer(Message):
    """What the client would do with the offered bundle, and what it would change; nothing was changed.

    ``outcomes`` reads like :class:`Result`'s (``applied`` or ``refused: <reason>`` per offered category);
    ``summaries`` holds, per applied category, the sentence the client's log would carry; ``changes`` the
    counted changes (:data:`~mfp_console.protocol.message_schema.CHANGE_RECORD_KEYS`); ``detail`` the
    detail the real run's result would carry.
    """

    TYPE = "forecast_answer"
    outcomes: dict[str, str]
    summaries: dict[str, str]
    changes: tuple[ChangeRecord, ...]
    detail: str

    def semantic_problems(self) -> list[str]:
        """Outcomes in Result's forms; summaries and changes only for applied categories, each change once;
        every text within :data:`~mfp_console.limits.FORECAST_TEXT_CHARS`."""
        problems = category_problems("outcomes", list(self.outcomes))
        for category, outcome in self.outcomes.items():
            if not _OUTCOME.fullmatch(outcome):
                problems.append(f"outcome of {category!r} must be 'applied', 'refused: …' or 'skipped: …', "
                                f"got {outcome[:80]!r}")
        applied = {c for c, outcome in self.outcomes.items() if outcome == "applied"}
        if not applied and not problems:
            problems.append("a forecast answer must apply at least one category (else the offer was refused)")
        stray = sorted(set(self.summaries) - applied)
        if stray:
            problems.append(f"field 'summaries' names categories that are not applied: {stray}")
        stray = sorted({r["category"] for r in self.changes} - applied)
        if stray:
            problems.append(f"field 'changes' names categories that are not applied: {stray}")
        pairs = [(r["category"], r["kind"]) for r in self.changes]
        if len(set(pairs)) != len(pairs):
            problems.append("field 'changes' names one change of one category twice")
        texts = [("detail", self.detail), *((f"summary of {c!r}", t) for c, t in self.summaries.items()),
                 *((f"outcome of {c!r}", t) for c, t in self.outcomes.items())]
        problems += [f"{what} is {len(text):,} characters, more than {FORECAST_TEXT_CHARS:,}"
                     for what, text in texts if len(text) > FORECAST_TEXT_CHARS]
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
    """Records changed on the sender, to be stored by the receiver.

    One push names at most :data:`~mfp_console.limits.USERS_PER_PUSH` users (a server keeps no
    more, SYNC-03).
    """

    TYPE = "sync_push"
    records: tuple[dict[str, Any], ...]

    def semantic_problems(self) -> list[str]:
        """No more users than a server keeps."""
        users = {record["user"] for record in self.records}
        users.discard("")  # records of settings that belong to no user
        if len(users) > USERS_PER_PUSH:
            return [f"field 'records' names {len(users):,} users, more than the {USERS_PER_PUSH:,} one push may"]
        return []


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
    (the sync layer announces the byte count in a :class:`SyncData` record; a distribution's
    :class:`Offer` announces the bundle's bytes and frames). Either side may send one while syncing; the
    host sends the bundle's frames after the client accepted the offer.

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
