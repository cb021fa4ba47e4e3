"""The conversation state machine: every purpose's order, and every way a side can break it."""

from __future__ import annotations

import pytest

from mfp_console.errors import LocalProtocolError, RemoteProtocolError
from mfp_console.protocol import (
    CLOSED,
    NEED_DATA,
    TRANSITIONS,
    Apply,
    Attachment,
    Auth,
    Bye,
    Conversation,
    ConversationState,
    Hello,
    Message,
    Offer,
    OfferReply,
    Ping,
    Pong,
    ProtocolErrorMessage,
    Purpose,
    Result,
    Role,
    SyncAck,
    SyncJoinReply,
    SyncLeave,
    Welcome,
    encode_frame,
    encode_message,
    encode_raw_frame,
)
from tests.protocol.conversation_scripts import (
    ALL_SCRIPTS,
    BUNDLE,
    I,
    R,
    Step,
    auth_refused_script,
    distribution_script,
    distribution_start,
    hello,
    offer,
    offer_refused_script,
    play,
    welcome,
)

S = ConversationState


def advanced(script: list[Step]) -> tuple[Conversation, Conversation]:
    """Both sides after playing a script prefix."""
    _, initiator, responder = play(script)
    return initiator, responder


def frame_of(message: Message) -> bytes:
    """A message's frame: a raw frame for an attachment, a JSON frame for any other."""
    return encode_raw_frame(message.data) if isinstance(message, Attachment) else encode_message(message)


def receive(side: Conversation, *messages: Message) -> Message | object:
    side.receive_data(b"".join(frame_of(m) for m in messages))
    event = side.next_event()
    for _ in messages[1:]:
        event = side.next_event()
    return event


@pytest.mark.parametrize("name", sorted(ALL_SCRIPTS))
def test_each_script_plays_to_done_on_both_sides(name: str) -> None:
    script = ALL_SCRIPTS[name]()
    received, initiator, responder = play(script)
    assert received == [message for _, message in script]
    assert initiator.state is S.DONE and responder.state is S.DONE
    assert initiator.purpose is responder.purpose is not None


def test_purposes_lead_to_their_own_branches() -> None:
    for purpose, state in [
        ("ping", S.PING_READY),
        ("distribution", S.AUTH_AWAITED),
        ("sync", S.JOIN_AWAITED),
    ]:
        initiator, responder = advanced([(I, hello(purpose)), (R, welcome())])
        assert initiator.state is responder.state is state
        assert responder.purpose is Purpose(purpose)


def test_distribution_tracks_offer_and_chunks() -> None:
    script = distribution_script()
    initiator, responder = advanced(script[:-3])  # up to the last chunk
    assert responder.state is S.TRANSFER
    assert responder.offer == initiator.offer and responder.offer is not None
    assert responder.chunks_transferred == responder.offer.chunk_count


@pytest.mark.rules("DID-08")
def test_refusals_end_the_conversation() -> None:
    """DID-08 E-AUTH and E-BUSY/E-MODEL/E-REFUSED replies end in DONE; nothing more may follow."""
    for script in (auth_refused_script(), offer_refused_script("E-MODEL")):
        initiator, responder = advanced(script)
        assert initiator.state is responder.state is S.DONE
        with pytest.raises(LocalProtocolError, match="expected the connection to close after"):
            initiator.send(offer(1))


@pytest.mark.rules("DID-05")
def test_out_of_order_message_is_a_remote_error_naming_both() -> None:
    """DID-05 E-PROTOCOL: a message out of order says what was expected and what arrived."""
    _, responder = advanced([(I, hello("distribution")), (R, welcome())])
    with pytest.raises(RemoteProtocolError, match="^expected Auth after Welcome, got Attachment$"):
        receive(responder, Attachment(b"x"))
    assert responder.state is S.ERROR
    with pytest.raises(RemoteProtocolError, match="already failed"):
        responder.next_event()
    with pytest.raises(RemoteProtocolError, match="already failed"):
        responder.receive_data(b"more")
    with pytest.raises(LocalProtocolError, match="already failed"):
        responder.send(SAMPLE_AUTH_RESULT)
    assert responder.send_error("E-PROTOCOL", "expected Auth").startswith(b"\x00\x00\x00")


SAMPLE_AUTH_RESULT = distribution_start()[3][1]


def test_first_message_must_be_hello() -> None:
    responder = Conversation(R)
    with pytest.raises(RemoteProtocolError, match="^expected Hello at the start, got Ping$"):
        receive(responder, Ping("x"))


