"""The ``<Communication Log>`` of a machine (DID-23): one entry as a value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

__all__ = ["DELIVERED", "RECEIVED", "RESULTS", "LogEntry"]

DELIVERED: Final = "Delivered"
"""The type of a host's entry (DID-23)."""

RECEIVED: Final = "Received"
"""The type of a client's entry (DID-23)."""

RESULTS: Final = ("OK", "NG")
"""The results an entry may carry."""


@dataclass(frozen=True)
class LogEntry:
    """One line of the communication log.

    Attributes:
        start: When the exchange started (machine time).
        end: When it ended.
        kind: ``Delivered`` on the host, ``Received`` on the client; other words (``Restore``, ``Auto``)
            for the machine's own events.
        peer: The machine the data went to or came from.
        contents: The data contents, e.g. category labels.
        result: ``OK`` or ``NG``.
        code: The error code with ``NG`` (``E-AUTH`` …), empty with ``OK``.
        detail: Free text, e.g. which categories the client refused.
    """

    start: datetime
    end: datetime
    kind: str
    peer: str
    contents: tuple[str, ...] = ()
    result: str = "OK"
    code: str = ""
    detail: str = ""

    def __post_init__(self) -> None:
        if self.result not in RESULTS:
            raise ValueError(f"a log entry's result is OK or NG, not {self.result!r}")
        if not isinstance(self.contents, tuple):
            object.__setattr__(self, "contents", tuple(self.contents))

    @property
    def ok(self) -> bool:
        """True for a successful exchange."""
        return self.result == "OK"
