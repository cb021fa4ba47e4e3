"""Messages: strict validation of version, type and every field, in both directions (DID-05 E-PROTOCOL)."""

from __future__ import annotations

from typing import Any

import pytest

from mfp_console.errors import LocalProtocolError, RemoteProtocolError
from mfp_console.limits import BUNDLE_BYTES, BUNDLE_CHUNKS, TEXT_CHARS, USERS_PER_PUSH
from mfp_console.protocol import (
    DEFAULT_CHUNK_BYTES,
    PROTOCOL_VERSION,
    Apply,
    FrameDecoder,
    Hello,
    Message,
    Offer,
    OfferReply,
    Result,
    SyncData,
    SyncPush,
    bundle_digest,
    check_message,
    encode_message,
    message_types,
    parse_message,
    split_bytes,
    split_text,
)
from tests.protocol.message_samples import RECORD, SAMPLES

WIRE_TYPES = {
    "hello", "welcome", "error", "bye", "ping", "pong", "auth", "auth_result", "offer", "offer_reply",
    "apply", "result", "sync_join", "sync_join_reply", "sync_pull", "sync_data", "sync_push",
    "sync_ack", "sync_leave", "forecast_ask", "forecast_answer",
}  # fmt: skip


def wire(message: Message, **changes: Any) -> dict[str, Any]:
    body = message.to_wire()
    body.update(changes)
    return body


def test_every_wire_type_is_registered_and_sampled() -> None:
    assert set(message_types()) == WIRE_TYPES
    assert {cls.TYPE for cls in SAMPLES} == WIRE_TYPES


@pytest.mark.parametrize("message", list(SAMPLES.values()), ids=lambda m: m.TYPE)
def test_each_sample_round_trips_through_a_frame(message: Message) -> None:
    decoder = FrameDecoder()
    decoder.feed(encode_message(message))
    body = decoder.next_frame()
    assert body is not None
    assert list(body)[:2] == ["v", "type"]
    assert body["v"] == PROTOCOL_VERSION and body["type"] == message.TYPE
    assert parse_message(body) == message


def test_sequences_are_stored_as_tuples_and_sent_as_lists() -> None:
    offer = Offer(1, ["address_book"], False, 10, 1, False)  # type: ignore[arg-type]
    assert offer.categories == ("address_book",)
    assert offer.to_wire()["categories"] == ["address_book"]
    assert hash(offer) == hash(Offer(1, ("address_book",), False, 10, 1, False))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"type": "bye"}, 'no protocol version \\("v"\\)'),
        ({"v": 2, "type": "bye"}, "unsupported protocol version 2; this machine speaks version 1"),
        ({"v": True, "type": "bye"}, "unsupported protocol version True"),
        ({"v": "1", "type": "bye"}, "unsupported protocol version '1'"),
        ({"v": 1}, 'has no type; "type" must be a string'),
        ({"v": 1, "type": 5}, "has type a number"),
        ({"v": 1, "type": "offr"}, "unknown message type 'offr' \\(did you mean 'offer'\\?\\)"),
        ({"v": 1, "type": "zzzzzz"}, "unknown message type 'zzzzzz'$"),
    ],
)
def test_envelope_problems_are_remote_errors(body: dict[str, Any], problem: str) -> None:
    with pytest.raises(RemoteProtocolError, match=problem):
        parse_message(body)


def test_missing_field_names_type_and_field() -> None:
    body = wire(SAMPLES[Offer])
    del body["chunk_count"]
    with pytest.raises(
        RemoteProtocolError, match=r"invalid Offer message \('offer'\): missing field 'chunk_count'"
    ):
        parse_message(body)


def test_extra_field_names_type_and_field() -> None:
    with pytest.raises(RemoteProtocolError, match=r"invalid Apply message.*unexpected field 'crc'"):
        parse_message(wire(SAMPLES[Apply], crc=5))


def test_all_problems_of_a_body_are_reported_together() -> None:
    body = wire(SAMPLES[Offer], job_id="7", extra=1)
    del body["card_reader"]
    with pytest.raises(RemoteProtocolError) as caught:
        parse_message(body)
    text = str(caught.value)
    assert "missing field 'card_reader'" in text
    assert "unexpected field 'extra'" in text
    assert "field 'job_id' must be an integer, got a string" in text


