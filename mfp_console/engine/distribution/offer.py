"""The host's half of a conversation that a real run and a pre-flight check share: dial, prove, offer, answer.

A distribution and a forecast (``docs/panel.md``, pre-flight) go through :func:`converse` alike: the same
dial (``E-UNREACH``, ``E-TLS``), the same DID-08 proof (``E-AUTH``), the same offer and the client's same
decision (``E-BUSY``, ``E-MODEL``, ``E-REFUSED``), and the same classification of whatever breaks. Only
what follows an accepted offer differs, and the caller says what that is (``finish``): the real run
transfers and applies, the forecast transfers and asks. So a forecast meets every refusal a run would
meet, and reports it with the same code, because it is the same code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from mfp_console.domain.destination_status import (
    ERROR_CODES,
    DestinationResult,
    StatusKind,
)
from mfp_console.engine.net.channel import Channel, PeerClosed, PeerError
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.engine.runtime import Runtime
from mfp_console.errors import ProtocolError, TransportError
from mfp_console.protocol import make_proof
from mfp_console.protocol.messages import Auth, AuthResult, Offer, OfferReply

if TYPE_CHECKING:
    from mfp_console.engine.distribution.job import Bundle
    from mfp_console.engine.machine import Machine

__all__ = ["NO_MACHINE_AT_ADDRESS", "converse", "error_code"]

T = TypeVar("T")

NO_MACHINE_AT_ADDRESS = "no machine answers at that address"
"""The detail of a destination whose address no machine of the fleet has (M-09: ``E-UNREACH``)."""


async def converse(
    runtime: Runtime,
    host: Machine,
    bundle: Bundle,
    name: str,
    target: str,
    *,
    purpose: str,
    job_id: int,
    finish: Callable[[Channel, OfferReply], Awaitable[T]],
    unreachable: str = "",
) -> T | DestinationResult:
    """One conversation with one client, up to its answer to the offer; then ``finish`` takes over.

    Never raises for the client's refusal or a broken link: it returns the ``NG`` result a run would
    show. Once ``finish`` has started, a lost link is ``E-INTERRUPTED`` (the transfer was under way).

    Args:
        runtime: The fleet's clock, keys, addresses and timeouts.
        host: The distributing machine.
        bundle: What is offered.
        name: The destination's name, for the result.
        target: The fleet machine its address names (empty when none does: ``E-UNREACH``).
        purpose: ``distribution`` or ``forecast``.
        job_id: The host's job number (0 for a forecast, which is no job).
        finish: What to do once at least one category is accepted.
        unreachable: Why there is no target, when there is none (M-07, M-09).
    """
    if not target:
        return DestinationResult(name, StatusKind.NG, "E-UNREACH", unreachable or NO_MACHINE_AT_ADDRESS)
    try:
        opened = await open_conversation(runtime, host, target, purpose)
    except TransportError as exc:
        return DestinationResult(name, StatusKind.NG, error_code(exc.code), str(exc))
    except ProtocolError as exc:
        return DestinationResult(name, StatusKind.NG, "E-PROTOCOL", str(exc))
    channel = opened.channel
    finishing = False
    try:
        proof = make_proof(host.secret.auth_key, opened.welcome.challenge, host.name, target)
        await channel.send(Auth(proof=proof))
        auth = await channel.expect(AuthResult)
        if not auth.ok:
            return DestinationResult(name, StatusKind.NG, auth.code or "E-AUTH", auth.reason)
        await channel.send(
            Offer(
                job_id=job_id,
                categories=tuple(c.value for c in bundle.categories),
                include_network=bundle.include_network,
                total_bytes=bundle.size,
                chunk_count=len(bundle.frames),
                card_reader=host.identity.options.card_reader,
            )
        )
        reply = await channel.expect(OfferReply)
        if reply.code:
            return DestinationResult(name, StatusKind.NG, reply.code, reply.reason)
        finishing = True
        return await finish(channel, reply)
    except PeerError as exc:
        code = exc.code if exc.code.startswith("E-") else "E-PROTOCOL"
        return DestinationResult(name, StatusKind.NG, code, exc.reason)
    except (PeerClosed, TransportError) as exc:
        code = "E-INTERRUPTED" if finishing or isinstance(exc, PeerClosed) else error_code(exc.code)
        return DestinationResult(name, StatusKind.NG, code, f"link lost: {exc}")
    except ProtocolError as exc:
        await channel.send_error("E-PROTOCOL", str(exc))
        return DestinationResult(name, StatusKind.NG, "E-PROTOCOL", str(exc))
    finally:
        await channel.close()


def error_code(code: str) -> str:
    """A transport's code as a status code: one of DID-05's, else ``E-PROTOCOL``."""
    return code if code in ERROR_CODES else "E-PROTOCOL"
