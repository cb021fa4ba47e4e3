"""Where each machine of the fleet listens, and which machine a typed address names (M-07, M-09).

**The plan.** Every machine has an address of its own (:func:`plan_addresses`): by default the fleet's
loopback addresses by position in the fleet file (``127.20.0.11``, ``.12``, … on :data:`MACHINE_PORT`),
or what the fleet file gives it: an ``address:``, or the address of the named host it ``runs_on:``
(machines sharing one host take ports 8443, 8444, … in file order). The plan is what the machine's
``<Network Settings>`` show and what a typed address is matched against.

**Where it really listens.** The fleet tries the planned address first. Two fleets on one computer (two
test workers, a panel and a test) may plan the same loopback addresses; the second then listens on an
ephemeral port of the same address and says so (:attr:`Listening.note`); a system without addresses of its
own in 127.0.0.0/8 (macOS, Windows) maps each planned address to an ephemeral port of ``127.0.0.1``, and says
so too. Either way a typed address still finds its machine: it is matched against the plan *and* against
where the machine really listens.

**Other processes.** A machine started in this process records its socket here and publishes
``{host, port, pid, control}`` in ``<state>/run/<name>.json``; other processes of the same state folder read
that file afresh every time they dial, so a machine restarted in its own process is reached again at once.
A machine placed on another computer (a non-loopback ``address:`` or ``runs_on:``) is dialled at its planned
address.

**What is dialled (M-07).** Loopback addresses, and addresses the fleet file names (machines' ``address:``,
the ``hosts:`` block). Any other address is never dialled, and no name is ever looked up in DNS: a host name
that no machine and no named host has ends ``E-UNREACH`` at once, as a name no DNS server knows would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mfp_console.domain.addressing import (
    MACHINE_PORT,
    AddressKind,
    TypedAddress,
    is_loopback,
    nth_address,
)
from mfp_console.errors import ConfigError, MachineUnavailable, RuleRefusal
from mfp_console.fleet_file import FleetSpec
from mfp_console.store.machine_lock import lock_holder
from mfp_console.store.paths import machine_database_path
from mfp_console.store.state_dir import (
    publish_address,
    read_published_address,
    withdraw_address,
)

__all__ = ["AddressRegistry", "Listening", "PlannedAddress", "Resolution", "is_loopback", "plan_addresses"]


@dataclass(frozen=True)
class PlannedAddress:
    """A machine's own address, as the fleet file and its position give it.

    Attributes:
        ipv4: What its ``<Network Settings>`` show as IPv4 address (a host name only when the fleet file
            writes one).
        port: The port it listens on: :data:`MACHINE_PORT` unless the fleet file says otherwise.
        opted_in: The address lies outside loopback and the fleet file opts the machine into it (M-07).
        runs_on: The named host it runs on (empty: wherever the fleet runs).
    """

    ipv4: str
    port: int = MACHINE_PORT
    opted_in: bool = False
    runs_on: str = ""

    @property
    def remote_capable(self) -> bool:
        """True when the machine may run on another computer and is dialled at this address."""
        return self.opted_in or bool(self.runs_on)

    def __str__(self) -> str:
        return f"{self.ipv4}:{self.port}"


@dataclass(frozen=True)
class Listening:
    """Where a machine started in this process really listens.

    Attributes:
        host: The bound address.
        port: The bound port.
        note: Empty when that is the planned address and port; else why not, in words.
    """

    host: str
    port: int
    note: str = ""


@dataclass(frozen=True)
class Resolution:
    """What a typed address names.

    Attributes:
        machine: The fleet machine at that address (empty when none).
        stray: ``host:port`` to dial for an address no machine has, when it may be dialled (M-07).
        reason: Why nothing is dialled, or how the address was matched, in words.
    """

    machine: str = ""
    stray: str = ""
    reason: str = ""

    @property
    def target(self) -> str:
        """What a conversation dials: the machine's name, the stray ``host:port``, or empty (nothing)."""
        return self.machine or self.stray


