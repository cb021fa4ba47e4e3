"""Settings and screen values of Personalized Data Synchronization, as pure values.

* the client's ``[Destination Server Address:]`` with its port rule and blank-means-search (SYNC-01, SYNC-20);
* the user-authentication and group-management settings every synchronized machine must share (SYNC-04);
* ``<Action When Maximum Number of Users Exceeded>`` (SYNC-03);
* backup targets and schedules of the server's synchronization data (SYNC-18);
* the rows of the server's device list (SYNC-15) and of the sync logs (SYNC-14).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mfp_console.domain.schedule import parse_start_time
from mfp_console.errors import RuleRefusal

__all__ = [
    "MAX_SYNC_MACHINES",
    "MAX_SYNC_USERS",
    "SERVER_PORT",
    "AuthSettings",
    "BackupSchedule",
    "BackupTarget",
    "DeviceRow",
    "DeviceState",
    "ServerAddress",
    "SyncClientSettings",
    "SyncClientState",
    "SyncLogEntry",
    "UserLimitAction",
]

SERVER_PORT = 8443
"""The only port a ``[Destination Server Address:]`` may name."""
MAX_SYNC_MACHINES = 10
"""Machines that may synchronize, the server included (SYNC-02)."""
MAX_SYNC_USERS = 1000
"""Users whose data the server keeps (SYNC-03)."""

WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


@dataclass(frozen=True)
class ServerAddress:
    """A parsed ``[Destination Server Address:]``; an empty host means "search for the server"."""

    host: str = ""
    port: int = SERVER_PORT

    @classmethod
    def parse(cls, text: str) -> ServerAddress:
        """Parses ``host``, ``host:8443``, ``[v6]:8443``, a bare IPv6 address, or blank (search).

        Raises:
            RuleRefusal: (SYNC-01) a port other than 8443, or an address that cannot be read.
        """
        text = text.strip()
        if not text:
            return cls()
        host, port_text = text, ""
        if text.startswith("["):
            end = text.find("]")
            if end < 0:
                raise RuleRefusal(f"{text!r}: an IPv6 address in brackets needs its closing ']'", "SYNC-01")
            host, rest = text[1:end], text[end + 1 :]
            if rest and not rest.startswith(":"):
                raise RuleRefusal(f"{text!r}: expected ':8443' after the bracketed address", "SYNC-01")
            port_text = rest[1:]
        elif text.count(":") == 1:
            host, port_text = text.split(":")
        if not host:
            raise RuleRefusal(f"{text!r}: the server address has no host", "SYNC-01")
        if port_text:
            if not port_text.isdigit() or int(port_text) != SERVER_PORT:
                raise RuleRefusal(
                    f"{text!r}: a port is optional, but when given it must be {SERVER_PORT}", "SYNC-01"
                )
        return cls(host, SERVER_PORT)

    @property
    def search(self) -> bool:
        """True for a blank address: the client searches for the one server on the network."""
        return not self.host

    @property
    def is_localhost(self) -> bool:
        """True for ``localhost:8443``: a server machine's own client function (SYNC-01)."""
        return self.host.casefold() in ("localhost", "127.0.0.1", "::1")

    def __str__(self) -> str:
        if not self.host:
            return ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class SyncClientSettings:
    """The client's connection settings; they take effect when the client function (re)starts (SYNC-20).

    Attributes:
        address: ``[Destination Server Address:]`` as typed (blank: search).
        search_depth: ``[Search Depth (Router):]`` for the search, 1–8 (1 means no router).
    """

    address: str = ""
    search_depth: int = 4

    def __post_init__(self) -> None:
        ServerAddress.parse(self.address)
        if not 1 <= self.search_depth <= 8:
            raise RuleRefusal("Search Depth (Router) must be 1 to 8", "SYNC-01")

    @property
    def server(self) -> ServerAddress:
        """The parsed address."""
        return ServerAddress.parse(self.address)

    def to_json(self) -> dict[str, Any]:
        """Encodes for the machine's store."""
        return {"address": self.address, "search_depth": self.search_depth}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SyncClientSettings:
        """Decodes from the machine's store."""
        return cls(str(data.get("address", "")), int(data.get("search_depth", 4)))


