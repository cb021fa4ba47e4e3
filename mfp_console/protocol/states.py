"""The protocol's states and its one transition table, shared by both sides of every conversation.

:data:`TRANSITIONS` is the whole order of the protocol, keyed by ``(state, sender role, message class,
variant)``. The *variant* lets one message lead to different states according to its content: a
``Hello`` by its purpose, ``AuthResult``/``SyncJoinReply`` by ``ok``, ``OfferReply`` by whether
anything was accepted (see :func:`event_variant`). Both sides walk the same states, one applying the
messages it sends and the other the messages it receives, so they agree on where they stand.

A pre-flight forecast (``Hello`` of purpose ``forecast``) has states of its own, ``FORECAST_*``: the same
proof, offer and chunks as a distribution, then ``ForecastAsk`` → ``ForecastAnswer`` → ``Bye``. No
transition leads from a forecast state to a distribution state, so no message order can turn a forecast
into an update (``tests/protocol/test_forecast_states.py`` walks the table to prove it).
"""

from __future__ import annotations

import enum

from mfp_console.protocol.messages import (
    Apply,
    Attachment,
    Auth,
    AuthResult,
    Bye,
    ForecastAnswer,
    ForecastAsk,
    Hello,
    Message,
    Offer,
    OfferReply,
    Ping,
    Pong,
    Result,
    SyncAck,
    SyncData,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPull,
    SyncPush,
    Welcome,
)

__all__ = [
    "ALLOWED",
    "TRANSITIONS",
    "ConversationState",
    "Role",
    "event_variant",
    "names_of",
]


class Role(enum.Enum):
    """Which end of the connection a conversation is."""

    INITIATOR = "initiator"
    """The side that dialled (the distribution host, the sync client, the pinger)."""
    RESPONDER = "responder"
    """The side that accepted the connection."""

    @property
    def peer(self) -> Role:
        """The other role."""
        return Role.RESPONDER if self is Role.INITIATOR else Role.INITIATOR


class ConversationState(enum.Enum):
    """Where a conversation stands; both sides move through the same states."""

    IDLE = "idle"  # nothing said yet: the initiator owes a Hello
    PING_GREETING = "ping greeting"  # Hello(purpose ping) said: the responder owes a Welcome
    DISTRIBUTION_GREETING = "distribution greeting"  # likewise for a distribution
    SYNC_GREETING = "sync greeting"  # likewise for a sync session
    PING_READY = "ping ready"  # the initiator may Ping again or say Bye
    PING_AWAITING_PONG = "ping awaiting pong"
    AUTH_AWAITED = "auth awaited"  # the host owes its DID-08 proof
    AUTH_CHECK = "auth check"  # the client owes an AuthResult
    OFFER_AWAITED = "offer awaited"
    OFFER_CHECK = "offer check"  # the client owes an OfferReply
    TRANSFER = "transfer"  # the host sends Attachment × chunk_count (the bundle), then Apply
    APPLYING = "applying"  # the client updates (DID-11) and owes a Result
    RESULT_SENT = "result sent"  # the host owes a Bye
    FORECAST_GREETING = "forecast greeting"  # Hello(purpose forecast) said: the client owes a Welcome
    FORECAST_AUTH_AWAITED = "forecast auth awaited"  # the host owes its DID-08 proof, as for a distribution
    FORECAST_AUTH_CHECK = "forecast auth check"
    FORECAST_OFFER_AWAITED = "forecast offer awaited"
    FORECAST_OFFER_CHECK = "forecast offer check"
    FORECAST_TRANSFER = "forecast transfer"  # the host sends Attachment × chunk_count, then ForecastAsk
    FORECASTING = "forecasting"  # the client works out what it would do and owes a ForecastAnswer
    FORECAST_ANSWERED = "forecast answered"  # the host owes a Bye
    JOIN_AWAITED = "join awaited"
    JOIN_CHECK = "join check"  # the server owes a SyncJoinReply
    SYNCING = "syncing"  # either side may pull, push, answer or leave
    DONE = "done"  # finished in order: only closing the connection is left
    ERROR = "error"  # a protocol error ended the conversation
    CLOSED = "closed"  # the peer closed the connection


_S = ConversationState
_I = Role.INITIATOR
_R = Role.RESPONDER

