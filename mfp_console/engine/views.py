"""Frozen views the fleet facade hands out: what the panel, the scenarios and the CLI may look at.

Nothing above the engine holds a live machine, job, store or panel session: the facade reads them and
returns one of these values, taken at the moment of the call.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mfp_console.domain.destination_status import DestinationResult, StatusKind
from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import (
    Activity,
    Function,
    MachineIdentity,
    MachineState,
    PowerState,
)

__all__ = [
    "CertificateInfo",
    "DestinationResult",
    "JobStatus",
    "JobView",
    "MachineStatus",
    "MachineView",
    "RestorePointView",
    "StatusKind",
]


class JobStatus(enum.Enum):
    """A distribution job's life: preparing on the host (DID-25), serving destinations, finished."""

    PREPARING = "preparing"
    RUNNING = "running"
    FINISHED = "finished"


@dataclass(frozen=True)
class MachineView:
    """One machine as its panel and the fleet view show it.

    Attributes:
        identity: Name, model, series, options, functions (M-01).
        state: Power, activity, error, network, TLS.
        admin: An Administrator is logged in at its panel.
        user: The user logged in at its panel (empty when none).
        lock_seconds: Seconds until logins unlock (0 when not locked, M-03).
    """

    identity: MachineIdentity
    state: MachineState
    admin: bool = False
    user: str = ""
    lock_seconds: float = 0.0

    @property
    def name(self) -> str:
        """The machine's name in the fleet."""
        return self.identity.name

    @property
    def functions(self) -> frozenset[Function]:
        """The functions the machine may run."""
        return self.identity.functions

    @property
    def power(self) -> PowerState:
        """On, Sleep or Off."""
        return self.state.power

    @property
    def activity(self) -> Activity:
        """Idle, Printing, …, Updating."""
        return self.state.activity

    @property
    def error_code(self) -> str:
        """The error shown on its panel (empty when none)."""
        return self.state.error_code


@dataclass(frozen=True)
class JobView:
    """A distribution job at one moment (DID-04, DID-05).

    Attributes:
        host: The distributing machine.
        job_id: The host's job number.
        trigger: ``manual`` or ``auto``.
        status: Running or finished.
        categories: The categories sent.
        include_network: ``<Network Settings>`` ``<Include>``.
        destinations: The destinations, in list order.
        results: Each destination's ``<Status>``.
        canceled: ``<Cancel>`` was pressed (DID-07).
        bundle_bytes: Bytes of the encoded categories.
        wire_bytes: Bytes of the frames that carry the bundle to each destination.
        started_at: Machine time the job started (None before it did).
        preparing_until: While preparing (DID-25), the machine time the preparation ends; else None.
        not_sent: What the host keeps back and why, one phrase each: ``<Address Book>`` without the fax
            board or Universal Send Kit (DID-28), inboxes protected by a password (DID-27).
    """

    host: str
    job_id: int
    trigger: str
    status: JobStatus
    categories: tuple[Category, ...]
    include_network: bool
    destinations: tuple[str, ...]
    results: Mapping[str, DestinationResult]
    canceled: bool = False
    bundle_bytes: int = 0
    wire_bytes: int = 0
    started_at: datetime | None = None
    preparing_until: datetime | None = None
    not_sent: tuple[str, ...] = ()

    @property
    def running(self) -> bool:
        """True until the job finished (preparing or serving destinations)."""
        return self.status is not JobStatus.FINISHED

    @property
    def preparing(self) -> bool:
        """True while the host prepares the data, before the first destination (DID-25)."""
        return self.status is JobStatus.PREPARING

    @property
    def progress(self) -> tuple[int, int]:
        """(destinations done, destinations in all)."""
        return sum(1 for r in self.results.values() if r.kind.final), len(self.results)


@dataclass(frozen=True)
class RestorePointView:
    """A client's one restore point (DID-20): what ``<Restore Data>`` can bring back now.

    Attributes:
        categories: The categories the most recent received update changed (empty: nothing to restore).
        saved_at: When that update ended (None when there is no restore point).
        host: The host that sent it (empty when there is no restore point).
        inbox: The point also holds the inbox URL Send settings from before the update (DID-17).
    """

    categories: tuple[Category, ...] = ()
    saved_at: datetime | None = None
    host: str = ""
    inbox: bool = False

    @property
    def empty(self) -> bool:
        """True when there is nothing to restore."""
        return not self.categories


@dataclass(frozen=True)
class CertificateInfo:
    """What ``<Key and Certificate Settings>`` shows about a machine's TLS certificate."""

    subject: str
    issuer: str
    serial: int
    fingerprint: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class MachineStatus:
    """One row of ``fleet status``: the same whether the machine runs in this process, a panel or its own.

    Attributes:
        name: The machine's name (also its host name, M-09).
        model: Its model.
        series: Its series.
        address: ``address:port`` where it really listens now (dialable), or where it will when started.
        ipv4: The IPv4 address its ``<Network Settings>`` show.
        functions: Its functions.
        power: ``On``, ``Sleep``, ``Off``, or ``?`` when no running process could be asked.
        activity: What it is doing (``?`` likewise).
        error: The error on its panel (empty when none).
        network: ``connected`` or ``cut`` (``?`` likewise).
        tls: ``configured`` or ``removed`` (``?`` likewise).
        fingerprint: SHA-256 of its certificate (``-`` when this state folder holds none).
        running_here: It runs in the process that made the row.
        pid: The process it runs in (0 when none is known).
        note: Why the address is not its own, where it runs when not here, or why no process answered.
    """

    name: str
    model: str
    series: str
    address: str
    functions: tuple[str, ...]
    power: str
    activity: str
    error: str
    network: str
    tls: str
    fingerprint: str
    running_here: bool
    ipv4: str = ""
    pid: int = 0
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        """Returns the row as JSON-ready data."""
        data = dict(self.__dict__)
        data["functions"] = list(self.functions)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MachineStatus:
        """Reads a row another process sent (see :meth:`to_json`); unknown keys are ignored.

        Raises:
            ValueError: A field is missing or has the wrong type.
        """
        values: dict[str, Any] = {}
        for key, kind in (("name", str), ("model", str), ("series", str), ("address", str), ("power", str),
                          ("activity", str), ("error", str), ("network", str), ("tls", str),
                          ("fingerprint", str), ("running_here", bool), ("ipv4", str), ("pid", int),
                          ("note", str)):
            value = data.get(key)
            if type(value) is not kind:
                raise ValueError(f"status row field {key!r} is not {kind.__name__}")
            values[key] = value
        functions = data.get("functions")
        if not isinstance(functions, list) or not all(isinstance(f, str) for f in functions):
            raise ValueError("status row field 'functions' is not a list of text")
        return cls(functions=tuple(functions), **values)
