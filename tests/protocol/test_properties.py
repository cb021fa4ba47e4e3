"""Property tests: whatever bytes arrive, the protocol answers with messages or RemoteProtocolError only.

DID-05 E-PROTOCOL depends on this: a malformed exchange must surface as one error type the engine can
map to a code, never as a stray ``KeyError`` or ``UnicodeDecodeError`` that kills the machine's task.
"""

from __future__ import annotations

import struct
from itertools import pairwise
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfp_console.errors import RemoteProtocolError
from mfp_console.protocol import (
    CLOSED,
    NEED_DATA,
    Conversation,
    ConversationState,
    FrameDecoder,
    Message,
    Role,
    encode_frame,
    encode_message,
    encode_raw_frame,
    parse_message,
)
from tests.protocol.conversation_scripts import (
    ALL_SCRIPTS,
    distribution_script,
    play,
    sync_script,
)
from tests.protocol.message_samples import STRATEGIES, any_message, json_values

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=5)
envelopes = st.fixed_dictionaries(
    {
        "v": st.sampled_from([1, 1, 1, 0, 2, "1", True]),
        "type": st.sampled_from(sorted(t.TYPE for t in STRATEGIES)),
    },
)
# Bodies near the valid ones: right envelope, random fields; or a valid message with one field mangled.
near_valid_bodies = st.one_of(
    st.builds(lambda env, extra: {**env, **extra}, envelopes, json_objects),
    st.builds(
        lambda message, key, value: {**message.to_wire(), key: value},
        any_message,
        st.sampled_from(["v", "type", "seq", "nonce", "records", "categories", "ok", "code", "outcomes"]),
        json_values,
    ),
)
frames = st.one_of(
    st.binary(max_size=64),
    st.builds(lambda body: struct.pack(">I", len(body)) + body, st.binary(max_size=64)),
    st.builds(lambda obj: encode_frame(obj), json_objects),
    st.builds(lambda obj: encode_frame(obj), near_valid_bodies),
    any_message.map(encode_message),
    st.binary(min_size=1, max_size=64).map(encode_raw_frame),
)
streams = st.lists(frames, max_size=8).map(b"".join)


def pieces_of(stream: bytes, cuts: list[int]) -> list[bytes]:
    offsets = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    return [stream[a:b] for a, b in pairwise(offsets)]


@BOUNDED
@given(
    stream=streams,
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    max_frame=st.sampled_from([16, 1 << 20]),
)
def test_frame_decoder_yields_objects_or_remote_errors(
    stream: bytes, cuts: list[int], max_frame: int
) -> None:
    decoder = FrameDecoder(max_frame)
    try:
        for piece in pieces_of(stream, cuts):
            decoder.feed(piece)
            while (frame := decoder.next_frame()) is not None:
                if isinstance(frame, bytes):  # a raw frame
                    encode_raw_frame(frame)
                else:
                    assert isinstance(frame, dict)
                    encode_frame(frame)  # whatever was accepted can be sent back
    except RemoteProtocolError:
        assert decoder.failed


@BOUNDED
@given(body=st.one_of(near_valid_bodies, json_objects))
def test_parse_message_yields_messages_or_remote_errors(body: dict) -> None:
    try:
        message = parse_message(body)
    except RemoteProtocolError:
        return
    assert parse_message(message.to_wire()) == message


@BOUNDED
@given(
    role=st.sampled_from(Role),
    stream=streams,
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    close=st.booleans(),
)
def test_conversation_yields_messages_or_remote_errors(
    role: Role, stream: bytes, cuts: list[int], close: bool
) -> None:
    side = Conversation(role)
    try:
        for piece in [*pieces_of(stream, cuts), *([b""] if close else [])]:
            side.receive_data(piece)
            while (event := side.next_event()) not in (NEED_DATA, CLOSED):
                assert isinstance(event, Message)
                if side.state is ConversationState.ERROR:  # the peer sent an error message
                    return
    except RemoteProtocolError:
        assert side.state is ConversationState.ERROR


