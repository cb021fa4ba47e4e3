"""Attachments: opaque bytes in raw frames (header top bit set), sent either way while syncing, and by the
host as a distribution's bundle."""

from __future__ import annotations

import array
import mmap
import struct
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfp_console.errors import LocalProtocolError, RemoteProtocolError
from mfp_console.protocol import (
    DEFAULT_MAX_FRAME,
    NEED_DATA,
    RAW_FRAME_FLAG,
    Attachment,
    Conversation,
    ConversationState,
    FrameDecoder,
    Message,
    SyncAck,
    SyncData,
    SyncLeave,
    check_message,
    encode_frame,
    encode_message,
    encode_raw_frame,
    framing,
    message_types,
    parse_message,
)
from tests.protocol.conversation_scripts import (
    RECORD,
    I,
    R,
    Step,
    distribution_script,
    play,
    sync_script,
)
from tests.protocol.message_samples import any_message

S = ConversationState
BLOCK = bytes(range(256)) * 4  # every byte value, including ones that look like headers and JSON


def decode_all(stream: bytes, offsets: list[int] | range | None = None) -> list[dict | bytes]:
    """Feeds a stream cut at the given offsets (none: in one piece) and returns every frame decoded."""
    decoder = FrameDecoder()
    cuts = sorted({0, len(stream), *(offsets or ())})
    frames: list[dict | bytes] = []
    for start, end in pairwise(cuts):
        decoder.feed(stream[start:end])
        while (frame := decoder.next_frame()) is not None:
            frames.append(frame)
    assert decoder.buffered == 0
    return frames


def syncing_pair(max_frame: int = DEFAULT_MAX_FRAME) -> tuple[Conversation, Conversation]:
    """An initiator and a responder that have joined a sync session (state SYNCING)."""
    sides = {I: Conversation(I, max_frame), R: Conversation(R, max_frame)}
    for sender, message in sync_script()[:4]:
        sides[sender.peer].receive_data(sides[sender].send(message))
        assert sides[sender.peer].next_event() == message
    assert sides[I].state is sides[R].state is S.SYNCING
    return sides[I], sides[R]


def sync_with_attachments_script() -> list[Step]:
    """The sync script with announced attachments both ways, one right after another."""
    steps = sync_script()
    announced = {**RECORD, "value": len(BLOCK)}
    return [
        *steps[:5],
        (R, SyncData((announced,))),
        (R, Attachment(BLOCK)),
        (R, Attachment(b"\x80\x00\x00\x00")),
        *steps[5:8],
        (I, Attachment(BLOCK[::-1])),
        *steps[8:],
    ]


# -- framing ------------------------------------------------------------------------------------------


def test_raw_frame_header_is_the_flag_and_the_length() -> None:
    assert RAW_FRAME_FLAG == 0x80000000
    frame = encode_raw_frame(b"abc")
    assert frame == b"\x80\x00\x00\x03abc"
    assert struct.unpack(">I", encode_raw_frame(BLOCK)[:4])[0] == RAW_FRAME_FLAG | len(BLOCK)


@pytest.mark.parametrize(
    "data", [b"\x00\xff", bytearray(b"\x00\xff"), memoryview(b"\x00\xff"), memoryview(b"..\x00\xff")[2:]]
)
def test_encode_raw_frame_accepts_bytes_like_data(data: bytes | bytearray | memoryview) -> None:
    frame = encode_raw_frame(data)
    assert type(frame) is bytes
    assert frame == b"\x80\x00\x00\x02\x00\xff"


