"""The one exception tree of mfp-console.

Every error the project raises on purpose derives from :class:`MfpError`. A refusal that a person can
cause (a wrong PIN, a busy machine, a bad file) carries a message that says what happened and what to do;
where a behaviour rule is the reason, the rule ID is carried too so that the message can name it.

::

    MfpError
    ├── ConfigError                 a fleet file, scenario file or setting is invalid
    │   ├── FileProblemsError       one or more problems located at file:line:column
    │   └── MachineInUse            another process runs this machine on the same state folder
    ├── RuleRefusal                 an operation refused by a behaviour rule (carries rule_id)
    │   ├── AuthError               System Manager ID/PIN or user login refused
    │   ├── LockedOut               logins locked after too many wrong PINs
    │   ├── MachineBusy             the machine is doing something that excludes this operation
    │   └── MachineUnavailable      the machine is off, cut off or otherwise unreachable
    ├── ProtocolError               the wire exchange broke a rule of the protocol
    │   ├── LocalProtocolError      we were about to send something invalid (a bug on our side)
    │   └── RemoteProtocolError     the peer sent something invalid (size, JSON, type, order)
    ├── RecordError                 a decoded JSON record has a wrong type or is out of bounds (a ValueError too)
    ├── TransportError              a socket or TLS failure (carries a reason code)
    ├── ShareError                  an SMB server refused or failed (carries a kind and the server's reason)
    └── StoreError                  a machine's database could not be read or written
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class MfpError(Exception):
    """Base class of every error mfp-console raises on purpose."""


class ConfigError(MfpError):
    """A fleet file, scenario file or setting is invalid."""


class MachineInUse(ConfigError):
    """Another process runs this machine on the same state folder (one process per machine)."""


@dataclass(frozen=True)
class FileProblem:
    """One problem located in a text file.

    Attributes:
        path: The file's path as the user gave it.
        line: 1-based line number (0 when unknown).
        column: 1-based column number (0 when unknown).
        message: What is wrong, in words a person can act on.
        hint: An optional suggestion, e.g. the nearest valid key.
    """

    path: str
    line: int
    column: int
    message: str
    hint: str = ""

    def location(self) -> str:
        """Returns ``file:line:column`` (or fewer parts when unknown)."""
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class FileProblemsError(ConfigError):
    """One or more problems found in a file; all are reported at once."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems: tuple[FileProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RuleRefusal(MfpError):
    """An operation refused because a behaviour rule forbids it.

    Attributes:
        rule_id: The rule that refuses, e.g. ``"DID-24"`` (empty when none applies).
        reason: A sentence a person can act on.
    """

    def __init__(self, reason: str, rule_id: str = "") -> None:
        self.rule_id = rule_id
        self.reason = reason
        super().__init__(f"{rule_id}: {reason}" if rule_id else reason)


class AuthError(RuleRefusal):
    """System Manager ID/PIN or a user's credentials were refused."""


class LockedOut(RuleRefusal):
    """Logins are locked after too many wrong PINs (M-03)."""

    def __init__(self, reason: str, seconds_left: float, rule_id: str = "M-03") -> None:
        self.seconds_left = seconds_left
        super().__init__(reason, rule_id)


class MachineBusy(RuleRefusal):
    """The machine is doing something that excludes the requested operation."""


class MachineUnavailable(RuleRefusal):
    """The machine is off, cut off from the network or otherwise unreachable."""


class ProtocolError(MfpError):
    """The wire exchange broke a rule of the protocol."""


class LocalProtocolError(ProtocolError):
    """This side tried to send something the protocol does not allow (a bug on our side)."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow: bad size, JSON, type or order."""


class RecordError(MfpError, ValueError):
    """A record decoded from JSON (from the wire, a file or a stored row) has a wrong type or is out of bounds.

    It is also a ``ValueError``, so every layer that already turns a bad value into its own error keeps
    doing so: the distribution receiver into a :class:`RemoteProtocolError` (E-PROTOCOL), the store into a
    :class:`StoreError`, an import into a :class:`ConfigError`.
    """


class TransportError(MfpError):
    """A socket or TLS failure.

    Attributes:
        code: A short reason code, e.g. ``"E-TLS"`` or ``"E-UNREACH"``.
    """

    def __init__(self, message: str, code: str) -> None:
        self.code = code
        super().__init__(message)


class ShareError(MfpError):
    """An SMB server refused or failed an operation on a share (SYNC-18 backups).

    Attributes:
        kind: What went wrong, one word: ``logon`` (user name or password refused), ``share`` (no such
            share), ``access`` (the user may not do this), ``missing`` (no such file or folder), ``full``
            (disk full or quota), ``lost`` (the connection broke), ``timeout``, ``unreachable``,
            ``encryption`` (the server does not offer SMB 3 encryption), ``invalid`` (not a backup).
        reason: The server's own reason, e.g. ``STATUS_LOGON_FAILURE``, or the socket's.
    """

    def __init__(self, message: str, kind: str, reason: str = "") -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(f"{message} ({reason})" if reason else message)


class StoreError(MfpError):
    """A machine's database could not be opened, read or written."""
