"""``fleet ping``: a real mutual-TLS handshake and a ping/pong exchange between two machines."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from mfp_console.engine.net.channel import Channel
from mfp_console.engine.net.outbound import Dialler, open_conversation
from mfp_console.engine.runtime import Runtime
from mfp_console.errors import MfpError, ProtocolError, TransportError
from mfp_console.protocol.messages import Bye, Hello, Ping, Pong, Welcome

__all__ = ["PingResult", "ping_machine", "serve_ping"]


@dataclass(frozen=True)
class PingResult:
    """The outcome of pinging one machine.

    Attributes:
        source: The machine that dialled.
        target: The machine pinged.
        ok: True when the handshake and exchange succeeded.
        tls_version: e.g. ``TLSv1.3``.
        cipher: The negotiated cipher suite.
        peer_subject: The subject of the certificate the target presented.
        rtt_ms: Round-trip time of the ping exchange in real milliseconds (measurement only).
        code: The refusal code when not ok (``E-UNREACH``, ``E-TLS``, …).
        reason: Why it failed, in words.
    """

    source: str
    target: str
    ok: bool
    tls_version: str = ""
    cipher: str = ""
    peer_subject: str = ""
    rtt_ms: float = 0.0
    code: str = ""
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """Returns the result as JSON-ready data."""
        return dict(self.__dict__)


async def serve_ping(channel: Channel, hello: Hello, welcome: Welcome) -> None:
    """Answers pings until the peer says bye."""
    while True:
        message = await channel.receive()
        if isinstance(message, Ping):
            await channel.send(Pong(nonce=message.nonce))
        elif isinstance(message, Bye):
            return


async def ping_machine(runtime: Runtime, source: Dialler, target: str) -> PingResult:
    """Pings ``target`` from ``source``; never raises for a refusal, it reports it."""
    try:
        opened = await open_conversation(runtime, source, target, "ping")
    except TransportError as exc:
        return PingResult(source.name, target, False, code=exc.code, reason=str(exc))
    except (ProtocolError, MfpError) as exc:
        return PingResult(source.name, target, False, code="E-PROTOCOL", reason=str(exc))
    channel = opened.channel
    try:
        nonce = secrets.token_hex(8)
        started = time.perf_counter()  # a measurement of the real link, not machine time
        await channel.send(Ping(nonce=nonce))
        pong = await channel.expect(Pong)
        rtt = (time.perf_counter() - started) * 1000
        if pong.nonce != nonce:
            return PingResult(source.name, target, False, code="E-PROTOCOL", reason="pong carried another nonce")
        await channel.send(Bye())
        stream = channel.stream
        return PingResult(
            source.name,
            target,
            True,
            tls_version=stream.tls_version,
            cipher=stream.cipher,
            peer_subject=stream.peer_subject,
            rtt_ms=round(rtt, 3),
        )
    except TransportError as exc:
        return PingResult(source.name, target, False, code=exc.code, reason=str(exc))
    except ProtocolError as exc:
        return PingResult(source.name, target, False, code="E-PROTOCOL", reason=str(exc))
    finally:
        await channel.close()
