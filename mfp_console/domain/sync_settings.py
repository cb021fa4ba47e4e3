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

from mfp_console.domain.addressing import TypedAddress
from mfp_console.domain.schedule import parse_start_time
from mfp_console.errors import RuleRefusal
from mfp_console.limits import SYNC_MACHINES, SYNC_USERS

__all__ = [
    "MAX_SYNC_MACHINES",
    "MAX_SYNC_USERS",
    "SERVER_PORT",
    "AuthSettings",
    "BackupFile",
    "BackupSchedule",
    "BackupTarget",
    "DeviceRow",
    "DeviceState",
    "ServerAddress",
    "split_backup_file",
    "SyncClientSettings",
    "SyncClientState",
    "SyncLogEntry",
    "UserLimitAction",
]

SERVER_PORT = 8443
"""The only port a ``[Destination Server Address:]`` may name."""
MAX_SYNC_MACHINES = SYNC_MACHINES
"""Machines that may synchronize, the server included (SYNC-02)."""
MAX_SYNC_USERS = SYNC_USERS
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

        The host is an IPv4 address, a host name or ``localhost`` (M-09), read as every address field reads it.

        Raises:
            RuleRefusal: (SYNC-01) a port other than 8443, or an address that cannot be read.
        """
        text = text.strip()
        if not text:
            return cls()
        typed = TypedAddress.parse(text, "SYNC-01")
        if typed.port is not None and typed.port != SERVER_PORT:
            raise RuleRefusal(f"{text!r}: a port is optional, but when given it must be {SERVER_PORT}", "SYNC-01")
        return cls(typed.host, SERVER_PORT)

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
        return json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), allow_nan=False).encode()

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


SMB_PORT = 445
"""The port of an ``smb://`` target that names none."""


@dataclass(frozen=True)
class BackupTarget:
    """Where a backup goes: the server's own storage, or a folder on an SMB share
    ``smb://host[:port]/share[/folder…]``."""

    kind: str = "device"
    host: str = ""
    share: str = ""
    folder: tuple[str, ...] = ()
    port: int = SMB_PORT

    @classmethod
    def parse(cls, text: str) -> BackupTarget:
        """Parses ``device`` (or blank) and ``smb://host[:port]/share[/folder…]`` (``[v6]:port`` for IPv6).

        Raises:
            RuleRefusal: (SYNC-18) anything else, a bad port, or a path part that could leave the share.
        """
        text = text.strip()
        if text in ("", "device", "Device Storage"):
            return cls()
        if not text.lower().startswith("smb://"):
            raise RuleRefusal(f"{text!r}: back up to the device's storage or to smb://host/share", "SYNC-18")
        parts = [p for p in text[6:].split("/") if p]
        if len(parts) < 2:
            raise RuleRefusal(f"{text!r}: an SMB target needs a host and a share (smb://host/share)", "SYNC-18")
        host, port = _split_host_port(text, parts[0])
        for part in parts[1:]:
            if part in (".", "..") or any(ch in part for ch in '\\:*?"<>|') or any(ord(ch) < 32 for ch in part):
                raise RuleRefusal(f"{text!r}: {part!r} cannot be part of an SMB path", "SYNC-18")
        return cls("smb", host, parts[1], tuple(parts[2:]), port)

    @property
    def is_smb(self) -> bool:
        """True for an SMB share."""
        return self.kind == "smb"

    def share_url(self) -> str:
        """``smb://host[:port]/share``: which saved SMB user name and password belong to this target."""
        return str(BackupTarget("smb", self.host, self.share, (), self.port)) if self.is_smb else ""

    def file_url(self, name: str) -> str:
        """The address of one backup file in this target's folder (``smb://…/name``)."""
        return f"{self}/{name}"

    def __str__(self) -> str:
        if not self.is_smb:
            return "device"
        host = f"[{self.host}]" if ":" in self.host else self.host
        where = host if self.port == SMB_PORT else f"{host}:{self.port}"
        return "smb://" + "/".join((where, self.share, *self.folder))


def _split_host_port(text: str, netloc: str) -> tuple[str, int]:
    host, port_text = netloc, ""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0 or (netloc[end + 1:] and not netloc[end + 1:].startswith(":")):
            raise RuleRefusal(f"{text!r}: write an IPv6 host as [address] or [address]:port", "SYNC-18")
        host, port_text = netloc[1:end], netloc[end + 2:]
    elif netloc.count(":") == 1:
        host, port_text = netloc.split(":")
    elif ":" in netloc:
        raise RuleRefusal(f"{text!r}: write an IPv6 host in brackets: smb://[address]/share", "SYNC-18")
    if not host or any(ch in host for ch in "\\@ ") or any(ord(ch) < 32 for ch in host):
        raise RuleRefusal(f"{text!r}: {host!r} is not a host name or address", "SYNC-18")
    if not port_text:
        return host, SMB_PORT
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise RuleRefusal(f"{text!r}: the port must be a number from 1 to 65535", "SYNC-18")
    return host, int(port_text)


def split_backup_file(text: str) -> tuple[BackupTarget, str]:
    """Splits the address of a backup file on a share (``smb://host/share/folder/name.json``) into its
    target and file name.

    Raises:
        RuleRefusal: (SYNC-18) not an ``smb://`` address with a share and a file name.
    """
    folder, _, name = text.strip().rstrip("/").rpartition("/")
    target = BackupTarget.parse(folder)
    if not target.is_smb or not name:
        raise RuleRefusal(f"{text!r}: a backup on an SMB server is smb://host/share/folder/file.json", "SYNC-18")
    return target, name


@dataclass(frozen=True)
class BackupFile:
    """One backup file: its name, where it is (a file path, or ``smb://…/name`` on a share) and its size."""

    name: str
    location: str
    size: int = 0

    def __str__(self) -> str:
        return self.location


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
