"""Frames: 4-byte length + UTF-8 JSON object; bad frames are RemoteProtocolError (DID-05 E-PROTOCOL)."""

from __future__ import annotations

import struct

import pytest

from mfp_console.errors import LocalProtocolError, RemoteProtocolError
from mfp_console.protocol.framing import DEFAULT_MAX_FRAME, FrameDecoder, encode_frame


def frame_of(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def test_encode_frame_is_compact_utf8_json_with_a_big_endian_length() -> None:
    frame = encode_frame({"v": 1, "name": "Sales – 営業", "n": [1, 2]})
    body = '{"v":1,"name":"Sales – 営業","n":[1,2]}'.encode()
    assert frame == len(body).to_bytes(4, "big") + body


def test_encode_frame_keeps_key_order() -> None:
    assert encode_frame({"b": 1, "a": 2}).endswith(b'{"b":1,"a":2}')


@pytest.mark.parametrize("obj", [[1, 2], {"x": float("nan")}, {"x": {1, 2}}, {"x": "\ud800"}])
def test_encode_frame_refuses_what_json_cannot_carry(obj: object) -> None:
    with pytest.raises(LocalProtocolError):
        encode_frame(obj)  # type: ignore[arg-type]


def test_decoder_returns_frames_in_order_and_then_none() -> None:
    decoder = FrameDecoder()
    decoder.feed(encode_frame({"a": 1}) + encode_frame({"b": 2}))
    assert decoder.next_frame() == {"a": 1}
    assert decoder.next_frame() == {"b": 2}
    assert decoder.next_frame() is None
    assert decoder.buffered == 0


def test_decoder_accepts_frames_fed_byte_by_byte() -> None:
    stream = encode_frame({"x": "é" * 10}) + encode_frame({"y": []})
    decoder = FrameDecoder()
    frames = []
    for byte in stream:
        decoder.feed(bytes([byte]))
        while (frame := decoder.next_frame()) is not None:
            frames.append(frame)
    assert frames == [{"x": "é" * 10}, {"y": []}]


def test_default_limit_is_one_mebibyte() -> None:
    assert DEFAULT_MAX_FRAME == 1048576
    body = b'{"t":"' + b"x" * (DEFAULT_MAX_FRAME - 8) + b'"}'
    decoder = FrameDecoder()
    decoder.feed(frame_of(body))
    assert len(decoder.next_frame()["t"]) == DEFAULT_MAX_FRAME - 8  # type: ignore[index]


def test_oversize_frame_is_refused_from_the_header_alone() -> None:
    """No body byte needs to arrive: the 4-byte header is enough to refuse."""
    decoder = FrameDecoder()
    decoder.feed(struct.pack(">I", 5_000_000))
    with pytest.raises(RemoteProtocolError, match="frame of 5000000 bytes exceeds the 1048576-byte limit"):
        decoder.next_frame()


def test_limit_is_configurable() -> None:
    decoder = FrameDecoder(max_frame=10)
    decoder.feed(encode_frame({"abcdefgh": 1}))
    with pytest.raises(RemoteProtocolError, match="exceeds the 10-byte limit"):
        decoder.next_frame()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_limit_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError):
        FrameDecoder(max_frame=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "frame of 0 bytes"),
        (b'{"a":"\xff"}', "not valid UTF-8"),
        (b'{"a":', "not valid JSON"),
        (b"[1,2]", "must be a JSON object, got an array"),
        (b'"text"', "must be a JSON object, got a string"),
        (b"null", "must be a JSON object, got null"),
        (b'{"a":NaN}', "NaN"),
        (b'{"a":1,"a":2}', "repeats the key 'a'"),
        (b'{"a":"\\ud800"}', "lone UTF-16 surrogate"),
        (b'{"a":' + b"9" * 5000 + b"}", "not acceptable JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_bodies_are_remote_errors_naming_the_problem(body: bytes, problem: str) -> None:
    decoder = FrameDecoder()
    decoder.feed(frame_of(body))
    with pytest.raises(RemoteProtocolError, match=problem):
        decoder.next_frame()


def test_a_failed_decoder_refuses_all_further_work() -> None:
    decoder = FrameDecoder()
    decoder.feed(frame_of(b"[]") + encode_frame({"ok": True}))
    with pytest.raises(RemoteProtocolError):
        decoder.next_frame()
    assert decoder.failed
    with pytest.raises(RemoteProtocolError, match="already failed"):
        decoder.next_frame()
    with pytest.raises(RemoteProtocolError, match="already failed"):
        decoder.feed(b"more")


def test_partial_frame_needs_more_data() -> None:
    frame = encode_frame({"a": 1})
    decoder = FrameDecoder()
    decoder.feed(frame[:-1])
    assert decoder.next_frame() is None
    assert decoder.buffered == len(frame) - 1
    decoder.feed(frame[-1:])
    assert decoder.next_frame() == {"a": 1}


def test_many_small_frames_decode_in_linear_time() -> None:
    """20,000 frames through one decoder: the consumed prefix is dropped in amortised O(1)."""
    frame = encode_frame({"n": 1})
    decoder = FrameDecoder()
    count = 0
    for _ in range(200):
        decoder.feed(frame * 100)
        while decoder.next_frame() is not None:
            count += 1
    assert count == 20_000
    assert decoder.buffered == 0
