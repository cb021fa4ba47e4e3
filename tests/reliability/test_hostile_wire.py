"""Hostile wire: a live machine (client-a of the default fleet) fed random bytes, truncated, oversized and
out-of-order frames and valid-but-wrong messages over a real mutual-TLS link with a valid fleet certificate.

After each input the machine must have answered with an ``error`` frame naming the problem (or a refusal
the protocol provides, such as ``AuthResult`` E-AUTH), closed the link, logged a ConnectionRefused event,
kept its data, and still served an honest ping from the host.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mfp_console.domain.device_info import Category
from mfp_console.engine.panel_session import SystemManagerSecret
from mfp_console.limits import ADDRESS_BOOK_ENTRIES, BUNDLE_BYTES
from mfp_console.protocol import encode_frame, encode_raw_frame, make_proof
from mfp_console.protocol.framing import DEFAULT_MAX_FRAME
from mfp_console.protocol.messages import (
    Apply,
    Attachment,
    Auth,
    Hello,
    Offer,
    ProtocolErrorMessage,
)
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
    if isinstance(message, Attachment):
        return encode_raw_frame(message.data)
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
    frames = hostile(live, frame(Attachment(b"{}")))
    assert frames[-1]["code"] == "E-PROTOCOL" and "got Attachment" in frames[-1]["reason"]


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


async def _valid_prefix_then(live: LiveFleet, tail: list[bytes], total_bytes: int = 100,
                             hello: Hello = HELLO) -> list[dict]:
    """Hello, a correct proof and an offer of every category (announcing ``total_bytes`` in ``len(tail) - 1``
    chunks), then ``tail`` — a peer that knows the PIN."""
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
        await stream.send(frame(hello))
        welcome = await read_one()
        assert welcome is not None and welcome["type"] == "welcome"
        await stream.send(_authenticated(welcome["challenge"]))
        assert (await read_one() or {}).get("ok") is True
        categories = [c.value for c in Category]
        await stream.send(frame(Offer(1, tuple(categories), False, total_bytes, len(tail) - 1, False)))
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
    size = len(text.encode())
    frames = live.run(lambda: _valid_prefix_then(live, [frame(Attachment(text.encode())), frame(Apply("0" * 64))], size))
    assert frames[-1]["type"] == "error" and "SHA-256 does not match" in frames[-1]["reason"]
    from mfp_console.protocol.messages import bundle_digest

    frames = live.run(
        lambda: _valid_prefix_then(live, [frame(Attachment(text.encode())), frame(Apply(bundle_digest(text)))], size)
    )
    assert frames[-1]["type"] == "error" and "bad distribution bundle" in frames[-1]["reason"]
    assert live.call(lambda: live.fleet.data.device_info(TARGET)) == before
    assert live.run(lambda: live.fleet.ping("host", TARGET)).ok


def test_a_forecast_cannot_be_turned_into_an_update(live: LiveFleet) -> None:
    """A peer that knows the PIN opens a pre-flight check, sends a whole valid bundle and then ``Apply``:
    the machine refuses the ``Apply`` (no forecast state leads to an update) and keeps its data."""
    COUNTS["inputs"] += 1
    from mfp_console.protocol.messages import bundle_digest

    before = live.call(lambda: live.fleet.data.device_info(TARGET))
    point = live.call(lambda: live.fleet.distribution.restore_point(TARGET))
    text = _bundle_text(printer_settings=[["Copies", "99"]])
    forecast = Hello("host", "iR-ADV C5560", "iR-ADV C5500", "93.01", "forecast")
    frames = live.run(lambda: _valid_prefix_then(
        live, [frame(Attachment(text.encode())), frame(Apply(bundle_digest(text)))], len(text.encode()),
        hello=forecast))
    assert frames[-1]["type"] == "error" and "expected Attachment or ForecastAsk after Attachment, got Apply" in \
        frames[-1]["reason"]
    assert live.call(lambda: live.fleet.data.device_info(TARGET)) == before
    assert live.call(lambda: live.fleet.distribution.restore_point(TARGET)) == point
    assert live.run(lambda: live.fleet.ping("host", TARGET)).ok


def _bundle_text(**categories: object) -> str:
    """A bundle of every category: small valid values, with ``categories`` replacing some."""
    members: dict[str, object] = {
        "address_book": {"entries": [], "forwarding": [], "favourites": []},
        "department_id": {"system_manager": {}, "departments": []},
        "printer_settings": [], "paper_information": [], "settings_values": [],
    }
    members.update(categories)
    return json.dumps(members, separators=(",", ":"))


def _entry(number: object = 1, name: object = "Ann", kind: object = "e-mail") -> dict[str, object]:
    return {"number": number, "name": name, "kind": kind, "address": "ann@example.com"}


def _department(dept_id: object) -> dict[str, object]:
    return {"dept_id": dept_id, "password_hash": "x", "limits": {}, "counters": {}}


# (what the honest-PIN peer sends, words the machine's error must hold): issue 17, item 8. Each was stored
# before (or failed late with a TypeError), or was buffered whole however large.
BAD_RECORDS = {
    "number-not-numeric": (_bundle_text(address_book={"entries": [_entry(number="7")], "forwarding": [],
                                                      "favourites": []}),
                           "address book entry 1: 'number' must be a whole number, got a string"),
    "name-a-mapping": (_bundle_text(address_book={"entries": [_entry(name={"first": "Ann"})], "forwarding": [],
                                                  "favourites": []}),
                       "address book entry 1: 'name' must be text, got an object"),
    "department-id-unhashable": (_bundle_text(department_id={"system_manager": {}, "departments": [_department(["1"])]}),
                                 "Department ID 1: 'dept_id' must be text, got an array"),
    "department-id-twice": (_bundle_text(department_id={"system_manager": {},
                                                        "departments": [_department("0000101")] * 2}),
                            "Department ID '0000101' appears twice"),
    "address-book-too-long": (_bundle_text(address_book={"entries": [_entry(n) for n in range(ADDRESS_BOOK_ENTRIES + 1)],
                                                         "forwarding": [], "favourites": []}),
                              f"the address book holds {ADDRESS_BOOK_ENTRIES + 1:,} items, more than the "
                              f"{ADDRESS_BOOK_ENTRIES:,} a machine accepts"),
    "overflowing-number": (_bundle_text(paper_information=[{"name": "p", "base_type": "Plain 1", "weight_gsm": 0}])
                           .replace('"weight_gsm":0', '"weight_gsm":1e400'),
                           "holds the number 1e400, which is too large for a float"),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_right_pin_but_invalid_or_unbounded_records_change_nothing(live: LiveFleet, case: str) -> None:
    """Every record is checked by type and bound before anything is written: E-PROTOCOL, data unchanged."""
    from mfp_console.protocol.messages import bundle_digest, split_bytes

    COUNTS["inputs"] += 1
    text, words = BAD_RECORDS[case]
    before = live.call(lambda: live.fleet.data.device_info(TARGET))
    tail = [frame(Attachment(piece)) for piece in split_bytes(text.encode())] + [frame(Apply(bundle_digest(text)))]
    frames = live.run(lambda: _valid_prefix_then(live, tail, len(text.encode())))
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "E-PROTOCOL", frames[-1]
    assert "bad distribution bundle" in frames[-1]["reason"] and words in frames[-1]["reason"], frames[-1]
    assert live.call(lambda: live.fleet.data.device_info(TARGET)) == before
    assert live.run(lambda: live.fleet.ping("host", TARGET)).ok


@pytest.mark.parametrize(
    ("total_bytes", "chunk", "words"),
    [
        (BUNDLE_BYTES + 1, "x", f"announces {BUNDLE_BYTES + 1:,} bytes, more than the {BUNDLE_BYTES:,} a machine accepts"),
        (10, "x" * 11, "raw frame of 11 bytes goes beyond the 10 bytes the peer announced"),
        (50, "é" * 20, "Apply after 40 of the 50 bytes offered"),
    ],
    ids=["offer-too-large", "frame-beyond-the-offer", "bytes-differ"],
)
def test_frames_are_held_to_the_size_the_offer_announced(live: LiveFleet, total_bytes: int, chunk: str, words: str) -> None:
    """Issue 17, item 8: an offer's sizes are bounded and enforced before the bundle is buffered (a bundle
    frame from its header alone)."""
    COUNTS["inputs"] += 1
    before = live.call(lambda: live.fleet.data.device_info(TARGET))
    frames = live.run(lambda: _valid_prefix_then(live, [frame(Attachment(chunk.encode())), frame(Apply("0" * 64))],
                                                 total_bytes))
    assert frames[-1]["type"] == "error" and words in frames[-1]["reason"], frames[-1]
    assert live.call(lambda: live.fleet.data.device_info(TARGET)) == before


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
    # A peer whose first word is an error message gave up: the machine closes without a word, rightly.
    assume(not isinstance(messages[0], ProtocolErrorMessage))
    if isinstance(messages[0], Hello) and len(messages) == 1:
        messages.append(SAMPLES[Apply])  # a lone hello is a good start: make it go wrong
    if isinstance(messages[0], ProtocolErrorMessage):
        # A peer that opens by giving up is owed no answer (the machine just closes): start with a
        # message out of order instead, so each example is one the machine must refuse in words.
        messages.insert(0, SAMPLES[Apply])
    data = b"".join(frame(m) for m in messages)
    hostile(live, data)


def test_counts(live: LiveFleet) -> None:
    """Reports how many hostile inputs the machine took (read by docs/reliability.md)."""
    print(f"hostile wire: {COUNTS['inputs']} inputs, {len(live.refusals_of(TARGET))} refusals logged")
    assert COUNTS["inputs"] >= 100
