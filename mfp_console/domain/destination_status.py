"""What a destination's ``<Status>`` cell can say during and after a distribution (DID-04, DID-05)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["ERROR_CODES", "DestinationResult", "StatusKind"]

ERROR_CODES = frozenset({"E-UNREACH", "E-TLS", "E-AUTH", "E-MODEL", "E-BUSY", "E-REFUSED", "E-INTERRUPTED",
                         "E-PROTOCOL"})
"""The error codes of an ``NG`` status (DID-05)."""


class StatusKind(enum.Enum):
    """The values of a destination's ``<Status>`` cell (DID-05)."""

    WAITING = "Waiting"
    DISTRIBUTING = "Distributing"
    OK = "OK"
    NG = "NG"
    CANCELED = "Canceled"

    @property
    def final(self) -> bool:
        """True once the destination is done."""
        return self in (StatusKind.OK, StatusKind.NG, StatusKind.CANCELED)


@dataclass(frozen=True)
class DestinationResult:
    """A destination's status, with its error code when ``NG`` and a line of detail."""

    destination: str
    kind: StatusKind
    code: str = ""
    detail: str = ""

    @property
    def text(self) -> str:
        """What the ``<Status>`` cell shows, e.g. ``NG E-AUTH``."""
        return f"{self.kind.value} {self.code}".strip()