@dataclass(frozen=True)
class AuthSettings:
    """What every synchronized machine must share (SYNC-04).

    Attributes:
        user_authentication: The login service is User Authentication.
        department_id_management: Department ID management is used.
        groups_by_department: User groups are managed through Department IDs; then the Department IDs
            themselves must be the same on every machine.
        department_ids: The machine's Department IDs (compared only with ``groups_by_department``).
    """

    user_authentication: bool
    department_id_management: bool
    groups_by_department: bool = False
    department_ids: tuple[str, ...] = ()

    def canonical(self) -> dict[str, Any]:
        """The part that must be equal, as JSON-ready data."""
        groups = self.groups_by_department and self.department_id_management
        return {
            "user_authentication": self.user_authentication,
            "department_id_management": self.department_id_management,
            "groups_by_department": groups,
            "department_ids": sorted(self.department_ids) if groups else [],
        }

    def canonical_bytes(self) -> bytes:
        """:meth:`canonical` encoded one way only: equal settings give equal bytes (the proof's key, SYNC-04)."""
        return json.dumps(self.canonical(), sort_keys=True, separators=(",", ":")).encode()

    def digest(self) -> str:
        """SHA-256 of :meth:`canonical_bytes`."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    def describe(self) -> str:
        """One line for a refusal message."""
        data = self.canonical()
        onoff = {True: "On", False: "Off"}
        text = (f"User Authentication {onoff[data['user_authentication']]}, Department ID Management "
                f"{onoff[data['department_id_management']]}, groups by Department ID {onoff[data['groups_by_department']]}")
        if data["groups_by_department"]:
            text += f" ({len(data['department_ids'])} Department IDs)"
        return text


class UserLimitAction(enum.Enum):
    """``<Action When Maximum Number of Users Exceeded>`` (SYNC-03)."""

    DELETE_OLDEST = "<Delete Oldest User Settings>"
    DISCARD_NEW = "<Discard New User Settings>"


# --- backup (SYNC-18) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupTarget:
    """Where a backup goes: the server's own storage, or an SMB share ``smb://host/share[/folder…]``."""

    kind: str = "device"
    host: str = ""
    share: str = ""
    folder: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> BackupTarget:
        """Parses ``device`` (or blank) and ``smb://host/share[/folder…]``.

        Raises:
            RuleRefusal: (SYNC-18) anything else, or a path part that could leave the share.
        """
        text = text.strip()
        if text in ("", "device", "Device Storage"):
            return cls()
        if not text.lower().startswith("smb://"):
            raise RuleRefusal(f"{text!r}: back up to the device's storage or to smb://host/share", "SYNC-18")
        parts = [p for p in text[6:].split("/") if p]
        if len(parts) < 2:
            raise RuleRefusal(f"{text!r}: an SMB target needs a host and a share (smb://host/share)", "SYNC-18")
        for part in parts:
            if part in (".", "..") or "\\" in part or any(ord(ch) < 32 for ch in part):
                raise RuleRefusal(f"{text!r}: {part!r} cannot be part of an SMB path", "SYNC-18")
        return cls("smb", parts[0], parts[1], tuple(parts[2:]))

    @property
    def is_smb(self) -> bool:
        """True for an SMB share."""
        return self.kind == "smb"

    def path_parts(self) -> tuple[str, ...]:
        """Folders below the state directory the emulator writes to (``smb/host/share/…`` or ``sync-backup``)."""
        if self.is_smb:
            return ("smb", self.host, self.share, *self.folder)
        return ("sync-backup",)

    def __str__(self) -> str:
        if not self.is_smb:
            return "device"
        return "smb://" + "/".join((self.host, self.share, *self.folder))


