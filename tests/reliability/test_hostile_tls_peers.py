"""Hostile TLS peers against a real fleet machine (M-05, DID-09): plain TCP, TLS 1.2, another CA, an expired,
a revoked and a swapped certificate, and a peer that stalls mid-handshake.

Each is refused within a bounded time, the machine logs a ConnectionRefused event naming the reason on the
bus, and an honest ping from the host still succeeds afterwards. (tests/transport/ covers the transport on
its own; these go through a started fleet: its PKI, revocation list and bus.)
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from mfp_console.engine.net.transport import DialError, dial
from mfp_console.pki import tls
from mfp_console.pki.ca import FleetCA, MachineIdentityCert, issue_identity
from tests.reliability.live_fleet import LiveFleet

TARGET = "client-a"
HANDSHAKE_S = 1.0
BOUND_S = HANDSHAKE_S + 2.0
NOW = datetime.now(timezone.utc).replace(microsecond=0)  # OpenSSL checks validity against the wall clock


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFleet]:
    live = LiveFleet(tmp_path_factory.mktemp("hostile-tls") / "state", handshake_timeout=HANDSHAKE_S)
    try:
        yield live
    finally:
        live.close()


def refused(live: LiveFleet, attack, expected_reason: str) -> str:  # type: ignore[no-untyped-def]
    """Runs ``attack`` against client-a; checks a bounded, logged refusal and that honest peers still get in."""
    before = len(live.refusals_of(TARGET))
    started = time.monotonic()

    async def attack_and_wait() -> None:
        await attack(*live.fleet.address_of(TARGET))
        while len(live.refusals_of(TARGET)) == before:
            await asyncio.sleep(0.01)

    live.run(attack_and_wait, BOUND_S)
    took = time.monotonic() - started
    assert took < BOUND_S
    event = live.refusals_of(TARGET)[before]
    assert event.code == "E-TLS", event
    assert expected_reason in event.reason, event.reason
    assert live.run(lambda: live.fleet.ping("host", TARGET)).ok
    return event.reason


def _context(identity: MachineIdentityCert | None, ca_pem: bytes, maximum: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = maximum
    context.load_verify_locations(cadata=ca_pem.decode())
    if identity is not None:
        tls.load_identity(context, identity.cert_pem, identity.key_pem)
    return context


async def _until_closed(reader: asyncio.StreamReader) -> None:
    try:
        await asyncio.wait_for(reader.read(), BOUND_S)
    except (ConnectionError, ssl.SSLError):
        pass


def test_plain_tcp(live: LiveFleet) -> None:
    async def attack(host: str, port: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"MFP-HELLO host\n{\"v\": 1, \"type\": \"hello\"}")
        await _until_closed(reader)
        writer.close()

    refused(live, attack, "plain TCP")


def test_tls_1_2(live: LiveFleet) -> None:
    fleet = live.fleet
    context = _context(fleet.runtime.pki.identity("host"), fleet.runtime.pki.ca_pem, ssl.TLSVersion.TLSv1_2)

    async def attack(host: str, port: int) -> None:
        with pytest.raises(ssl.SSLError):
            await asyncio.open_connection(host, port, ssl=context, server_hostname=TARGET)

    refused(live, attack, "TLS 1.2")


@pytest.mark.parametrize(("holder", "reason"), [
    ("other-ca", "not signed by the fleet CA"),
    ("expired", "expired"),
    ("revoked", "revoked"),
    ("swapped", "swapped certificate"),
])
def test_bad_certificates(live: LiveFleet, holder: str, reason: str) -> None:
    fleet = live.fleet
    pki = fleet.runtime.pki.pki
    assert pki is not None
    claim = "host"
    if holder == "other-ca":
        identity = issue_identity(FleetCA.create("mfp-console fleet CA", NOW - timedelta(days=1)), "host",
                                  NOW - timedelta(hours=1))
    elif holder == "expired":
        identity = issue_identity(pki.ca, "host", NOW - timedelta(days=10), not_before=NOW - timedelta(days=10),
                                  not_after=NOW - timedelta(days=1))
    elif holder == "revoked":
        identity = issue_identity(pki.ca, "host", NOW - timedelta(hours=1))
        live.call(lambda: pki.revoke(identity.serial))
    else:
        identity = fleet.runtime.pki.identity("client-b")  # a real fleet certificate, presented by a liar
    assert identity is not None

    async def attack(host: str, port: int) -> None:
        with pytest.raises(DialError) as failed:
            await dial(host, port, identity, fleet.runtime.pki.ca_pem, TARGET, BOUND_S, local_name=claim)
        assert failed.value.code == "E-TLS"

    refused(live, attack, reason)


def test_stall_mid_handshake(live: LiveFleet) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    outgoing = ssl.MemoryBIO()
    sslobj = context.wrap_bio(ssl.MemoryBIO(), outgoing)
    with pytest.raises(ssl.SSLWantReadError):
        sslobj.do_handshake()
    half_hello = outgoing.read()[:40]

    async def attack(host: str, port: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(half_hello)
        await _until_closed(reader)
        writer.close()

    reason = refused(live, attack, "stalled")
    assert f"within {HANDSHAKE_S:g} s" in reason