def test_message_while_it_is_the_other_sides_turn() -> None:
    initiator = Conversation(I)
    initiator.send(hello("ping"))
    responder = Conversation(R)
    receive(responder, hello("ping"))
    with pytest.raises(
        RemoteProtocolError, match="expected Welcome from the responder after Hello, got Ping"
    ):
        receive(responder, Ping("early"))


def test_a_message_after_done_is_a_remote_error() -> None:
    _, responder = advanced(ALL_SCRIPTS["ping"]())
    with pytest.raises(RemoteProtocolError, match="expected the connection to close after Bye, got Ping"):
        receive(responder, Ping("late"))


@pytest.mark.parametrize(
    ("role", "message", "problem"),
    [
        (R, hello("ping"), "expected Hello from the initiator at the start, got Hello from the responder"),
        (I, Attachment(b"x"), "expected Hello at the start, got Attachment"),
        (I, welcome(), "expected Hello at the start, got Welcome"),
    ],
)
def test_sending_out_of_order_is_a_local_error(role: Role, message: Message, problem: str) -> None:
    side = Conversation(role)
    with pytest.raises(LocalProtocolError, match=problem):
        side.send(message)
    assert side.state is S.ERROR


def test_a_frame_beyond_the_offered_frames_is_a_remote_error() -> None:
    script = distribution_script(chunk_bytes=len(BUNDLE.encode()) // 2)
    frames = sum(isinstance(m, Attachment) for _, m in script)
    extra = distribution_start() + script[4:6] + [(I, Attachment(b"x"))] * (frames - 1)
    _, responder = advanced(extra)  # one byte short per frame, so the bytes still fit the offer
    with pytest.raises(RemoteProtocolError, match=f"Attachment {frames + 1} goes beyond the {frames} frames offered"):
        receive(responder, Attachment(b"x"), Attachment(b"x"))


def test_a_frame_announcing_more_than_the_offer_has_left_is_refused_from_its_header() -> None:
    """The client refuses a bundle frame whose header announces more bytes than the offer has left, before
    a byte of its body arrives."""
    _, responder = advanced(distribution_script()[:7])
    left = len(BUNDLE.encode()) - 16
    responder.receive_data(encode_raw_frame(b"x" * (left + 1))[:4])  # the header alone
    with pytest.raises(RemoteProtocolError, match=f"raw frame of {left + 1} bytes goes beyond the {left} bytes"):
        responder.next_event()
    assert responder.state is S.ERROR


def test_apply_before_all_frames_is_a_remote_error() -> None:
    _, responder = advanced(distribution_script()[:7])
    with pytest.raises(RemoteProtocolError, match="Apply after 1 of the .* frames offered"):
        receive(responder, Apply("ab" * 32))


def test_apply_before_all_announced_bytes_is_a_remote_error() -> None:
    frames = sum(isinstance(m, Attachment) for _, m in distribution_script())
    script = distribution_start() + distribution_script()[4:6] + [(I, Attachment(b"x"))] * frames
    _, responder = advanced(script)
    with pytest.raises(RemoteProtocolError, match=f"Apply after {frames} of the {len(BUNDLE.encode())} bytes offered"):
        receive(responder, Apply("ab" * 32))


def test_sending_too_many_frames_or_bytes_is_a_local_error() -> None:
    initiator, _ = advanced(
        [*distribution_start(), (I, offer(0)), (R, OfferReply(("address_book",), {}, "", ""))]
    )
    with pytest.raises(LocalProtocolError, match="Attachment 1 goes beyond the 0 frames offered"):
        initiator.send(Attachment(BUNDLE.encode()))
    initiator, _ = advanced(
        [*distribution_start(), (I, offer(2)), (R, OfferReply(("address_book",), {}, "", ""))]
    )
    with pytest.raises(LocalProtocolError, match="hold more than the .* bytes the offer announced"):
        initiator.send(Attachment(BUNDLE.encode() + b" "))


def test_replies_may_name_only_offered_categories() -> None:
    initiator, _ = advanced([*distribution_start(), (I, offer(1, ["address_book"]))])
    with pytest.raises(RemoteProtocolError, match="OfferReply names categories that were not offered"):
        receive(initiator, OfferReply(("department_id",), {}, "", ""))
    script = distribution_script()
    initiator, _ = advanced(script[:-2])
    with pytest.raises(
        RemoteProtocolError, match="Result names categories that were not offered: \\['department_id'\\]"
    ):
        receive(initiator, Result("OK", "", {"department_id": "applied"}, ""))


def test_pong_must_echo_the_ping() -> None:
    initiator, _ = advanced([(I, hello("ping")), (R, welcome()), (I, Ping("n1"))])
    with pytest.raises(RemoteProtocolError, match="Pong nonce 'n2' does not echo the Ping's 'n1'"):
        receive(initiator, Pong("n2"))


@pytest.mark.rules("SYNC-02")
def test_sync_refusal_ends_and_sync_messages_flow_both_ways() -> None:
    """SYNC-02/04 refusals arrive as a refused SyncJoinReply and end the session."""
    script = ALL_SCRIPTS["sync"]()
    initiator, responder = advanced(script[:3])
    initiator.receive_data(responder.send(SyncJoinReply(False, "E-LIMIT", "10 machines already", "")))
    assert initiator.next_event() == SyncJoinReply(False, "E-LIMIT", "10 machines already", "")
    assert initiator.state is S.DONE
    initiator, responder = advanced(script[:4])
    responder.send(SyncAck(0))
    initiator.send(SyncAck(0))
    responder.send(SyncLeave("server stopping"))
    assert responder.state is S.DONE


def test_peer_error_message_is_returned_and_ends_the_conversation() -> None:
    """Either side may give up at any point; the receiver gets the error as an event."""
    initiator, responder = advanced(distribution_script()[:8])
    initiator.receive_data(responder.send_error("E-BUSY", "printing started"))
    assert responder.state is S.ERROR
    event = initiator.next_event()
    assert event == ProtocolErrorMessage("E-BUSY", "printing started")
    assert initiator.state is S.ERROR
    assert "E-BUSY: printing started" in str(initiator.failure)
    with pytest.raises(RemoteProtocolError, match="the peer gave up"):
        initiator.next_event()
    assert initiator.send_error("E-BUSY", "acknowledged")


def test_send_routes_error_messages_and_send_error_wants_a_code() -> None:
    side = Conversation(I)
    assert side.send(ProtocolErrorMessage("E-PROTOCOL", "bye")).endswith(b'"reason":"bye"}')
    with pytest.raises(LocalProtocolError, match="'code' must not be empty"):
        Conversation(I).send_error("", "no code")


def test_clean_close_after_done() -> None:
    _, responder = advanced(ALL_SCRIPTS["ping"]())
    responder.receive_data(b"")
    assert responder.next_event() is CLOSED
    assert responder.next_event() is CLOSED
    assert responder.state is S.CLOSED and responder.closed_in is S.DONE and responder.clean_close
    with pytest.raises(LocalProtocolError, match="peer closed"):
        responder.send_error("E-PROTOCOL", "too late")


@pytest.mark.rules("DID-12")
def test_close_mid_transfer_is_an_unclean_close() -> None:
    """DID-12: a link lost during the transfer shows as CLOSED in TRANSFER (E-INTERRUPTED)."""
    _, responder = advanced(distribution_script()[:7])
    responder.receive_data(encode_raw_frame(b"partial")[:9])
    responder.receive_data(b"")
    assert responder.next_event() is CLOSED
    assert responder.closed_in is S.TRANSFER and not responder.clean_close
    with pytest.raises(LocalProtocolError, match="after the peer closed"):
        responder.receive_data(b"x")
    with pytest.raises(LocalProtocolError, match="peer closed"):
        responder.send(Result("NG", "E-INTERRUPTED", {}, ""))


def test_messages_before_close_are_returned_first() -> None:
    responder = Conversation(R)
    responder.receive_data(encode_message(hello("ping")))
    responder.receive_data(b"")
    assert isinstance(responder.next_event(), Hello)
    assert responder.next_event() is CLOSED
    assert responder.closed_in is S.PING_GREETING and not responder.clean_close


def test_need_data_until_a_whole_frame_arrives() -> None:
    responder = Conversation(R)
    frame = encode_message(hello("sync"))
    assert responder.next_event() is NEED_DATA
    responder.receive_data(frame[:-1])
    assert responder.next_event() is NEED_DATA
    responder.receive_data(frame[-1:])
    assert responder.next_event() == hello("sync")


def test_byte_by_byte_feeding_gives_the_same_events() -> None:
    script = distribution_script(chunk_bytes=5)
    received, _, _ = play(script, cuts=lambda burst: range(len(burst)))
    assert received == [message for _, message in script]


@pytest.mark.rules("DID-05")
def test_oversize_frames_are_refused_both_ways() -> None:
    """DID-05 E-PROTOCOL: an oversize frame from the peer ends the conversation; we never send one."""
    responder = Conversation(R, max_frame=64)
    responder.receive_data((5000).to_bytes(4, "big"))
    with pytest.raises(RemoteProtocolError, match="frame of 5000 bytes exceeds the 64-byte limit"):
        responder.next_event()
    assert responder.state is S.ERROR
    initiator = Conversation(I, max_frame=64)
    with pytest.raises(LocalProtocolError, match="Hello frame of .* bytes exceeds the 64-byte limit"):
        initiator.send(Hello("h" * 64, "m", "s", "f", "ping"))


@pytest.mark.rules("DID-06")
def test_send_encoded_sends_the_same_bytes_and_checks_order() -> None:
    """One encoding of each bundle frame serves every destination (DID-06 with N at once)."""
    script = distribution_script()
    pieces = [m for _, m in script if isinstance(m, Attachment)]
    frames = [encode_raw_frame(piece.data) for piece in pieces]
    sides = [advanced(script[:6]) for _ in range(3)]
    for initiator, responder in sides:
        for frame in frames:
            assert initiator.send_encoded(Attachment, frame) is frame
            responder.receive_data(frame)
            assert isinstance(responder.next_event(), Attachment)
        assert initiator.chunks_transferred == responder.chunks_transferred == len(frames)
        assert initiator.bundle_bytes_transferred == len(BUNDLE.encode())
        assert initiator.send_encoded(Apply, encode_message(script[-3][1])) == encode_message(script[-3][1])
        assert initiator.state is S.APPLYING


@pytest.mark.parametrize(
    ("msg_type", "frame", "problem"),
    [
        (Attachment, encode_raw_frame(b"x" * 500), "hold more than the .* bytes the offer announced"),
        (Apply, encode_raw_frame(b"x"), "the frame is a raw frame, which only an Attachment may be"),
        (Attachment, encode_message(Apply("ab" * 32)), "the frame is a JSON frame, not a raw frame"),
        (Attachment, encode_raw_frame(b"xy")[:-1], "header length is wrong"),
        (Attachment, b"\x80\x00", "not a frame"),
        (Offer, encode_message(offer(1)), "use send\\(\\), its content matters"),
        (Bye, encode_message(Bye()), "expected Attachment or Apply after OfferReply, got Bye"),
        (str, b"", "not a message class"),
        (Apply, encode_frame({"v": 1, "type": "apple", "sha256": "ab" * 32}), "does not hold a 'apply' message"),
    ],
)
def test_send_encoded_refuses_mismatches(msg_type: type, frame: bytes, problem: str) -> None:
    initiator, _ = advanced(distribution_script()[:6])
    with pytest.raises(LocalProtocolError, match=problem):
        initiator.send_encoded(msg_type, frame)
    assert initiator.state is S.ERROR


def test_send_encoded_refuses_oversize_frames() -> None:
    initiator = Conversation(I, max_frame=32)
    with pytest.raises(LocalProtocolError, match="exceeds the 32-byte limit"):
        initiator.send_encoded(Bye, encode_frame({"v": 1, "type": "bye", "pad": "x" * 40}))


def test_invalid_message_is_a_local_error() -> None:
    with pytest.raises(LocalProtocolError, match="cannot send invalid Hello"):
        Conversation(I).send(Hello("h", "m", "s", "f", "fax"))
    with pytest.raises(LocalProtocolError, match="not a message"):
        Conversation(I).send("hello")  # type: ignore[arg-type]


def test_the_table_is_closed_and_has_no_dead_ends() -> None:
    """Every state a transition leads to either continues or is terminal; every live state is reachable."""
    sources = {state for state, *_ in TRANSITIONS}
    targets = set(TRANSITIONS.values())
    assert targets - sources == {S.DONE}
    assert sources - targets == {S.IDLE}
    assert set(S) == sources | targets | {S.ERROR, S.CLOSED}


def test_welcome_from_initiator_is_refused() -> None:
    initiator = Conversation(I)
    initiator.send(hello("ping"))
    with pytest.raises(
        LocalProtocolError, match="expected Welcome from the responder after Hello, got Welcome"
    ):
        initiator.send(Welcome("x", "m", "s", "f", "ab" * 32))


def test_ping_branch_takes_only_pings_and_bye_from_the_initiator() -> None:
    initiator, responder = advanced([(I, hello("ping")), (R, welcome())])
    with pytest.raises(LocalProtocolError, match="expected Ping or Bye from the initiator after Welcome"):
        responder.send(Bye())
    with pytest.raises(LocalProtocolError, match="expected Ping or Bye after Welcome, got Auth"):
        initiator.send(Auth("ab" * 32))
