"""What an operator types where a machine asks for an address, and the fleet's own loopback addresses (M-09).

Every screen that asks for an address (``<Register>`` of Register Destinations, the sync client's
``[Destination Server Address:]``) takes an IPv4 address, a host name or ``localhost``, with a port where
the real screen takes one. :meth:`TypedAddress.parse` reads that text once, the same way everywhere, and
refuses what no real machine would accept (spaces, a scheme, a port out of range, ``256.1.1.1``) with a
message naming the rule.

A machine listens on :data:`MACHINE_PORT`: 8443, the port a real sync server uses (SYNC-01). Canon
publishes no port for Device Information Distribution (docs/canon-research), so the one listener of a
machine serves every purpose on that port (the greeting names the purpose).

On Linux every machine gets an address of its own in 127.0.0.0/8: the fleet's ``first_address`` (by
default :data:`DEFAULT_FIRST_ADDRESS`) for the first machine of the fleet file and the following ones for
the next, skipping the ``.0`` and ``.255`` host parts (:func:`nth_address`), so a fleet file gives the
same addresses on every run and every computer.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass

from mfp_console.errors import RuleRefusal

__all__ = [
    "DEFAULT_FIRST_ADDRESS",
    "LOOPBACK_NETWORK",
    "MACHINE_PORT",
    "AddressKind",
    "TypedAddress",
    "is_loopback",
    "nth_address",
]

MACHINE_PORT = 8443
"""The port every machine listens on, as a real sync server does (SYNC-01)."""

DEFAULT_FIRST_ADDRESS = "127.20.0.11"
"""The loopback address of the first machine of a fleet file that names no ``first_address``."""

LOOPBACK_NETWORK = ipaddress.IPv4Network("127.0.0.0/8")
"""Where the fleet's own addresses live (M-07: nothing outside it is dialled unless a fleet file says so)."""

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_DIGITS = re.compile(r"^[0-9]{1,5}$")
_MAX_NAME = 253


class AddressKind(enum.Enum):
    """What kind of address was typed."""

    IPV4 = "IPv4 address"
    IPV6 = "IPv6 address"
    HOST_NAME = "host name"
    LOCALHOST = "localhost"


@dataclass(frozen=True)
class TypedAddress:
    """An address as an operator typed it: a host (IPv4, IPv6, host name or ``localhost``) and maybe a port.

    Attributes:
        host: The host part, without brackets (an IPv4 or IPv6 address in canonical form, or a name).
        port: The port when one was typed, else None.
        kind: What the host is.
    """

    host: str
    port: int | None
    kind: AddressKind

    @classmethod
    def parse(cls, text: str, rule: str = "M-09") -> TypedAddress:
        """Reads ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address.

        Args:
            text: What was typed (surrounding spaces are ignored).
            rule: The rule a refusal names (M-09 by default; SYNC-01 on the sync client's screen).

        Raises:
            RuleRefusal: Empty, or not an IPv4/IPv6 address, host name or ``localhost``, or a bad port.
        """
        text = text.strip()
        if not text:
            raise RuleRefusal("Enter an IPv4 address, a host name or localhost", rule)
        if "://" in text or "/" in text:
            raise RuleRefusal(f"{text!r}: type only the address (and a port), without a scheme or a path", rule)
        host, port_text = text, None
        if text.startswith("["):
            end = text.find("]")
            rest = text[end + 1:] if end >= 0 else ""
            if end < 0 or (rest and not rest.startswith(":")):
                raise RuleRefusal(f"{text!r}: write an IPv6 address as [address] or [address]:port", rule)
            host, port_text = text[1:end], (rest[1:] if rest else None)
            if _ipv6(host) is None:
                raise RuleRefusal(f"{text!r}: {host!r} in brackets is not an IPv6 address", rule)
        elif text.count(":") == 1:
            host, port_text = text.split(":")
        port = _port(text, port_text, rule)
        return _typed(text, host, port, rule)

    @property
    def is_loopback(self) -> bool:
        """True for ``localhost``, 127.0.0.0/8 and ``::1``."""
        return is_loopback(self.host)

    def with_port(self, default: int) -> tuple[str, int]:
        """``(host, port)``, the typed port or ``default``."""
        return self.host, self.port if self.port is not None else default

    def __str__(self) -> str:
        host = f"[{self.host}]" if self.kind is AddressKind.IPV6 else self.host
        return host if self.port is None else f"{host}:{self.port}"


def _typed(text: str, host: str, port: int | None, rule: str) -> TypedAddress:
    host = host.strip()
    if not host:
        raise RuleRefusal(f"{text!r}: the address has no host before the port", rule)
    v6 = _ipv6(host)
    if v6 is not None:
        return TypedAddress(str(v6), port, AddressKind.IPV6)
    if host.casefold() == "localhost":
        return TypedAddress("localhost", port, AddressKind.LOCALHOST)
    labels = host.rstrip(".").split(".")
    if all(label.isdigit() for label in labels if label) and all(c in "0123456789." for c in host):
        # Only digits and dots: it must be a dotted-quad IPv4 address (no '10.1' or '300.1.1.1' guessing).
        try:
            return TypedAddress(str(ipaddress.IPv4Address(host)), port, AddressKind.IPV4)
        except ValueError:
            raise RuleRefusal(f"{text!r}: {host!r} is not an IPv4 address (four numbers 0-255 with dots)",
                              rule) from None
    if len(host) > _MAX_NAME or not all(_LABEL.match(label) for label in labels):
        raise RuleRefusal(f"{text!r} is not an IPv4 address, a host name or localhost", rule)
    return TypedAddress(host.rstrip(".").casefold(), port, AddressKind.HOST_NAME)


def _port(text: str, port_text: str | None, rule: str) -> int | None:
    if port_text is None:
        return None
    if not _DIGITS.match(port_text) or not 1 <= int(port_text) <= 65535:
        raise RuleRefusal(f"{text!r}: the port must be a number from 1 to 65535", rule)
    return int(port_text)


def _ipv6(host: str) -> ipaddress.IPv6Address | None:
    if ":" not in host:
        return None
    try:
        return ipaddress.IPv6Address(host)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` (any case), an address in 127.0.0.0/8, and ``::1``."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def nth_address(first: str, index: int) -> str:
    """The address ``index`` places after ``first``, skipping host parts ``.0`` and ``.255``.

    Raises:
        RuleRefusal: (M-07) ``first`` is not an IPv4 address in 127.0.0.0/8 with a host part 1-254, or the
            fleet runs past the end of 127.0.0.0/8.
    """
    try:
        start = ipaddress.IPv4Address(first)
    except ValueError:
        raise RuleRefusal(f"first_address {first!r} is not an IPv4 address", "M-07") from None
    value = int(start)
    if start not in LOOPBACK_NETWORK or not 1 <= value & 0xFF <= 254:
        raise RuleRefusal(f"first_address {first} must lie in 127.0.0.0/8 with a last number from 1 to 254",
                          "M-07")
    offset = (value & 0xFF) - 1 + index
    address = ipaddress.IPv4Address((((value >> 8) + offset // 254) << 8) | (1 + offset % 254))
    if address not in LOOPBACK_NETWORK or address == LOOPBACK_NETWORK.broadcast_address:
        raise RuleRefusal(f"the fleet has too many machines to number from {first} within 127.0.0.0/8", "M-07")
    return str(address)