def test_encode_raw_frame_counts_bytes_not_items_of_a_view() -> None:
    numbers = array.array("i", [1, 2, 3])
    frame = encode_raw_frame(memoryview(numbers))
    assert frame == struct.pack(">I", RAW_FRAME_FLAG | 3 * numbers.itemsize) + numbers.tobytes()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "raw frame of 0 bytes"),
        (bytearray(), "raw frame of 0 bytes"),
        (memoryview(b""), "raw frame of 0 bytes"),
        ("text", "must be bytes, bytearray or memoryview, not str"),
        ([1, 2], "must be bytes, bytearray or memoryview, not list"),
        (None, "not NoneType"),
        (memoryview(b"abcdef")[::2], "contiguous"),
    ],
)
def test_encode_raw_frame_refuses_what_it_cannot_carry(data: object, problem: str) -> None:
    with pytest.raises(LocalProtocolError, match=problem):
        encode_raw_frame(data)  # type: ignore[arg-type]


def test_encode_raw_frame_refuses_two_gibibytes() -> None:
    """2**31 bytes need the flag bit for their length; an anonymous map costs no memory until touched."""
    try:
        block = mmap.mmap(-1, 2**31)
    except (OSError, OverflowError, ValueError):
        pytest.skip("cannot map 2 GiB of address space here")
    view = memoryview(block)
    try:
        with pytest.raises(LocalProtocolError, match="raw frame of 2147483648 bytes does not fit a 31-bit"):
            encode_raw_frame(view)
    finally:
        view.release()
        block.close()


def test_json_frames_may_no_longer_use_the_top_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert framing._MAX_WIRE_LENGTH == RAW_FRAME_FLAG - 1
    monkeypatch.setattr(framing, "_MAX_WIRE_LENGTH", 8)
    encode_frame({"a": 1})  # 7 bytes
    with pytest.raises(LocalProtocolError, match="frame of 9 bytes does not fit a 31-bit length"):
        encode_frame({"a": 123})


def test_raw_and_json_frames_decode_in_order_whole_or_byte_by_byte() -> None:
    expected: list[dict | bytes] = [{"a": 1}, BLOCK, b'{"a":1}', {"b": [True]}, b"\x00", b"\x80\x00\x00\x05"]
    stream = b"".join(encode_raw_frame(f) if isinstance(f, bytes) else encode_frame(f) for f in expected)
    for offsets in (None, range(len(stream))):
        frames = decode_all(stream, offsets)
        assert frames == expected
        assert [type(f) for f in frames] == [dict, bytes, bytes, dict, bytes, bytes]  # bytes, not bytearray


def test_a_partial_raw_frame_needs_more_data() -> None:
    frame = encode_raw_frame(b"xyz")
    decoder = FrameDecoder()
    decoder.feed(frame[:-1])
    assert decoder.next_frame() is None
    assert decoder.buffered == len(frame) - 1
    decoder.feed(frame[-1:])
    assert decoder.next_frame() == b"xyz"


def test_the_size_limit_applies_to_raw_frames() -> None:
    decoder = FrameDecoder(max_frame=len(BLOCK))
    decoder.feed(encode_raw_frame(BLOCK))
    assert decoder.next_frame() == BLOCK
    decoder.feed(encode_raw_frame(BLOCK + b"!"))
    with pytest.raises(RemoteProtocolError, match=f"raw frame of {len(BLOCK) + 1} bytes exceeds the"):
        decoder.next_frame()
    assert decoder.failed


def test_an_oversize_raw_frame_is_refused_from_the_header_alone() -> None:
    decoder = FrameDecoder()
    decoder.feed(struct.pack(">I", RAW_FRAME_FLAG | 5_000_000))
    with pytest.raises(RemoteProtocolError, match="raw frame of 5000000 bytes exceeds the 1048576-byte limit"):
        decoder.next_frame()
    assert decoder.failed


def test_a_limit_beyond_31_bits_still_tells_raw_frames_apart() -> None:
    decoder = FrameDecoder(max_frame=2**32)
    decoder.feed(encode_raw_frame(b"abc") + encode_frame({"a": 1}))
    assert decoder.next_frame() == b"abc"
    assert decoder.next_frame() == {"a": 1}


