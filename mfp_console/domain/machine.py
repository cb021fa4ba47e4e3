"""A machine's identity, options, functions and states (rule M-01), as pure values."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = [
    "Activity",
    "Function",
    "MachineIdentity",
    "MachineOptions",
    "MachineState",
    "PowerState",
]


class PowerState(enum.Enum):
    """A machine's power state (M-01)."""

    ON = "On"
    SLEEP = "Sleep"
    OFF = "Off"


class Activity(enum.Enum):
    """What a machine is doing (M-01)."""

    IDLE = "Idle"
    PRINTING = "Printing"
    SENDING = "Sending"
    IMPORT_EXPORT = "Import/Export"
    UPDATING = "Updating"
    PREPARING = "Preparing"
    """A distribution host preparing its data before the first destination (DID-25); the emulator's
    addition to M-01's list. Not busy: the panel stays usable, only switching off is harmful."""

    @property
    def is_busy(self) -> bool:
        """True for the activities that make a client refuse a distribution (DID-10)."""
        return self in (Activity.PRINTING, Activity.SENDING, Activity.IMPORT_EXPORT, Activity.UPDATING)


class Function(enum.Enum):
    """A capability a machine switches on; one machine may run several."""

    DISTRIBUTION_SENDER = "distribution_sender"
    DISTRIBUTION_RECEIVER = "distribution_receiver"
    SYNC_SERVER = "sync_server"
    SYNC_CLIENT = "sync_client"

    @property
    def label(self) -> str:
        """Short label for the fleet view."""
        return {
            Function.DISTRIBUTION_SENDER: "DID host",
            Function.DISTRIBUTION_RECEIVER: "DID client",
            Function.SYNC_SERVER: "Sync server",
            Function.SYNC_CLIENT: "Sync client",
        }[self]


@dataclass(frozen=True)
class MachineOptions:
    """Optional equipment fitted to a machine (M-01).

    Attributes:
        card_reader: A card reader is fitted (DID-14).
        fax_board: The fax board is fitted (DID-28). **(D)** Fitted unless said otherwise, so a fleet file
            written before DID-28 keeps distributing its address books; say ``fax_board: false`` for a
            machine without it.
        universal_send_kit: The Universal Send Kit is activated (DID-28).
    """

    card_reader: bool = False
    fax_board: bool = True
    universal_send_kit: bool = False

    @property
    def handles_address_book(self) -> bool:
        """True when the machine may send and receive ``<Address Book>`` by distribution (DID-28)."""
        return self.fax_board or self.universal_send_kit


@dataclass(frozen=True)
class MachineIdentity:
    """Who a machine is: what the fleet file says and what never changes while it runs.

    Attributes:
        name: The fleet's name for the machine (``host``, ``client-a``).
        model: Product name, e.g. ``iR-ADV C5560``.
        series: Series, e.g. ``iR-ADV C5500``; distribution restriction compares this (DID-18).
        serial: Serial number.
        location: Where the machine stands.
        firmware: Firmware version, e.g. ``"93.01"``.
        options: Fitted options.
        functions: The functions this machine may run.
        router_distance: Router hops from the fleet's core network (DID-02 auto search).
    """

    name: str
    model: str
    series: str
    serial: str
    location: str
    firmware: str
    options: MachineOptions = MachineOptions()
    functions: frozenset[Function] = field(default_factory=frozenset)
    router_distance: int = 1


@dataclass(frozen=True)
class MachineState:
    """A machine's changing state as the panel and the fleet view show it.

    Attributes:
        power: On, Sleep or Off.
        activity: Idle, Printing, … , Updating.
        error_code: An error shown on the panel (e.g. ``"E-UPDATE"``), or empty.
        network_cut: True while the machine's network link is cut (M-06).
        tls_configured: False once the TLS key and certificate were removed (DID-09).
    """

    power: PowerState = PowerState.ON
    activity: Activity = Activity.IDLE
    error_code: str = ""
    network_cut: bool = False
    tls_configured: bool = True

    @property
    def reachable(self) -> bool:
        """True when a connection can reach the machine (M-06: Sleep wakes up)."""
        return self.power is not PowerState.OFF and not self.network_cut
