"""Hostile peers are refused with the reason logged, and the listener keeps serving (M-05, DID-09).

Each test plays one misbehaving peer against ``client-a``'s listener, checks the reason handed to
``on_refused(peer, code, reason)``, then proves an honest peer is still served.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import time

import pytest

from mfp_console.engine.net.transport import DialError, TlsListener, dial
from mfp_console.pki import tls
from mfp_console.pki.ca import MachineIdentityCert
from mfp_console.pki.refusal import RefusalReason
from tests.transport.conftest import (
    DIAL_TIMEOUT,
    HANDSHAKE_TIMEOUT,
    TEST_BOUND,
    Pki,
    Served,
)


def _hostile_context(pki: Pki, identity: MachineIdentityCert | None, maximum: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = maximum
    context.load_verify_locations(cadata=pki.ca_pem.decode())
    if identity is not None:
        tls.load_identity(context, identity.cert_pem, identity.key_pem)
    return context


def _client_hello() -> bytes:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    sslobj = context.wrap_bio(ssl.MemoryBIO(), outgoing := ssl.MemoryBIO())
    with pytest.raises(ssl.SSLWantReadError):
        sslobj.do_handshake()
    return outgoing.read()


async def _read_until_closed(reader: asyncio.StreamReader) -> bytes:
    try:
        return await asyncio.wait_for(reader.read(), TEST_BOUND)
    except (ConnectionError, ssl.SSLError):
        return b""


@pytest.mark.rules("M-05")
async def test_m05_plain_tcp_is_refused(served: Served) -> None:
    async with asyncio.timeout(TEST_BOUND):
        reader, writer = await asyncio.open_connection("127.0.0.1", served.listener.port)
        writer.write(b"MFP-HELLO host\n")
        assert await _read_until_closed(reader) == b""
        writer.close()
        peer, code, reason = await served.next_refusal()
        assert peer.startswith("127.0.0.1:") and code == "E-TLS"
        assert reason == "peer spoke plain TCP, not TLS (M-05)"
        await served.honest_round_trip()


@pytest.mark.rules("M-05")
async def test_m05_tls12_client_is_refused_naming_the_version(served: Served, pki: Pki) -> None:
    async with asyncio.timeout(TEST_BOUND):
        context = _hostile_context(pki, pki.host, ssl.TLSVersion.TLSv1_2)
        with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION"):
            await asyncio.open_connection("127.0.0.1", served.listener.port, ssl=context,
                                          server_hostname="client-a")
        _, code, reason = await served.next_refusal()
        assert (code, reason) == ("E-TLS", "peer offered TLS 1.2; TLS 1.3 is required (M-05)")
        await served.honest_round_trip()


@pytest.mark.rules("M-05")
@pytest.mark.parametrize(
    ("holder", "logged", "told"),
    [
        ("rogue", "certificate not signed by the fleet CA (M-05)",
         "client-a refused the connection: our certificate is not signed by its fleet CA (M-05)"),
        ("expired", "certificate expired (M-05)",
         "client-a refused the connection: our certificate has expired (M-05)"),
    ],
)
async def test_m05_client_certificate_from_another_ca_or_expired_is_refused(
    served: Served, pki: Pki, holder: str, logged: str, told: str
) -> None:
    """M-05: the listener logs why; OpenSSL's alert reaches the dialer, which says why too."""
    async with asyncio.timeout(TEST_BOUND):
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", served.listener.port, getattr(pki, holder), pki.ca_pem, "client-a",
                       DIAL_TIMEOUT)
        assert failed.value.code == "E-TLS" and str(failed.value) == told
        _, code, reason = await served.next_refusal()
        assert (code, reason) == ("E-TLS", logged)
        await served.honest_round_trip()


@pytest.mark.rules("M-05")
async def test_m05_revoked_client_certificate_is_refused(served: Served, pki: Pki) -> None:
    """M-05: the serial is checked against the fleet's revocation list right after the handshake."""
    async with asyncio.timeout(TEST_BOUND):
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", served.listener.port, pki.revoked, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        assert failed.value.code == "E-TLS"
        assert str(failed.value) == "client-a refused the connection: our certificate revoked by the fleet (M-05)"
        peer, _, reason = await served.next_refusal()
        assert peer == "client-r"
        assert reason == f"certificate revoked by the fleet: serial {pki.revoked.serial:#x} (M-05)"
        await served.honest_round_trip()