def test_a_zero_length_raw_frame_is_refused_for_good() -> None:
    decoder = FrameDecoder()
    decoder.feed(struct.pack(">I", RAW_FRAME_FLAG) + encode_raw_frame(b"x"))
    with pytest.raises(RemoteProtocolError, match="raw frame of 0 bytes"):
        decoder.next_frame()
    assert decoder.failed
    with pytest.raises(RemoteProtocolError, match="already failed"):
        decoder.next_frame()


# -- the message ---------------------------------------------------------------------------------------


def test_attachment_is_no_json_message() -> None:
    assert "attachment" not in message_types()
    with pytest.raises(RemoteProtocolError, match="unknown message type 'attachment'"):
        parse_message({"v": 1, "type": "attachment", "data": "eHl6"})
    with pytest.raises(LocalProtocolError, match="no JSON body"):
        Attachment(b"x").to_wire()
    with pytest.raises(LocalProtocolError):
        check_message(Attachment(b"x"))
    with pytest.raises(LocalProtocolError):
        encode_message(Attachment(b"x"))


def test_attachment_is_a_frozen_value_with_a_short_repr() -> None:
    attachment = Attachment(bytearray(b"\x00" * 3_000_000))
    assert type(attachment.data) is bytes
    assert attachment == Attachment(b"\x00" * 3_000_000)
    assert repr(attachment) == "Attachment(<3000000 bytes>)"
    assert isinstance(attachment, Message)


# -- the conversation ------------------------------------------------------------------------------------


def test_attachments_travel_both_ways_while_syncing() -> None:
    script = sync_with_attachments_script()
    for cuts in (None, lambda burst: range(len(burst))):
        received, initiator, responder = play(script, cuts)
        assert received == [message for _, message in script]
        assert initiator.state is responder.state is S.DONE


def test_send_returns_the_raw_frame_and_the_peer_gets_the_bytes() -> None:
    initiator, responder = syncing_pair()
    frame = initiator.send(Attachment(BLOCK))
    assert frame == encode_raw_frame(BLOCK)
    responder.receive_data(frame)
    event = responder.next_event()
    assert event == Attachment(BLOCK)
    assert type(event.data) is bytes  # type: ignore[union-attr]
    assert responder.next_event() is NEED_DATA
    assert initiator.state is responder.state is S.SYNCING


def test_an_attachment_before_syncing_is_a_remote_error() -> None:
    responder = Conversation(R)
    responder.receive_data(encode_raw_frame(b"x"))
    with pytest.raises(RemoteProtocolError, match="expected Hello at the start, got Attachment"):
        responder.next_event()
    assert responder.state is S.ERROR


def test_an_attachment_from_the_client_during_a_distribution_is_a_remote_error() -> None:
    _, initiator, _ = play(distribution_script()[:6])
    assert initiator.state is S.TRANSFER
    initiator.receive_data(encode_raw_frame(b"x"))
    with pytest.raises(RemoteProtocolError, match="expected Attachment or Apply from the initiator after OfferReply, "
                                                  "got Attachment from the responder"):
        initiator.next_event()
    assert initiator.state is S.ERROR


def test_an_attachment_before_the_offer_is_accepted_is_a_remote_error() -> None:
    _, _, responder = play(distribution_script()[:5])
    assert responder.state is S.OFFER_CHECK
    responder.receive_data(encode_raw_frame(b"x"))
    with pytest.raises(RemoteProtocolError, match="got Attachment"):
        responder.next_event()


def test_an_attachment_before_syncing_is_a_local_error() -> None:
    _, initiator, _ = play(sync_script()[:2])
    assert initiator.state is S.JOIN_AWAITED
    with pytest.raises(LocalProtocolError, match="expected SyncJoin after Welcome, got Attachment"):
        initiator.send(Attachment(b"x"))
    assert initiator.state is S.ERROR


def test_an_attachment_after_leaving_is_a_local_error() -> None:
    initiator, _ = syncing_pair()
    initiator.send(SyncLeave("done"))
    with pytest.raises(LocalProtocolError, match="got Attachment"):
        initiator.send(Attachment(b"x"))


