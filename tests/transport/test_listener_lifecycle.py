"""A listener's life: pause/resume as power and network faults (M-06), identity changes, handler faults."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from mfp_console.engine.net.transport import DialError, TlsListener, TlsStream, dial
from mfp_console.errors import TransportError
from mfp_console.pki.refusal import RefusalReason
from tests.transport.conftest import DIAL_TIMEOUT, TEST_BOUND, Pki, Served


@pytest.mark.rules("M-06")
async def test_m06_paused_listener_is_unreachable_then_resumes_on_the_same_port(served: Served, pki: Pki) -> None:
    """M-06: a machine off or cut off cannot be reached (E-UNREACH); back on, the same address works."""
    async with asyncio.timeout(TEST_BOUND):
        port = served.listener.port
        served.listener.pause()
        served.listener.pause()  # twice is harmless
        assert served.listener.paused
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        assert failed.value.code == "E-UNREACH" and failed.value.reason is RefusalReason.UNREACHABLE
        served.listener.resume()
        assert served.listener.port == port and not served.listener.paused
        await served.honest_round_trip()
        assert served.refusals.empty()


@pytest.mark.rules("M-06")
async def test_m06_a_paused_machine_keeps_its_port_so_nobody_else_answers_there(served: Served, pki: Pki) -> None:
    """Off is refused, not answered by whoever binds the port next (another fleet on this computer plans the
    same addresses): a dialer must see E-UNREACH, never another machine's E-TLS, and the port is still
    there when the machine comes back."""
    async with asyncio.timeout(TEST_BOUND):
        served.listener.pause()
        squatter = TlsListener("squatter", None, pki.ca_pem, lambda s: asyncio.sleep(0))
        with pytest.raises(TransportError, match="cannot listen"):
            await squatter.start(port=served.listener.port)
        plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            with pytest.raises(OSError):
                plain.bind(("127.0.0.1", served.listener.port))
        finally:
            plain.close()
        for _ in range(3):
            with pytest.raises(DialError) as failed:
                await dial("127.0.0.1", served.listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
            assert failed.value.reason is RefusalReason.UNREACHABLE
        assert served.refusals.empty()  # our own reset is not logged as a refusal
        served.listener.resume()
        await served.honest_round_trip()


async def test_a_failing_handler_is_logged_and_the_listener_carries_on(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def flaky(stream: TlsStream) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("handler bug")
        await stream.send(b"fine")

    listener = TlsListener("client-a", pki.client_a, pki.ca_pem, flaky, handshake_timeout=0.5)
    await listener.start()
    try:
        async with asyncio.timeout(TEST_BOUND):
            with caplog.at_level(logging.ERROR, logger="mfp_console.engine.net.transport"):
                first = await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
                assert await first.receive() == b""  # the link is closed after the failure
                await first.close()
            assert "handler failed for host" in caplog.text and "handler bug" in caplog.text
            second = await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
            assert await second.receive() == b"fine"
            await second.close()
    finally:
        await listener.close()


async def test_a_broken_on_refused_callback_does_not_break_the_listener(pki: Pki) -> None:
    def explode(*_: str) -> None:
        raise RuntimeError("observer bug")

    listener = TlsListener("client-a", pki.client_a, pki.ca_pem, lambda s: s.send(b"ok"),
                           on_refused=explode, revoked=lambda: {pki.revoked.serial}, handshake_timeout=0.5)
    await listener.start()
    try:
        async with asyncio.timeout(TEST_BOUND):
            with pytest.raises(DialError):
                await dial("127.0.0.1", listener.port, pki.revoked, pki.ca_pem, "client-a", DIAL_TIMEOUT)
            stream = await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
            assert await stream.receive() == b"ok"
            await stream.close()
    finally:
        await listener.close()


@pytest.mark.rules("M-05")
async def test_m05_revocation_applies_to_the_next_connection(pki: Pki) -> None:
    """M-05: the revocation list is read on every connection, so revoking takes effect at once."""
    revoked: set[int] = set()
    refusals: list[tuple[str, str, str]] = []
    listener = TlsListener("client-a", pki.client_a, pki.ca_pem, lambda s: asyncio.sleep(0),
                           on_refused=lambda *r: refusals.append(r), revoked=lambda: revoked,
                           handshake_timeout=0.5)
    await listener.start()
    try:
        async with asyncio.timeout(TEST_BOUND):
            await (await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)).close()
            revoked.add(pki.host.serial)
            with pytest.raises(DialError) as failed:
                await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
            assert "revoked" in str(failed.value)
            assert refusals and refusals[0][0] == "host"
    finally:
        await listener.close()


@pytest.mark.rules("DID-09")
async def test_did09_removing_the_identity_of_a_running_listener(served: Served, pki: Pki) -> None:
    """DID-09: set_identity(None) refuses new links; an identity set again serves them."""
    async with asyncio.timeout(TEST_BOUND):
        served.listener.set_identity(None)
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", served.listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        assert failed.value.code == "E-TLS"
        _, _, reason = await served.next_refusal()
        assert reason == "this machine has no TLS key and certificate (DID-09)"
        served.listener.set_identity(pki.client_a)
        assert served.listener.identity == pki.client_a
        await served.honest_round_trip()


async def test_close_cuts_open_links_and_stops_listening(pki: Pki) -> None:
    entered = asyncio.Event()

    async def hold(stream: TlsStream) -> None:
        entered.set()
        await stream.receive()

    listener = TlsListener("client-a", pki.client_a, pki.ca_pem, hold, handshake_timeout=0.5)
    await listener.start()
    async with asyncio.timeout(TEST_BOUND):
        stream = await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        await entered.wait()
        assert listener.open_connections == 1
        await listener.close()
        assert listener.open_connections == 0
        with pytest.raises(TransportError) as lost:
            await stream.receive()
        assert lost.value.code == "E-INTERRUPTED"
        await stream.close()
        with pytest.raises(DialError) as failed:
            await dial("127.0.0.1", listener.port, pki.host, pki.ca_pem, "client-a", DIAL_TIMEOUT)
        assert failed.value.code == "E-UNREACH"
