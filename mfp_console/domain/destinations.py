"""The host's ``<Register Destinations>`` list and ``<Auto Search/Register>`` (DID-02, DID-06).

A :class:`DestinationList` is an ordered value: distribution serves destinations in this order (DID-06).
Names identify destinations everywhere else (the saved auto distribution, the status cells), so both a
name and an address may be registered only once. :func:`auto_search` is the pure part of
``<Start Auto Search>``: the fleet supplies every other machine with its router distance, and the search
keeps those within ``<Search Depth (Router)>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from mfp_console.errors import RuleRefusal
from mfp_console.limits import DESTINATIONS

__all__ = [
    "DEFAULT_DESTINATION_LIMIT",
    "SEARCH_DEPTH_RANGE",
    "Destination",
    "DestinationList",
    "auto_search",
]

DEFAULT_DESTINATION_LIMIT = DESTINATIONS
"""Destinations a host can register (DID-02, D; configurable)."""

SEARCH_DEPTH_RANGE = range(1, 9)
"""``<Search Depth (Router)>`` accepts 1 to 8 (DID-02)."""


@dataclass(frozen=True)
class Destination:
    """One registered destination (DID-02).

    Attributes:
        name: The name shown in the list; unique in the list.
        address: IP address or host name as the fleet knows the machine.
        port: TCP port; 0 means the fleet's distribution port.
        host_name: The host name found by auto search with ``<Display Host Name>`` ``<On>``, else empty.
    """

    name: str
    address: str
    port: int = 0
    host_name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "address", self.address.strip())
        if not self.name:
            raise RuleRefusal("Enter a name for the destination", "DID-02")
        if not self.address:
            raise RuleRefusal(f"Enter an address for destination {self.name!r}", "DID-02")
        if type(self.port) is not int or not 0 <= self.port <= 65535:
            raise RuleRefusal(
                f"Port of destination {self.name!r} must be 0 (the fleet's port) to 65535; got {self.port!r}",
                "DID-02",
            )

    @property
    def address_key(self) -> tuple[str, int]:
        """What makes two destinations the same machine: the address (case ignored) and the port."""
        return self.address.casefold(), self.port

    def to_json(self) -> dict[str, Any]:
        """Encodes the destination."""
        return {"name": self.name, "address": self.address, "port": self.port, "host_name": self.host_name}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Destination:
        """Decodes a destination; raises ``KeyError``/``RuleRefusal`` on bad data."""
        return cls(str(data["name"]), str(data["address"]), int(data.get("port", 0)),
                   str(data.get("host_name", "")))


@dataclass(frozen=True)
class DestinationList:
    """The registered destinations in list order (DID-02, DID-06).

    Attributes:
        destinations: The destinations, in the order they were registered.
        limit: How many may be registered (default 100).
    """

    destinations: tuple[Destination, ...] = ()
    limit: int = DEFAULT_DESTINATION_LIMIT

    def __len__(self) -> int:
        return len(self.destinations)

    def __iter__(self) -> Iterator[Destination]:
        return iter(self.destinations)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def names(self) -> tuple[str, ...]:
        """The destinations' names, in list order."""
        return tuple(d.name for d in self.destinations)

    def find(self, name: str) -> Destination | None:
        """Returns the destination called ``name`` (case ignored), or None."""
        wanted = name.strip().casefold()
        return next((d for d in self.destinations if d.name.casefold() == wanted), None)

    def get(self, name: str) -> Destination:
        """Returns the destination called ``name``.

        Raises:
            RuleRefusal: (``DID-02``) when no destination has that name.
        """
        found = self.find(name)
        if found is None:
            raise RuleRefusal(f"No destination named {name!r} is registered", "DID-02")
        return found

    def add(self, destination: Destination) -> DestinationList:
        """Returns the list with ``destination`` appended (``<Register>``).

        Raises:
            RuleRefusal: (``DID-02``) when the list is full, or the name or address is registered already
                (the message names the existing entry).
        """
        if len(self.destinations) >= self.limit:
            raise RuleRefusal(
                f"At most {self.limit} destinations can be registered; delete one before registering "
                f"{destination.name!r}",
                "DID-02",
            )
        for existing in self.destinations:
            if existing.address_key == destination.address_key:
                raise RuleRefusal(
                    f"Address {destination.address!r} is already registered as {existing.name!r}",
                    "DID-02",
                )
            if existing.name.casefold() == destination.name.casefold():
                raise RuleRefusal(
                    f"Name {destination.name!r} is already used by the destination at "
                    f"{existing.address!r}; choose another name",
                    "DID-02",
                )
        return replace(self, destinations=(*self.destinations, destination))

    def add_found(self, found: Iterable[Destination]) -> tuple[DestinationList, tuple[str, ...]]:
        """Registers auto-search results, skipping the ones that cannot be added.

        Returns:
            The new list and one sentence per skipped destination (duplicate, or the list is full).
        """
        current = self
        skipped: list[str] = []
        for destination in found:
            try:
                current = current.add(destination)
            except RuleRefusal as refusal:
                skipped.append(refusal.reason)
        return current, tuple(skipped)

    def delete(self, name: str) -> DestinationList:
        """Returns the list without the destination called ``name`` (``<Delete>``); order is kept.

        Raises:
            RuleRefusal: (``DID-02``) when no destination has that name.
        """
        gone = self.get(name)
        return replace(self, destinations=tuple(d for d in self.destinations if d is not gone))

    def to_json(self) -> dict[str, Any]:
        """Encodes the list."""
        return {"limit": self.limit, "destinations": [d.to_json() for d in self.destinations]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DestinationList:
        """Decodes a list, checking the same rules as :meth:`add`."""
        limit = int(data.get("limit", DEFAULT_DESTINATION_LIMIT))
        destinations = tuple(Destination.from_json(item) for item in data["destinations"])
        by_address: dict[tuple[str, int], Destination] = {}
        by_name: dict[str, Destination] = {}
        for destination in destinations:
            # The same refusals as add(), in one pass: a stored list of 1,000 must not cost n² checks.
            clash = by_address.get(destination.address_key) or by_name.get(destination.name.casefold())
            if clash is not None:
                cls((clash,), limit + 1).add(destination)  # raises with add()'s own message
            by_address[destination.address_key] = destination
            by_name[destination.name.casefold()] = destination
        if len(destinations) > limit:
            cls(destinations[:limit], limit).add(destinations[limit])  # raises "at most … destinations"
        return cls(destinations, limit)


def auto_search(
    candidates: Iterable[tuple[str, str, int]], depth: int, display_host_name: bool
) -> list[Destination]:
    """Finds the machines within ``<Search Depth (Router)>`` (DID-02).

    Args:
        candidates: ``(host name, address, router distance)`` of every other machine the fleet knows.
        depth: ``<Search Depth (Router)>``, 1 to 8; machines at most this many routers away are found.
        display_host_name: ``<Display Host Name>``; ``<On>`` names results by host name, ``<Off>`` by
            address.

    Returns:
        The machines found, nearest first (ties in the candidates' order).

    Raises:
        RuleRefusal: (``DID-02``) when ``depth`` is outside 1–8.
    """
    if type(depth) is not int or depth not in SEARCH_DEPTH_RANGE:
        raise RuleRefusal(f"<Search Depth (Router)> must be 1 to 8; got {depth!r}", "DID-02")
    found = [(distance, name, address) for name, address, distance in candidates if distance <= depth]
    found.sort(key=lambda item: item[0])
    return [
        Destination(
            name=name if display_host_name else address,
            address=address,
            host_name=name if display_host_name else "",
        )
        for _, name, address in found
    ]