def test_an_attachment_that_is_not_bytes_is_a_local_error() -> None:
    initiator, _ = syncing_pair()
    with pytest.raises(LocalProtocolError, match="must be bytes, bytearray or memoryview, not str"):
        initiator.send(Attachment("text"))  # type: ignore[arg-type]
    assert initiator.state is S.ERROR


def test_attachment_size_is_limited_both_ways() -> None:
    initiator, responder = syncing_pair(max_frame=300)
    responder.receive_data(initiator.send(Attachment(b"x" * 300)) + encode_raw_frame(b"x" * 301))
    assert responder.next_event() == Attachment(b"x" * 300)
    with pytest.raises(RemoteProtocolError, match="raw frame of 301 bytes exceeds the 300-byte limit"):
        responder.next_event()
    with pytest.raises(LocalProtocolError, match="Attachment frame of 301 bytes exceeds the 300-byte limit"):
        initiator.send(Attachment(b"x" * 301))


def test_send_encoded_sends_one_raw_frame_to_many_peers() -> None:
    frame = encode_raw_frame(BLOCK)
    for _ in range(3):
        initiator, responder = syncing_pair()
        assert initiator.send_encoded(SyncData, encode_message(SyncData((RECORD,)))) is not None
        assert initiator.send_encoded(Attachment, frame) is frame
        responder.receive_data(encode_message(SyncData((RECORD,))) + frame)
        assert isinstance(responder.next_event(), SyncData)
        assert responder.next_event() == Attachment(BLOCK)
        assert initiator.state is responder.state is S.SYNCING


@pytest.mark.parametrize(
    ("msg_type", "frame", "problem"),
    [
        (Attachment, encode_message(SyncAck(1)), "the frame is a JSON frame, not a raw frame"),
        (SyncData, encode_raw_frame(b"x"), "the frame is a raw frame, which only an Attachment may be"),
        (SyncAck, encode_raw_frame(b'{"v":1,"type":"sync_ack","count":1}'), "raw frame"),
        (Attachment, encode_raw_frame(b"xy")[:-1], "header length is wrong"),
        (Attachment, encode_raw_frame(b"xy") + b"z", "header length is wrong"),
        (Attachment, b"\x80\x00\x00\x00", "not a frame"),
    ],
)
def test_send_encoded_refuses_raw_and_json_mismatches(msg_type: type, frame: bytes, problem: str) -> None:
    initiator, _ = syncing_pair()
    with pytest.raises(LocalProtocolError, match=problem):
        initiator.send_encoded(msg_type, frame)
    assert initiator.state is S.ERROR


def test_send_encoded_attachment_checks_size_and_order() -> None:
    initiator, _ = syncing_pair(max_frame=300)
    with pytest.raises(LocalProtocolError, match="Attachment frame of 301 bytes exceeds the 300-byte limit"):
        initiator.send_encoded(Attachment, encode_raw_frame(b"x" * 301))
    assert initiator.state is S.ERROR
    _, early, _ = play(sync_script()[:2])
    with pytest.raises(LocalProtocolError, match="expected SyncJoin after Welcome, got Attachment"):
        early.send_encoded(Attachment, encode_raw_frame(b"x"))


# -- properties ------------------------------------------------------------------------------------------

BOUNDED = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
payloads = st.one_of(any_message, st.binary(min_size=1, max_size=300))


@BOUNDED
@given(
    items=st.lists(payloads, min_size=1, max_size=8),
    cuts=st.lists(st.integers(0, 100_000), max_size=12),
)
def test_any_split_of_mixed_frames_decodes_to_the_same_sequence(
    items: list[Message | bytes], cuts: list[int]
) -> None:
    stream = b"".join(encode_raw_frame(i) if isinstance(i, bytes) else encode_message(i) for i in items)
    frames = decode_all(stream, [c % (len(stream) + 1) for c in cuts])
    decoded = [f if isinstance(f, bytes) else parse_message(f) for f in frames]
    assert decoded == items