def plan_addresses(spec: FleetSpec) -> dict[str, PlannedAddress]:
    """Every machine's own address (see the module docstring).

    Raises:
        ConfigError: Two machines would have the same address and port, or the fleet runs past 127.0.0.0/8.
    """
    plans: dict[str, PlannedAddress] = {}
    for machine in spec.machines:
        if machine.address:
            typed = TypedAddress.parse(machine.address, "M-07")
            host = "127.0.0.1" if typed.kind is AddressKind.LOCALHOST else typed.host
            plans[machine.name] = PlannedAddress(host, typed.port or MACHINE_PORT, not is_loopback(host),
                                                 machine.runs_on)
    taken = {(p.ipv4, p.port) for p in plans.values()}
    first = spec.settings.first_address
    for index, machine in enumerate(spec.machines):
        if machine.name in plans:
            continue
        if machine.runs_on:
            host = spec.host_address(machine.runs_on)
            if not host:
                raise ConfigError(f"{machine.name} runs on {machine.runs_on!r}, which the fleet file's hosts do not name")
            port = MACHINE_PORT
            while (host, port) in taken:  # machines sharing a computer take the next ports in file order
                port += 1
            plans[machine.name] = PlannedAddress(host, port, not is_loopback(host), machine.runs_on)
        else:
            try:
                plans[machine.name] = PlannedAddress(nth_address(first, index))
            except RuleRefusal as exc:
                raise ConfigError(exc.reason) from None
        taken.add((plans[machine.name].ipv4, plans[machine.name].port))
    ordered = {name: plans[name] for name in spec.names}  # fleet-file order, whichever was planned first
    seen: dict[tuple[str, int], str] = {}
    for name, plan in ordered.items():
        other = seen.setdefault((plan.ipv4, plan.port), name)
        if other != name:
            raise ConfigError(f"{other} and {name} would both listen on {plan}: give one another address (M-09)")
    return ordered