TRANSITIONS: dict[tuple[ConversationState, Role, type[Message], str], ConversationState] = {
    # (state, sender, message, variant): next state
    (_S.IDLE, _I, Hello, "ping"): _S.PING_GREETING,
    (_S.IDLE, _I, Hello, "distribution"): _S.DISTRIBUTION_GREETING,
    (_S.IDLE, _I, Hello, "sync"): _S.SYNC_GREETING,
    (_S.IDLE, _I, Hello, "forecast"): _S.FORECAST_GREETING,
    (_S.PING_GREETING, _R, Welcome, ""): _S.PING_READY,
    (_S.DISTRIBUTION_GREETING, _R, Welcome, ""): _S.AUTH_AWAITED,
    (_S.SYNC_GREETING, _R, Welcome, ""): _S.JOIN_AWAITED,
    # ping
    (_S.PING_READY, _I, Ping, ""): _S.PING_AWAITING_PONG,
    (_S.PING_AWAITING_PONG, _R, Pong, ""): _S.PING_READY,
    (_S.PING_READY, _I, Bye, ""): _S.DONE,
    # distribution: the host is the initiator
    (_S.AUTH_AWAITED, _I, Auth, ""): _S.AUTH_CHECK,
    (_S.AUTH_CHECK, _R, AuthResult, "ok"): _S.OFFER_AWAITED,
    (_S.AUTH_CHECK, _R, AuthResult, "refused"): _S.DONE,
    (_S.OFFER_AWAITED, _I, Offer, ""): _S.OFFER_CHECK,
    (_S.OFFER_CHECK, _R, OfferReply, "accepted"): _S.TRANSFER,
    (_S.OFFER_CHECK, _R, OfferReply, "refused"): _S.DONE,
    (_S.TRANSFER, _I, Attachment, ""): _S.TRANSFER,  # a raw frame of the bundle the Offer announced
    (_S.TRANSFER, _I, Apply, ""): _S.APPLYING,
    (_S.APPLYING, _R, Result, ""): _S.RESULT_SENT,
    (_S.RESULT_SENT, _I, Bye, ""): _S.DONE,
    # pre-flight forecast: a distribution's first half, then a question instead of Apply; never an update
    (_S.FORECAST_GREETING, _R, Welcome, ""): _S.FORECAST_AUTH_AWAITED,
    (_S.FORECAST_AUTH_AWAITED, _I, Auth, ""): _S.FORECAST_AUTH_CHECK,
    (_S.FORECAST_AUTH_CHECK, _R, AuthResult, "ok"): _S.FORECAST_OFFER_AWAITED,
    (_S.FORECAST_AUTH_CHECK, _R, AuthResult, "refused"): _S.DONE,
    (_S.FORECAST_OFFER_AWAITED, _I, Offer, ""): _S.FORECAST_OFFER_CHECK,
    (_S.FORECAST_OFFER_CHECK, _R, OfferReply, "accepted"): _S.FORECAST_TRANSFER,
    (_S.FORECAST_OFFER_CHECK, _R, OfferReply, "refused"): _S.DONE,
    (_S.FORECAST_TRANSFER, _I, Attachment, ""): _S.FORECAST_TRANSFER,
    (_S.FORECAST_TRANSFER, _I, ForecastAsk, ""): _S.FORECASTING,
    (_S.FORECASTING, _R, ForecastAnswer, ""): _S.FORECAST_ANSWERED,
    (_S.FORECAST_ANSWERED, _I, Bye, ""): _S.DONE,
    # synchronisation: the sync client is the initiator; after joining either side may speak
    (_S.JOIN_AWAITED, _I, SyncJoin, ""): _S.JOIN_CHECK,
    (_S.JOIN_CHECK, _R, SyncJoinReply, "ok"): _S.SYNCING,
    (_S.JOIN_CHECK, _R, SyncJoinReply, "refused"): _S.DONE,
    (_S.SYNCING, _I, SyncPull, ""): _S.SYNCING,
    (_S.SYNCING, _I, SyncData, ""): _S.SYNCING,
    (_S.SYNCING, _I, Attachment, ""): _S.SYNCING,  # a raw frame, announced by the SyncData before it
    (_S.SYNCING, _I, SyncPush, ""): _S.SYNCING,
    (_S.SYNCING, _I, SyncAck, ""): _S.SYNCING,
    (_S.SYNCING, _I, SyncLeave, ""): _S.DONE,
    (_S.SYNCING, _R, SyncPull, ""): _S.SYNCING,
    (_S.SYNCING, _R, SyncData, ""): _S.SYNCING,
    (_S.SYNCING, _R, Attachment, ""): _S.SYNCING,
    (_S.SYNCING, _R, SyncPush, ""): _S.SYNCING,
    (_S.SYNCING, _R, SyncAck, ""): _S.SYNCING,
    (_S.SYNCING, _R, SyncLeave, ""): _S.DONE,
}
"""The whole protocol order: ``(state, sender, message class, variant) -> next state``."""

ALLOWED: dict[tuple[ConversationState, Role], tuple[type[Message], ...]] = {}
"""Derived from :data:`TRANSITIONS`: which message classes each role may send in each state."""
for _state, _sender, _cls, _ in TRANSITIONS:
    _known = ALLOWED.get((_state, _sender), ())
    if _cls not in _known:
        ALLOWED[(_state, _sender)] = (*_known, _cls)
del _state, _sender, _cls, _known


def event_variant(message: Message) -> str:
    """Returns the part of a message's content that picks its transition (empty for most messages)."""
    if isinstance(message, Hello):
        return message.purpose
    if isinstance(message, (AuthResult, SyncJoinReply)):
        return "ok" if message.ok else "refused"
    if isinstance(message, OfferReply):
        return "accepted" if message.accepted else "refused"
    return ""


def names_of(classes: tuple[type[Message], ...]) -> str:
    """Joins class names for a message: ``A``, ``A or B``, ``A, B or C``."""
    names = [cls.__name__ for cls in classes]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
