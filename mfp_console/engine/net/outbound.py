"""Opening a conversation from one machine to another: resolve, dial with mutual TLS, hello, welcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mfp_console.domain.machine import MachineIdentity, MachineState
from mfp_console.engine.net.channel import Channel
from mfp_console.engine.net.transport import dial
from mfp_console.engine.runtime import Runtime
from mfp_console.errors import TransportError
from mfp_console.protocol import Role
from mfp_console.protocol.messages import Hello, Welcome

__all__ = ["Dialler", "OpenConversation", "open_conversation"]


class Dialler(Protocol):
    """The machine a conversation starts from (a :class:`~mfp_console.engine.machine.Machine`)."""

    @property
    def name(self) -> str: ...

    @property
    def identity(self) -> MachineIdentity: ...

    @property
    def state(self) -> MachineState: ...


@dataclass
class OpenConversation:
    """A conversation that passed hello/welcome: the channel and what the peer said about itself."""

    channel: Channel
    welcome: Welcome


async def open_conversation(runtime: Runtime, source: Dialler, target: str, purpose: str) -> OpenConversation:
    """Dials ``target`` from ``source`` and exchanges hello/welcome.

    ``target`` is a machine's name, or the ``host:port`` a typed address resolved to when no machine has it
    (:meth:`~mfp_console.engine.addresses.AddressRegistry.resolve`): that one is dialled as a real machine
    would, and fails as it would (refused, no answer, or a certificate that names no such peer).

    Raises:
        TransportError: ``E-UNREACH`` when the target cannot be reached (off, cut off, not running, or the
            source itself is off or cut off), ``E-TLS`` when either side has no TLS key or the handshake
            fails, ``E-PROTOCOL`` or the peer's code when the exchange breaks off.
    """
    if not source.state.reachable:
        raise TransportError(f"{source.name} is off or cut off from the network", "E-UNREACH")
    identity = runtime.pki.identity(source.name) if source.state.tls_configured else None
    if identity is None:
        raise TransportError(f"{source.name} has no TLS key and certificate", "E-TLS")
    try:  # a machine's name, or the host:port of an address no machine has (dialled only on loopback, M-07)
        host, port = runtime.addresses.socket_for(target)
    except Exception as exc:
        raise TransportError(str(exc), "E-UNREACH") from None
    stream = await dial(
        host,
        port,
        identity=identity,
        ca_pem=runtime.pki.ca_pem,
        expected_peer=target,
        timeout=runtime.timeouts.handshake,
        revoked=runtime.pki.revoked_serials,
    )
    channel = Channel(stream, Role.INITIATOR, timeout=runtime.timeouts.conversation,
                      on_progress=runtime.work.note_progress)
    ident = source.identity
    try:
        await channel.send(
            Hello(
                machine=source.name,
                model=ident.model,
                series=ident.series,
                firmware=ident.firmware,
                purpose=purpose,
            )
        )
        welcome = await channel.expect(Welcome)
    except BaseException:
        await channel.close()
        raise
    return OpenConversation(channel, welcome)
