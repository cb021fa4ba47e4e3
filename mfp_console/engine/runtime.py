"""What engine internals need from the fleet, and nothing more: time, events, work in flight, keys, addresses.

Machines, their functions and the facade's parts receive one :class:`Runtime` instead of the whole
:class:`~mfp_console.engine.fleet.Fleet`, so no engine module but the facade depends on the facade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mfp_console.clock import Clock
from mfp_console.domain.addressing import MACHINE_PORT
from mfp_console.domain.login_guard import LockoutPolicy
from mfp_console.engine.addresses import AddressRegistry, Resolution
from mfp_console.engine.bus import EventBus
from mfp_console.engine.work import WorkTracker
from mfp_console.errors import MfpError
from mfp_console.fleet_file import FleetSettings, FleetSpec, MachineSpec
from mfp_console.pki import FleetPki, MachineIdentityCert

__all__ = ["PkiView", "Runtime", "Timeouts"]


class PkiView:
    """The fleet's keys and certificates as engine internals read them (loaded when the fleet starts)."""

    def __init__(self) -> None:
        self._pki: FleetPki | None = None

    def load(self, pki: FleetPki) -> None:
        """Sets the loaded PKI (done once by the fleet when it starts)."""
        self._pki = pki

    @property
    def pki(self) -> FleetPki:
        """The loaded PKI."""
        if self._pki is None:
            raise MfpError("the fleet has not started: its certificates are not loaded yet")
        return self._pki

    @property
    def loaded(self) -> bool:
        """True once the fleet started."""
        return self._pki is not None

    @property
    def ca_pem(self) -> bytes:
        """The fleet CA's certificate."""
        return self.pki.ca_pem

    def identity(self, name: str) -> MachineIdentityCert | None:
        """A machine's key and certificate, or None when removed."""
        return self._pki.identity(name) if self._pki is not None else None

    def revoked_serials(self) -> set[int]:
        """Serial numbers of revoked certificates (M-05)."""
        return set(self._pki.revoked_serials) if self._pki is not None else set()


@dataclass(frozen=True)
class Timeouts:
    """Real-time bounds on the wire.

    Attributes:
        handshake: Real seconds a TLS handshake may take before it is refused.
        conversation: Real seconds to wait for a peer's next message.
    """

    handshake: float = 5.0
    conversation: float = 30.0


@dataclass
class Runtime:
    """The fleet's shared services, handed to machines, functions and parts.

    Every attribute is fixed for the fleet's life except :attr:`spec`, whose settings a test may tune
    (through :attr:`Fleet.spec <mfp_console.engine.fleet.Fleet.spec>`) while the fleet runs.

    Attributes:
        spec: The fleet file's description (names, models, router distances, settings).
        state_dir: Where databases, keys and run files live.
        clock: The one clock of the fleet.
        bus: The event bus.
        work: Work in flight (tasks, conversations, progress).
        pki: The fleet's keys and certificates.
        addresses: Where each machine listens.
        timeouts: Real-time bounds on the wire.
        lockout: The panel's PIN lockout policy (M-03).
        pki_now: When certificates are issued (OpenSSL checks validity against the real clock).
    """

    spec: FleetSpec
    state_dir: Path
    clock: Clock
    bus: EventBus
    work: WorkTracker
    pki: PkiView
    addresses: AddressRegistry
    timeouts: Timeouts
    lockout: LockoutPolicy
    pki_now: Callable[[], datetime]

    @property
    def settings(self) -> FleetSettings:
        """Fleet-wide settings from the fleet file."""
        return self.spec.settings

    def machine_spec(self, name: str) -> MachineSpec:
        """What the fleet file says about ``name`` (raises with a "did you mean" hint when unknown)."""
        return self.spec.machine(name)

    def router_hops(self, a: str, b: str) -> int:
        """Routers between two machines of the fleet (DID-02 auto search, sync server search)."""
        return abs(self.spec.machine(a).identity.router_distance - self.spec.machine(b).identity.router_distance)

    def machine_at(self, address: str, source: str = "") -> str:
        """The fleet machine an address typed on ``source``'s panel names (an IPv4 address, a host name or
        ``localhost``, M-09), or empty when none does."""
        return self.addresses.resolve(address, source).machine

    def resolve(self, address: str, source: str = "", default_port: int = MACHINE_PORT) -> Resolution:
        """What an address typed on ``source``'s panel names, and what to dial for it (M-07, M-09)."""
        return self.addresses.resolve(address, source, default_port)
