"""The typed events the engine publishes on its bus.

Every event is a small frozen dataclass with the machine time it happened at. Subscribers (the panel, the
event log, scenario transcripts, tests) match on the class. ``summary()`` gives the one line the event log
shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "ConnectionOpened",
    "ConnectionRefused",
    "DataChanged",
    "DestinationStatusChanged",
    "DistributionFinished",
    "DistributionPreparing",
    "DistributionStarted",
    "EngineEvent",
    "LoginEvent",
    "MachineStarted",
    "MachineStateChanged",
    "MachineStopped",
    "ScheduleFired",
    "SyncEvent",
]


@dataclass(frozen=True, kw_only=True)
class EngineEvent:
    """Base of every engine event."""

    at: datetime
    machine: str = ""

    def summary(self) -> str:
        """One line for the event log."""
        return f"{self.machine}: {type(self).__name__}"


@dataclass(frozen=True, kw_only=True)
class MachineStarted(EngineEvent):
    """A machine's listener is up at ``address``."""

    address: str

    def summary(self) -> str:
        return f"{self.machine} started, listening on {self.address}"


@dataclass(frozen=True, kw_only=True)
class MachineStopped(EngineEvent):
    """A machine's listener was closed."""

    def summary(self) -> str:
        return f"{self.machine} stopped"


@dataclass(frozen=True, kw_only=True)
class MachineStateChanged(EngineEvent):
    """Power, activity, error, network or TLS state of a machine changed."""

    what: str
    old: str
    new: str

    def summary(self) -> str:
        return f"{self.machine}: {self.what} {self.old} → {self.new}"


@dataclass(frozen=True, kw_only=True)
class ConnectionOpened(EngineEvent):
    """A mutual-TLS connection was established between ``machine`` (server side) and ``peer``."""

    peer: str
    tls_version: str
    cipher: str
    purpose: str = ""

    def summary(self) -> str:
        return f"{self.peer} → {self.machine}: {self.tls_version} {self.cipher} {self.purpose}".rstrip()


@dataclass(frozen=True, kw_only=True)
class ConnectionRefused(EngineEvent):
    """A connection to or from ``machine`` was refused; ``reason`` says why, ``code`` is e.g. E-TLS."""

    peer: str
    code: str
    reason: str

    def summary(self) -> str:
        return f"{self.machine}: refused {self.peer or 'a peer'} ({self.code}): {self.reason}"


@dataclass(frozen=True, kw_only=True)
class DataChanged(EngineEvent):
    """Part of a machine's stored data changed (``what`` names it, e.g. ``address_book``)."""

    what: str
    detail: str = ""

    def summary(self) -> str:
        return f"{self.machine}: {self.what} changed {self.detail}".rstrip()


@dataclass(frozen=True, kw_only=True)
class LoginEvent(EngineEvent):
    """A login, logout, wrong PIN or lockout on a machine's panel."""

    kind: str
    detail: str = ""

    def summary(self) -> str:
        return f"{self.machine}: {self.kind} {self.detail}".rstrip()


@dataclass(frozen=True, kw_only=True)
class DistributionStarted(EngineEvent):
    """A host started a distribution job."""

    job_id: int
    destinations: tuple[str, ...]
    categories: tuple[str, ...]
    trigger: str = "manual"

    def summary(self) -> str:
        return (
            f"{self.machine}: {self.trigger} distribution #{self.job_id} of "
            f"{', '.join(self.categories)} to {len(self.destinations)} destination(s)"
        )


@dataclass(frozen=True, kw_only=True)
class DestinationStatusChanged(EngineEvent):
    """A destination's ``<Status>`` cell changed (DID-04/05)."""

    job_id: int
    destination: str
    status: str
    detail: str = ""

    def summary(self) -> str:
        return f"{self.machine} → {self.destination}: {self.status} {self.detail}".rstrip()


@dataclass(frozen=True, kw_only=True)
class DistributionPreparing(EngineEvent):
    """A host prepares a job's data before the first destination, until ``until`` (DID-25)."""

    job_id: int
    until: datetime

    def summary(self) -> str:
        return f"{self.machine}: preparing distribution #{self.job_id} until {self.until:%H:%M:%S}"


@dataclass(frozen=True, kw_only=True)
class DistributionFinished(EngineEvent):
    """A distribution job ended; ``results`` maps destination to its final status."""

    job_id: int
    results: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def summary(self) -> str:
        ok = sum(1 for _, s in self.results if s == "OK")
        return f"{self.machine}: distribution #{self.job_id} finished, {ok}/{len(self.results)} OK"


@dataclass(frozen=True, kw_only=True)
class ScheduleFired(EngineEvent):
    """A scheduled slot came due (``skipped`` with a reason when it did not run)."""

    slot: str
    skipped: str = ""

    def summary(self) -> str:
        tail = f" skipped: {self.skipped}" if self.skipped else ""
        return f"{self.machine}: schedule {self.slot}{tail}"


@dataclass(frozen=True, kw_only=True)
class SyncEvent(EngineEvent):
    """Something happened in Personalized Data Synchronization (level Info, Warning or Error)."""

    level: str
    message: str

    def summary(self) -> str:
        return f"{self.machine}: [{self.level}] {self.message}"
