"""Hostile wire: a live machine (client-a of the default fleet) fed random bytes, truncated, oversized and
out-of-order frames and valid-but-wrong messages over a real mutual-TLS link with a valid fleet certificate.

After each input the machine must have answered with an ``error`` frame naming the problem (or a refusal
the protocol provides, such as ``AuthResult`` E-AUTH), closed the link, logged a ConnectionRefused event,
kept its data, and still served an honest ping from the host.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfp_console.domain.device_info import Category
from mfp_console.engine.panel_session import SystemManagerSecret
from mfp_console.protocol import encode_frame, make_proof
from mfp_console.protocol.framing import DEFAULT_MAX_FRAME
from mfp_console.protocol.messages import Apply, Auth, Chunk, Hello, Offer
from tests.protocol.message_samples import SAMPLES
from tests.reliability.live_fleet import LiveFleet, RawPeer

TARGET = "client-a"
HELLO = Hello("host", "iR-ADV C5560", "iR-ADV C5500", "93.01", "distribution")
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
COUNTS = {"inputs": 0}
# test_counts reads what the other tests of this module counted: they must run in one process.
pytestmark = pytest.mark.xdist_group("hostile-wire")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFleet]:
    live = LiveFleet(tmp_path_factory.mktemp("hostile-wire") / "state")
    try:
        yield live
    finally:
        live.close()


def frame(message: object) -> bytes:
    return encode_frame(message.to_wire())  # type: ignore[attr-defined]


def hostile(live: LiveFleet, data: bytes) -> list[dict]:
    """Sends ``data``, checks the machine refused it properly and still serves; returns its frames."""
    COUNTS["inputs"] += 1
    before_refusals = len(live.refusals_of(TARGET))
    before_data = live.call(lambda: live.fleet.data.device_info(TARGET))
    frames, closed = live.run(lambda: RawPeer(live.fleet).exchange(TARGET, data), 10.0)
    assert closed, f"the machine kept the link open after {data[:60]!r}"
    assert frames, f"the machine closed without a word after {data[:60]!r}"
    last = frames[-1]
    refused_by_protocol = last.get("type") == "auth_result" and last.get("ok") is False
    assert last.get("type") == "error" or refused_by_protocol, f"no error frame after {data[:60]!r}: {frames}"
    if last.get("type") == "error":
        assert last.get("code", "").startswith("E-") and last.get("reason"), last
        assert len(live.refusals_of(TARGET)) > before_refusals, "the refusal was not logged on the bus"
    ping = live.run(lambda: live.fleet.ping("host", TARGET), 10.0)
    assert ping.ok, f"the machine stopped serving honest peers: {ping}"
    assert live.call(lambda: live.fleet.data.device_info(TARGET)) == before_data
    return frames


def complete(data: bytes) -> bytes:
    """Random bytes, padded so the first frame they start is whole (the machine need not wait for more)."""
    data = data.ljust(4, b"\0")
    (length,) = struct.unpack(">I", data[:4])
    if length <= DEFAULT_MAX_FRAME:
        data = data.ljust(4 + length, b"\0")
    return data


# --- named cases ---------------------------------------------------------------------------------------


def test_oversized_frame_is_refused_by_its_header(live: LiveFleet) -> None:
    frames = hostile(live, struct.pack(">I", DEFAULT_MAX_FRAME + 1) + b"{")
    assert "exceeds the 1048576-byte limit" in frames[-1]["reason"]
    assert live.refusals_of(TARGET)[-1].code == "E-PROTOCOL"
    assert "exceeds" in live.refusals_of(TARGET)[-1].reason


def test_bad_json_and_bad_utf8_are_named(live: LiveFleet) -> None:
    body = b'{"v": 1, "type": '
    assert "not valid JSON" in hostile(live, struct.pack(">I", len(body)) + body)[-1]["reason"]
    body = b'{"v": 1, "type": "\xff"}'
    assert "not valid UTF-8" in hostile(live, struct.pack(">I", len(body)) + body)[-1]["reason"]


def test_out_of_order_message_is_refused(live: LiveFleet) -> None:
    frames = hostile(live, frame(Chunk(0, "{}")))
    assert frames[-1]["code"] == "E-PROTOCOL" and "chunk" in frames[-1]["reason"].lower()


def test_hello_claiming_another_machine_is_refused(live: LiveFleet) -> None:
    frames = hostile(live, frame(Hello("client-b", "iR-ADV C5540", "iR-ADV C5500", "92.04", "distribution")))
    assert "hello claims 'client-b'" in frames[-1]["reason"]


def test_truncated_frame_then_silence_is_answered_when_the_wait_ends(live: LiveFleet) -> None:
    whole = frame(HELLO)
    frames = hostile(live, whole[: len(whole) // 2])
    assert frames[-1]["code"] == "E-INTERRUPTED" and "no complete message within" in frames[-1]["reason"]
    assert live.refusals_of(TARGET)[-1].code == "E-INTERRUPTED"


def _authenticated(welcome_challenge: str) -> bytes:
    key = SystemManagerSecret.from_id_pin("7654321", "7654321").auth_key
    return frame(Auth(make_proof(key, welcome_challenge, "host", TARGET)))


async def _valid_prefix_then(live: LiveFleet, tail: list[bytes]) -> list[dict]:
    """Hello, a correct proof and an offer of every category, then ``tail`` — a peer that knows the PIN."""
    from mfp_console.engine.net.transport import dial
    from mfp_console.protocol.framing import FrameDecoder

    fleet = live.fleet
    host, port = fleet.address_of(TARGET)
    stream = await dial(host, port, fleet.runtime.pki.identity("host"), fleet.runtime.pki.ca_pem, TARGET, 2.0, local_name="host")
    decoder = FrameDecoder()
    frames: list[dict] = []

    async def read_one() -> dict | None:
        while (got := decoder.next_frame()) is None:
            chunk = await stream.receive()
            if not chunk:
                return None
            decoder.feed(chunk)
        frames.append(got)
        return got

    try:
        await stream.send(frame(HELLO))
        welcome = await read_one()
        assert welcome is not None and welcome["type"] == "welcome"
        await stream.send(_authenticated(welcome["challenge"]))
        assert (await read_one() or {}).get("ok") is True
        categories = [c.value for c in Category]
        await stream.send(frame(Offer(1, tuple(categories), False, 100, len(tail) - 1, False)))
        await read_one()
        for piece in tail:
            await stream.send(piece)
        while await read_one() is not None:
            pass
    except Exception:
        pass
    finally:
        stream.abort()
        await stream.close()
    return frames


def test_right_pin_but_wrong_digest_or_bundle_changes_nothing(live: LiveFleet) -> None:
    COUNTS["inputs"] += 2
    before = live.call(lambda: live.fleet.data.device_info(TARGET))
    text = '{"address_book": 1}'
    frames = live.run(lambda: _valid_prefix_then(live, [frame(Chunk(0, text)), frame(Apply("0" * 64))]))
    assert frames[-1]["type"] == "error" and "SHA-256 does not match" in frames[-1]["reason"]
    from mfp_console.protocol.messages import bundle_digest

    frames = live.run(lambda: _valid_prefix_then(live, [frame(Chunk(0, text)), frame(Apply(bundle_digest(text)))]))
    assert frames[-1]["type"] == "error" and "bad distribution bundle" in frames[-1]["reason"]
    assert live.call(lambda: live.fleet.data.device_info(TARGET)) == before
    assert live.run(lambda: live.fleet.ping("host", TARGET)).ok


# --- generated cases -----------------------------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=512))
def test_random_bytes_are_refused_and_the_machine_keeps_serving(live: LiveFleet, data: bytes) -> None:
    hostile(live, complete(data))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
TYPES = sorted({m.to_wire()["type"] for m in SAMPLES.values()} | {"", "hello!", "HELLO"})


@SETTINGS
@given(st.sampled_from(TYPES), st.dictionaries(st.text(max_size=10), JSON, max_size=5), st.sampled_from([0, 1, 2, 99]))
def test_frames_with_wrong_fields_are_refused(live: LiveFleet, kind: str, fields: dict, version: int) -> None:
    body = {**fields, "v": version, "type": kind}
    if kind == "hello":
        body.setdefault("machine", "mallory")  # never a complete, honest hello
    hostile(live, encode_frame(body))


@SETTINGS
@given(st.lists(st.sampled_from(sorted(SAMPLES, key=lambda t: t.__name__)), min_size=1, max_size=5))
def test_valid_messages_out_of_order_are_refused(live: LiveFleet, kinds: list) -> None:
    messages = [SAMPLES[k] for k in kinds]
    if isinstance(messages[0], Hello) and len(messages) == 1:
        messages.append(SAMPLES[Chunk])  # a lone hello is a good start: make it go wrong
    data = b"".join(frame(m) for m in messages)
    hostile(live, data)


def test_counts(live: LiveFleet) -> None:
    """Reports how many hostile inputs the machine took (read by docs/reliability.md)."""
    print(f"hostile wire: {COUNTS['inputs']} inputs, {len(live.refusals_of(TARGET))} refusals logged")
    assert COUNTS["inputs"] >= 100
