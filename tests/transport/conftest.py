"""Fixtures for real-socket transport tests: a fleet PKI in memory, hostile identities, a listener."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from mfp_console.engine.net.transport import TlsListener, TlsStream, dial
from mfp_console.pki.ca import FleetCA, MachineIdentityCert, issue_identity

# OpenSSL checks validity against the wall clock during a handshake, so these certificates are
# issued around the real time (the only place the tests read it).
WALL_NOW = datetime.now(timezone.utc).replace(microsecond=0)
ISSUED = WALL_NOW - timedelta(hours=1)
HANDSHAKE_TIMEOUT = 0.5
DIAL_TIMEOUT = 2.0
TEST_BOUND = 5.0


@dataclass(frozen=True)
class Pki:
    """The fleet CA, honest machines, and certificates a hostile peer could hold."""

    ca: FleetCA
    host: MachineIdentityCert
    client_a: MachineIdentityCert
    client_b: MachineIdentityCert
    revoked: MachineIdentityCert
    rogue: MachineIdentityCert
    expired: MachineIdentityCert

    @property
    def ca_pem(self) -> bytes:
        return self.ca.cert_pem


@pytest.fixture(scope="session")
def pki() -> Pki:
    ca = FleetCA.create("mfp-console fleet CA", ISSUED - timedelta(days=30))
    rogue_ca = FleetCA.create("mfp-console fleet CA", ISSUED - timedelta(days=30))  # same name
    return Pki(
        ca=ca,
        host=issue_identity(ca, "host", ISSUED),
        client_a=issue_identity(ca, "client-a", ISSUED),
        client_b=issue_identity(ca, "client-b", ISSUED),
        revoked=issue_identity(ca, "client-r", ISSUED),
        rogue=issue_identity(rogue_ca, "host", ISSUED),
        expired=issue_identity(
            ca, "host", ISSUED, not_before=WALL_NOW - timedelta(days=10), not_after=WALL_NOW - timedelta(days=1)
        ),
    )


@dataclass
class Served:
    """A running listener for ``client-a`` with what it reported."""

    listener: TlsListener
    pki: Pki
    refusals: asyncio.Queue[tuple[str, str, str]] = field(default_factory=asyncio.Queue)
    opened: list[TlsStream] = field(default_factory=list)

    async def next_refusal(self, within: float = 2.0) -> tuple[str, str, str]:
        """Waits (bounded) for the next ``on_refused(peer, code, reason)`` call."""
        return await asyncio.wait_for(self.refusals.get(), within)

    async def honest_round_trip(self, payload: bytes = b"ping") -> None:
        """An honest peer still gets served: the listener survived whatever came before."""
        stream = await dial("127.0.0.1", self.listener.port, self.pki.host, self.pki.ca_pem, "client-a",
                            DIAL_TIMEOUT)
        async with stream:
            await stream.send(payload)
            echoed = b""
            while len(echoed) < len(payload):
                chunk = await stream.receive()
                assert chunk, "listener closed the link early"
                echoed += chunk
            assert echoed == payload


async def echo(stream: TlsStream) -> None:
    while data := await stream.receive():
        await stream.send(data)


@pytest.fixture
async def served(pki: Pki) -> AsyncIterator[Served]:
    """``client-a`` listening on loopback, revoking ``client-r``, with a 0.5 s handshake bound."""
    refusals: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()
    opened: list[TlsStream] = []
    listener = TlsListener(
        "client-a",
        pki.client_a,
        pki.ca_pem,
        echo,
        on_refused=lambda peer, code, reason: refusals.put_nowait((peer, code, reason)),
        on_opened=opened.append,
        revoked=lambda: {pki.revoked.serial},
        handshake_timeout=HANDSHAKE_TIMEOUT,
    )
    await listener.start()
    try:
        yield Served(listener, pki, refusals, opened)
    finally:
        await asyncio.wait_for(listener.close(), TEST_BOUND)
