"""Printed reports (``<Print List>``): the communication log and the destination list as plain text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.destinations import DestinationList

__all__ = ["communication_log_report", "destination_list_report"]


def _header(title: str, machine: str, now: datetime) -> list[str]:
    line = "=" * 78
    return [line, f"{title}".center(78), f"Machine: {machine}    Printed: {now:%Y-%m-%d %H:%M}", line]


def communication_log_report(machine: str, entries: Iterable[LogEntry], now: datetime) -> str:
    """Renders ``<Communication Log>`` as a report (DID-23): start, end, type, to/from, contents, result."""
    rows = _header("Communication Log", machine, now)
    rows.append(f"{'Start':16}  {'End':16}  {'Type':9}  {'To/From':12}  {'Result':12}  Contents")
    rows.append("-" * 78)
    count = 0
    for entry in entries:
        count += 1
        result = f"{entry.result} {entry.code}".strip()
        rows.append(
            f"{entry.start:%Y-%m-%d %H:%M}  {entry.end:%Y-%m-%d %H:%M}  {entry.kind:9}  {entry.peer[:12]:12}  "
            f"{result:12}  {', '.join(entry.contents)}"
        )
        if entry.detail:
            rows.append(f"{'':18}{entry.detail}")
    rows.append("-" * 78)
    rows.append(f"{count} entries")
    return "\n".join(rows) + "\n"


def destination_list_report(host: str, destinations: DestinationList, statuses: Mapping[str, str],
                            now: datetime) -> str:
    """Renders the registered destinations (DID-02 ``<Print List>``)."""
    rows = _header("Distribution Destinations", host, now)
    rows.append(f"{'No.':4}  {'Name':20}  {'Address':24}  Status")
    rows.append("-" * 78)
    for number, dest in enumerate(destinations, 1):
        address = dest.address if not dest.port else f"{dest.address}:{dest.port}"
        rows.append(f"{number:<4}  {dest.name[:20]:20}  {address[:24]:24}  {statuses.get(dest.name, '-')}")
    rows.append("-" * 78)
    rows.append(f"{len(destinations)} of {destinations.limit} destinations registered")
    return "\n".join(rows) + "\n"
