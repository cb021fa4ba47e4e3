"""Malformed and oversized frames on a live machine listener: a protocol error, and the machine serves on."""

from __future__ import annotations

import struct

import pytest

from mfp_console.engine.events import ConnectionRefused
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.net.transport import dial
from mfp_console.protocol import FrameDecoder, encode_frame
from mfp_console.protocol.messages import Apply, Hello

HELLO = Hello(machine="host", model="iR-ADV C5560", series="iR-ADV C5500", firmware="93.01", purpose="ping")


async def _raw_exchange(fleet: Fleet, payload: bytes) -> list[dict]:
    """Dials client-a with host's valid certificate, sends raw bytes, returns the frames it answers."""
    host, port = fleet.address_of("client-a")
    stream = await dial(host, port, identity=fleet.runtime.pki.identity("host"), ca_pem=fleet.runtime.pki.ca_pem,
                        expected_peer="client-a", timeout=2.0, revoked=fleet.runtime.pki.revoked_serials)
    decoder = FrameDecoder()
    frames: list[dict] = []
    try:
        await stream.send(payload)
        while True:
            data = await stream.receive(65536)
            if not data:
                break
            decoder.feed(data)
            while (frame := decoder.next_frame()) is not None:
                frames.append(frame)
    finally:
        await stream.close()
    return frames


BAD_INPUTS = {
    "oversized frame": struct.pack(">I", 50_000_000) + b"{",
    "zero-length frame": struct.pack(">I", 0),
    "bad JSON": struct.pack(">I", 5) + b"{nope",
    "not an object": encode_frame_list if (encode_frame_list := struct.pack(">I", 2) + b"[]") else b"",
    "unknown type": encode_frame({"v": 1, "type": "format_disk"}),
    "wrong version": encode_frame({"v": 99, "type": "hello"}),
    "out of order": encode_frame(Apply(sha256="ab" * 32).to_wire()),
    "claims another name": encode_frame(
        Hello(machine="client-c", model="m", series="s", firmware="1", purpose="ping").to_wire()
    ),
}


@pytest.mark.rules("M-05")
@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
async def test_bad_input_ends_with_a_protocol_error_and_the_listener_serves_on(fleet: Fleet, kind: str) -> None:
    """M-05 / architecture 'The wire': malformed input ends the conversation with an error naming it."""
    refused: list[ConnectionRefused] = []
    fleet.bus.subscribe(ConnectionRefused, refused.append)
    frames = await _raw_exchange(fleet, BAD_INPUTS[kind])
    assert frames and frames[-1]["type"] == "error", frames
    assert frames[-1]["code"] == "E-PROTOCOL"
    assert frames[-1]["reason"]
    assert any(e.machine == "client-a" and e.code == "E-PROTOCOL" for e in refused)
    assert (await fleet.ping("host", "client-a")).ok  # the machine keeps serving honest peers


async def test_a_well_formed_hello_gets_a_welcome(fleet: Fleet) -> None:
    frames = await _raw_exchange(fleet, encode_frame(HELLO.to_wire()) + encode_frame({"v": 1, "type": "bye"}))
    assert frames[0]["type"] == "welcome" and frames[0]["machine"] == "client-a"