@BOUNDED
@given(
    name=st.sampled_from(sorted(ALL_SCRIPTS)),
    prefix=st.integers(0, 30),
    stream=streams,
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
)
def test_garbage_in_the_middle_of_a_conversation_is_a_remote_error(
    name: str, prefix: int, stream: bytes, cuts: list[int]
) -> None:
    """A conversation part-way through each purpose meets random bytes: still only RemoteProtocolError."""
    script = ALL_SCRIPTS[name]()
    _, initiator, responder = play(script[: prefix % (len(script) + 1)])
    for side in (initiator, responder):
        try:
            for piece in pieces_of(stream, cuts):
                side.receive_data(piece)
                while (event := side.next_event()) is not NEED_DATA:
                    assert isinstance(event, Message)
                    if side.state is ConversationState.ERROR:
                        break
                if side.state is ConversationState.ERROR:
                    break
        except RemoteProtocolError:
            assert side.state is ConversationState.ERROR


@BOUNDED
@given(message=any_message, cuts=st.lists(st.integers(0, 10_000), max_size=5))
def test_every_message_type_round_trips(message: Message, cuts: list[int]) -> None:
    frame = encode_message(message)
    decoder = FrameDecoder()
    bodies = []
    for piece in pieces_of(frame, cuts):
        decoder.feed(piece)
        while (body := decoder.next_frame()) is not None:
            bodies.append(body)
    assert len(bodies) == 1
    assert parse_message(bodies[0]) == message


@BOUNDED
@given(
    messages=st.lists(any_message, min_size=1, max_size=6),
    cuts=st.lists(st.integers(0, 100_000), max_size=12),
)
def test_splitting_a_frame_stream_anywhere_gives_the_same_frames(
    messages: list[Message], cuts: list[int]
) -> None:
    stream = b"".join(encode_message(m) for m in messages)
    decoder = FrameDecoder()
    decoded = []
    for piece in pieces_of(stream, cuts):
        decoder.feed(piece)
        while (body := decoder.next_frame()) is not None:
            decoded.append(parse_message(body))
    assert decoded == messages


@BOUNDED
@given(
    name=st.sampled_from(sorted(ALL_SCRIPTS)),
    chunk_bytes=st.integers(1, 40),
    data=st.data(),
)
def test_splitting_conversation_bytes_anywhere_gives_the_same_events(
    name: str, chunk_bytes: int, data: st.DataObject
) -> None:
    script = distribution_script(chunk_bytes) if name == "distribution" else ALL_SCRIPTS[name]()
    if name == "sync":
        script = sync_script()

    def cuts(burst: bytes) -> list[int]:
        return data.draw(st.lists(st.integers(0, len(burst)), max_size=8), label="cuts")

    whole, _, _ = play(script)
    split, initiator, responder = play(script, cuts)
    assert split == whole == [message for _, message in script]
    assert initiator.state is responder.state is ConversationState.DONE


@BOUNDED
@given(
    bodies=st.lists(st.one_of(st.binary(min_size=1, max_size=3000), json_objects), min_size=1, max_size=6),
    cuts=st.lists(st.integers(0, 100_000), max_size=12),
    reads=st.lists(st.booleans(), max_size=24),
)
def test_raw_and_json_frames_cut_anywhere_come_out_whole_and_buffered_counts_what_is_left(
    bodies: list[Any], cuts: list[int], reads: list[bool]
) -> None:
    """Raw frames whose bodies arrive in pieces (collected as they come) and JSON frames between them decode
    to the bodies sent, whether frames are read after every piece or after several; ``buffered`` is always
    the bytes received and not yet returned."""
    frames = [encode_raw_frame(b) if isinstance(b, bytes) else encode_frame(b) for b in bodies]
    stream = b"".join(frames)
    decoder = FrameDecoder()
    decoded: list[Any] = []
    returned = 0
    received = 0
    for i, piece in enumerate(pieces_of(stream, cuts)):
        decoder.feed(piece)
        received += len(piece)
        if i >= len(reads) or reads[i]:
            while (body := decoder.next_frame()) is not None:
                returned += len(frames[len(decoded)])
                decoded.append(body)
        assert decoder.buffered == received - returned
    while (body := decoder.next_frame()) is not None:
        decoded.append(body)
    assert decoded == bodies
    assert decoder.buffered == 0
