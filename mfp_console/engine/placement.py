"""Putting a machine on its own address: listening where the plan says, or as near as the system allows (M-09).

A machine listens on its planned address and port (:mod:`mfp_console.engine.addresses`). Two things can stand
in the way on one computer, and neither should stop a fleet from starting:

* **the port is taken** (``EADDRINUSE``): another fleet on this computer planned the same loopback address —
  two pytest-xdist workers each running the default fleet, or a panel and a test. The machine keeps its
  address and listens on an ephemeral port of it; the note says so, ``fleet status`` shows the real port and a
  typed address still finds the machine (it is matched against where the machine really listens too);
* **the address is not this system's** (``EADDRNOTAVAIL``): Linux answers for all of 127.0.0.0/8, macOS and
  Windows only for ``127.0.0.1``. The machine's address stays what its ``<Network Settings>`` show and the
  fleet maps it to an ephemeral port of ``127.0.0.1``; the note says so.

A planned address outside loopback (the fleet file opts the machine in, M-07) is bound exactly or not at all:
a clear :class:`~mfp_console.errors.ConfigError` says why. :func:`is_local_address` tells a fleet that starts
"every machine" which of those live on this computer; the others run on another one and are dialled there.

The machine's ``<Network Settings>`` show its address and host name (:func:`show_network_settings`), as a real
machine's do: the values are written when it starts, so an older state folder or a changed fleet file is
brought in line.
"""

from __future__ import annotations

import errno
import logging
import socket
from dataclasses import replace

from mfp_console.domain.device_info import Category, DeviceInformation, SettingValue
from mfp_console.engine.addresses import Listening, PlannedAddress, is_loopback
from mfp_console.engine.machine import Machine
from mfp_console.errors import ConfigError, TransportError
from mfp_console.store import MachineStore

__all__ = ["HOST_NAME_SETTING", "IPV4_SETTING", "is_local_address", "listen_as_planned", "show_network_settings",
           "with_network_address"]

_log = logging.getLogger(__name__)

IPV4_SETTING = "Network/IPv4 Address"
"""The end of the settings key that holds a machine's IPv4 address."""
HOST_NAME_SETTING = "Network/Host Name"
"""The end of the settings key that holds its host name."""

_NOT_AVAILABLE = {errno.EADDRNOTAVAIL, getattr(errno, "WSAEADDRNOTAVAIL", errno.EADDRNOTAVAIL)}
_IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}


def _errno(exc: BaseException) -> int | None:
    cause = exc.__cause__
    return cause.errno if isinstance(cause, OSError) else None


async def listen_as_planned(machine: Machine, plan: PlannedAddress) -> Listening:
    """Starts ``machine`` on its planned address (or the nearest loopback stand-in) and says where it listens.

    Raises:
        ConfigError: A planned address outside loopback cannot be bound (not this computer's, or taken).
        TransportError: A loopback address cannot be bound for another reason.
    """
    try:
        await machine.start(plan.ipv4, plan.port)
    except TransportError as exc:
        code = _errno(exc)
        if not is_loopback(plan.ipv4):
            why = "it is not an address of this computer" if code in _NOT_AVAILABLE else str(exc.__cause__ or exc)
            raise ConfigError(f"{machine.name} cannot listen on {plan}: {why} (M-07: the fleet file places it "
                              f"{'on ' + plan.runs_on if plan.runs_on else 'there'})") from None
        if code in _IN_USE:
            await machine.start(plan.ipv4, 0)
            port = _port(machine)
            note = (f"port {plan.port} of {plan.ipv4} is taken on this computer (another fleet uses the same "
                    f"addresses): listening on port {port} instead")
            _log.warning("%s: %s", machine.name, note)
            return Listening(plan.ipv4, port, note)
        if code in _NOT_AVAILABLE:
            await machine.start("127.0.0.1", 0)
            port = _port(machine)
            note = f"this system has no address {plan.ipv4} of its own: {plan} is mapped to 127.0.0.1:{port}"
            _log.warning("%s: %s", machine.name, note)
            return Listening("127.0.0.1", port, note)
        raise
    return Listening(plan.ipv4, _port(machine))


def _port(machine: Machine) -> int:
    assert machine.listener is not None
    return machine.listener.port


def is_local_address(host: str) -> bool:
    """True when this computer has ``host`` (it can be bound); loopback always is."""
    if is_loopback(host):
        return True
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    for family, kind, proto, _, address in infos:
        try:
            with socket.socket(family, kind, proto) as probe:
                probe.bind((address[0], 0))
            return True
        except OSError:
            continue
    return False


def with_network_address(info: DeviceInformation, ipv4: str, host_name: str) -> DeviceInformation:
    """``info`` with its ``<Network Settings>`` IPv4 address and host name set (the same object when they are)."""
    wanted = {IPV4_SETTING: ipv4, HOST_NAME_SETTING: host_name}
    changed = False
    values: list[SettingValue] = []
    for item in info.settings_values:
        for suffix, value in wanted.items():
            if item.key.endswith(suffix) and item.value != value:
                item = SettingValue(item.key, value, item.deliverable, item.network)
                changed = True
        values.append(item)
    return replace(info, settings_values=tuple(values)) if changed else info


def show_network_settings(store: MachineStore, plan: PlannedAddress, host_name: str) -> None:
    """Writes the machine's address and host name into its ``<Network Settings>`` when they differ (M-09)."""
    info = store.load_for_merge([Category.SETTINGS_VALUES])  # only what is checked: a start decodes no more
    shown = with_network_address(info, plan.ipv4, host_name)
    if shown is not info:
        store.save_category(Category.SETTINGS_VALUES, shown.settings_values)