@pytest.mark.parametrize(
    ("message", "changes", "problem"),
    [
        (Offer, {"job_id": True}, "'job_id' must be an integer, got a boolean"),
        (Offer, {"job_id": 1.0}, "'job_id' must be an integer, got a number"),
        (Offer, {"total_bytes": -1}, "'total_bytes' must be between 0 and"),
        (Offer, {"include_network": 1}, "'include_network' must be true or false"),
        (Offer, {"categories": "address_book"}, "'categories' must be an array of strings"),
        (Offer, {"categories": ["address_book", 3]}, "'categories' item 1 must be a string"),
        (Offer, {"categories": ["fax_numbers"]}, "unknown categories \\['fax_numbers'\\]"),
        (Offer, {"categories": []}, "at least one category"),
        (Offer, {"categories": ["address_book", "address_book"]}, "repeats a category"),
        (OfferReply, {"refused": ["paper_information"]}, "'refused' must be an object of strings"),
        (OfferReply, {"refused": {"paper_information": 1}}, "value of 'paper_information' must be a string"),
        (OfferReply, {"accepted": [], "code": ""}, "'code' must name the refusal"),
        (OfferReply, {"code": "E-BUSY"}, "'code' must be empty"),
        (OfferReply, {"refused": {"address_book": "x"}}, "both accepted and refused"),
        (Hello, {"purpose": "import"}, "'purpose' must be one of"),
        (Hello, {"machine": None}, "'machine' must be a string, got null"),
        (Result, {"code": "MAYBE"}, "'code' must be 'OK' or 'NG'"),
        (Result, {"code": "NG"}, "'error' must be empty exactly when code is 'OK'"),
        (Result, {"outcomes": {"address_book": "done"}}, "outcome of 'address_book' must be"),
        (SyncData, {"records": [["alice"]]}, "record 0 must be an object, got an array"),
        (SyncData, {"records": [{"user": "alice"}]}, "record 0 lacks 'item', 'value', 'version', 'range'"),
        (SyncData, {"records": [{**RECORD, "user": 1}]}, "key 'user' must be a string"),
        (
            SyncData,
            {"records": [{**RECORD, "version": "2"}]},
            "key 'version' must be an",
        ),
        # issue 17, item 8: sizes a peer announces are bounded by limits
        (Offer, {"total_bytes": BUNDLE_BYTES + 1}, f"'total_bytes' announces {BUNDLE_BYTES + 1:,} bytes, more than"),
        (Offer, {"chunk_count": BUNDLE_CHUNKS + 1, "total_bytes": BUNDLE_BYTES}, "'chunk_count' announces 4,097 chunks"),
        (Offer, {"chunk_count": 11, "total_bytes": 10}, "no more than the bundle has bytes"),
        (SyncPush, {"records": [{**RECORD, "user": f"u{n}"} for n in range(USERS_PER_PUSH + 1)]},
         f"names {USERS_PER_PUSH + 1:,} users, more than the {USERS_PER_PUSH:,} one push may"),
        (SyncData, {"records": [{**RECORD, "user": "u" * (TEXT_CHARS + 1)}]}, "key 'user' is 1,025 characters"),
    ],
)
def test_wrong_fields_are_remote_errors_naming_the_field(
    message: type[Message], changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(RemoteProtocolError, match=f"invalid {message.__name__} message.*{problem}"):
        parse_message(wire(SAMPLES[message], **changes))


def test_hex_fields_must_be_32_bytes_of_lower_case_hex() -> None:
    for value in ("AB" * 32, "ab" * 31, "zz" * 32):
        with pytest.raises(RemoteProtocolError, match="'challenge' must be 64 lower-case hex digits"):
            parse_message({"v": 1, "type": "welcome", "machine": "m", "model": "m", "series": "s",
                           "firmware": "f", "challenge": value})  # fmt: skip


def test_invalid_local_messages_are_local_errors() -> None:
    with pytest.raises(
        LocalProtocolError, match="cannot send invalid Offer: field 'chunk_count' must be an integer"
    ):
        check_message(Offer(1, ("address_book",), False, 1, "2", False))  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError, match="'purpose' must be one of"):
        encode_message(Hello("h", "m", "s", "f", "fax"))


def test_parse_message_refuses_a_non_object() -> None:
    with pytest.raises(RemoteProtocolError, match="must be a JSON object, got an array"):
        parse_message([1])  # type: ignore[arg-type]


def test_split_text_cuts_by_characters_and_joins_back() -> None:
    text = "営業" * 5 + "abc"
    pieces = split_text(text, 4)
    assert pieces == ["営業営業", "営業営業", "営業ab", "c"]
    assert "".join(pieces) == text
    assert split_text("", 4) == []
    assert split_text("x" * 10) == ["x" * 10]
    with pytest.raises(ValueError):
        split_text("x", 0)


def test_split_bytes_cuts_by_bytes_and_joins_back_even_inside_a_character() -> None:
    data = ("営業" * 5 + "abc").encode()
    pieces = split_bytes(data, 4)
    assert all(len(piece) <= 4 for piece in pieces) and b"".join(pieces) == data
    assert pieces[0] == "営".encode() + "業".encode()[:1]  # a piece may end inside a character
    assert split_bytes(b"", 4) == []
    assert DEFAULT_CHUNK_BYTES == 256 * 1024
    assert split_bytes(b"x" * 10) == [b"x" * 10]
    with pytest.raises(ValueError):
        split_bytes(b"x", 0)


def test_bundle_digest_is_sha256_of_utf8_text() -> None:
    assert bundle_digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert bundle_digest("営") == bundle_digest("営")
    assert len(bundle_digest("a")) == 64
