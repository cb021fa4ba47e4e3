"""An honest mutual-TLS 1.3 link on loopback, and the dialer's own failures (M-05, M-06, M-07, DID-09)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from mfp_console.engine.net.transport import DialError, TlsListener, TlsStream, dial
from mfp_console.errors import TransportError
from mfp_console.pki.refusal import RefusalReason
from tests.transport.conftest import DIAL_TIMEOUT, TEST_BOUND, Pki, Served


@pytest.mark.rules("M-05")
async def test_m05_honest_handshake_is_tls13_with_both_certificates(served: Served, pki: Pki) -> None:
    """M-05: both ends see TLS 1.3, a TLS 1.3 cipher and the other's certificate subject."""
    async with asyncio.timeout(TEST_BOUND):
        stream = await dial("127.0.0.1", served.listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        async with stream:
            assert stream.tls_version == "TLSv1.3"
            assert stream.cipher.startswith("TLS_")
            assert stream.peer_name == "client-a"
            assert stream.peer_subject == "CN=client-a,O=mfp-console fleet"
            assert stream.peer_serial == pki.client_a.serial
            assert stream.peer is not None and stream.peer.fingerprint == pki.client_a.fingerprint
            await stream.send(b"hello")
            assert await stream.receive() == b"hello"
            (inbound,) = served.opened
            assert inbound.peer_name == "host" and inbound.peer_serial == pki.host.serial
            assert inbound.peer_subject == pki.host.subject
            assert inbound.tls_version == "TLSv1.3" and inbound.cipher == stream.cipher
        assert served.refusals.empty()


@pytest.mark.rules("M-07")
async def test_m07_listener_binds_loopback_by_default(served: Served) -> None:
    """M-07: by default every listener is on 127.0.0.1."""
    assert served.listener.host == "127.0.0.1"
    assert served.listener.port > 0
    await served.honest_round_trip()


async def test_large_payload_crosses_in_records(served: Served) -> None:
    async with asyncio.timeout(TEST_BOUND):
        await served.honest_round_trip(bytes(range(256)) * 4096)  # 1 MiB


async def test_peer_closing_properly_reads_as_end_of_stream(pki: Pki) -> None:
    async def say_bye(stream: TlsStream) -> None:
        await stream.send(b"bye")

    listener = TlsListener("client-a", pki.client_a, pki.ca_pem, say_bye, handshake_timeout=0.5)
    await listener.start()
    try:
        async with asyncio.timeout(TEST_BOUND):
            stream = await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
            assert await stream.receive() == b"bye"
            assert await stream.receive() == b""
            await stream.close()
            await stream.close()  # twice is harmless
            with pytest.raises(TransportError) as closed:
                await stream.send(b"late")
            assert closed.value.code == "E-INTERRUPTED"
    finally:
        await listener.close()


async def test_a_read_that_waits_too_long_times_out_and_leaves_the_link_usable(served: Served, pki: Pki) -> None:
    """A bounded read with nothing coming is a TimeoutError (not a lost link), and the link still works."""
    async with asyncio.timeout(TEST_BOUND):
        stream = await dial("127.0.0.1", served.listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        with pytest.raises(TimeoutError):
            await stream.receive(timeout=0.05)
        await stream.send(b"still here")
        assert await stream.receive(timeout=TEST_BOUND) == b"still here"
        await stream.close()


async def test_sends_larger_than_the_socket_takes_at_once_arrive_whole_and_in_order(served: Served, pki: Pki) -> None:
    """Sends the socket cannot take at once (the rest goes out as it drains) arrive whole and in order."""
    pieces = [bytes([n]) * 3_000_000 for n in range(3)]

    async def send_all(stream: TlsStream) -> None:
        for piece in pieces:
            await stream.send(piece)

    async def read_all(stream: TlsStream) -> bytes:
        echoed = bytearray()
        while len(echoed) < sum(map(len, pieces)):
            echoed += await stream.receive()
        return bytes(echoed)

    async with asyncio.timeout(TEST_BOUND):
        stream = await dial("127.0.0.1", served.listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        _, echoed = await asyncio.gather(send_all(stream), read_all(stream))
        assert echoed == b"".join(pieces)
        await stream.close()


@pytest.mark.rules("DID-05")
async def test_cut_link_mid_conversation_is_e_interrupted(served: Served, pki: Pki) -> None:
    """DID-05: a link lost during a transfer is E-INTERRUPTED, not an end of stream."""
    async with asyncio.timeout(TEST_BOUND):
        stream = await dial("127.0.0.1", served.listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        await stream.send(b"x")
        assert await stream.receive() == b"x"
        served.listener.pause()  # the machine's network is cut
        with pytest.raises(TransportError) as lost:
            await stream.receive()
        assert lost.value.code == "E-INTERRUPTED"
        await stream.close()


@pytest.mark.rules("M-06")
async def test_m06_dialing_a_closed_port_is_e_unreach(pki: Pki) -> None:
    """M-06: nobody listening means E-UNREACH, and the reason says the connection was refused."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    async with asyncio.timeout(TEST_BOUND):
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
    assert failed.value.code == "E-UNREACH"
    assert failed.value.reason is RefusalReason.UNREACHABLE
    assert "connection refused" in str(failed.value)
    assert isinstance(failed.value, TransportError)


@pytest.mark.rules("DID-09")
async def test_did09_a_dialer_without_tls_key_cannot_dial(served: Served) -> None:
    """DID-09: a machine without TLS key and certificate gets E-TLS before any byte is sent."""
    with pytest.raises(DialError) as failed:
        await dial("127.0.0.1", served.listener.port, None, served.pki.ca_pem, "client-a", DIAL_TIMEOUT,
                   local_name="host")
    assert failed.value.code == "E-TLS"
    assert str(failed.value) == "host has no TLS key and certificate (DID-09)"
    assert served.refusals.empty()


@pytest.mark.rules("M-05")
async def test_m05_dialer_refuses_a_listener_naming_another_machine(served: Served, pki: Pki) -> None:
    """M-05: the dialer expected client-b; the certificate at that port names client-a (swapped)."""
    async with asyncio.timeout(TEST_BOUND):
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", served.listener.port, pki.host, pki.ca_pem, "client-b", DIAL_TIMEOUT)
        assert failed.value.code == "E-TLS" and failed.value.reason is RefusalReason.SWAPPED
        assert "should be client-b but its certificate names client-a" in str(failed.value)
        peer, code, reason = await served.next_refusal()
        assert peer == "host" and "right after the handshake" in reason
        await served.honest_round_trip()


@pytest.mark.rules("M-05")
async def test_m05_dialer_refuses_a_revoked_listener(served: Served, pki: Pki) -> None:
    async with asyncio.timeout(TEST_BOUND):
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", served.listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT,
                       revoked=lambda: {pki.client_a.serial})
        assert failed.value.code == "E-TLS" and failed.value.reason is RefusalReason.REVOKED
        assert "client-a's certificate revoked" in str(failed.value)
        await served.honest_round_trip()


@pytest.mark.rules("M-05")
@pytest.mark.parametrize(
    ("holder", "reason", "words"),
    [
        ("rogue", RefusalReason.UNKNOWN_CA, "client-a's certificate not signed by the fleet CA (M-05)"),
        ("expired", RefusalReason.EXPIRED, "client-a's certificate expired (M-05)"),
    ],
)
async def test_m05_dialer_refuses_a_listener_certificate_it_cannot_trust(
    pki: Pki, holder: str, reason: RefusalReason, words: str
) -> None:
    """M-05: a listener whose certificate is from another CA, or expired, is refused by the dialer."""
    identity = getattr(pki, holder)
    refusals: list[tuple[str, str, str]] = []
    listener = TlsListener("client-a", identity, pki.ca_pem, lambda s: asyncio.sleep(0),
                           on_refused=lambda *r: refusals.append(r), handshake_timeout=0.5)
    await listener.start()
    try:
        async with asyncio.timeout(TEST_BOUND):
            with pytest.raises(DialError) as failed:
                await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        assert failed.value.code == "E-TLS" and failed.value.reason is reason
        assert str(failed.value) == words
    finally:
        await listener.close()