class AddressRegistry:
    """The plan, and where every machine this process knows of really listens.

    Args:
        state_dir: The fleet's state folder (run files live in its ``run`` folder).
        spec: The fleet file's description (the plan is made from it).
    """

    def __init__(self, state_dir: Path, spec: FleetSpec) -> None:
        self._state_dir = Path(state_dir)
        self._here: dict[str, Listening] = {}
        self.control = ""
        """The control socket of this process (empty when none), published with every machine started here."""
        self.set_spec(spec)

    def set_spec(self, spec: FleetSpec) -> None:
        """Makes the plan from ``spec`` (the fleet's settings may be tuned while it runs)."""
        self._plan = plan_addresses(spec)
        self._by_socket = {(p.ipv4, p.port): name for name, p in self._plan.items()}  # one look-up per dial
        self._names = {name.casefold(): name for name in spec.names}
        self._hosts = dict(spec.hosts)
        self._opted = {p.ipv4 for p in self._plan.values() if p.opted_in} | {
            h for h in self._hosts.values() if not is_loopback(h)}

    # --- the plan ---------------------------------------------------------------------------------------

    def plan(self, name: str) -> PlannedAddress:
        """Machine ``name``'s own address and port."""
        return self._plan[name]

    def dialable(self, host: str) -> bool:
        """True when ``host`` may be dialled (M-07): loopback, or named by the fleet file."""
        return is_loopback(host) or host in self._opted

    def server_address(self, host: str) -> str:
        """Where to reach a server outside the fleet that an Administrator named (an SMB share, SYNC-18):
        a named host's address, or ``host`` itself when it may be dialled; empty when it may not (M-07)."""
        named = self._hosts.get(host.casefold())
        if named:
            return named
        return host if self.dialable(host) else ""

    # --- this process and the others ---------------------------------------------------------------------

    def listening_here(self, name: str, listening: Listening) -> None:
        """Records (and publishes for other processes) where ``name`` listens in this process."""
        self._here[name] = listening
        publish_address(self._state_dir, name, listening.host, listening.port, self.control, listening.note)

    def stopped_here(self, name: str) -> None:
        """Forgets ``name`` and removes its run file when this process wrote it."""
        self._here.pop(name, None)
        withdraw_address(self._state_dir, name)

    def here(self, name: str) -> Listening | None:
        """Where ``name`` listens in this process (None when it does not run here)."""
        return self._here.get(name)

    def process_elsewhere(self, name: str) -> int | None:
        """The id of another process that runs ``name`` on this state folder (it holds the machine's lock)."""
        holder = lock_holder(machine_database_path(self._state_dir, name))
        return None if holder is None or holder == os.getpid() else holder

    def elsewhere(self, name: str) -> tuple[str, int] | None:
        """The address another process of this state folder published for ``name``, if any.

        The machine runs elsewhere while another process holds its lock (the kernel drops a lock with its
        process, so a run file left by a killed process, or one whose process id now names another
        program, never counts). A damaged run file reads as "not published": the machine starts here.
        """
        published = read_published_address(self._state_dir, name)
        if published is None or published.pid == os.getpid() or self.process_elsewhere(name) is None:
            return None
        return published.host, published.port

    def control_of(self, name: str) -> tuple[str, int] | None:
        """The control socket and process id of the process that runs ``name`` elsewhere, if any."""
        published = read_published_address(self._state_dir, name)
        if (published is None or not published.control or published.pid == os.getpid()
                or self.process_elsewhere(name) is None):
            return None
        return published.control, published.pid

    def note_elsewhere(self, name: str) -> str:
        """The note another process published with ``name``'s address (empty when none)."""
        published = read_published_address(self._state_dir, name)
        return published.note if published is not None else ""

    def known(self, name: str) -> tuple[str, int] | None:
        """The address of ``name`` when it runs here or in another process of this state folder.

        Another process's address is read afresh each time: a machine restarted there is reached again at once.
        """
        here = self._here.get(name)
        return (here.host, here.port) if here is not None else self.elsewhere(name)

    def address_of(self, name: str) -> tuple[str, int]:
        """The socket address to dial machine ``name`` at.

        Raises:
            MachineUnavailable: ``name`` runs neither here nor in another process of this state folder, and the
                fleet file places it on no other computer.
        """
        found = self.known(name)
        if found is not None:
            return found
        plan = self._plan.get(name)
        if plan is not None and plan.remote_capable:
            return plan.ipv4, plan.port
        raise MachineUnavailable(f"{name} is not running (no address known)", "M-06")

    def socket_for(self, target: str) -> tuple[str, int]:
        """Where to dial ``target``: a machine's name, or a stray ``host:port`` from :meth:`resolve`.

        Raises:
            MachineUnavailable: A machine not running, or an address that may not be dialled (M-07).
        """
        if target in self._plan:
            return self.address_of(target)
        host, _, port = target.rpartition(":")
        host = host.strip("[]")
        if not host or not port.isdigit() or not self.dialable(host):
            raise MachineUnavailable(f"{target} is not dialled: neither loopback nor in the fleet file", "M-07")
        return host, int(port)

    # --- typed addresses -----------------------------------------------------------------------------------

    def resolve(self, text: str, source: str = "", default_port: int = MACHINE_PORT) -> Resolution:
        """Which machine the address ``text`` (typed on ``source``'s panel) names, or what to dial instead.

        ``localhost`` (``127.0.0.1``, ``::1``) is ``source`` itself; a host name is a machine's (its name) or a
        named host's; an IPv4 address is matched against every machine's own address and where it really
        listens. An address no machine has is dialled only when it may be (M-07), so that it fails as a real
        one would; anything else ends without a packet sent.
        """
        try:
            typed = TypedAddress.parse(text)
        except RuleRefusal:
            name = self._names.get(text.strip().casefold(), "")  # a value saved before addresses were checked
            return Resolution(name, reason="" if name else f"{text!r} is not an address")
        port = typed.port if typed.port is not None else default_port
        host = typed.host
        if typed.kind is AddressKind.LOCALHOST or host in ("127.0.0.1", "::1"):
            if source in self._plan and port in (default_port, self._plan[source].port):
                return Resolution(source, reason="localhost: this machine")
            found = self._machine_at("127.0.0.1", port)  # where a machine really listens when mapped
            return Resolution(found, reason=f"listening address of {found}") if found else \
                Resolution(stray=f"127.0.0.1:{port}", reason="localhost")
        if typed.kind is AddressKind.HOST_NAME:
            name = self._names.get(host, "")
            if name:
                really = self.known(name)
                if port in (default_port, self._plan[name].port) or (really is not None and really[1] == port):
                    return Resolution(name, reason=f"host name of {name}")
                host = self._plan[name].ipv4  # the machine's address, but another port: dialled as typed
            elif host in self._hosts:
                host = self._hosts[host]
            else:
                return Resolution(reason=f"no machine has the host name {host!r} (names are not looked up: M-07)")
        found = self._machine_at(host, port)
        if found:
            return Resolution(found, reason=f"IPv4 address of {found}")
        if self.dialable(host):
            where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            return Resolution(stray=where, reason=f"no machine of the fleet has {where}")
        return Resolution(reason=f"{host} is neither a loopback address nor one the fleet file names: "
                                 "it is not dialled (M-07)")

    def _machine_at(self, host: str, port: int) -> str:
        planned = self._by_socket.get((host, port))
        if planned:
            return planned
        for name, listening in self._here.items():
            if (listening.host, listening.port) == (host, port):
                return name
        run = self._state_dir / "run"
        if run.is_dir():  # a machine of another process that had to listen elsewhere than planned
            for path in sorted(run.glob("*.json")):
                if path.stem in self._plan and self.elsewhere(path.stem) == (host, port):
                    return path.stem
        return ""