@pytest.mark.rules("M-05")
async def test_m05_swapped_client_certificate_is_refused(served: Served, pki: Pki) -> None:
    """M-05: host presents client-b's certificate; the name it claims and the certificate differ."""
    async with asyncio.timeout(TEST_BOUND):
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", served.listener.port, pki.client_b, pki.ca_pem, "client-a", DIAL_TIMEOUT,
                       local_name="host")
        assert failed.value.code == "E-TLS" and "certificate names a different machine" in str(failed.value)
        peer, _, reason = await served.next_refusal()
        assert peer == "client-b"
        assert reason == "swapped certificate: peer says it is host but its certificate names client-b (M-05)"
        await served.honest_round_trip()


@pytest.mark.rules("M-05")
async def test_m05_client_without_certificate_is_refused(served: Served, pki: Pki) -> None:
    async with asyncio.timeout(TEST_BOUND):
        context = _hostile_context(pki, None, ssl.TLSVersion.TLSv1_3)
        reader, writer = await asyncio.open_connection("127.0.0.1", served.listener.port, ssl=context,
                                                       server_hostname="client-a")
        with pytest.raises(ssl.SSLError, match="CERTIFICATE_REQUIRED"):
            await reader.read(1)  # TLS 1.3: the listener's verdict arrives after our handshake
        writer.close()
        _, code, reason = await served.next_refusal()
        assert (code, reason) == ("E-TLS", "peer presented no client certificate; mutual TLS is required (M-05)")
        await served.honest_round_trip()


@pytest.mark.rules("M-05")
@pytest.mark.parametrize(("sent", "stage"), [(b"", "sent nothing"), (None, "did not finish the TLS handshake")])
async def test_m05_stalled_handshake_is_refused_within_the_bound(
    served: Served, sent: bytes | None, stage: str
) -> None:
    """M-05: a peer that sends nothing, or half a ClientHello, is cut off after the handshake timeout."""
    async with asyncio.timeout(TEST_BOUND):
        started = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", served.listener.port)
        writer.write(_client_hello()[:40] if sent is None else sent)
        _, code, reason = await served.next_refusal()
        waited = time.monotonic() - started
        assert HANDSHAKE_TIMEOUT * 0.9 <= waited < HANDSHAKE_TIMEOUT + 1.0
        assert code == "E-TLS"
        assert reason == f"TLS handshake stalled: peer {stage} within {HANDSHAKE_TIMEOUT:g} s"
        assert await _read_until_closed(reader) == b""
        writer.close()
        await served.honest_round_trip()


async def test_a_stalled_peer_does_not_hold_up_honest_ones(served: Served) -> None:
    """While one peer stalls its handshake, others are served at once."""
    async with asyncio.timeout(TEST_BOUND):
        _, writer = await asyncio.open_connection("127.0.0.1", served.listener.port)
        started = time.monotonic()
        await asyncio.gather(*(served.honest_round_trip(b"x%d" % i) for i in range(5)))
        assert time.monotonic() - started < HANDSHAKE_TIMEOUT
        assert served.refusals.empty()
        _, _, reason = await served.next_refusal()
        assert "stalled" in reason
        writer.close()


@pytest.mark.rules("DID-09")
async def test_did09_listener_without_identity_refuses_and_dialer_gets_e_tls(pki: Pki) -> None:
    """DID-09: a machine with no TLS key and certificate refuses every link; the dialer ends E-TLS."""
    refusals: list[tuple[str, str, str]] = []
    listener = TlsListener("client-a", None, pki.ca_pem, lambda s: asyncio.sleep(0),
                           on_refused=lambda *r: refusals.append(r), handshake_timeout=HANDSHAKE_TIMEOUT)
    await listener.start()
    try:
        async with asyncio.timeout(TEST_BOUND):
            with pytest.raises(DialError) as failed:
                await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
            assert failed.value.code == "E-TLS"
            assert failed.value.reason is RefusalReason.PEER_NO_IDENTITY
            assert str(failed.value) == "client-a has no TLS key and certificate (DID-09)"
            assert [r[1:] for r in refusals] == [("E-TLS", "this machine has no TLS key and certificate (DID-09)")]
            listener.set_identity(pki.client_a)  # the key is regenerated: new links are served
            stream = await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
            await stream.close()
    finally:
        await listener.close()


async def test_a_peer_resetting_mid_handshake_is_logged_as_hung_up(served: Served) -> None:
    """A peer that sends half a ClientHello and resets the connection is refused, not crashed on."""
    async with asyncio.timeout(TEST_BOUND):
        raw = socket.socket()
        raw.setblocking(False)
        await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", served.listener.port))
        raw.send(_client_hello()[:40])
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raw.close()  # RST
        _, code, reason = await served.next_refusal()
        assert code == "E-TLS" and reason.startswith("peer closed the connection during the handshake")
        await served.honest_round_trip()