class BackupMode(enum.Enum):
    """How often the scheduled backup runs."""

    OFF = "Off"
    DAILY = "Daily"
    WEEKLY = "Weekly"


@dataclass(frozen=True)
class BackupSchedule:
    """The server's backup schedule: Off, Daily at ``HHMM`` or Weekly on a day at ``HHMM`` (SYNC-18).

    Raises:
        RuleRefusal: A start time that is not four digits 0000–2359, or an unknown weekday.
    """

    mode: BackupMode = BackupMode.OFF
    start: str = "0300"
    weekday: str = "Sun"
    target: str = "device"

    def __post_init__(self) -> None:
        parse_start_time(self.start)
        if self.weekday not in WEEKDAYS:
            raise RuleRefusal(f"weekday must be one of {', '.join(WEEKDAYS)}", "SYNC-18")
        BackupTarget.parse(self.target)

    def cron_fields(self) -> dict[str, Any] | None:
        """APScheduler cron fields, or None when Off."""
        if self.mode is BackupMode.OFF:
            return None
        hour, minute = parse_start_time(self.start)
        fields: dict[str, Any] = {"hour": hour, "minute": minute}
        if self.mode is BackupMode.WEEKLY:
            fields["day_of_week"] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][WEEKDAYS.index(self.weekday)]
        return fields

    def to_json(self) -> dict[str, Any]:
        """Encodes for the store."""
        return {"mode": self.mode.value, "start": self.start, "weekday": self.weekday, "target": self.target}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BackupSchedule:
        """Decodes from the store."""
        return cls(BackupMode(data.get("mode", "Off")), str(data.get("start", "0300")),
                   str(data.get("weekday", "Sun")), str(data.get("target", "device")))


# --- what the screens show ----------------------------------------------------------------------------


class DeviceState(enum.Enum):
    """A device's state on the server's device list (SYNC-15)."""

    SYNCHRONIZING = "Synchronizing"
    SYNCHRONIZED = "Synchronized"
    DISCONNECTED = "Disconnected"
    PAUSED = "Paused"
    ERROR = "Error"


@dataclass(frozen=True)
class DeviceRow:
    """One row of ``[Check Device Information]`` (SYNC-15), with the keychain-order warning (SYNC-16)."""

    device_name: str
    product_name: str
    location: str
    address: str
    role: str
    state: DeviceState
    last_sync: datetime | None
    firmware: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncLogEntry:
    """One line of a machine's sync log (SYNC-14): level ``Info``, ``Warning`` or ``Error``."""

    at: datetime
    level: str
    message: str
    peer: str = ""

    def to_json(self) -> dict[str, Any]:
        """Encodes for the store."""
        return {"at": self.at.isoformat(), "level": self.level, "message": self.message, "peer": self.peer}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SyncLogEntry:
        """Decodes from the store."""
        return cls(datetime.fromisoformat(data["at"]), data["level"], data["message"], data.get("peer", ""))


class SyncClientState(enum.Enum):
    """Where a machine's sync client function stands (shown on ``<Synchronize Custom Settings>``)."""

    STOPPED = "Stopped"
    CONNECTING = "Connecting"
    SYNCHRONIZING = "Synchronizing"
    SYNCHRONIZED = "Synchronized"
    DISCONNECTED = "Disconnected"
    ERROR = "Error"


@dataclass(frozen=True)
class SyncStatus:
    """A machine's sync functions at a glance (for the panel's ``<Synchronize Custom Settings>``)."""

    machine: str
    server_running: bool
    client_running: bool
    connected_to: str = ""
    client_state: SyncClientState = SyncClientState.STOPPED
    settings: SyncClientSettings = field(default_factory=SyncClientSettings)
    settings_pending: bool = False
    clients: Sequence[str] = ()
    pending_changes: int = 0
    """Changes made here that the server has not taken yet (kept while it is unreachable, SYNC-14)."""
