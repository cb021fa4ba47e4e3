"""The sans-IO wire protocol machines speak: frames, messages, the DID-08 proof and the conversation.

Nothing in this package performs I/O, reads a clock or draws random numbers; the engine's transport
moves the bytes (see ``tests/protocol/test_import_hygiene.py``). The layers, bottom up:

* :mod:`~mfp_console.protocol.framing` — 4-byte length + UTF-8 JSON object frames, and raw frames of
  opaque bytes (the header's top bit set) for :class:`~mfp_console.protocol.messages.Attachment`;
* :mod:`~mfp_console.protocol.message_schema` and :mod:`~mfp_console.protocol.messages` — the message
  vocabulary as frozen dataclasses, validated strictly in both directions;
* :mod:`~mfp_console.protocol.auth` — the challenge–response that keeps the PIN off the wire;
* :mod:`~mfp_console.protocol.states` and :mod:`~mfp_console.protocol.conversation` — the one
  transition table and the h11-style state machine that enforces it.
"""

from __future__ import annotations

from mfp_console.protocol.auth import (
    CHALLENGE_BYTES,
    check_proof,
    derive_auth_key,
    make_proof,
)
from mfp_console.protocol.conversation import CLOSED, NEED_DATA, Conversation, Signal
from mfp_console.protocol.framing import (
    DEFAULT_MAX_FRAME,
    HEADER_SIZE,
    RAW_FRAME_FLAG,
    FrameDecoder,
    encode_frame,
    encode_raw_frame,
)
from mfp_console.protocol.message_schema import (
    PROTOCOL_VERSION,
    RECORD_KEYS,
    Message,
    check_message,
    encode_message,
    message_types,
    parse_message,
)
from mfp_console.protocol.messages import (
    DEFAULT_CHUNK_BYTES,
    Apply,
    Attachment,
    Auth,
    AuthResult,
    Bye,
    ForecastAnswer,
    ForecastAsk,
    Hello,
    Offer,
    OfferReply,
    Ping,
    Pong,
    ProtocolErrorMessage,
    Purpose,
    Result,
    SyncAck,
    SyncData,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPull,
    SyncPush,
    Welcome,
    bundle_digest,
    split_bytes,
    split_text,
)
from mfp_console.protocol.states import TRANSITIONS, ConversationState, Role

__all__ = [
    "CHALLENGE_BYTES",
    "CLOSED",
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_MAX_FRAME",
    "HEADER_SIZE",
    "NEED_DATA",
    "PROTOCOL_VERSION",
    "RAW_FRAME_FLAG",
    "RECORD_KEYS",
    "TRANSITIONS",
    "Apply",
    "Attachment",
    "Auth",
    "AuthResult",
    "Bye",
    "Conversation",
    "ConversationState",
    "ForecastAnswer",
    "ForecastAsk",
    "FrameDecoder",
    "Hello",
    "Message",
    "Offer",
    "OfferReply",
    "Ping",
    "Pong",
    "ProtocolErrorMessage",
    "Purpose",
    "Result",
    "Role",
    "Signal",
    "SyncAck",
    "SyncData",
    "SyncJoin",
    "SyncJoinReply",
    "SyncLeave",
    "SyncPull",
    "SyncPush",
    "Welcome",
    "bundle_digest",
    "check_message",
    "check_proof",
    "derive_auth_key",
    "encode_frame",
    "encode_message",
    "encode_raw_frame",
    "make_proof",
    "message_types",
    "parse_message",
    "split_bytes",
    "split_text",
]
