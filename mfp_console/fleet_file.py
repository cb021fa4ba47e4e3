"""Fleet files: the YAML description of a fleet (machines, models, options, PINs, distances, seed data).

A fleet file has a ``fleet:`` block of fleet-wide settings and a ``machines:`` list. A ``generate:`` block
adds many look-alike clients for load work (e.g. 1,000 receivers). A ``hosts:`` block names the computers a
fleet spans (each with its real address); a machine placed on one (``runs_on:``) listens there (M-07, M-09). Every problem is reported at once with
``file:line:column``; :func:`load_fleet_file` raises :class:`~mfp_console.errors.FileProblemsError`.

The default fleet ships inside the package (``mfp_console/data/default_fleet.yaml``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mfp_console.domain.addressing import (
    DEFAULT_FIRST_ADDRESS,
    AddressKind,
    TypedAddress,
    nth_address,
)
from mfp_console.domain.machine import Function, MachineIdentity, MachineOptions
from mfp_console.errors import FileProblemsError, RuleRefusal
from mfp_console.limits import (
    DESTINATIONS,
    DESTINATIONS_CONFIGURABLE,
    UPDATE_SECONDS_PER_MIB,
)
from mfp_console.yaml_source import (
    LocatedMap,
    Problems,
    load_located,
    mark_of,
    nearest,
    read_located,
)

__all__ = ["DEFAULT_FLEET_NAME", "FleetSettings", "FleetSpec", "MachineSpec", "SyncStart", "default_fleet_text",
           "load_fleet_file"]

DEFAULT_FLEET_NAME = "default"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_SEED_PROFILES = ("host", "client", "empty", "bench")

_FLEET_KEYS = ("name", "timezone", "destination_limit", "concurrency", "update_seconds_per_mib",
               "prepare_seconds_per_mib", "lockout", "first_address")
_MACHINE_KEYS = (
    "name", "model", "series", "serial", "location", "firmware", "options", "system_manager", "functions",
    "router_distance", "seed", "address", "user_authentication", "department_id_management",
    "sync_min_firmware", "runs_on", "sync",
)
_GENERATE_KEYS = ("count", "name_format", "template")


@dataclass(frozen=True)
class SyncStart:
    """Which sync functions a machine has started when it is first created (the fleet file's ``sync:``).

    Attributes:
        server: The server function is started.
        client: The client function is started: a machine with the server function connects to its own
            server (``localhost:8443``, SYNC-01), any other searches for the server (blank address).
    """

    server: bool = False
    client: bool = False


@dataclass(frozen=True)
class MachineSpec:
    """One machine as the fleet file describes it.

    Attributes:
        identity: Name, model, series, options, functions, router distance.
        system_manager_id: The initial System Manager ID (as written; normalised by the engine).
        system_manager_pin: The initial System Manager PIN.
        seed: Seed data profile (``host``, ``client``, ``empty``, ``bench``).
        address: ``address`` or ``address:port`` to listen on and be dialled at (M-07); empty: the fleet's
            own loopback address for this machine (or the address of the host it runs on).
        user_authentication: The machine uses user authentication (SYNC-04).
        department_id_management: The machine uses Department ID management.
        sync_min_firmware: Firmware below this version does not sync shortcuts and keychain (SYNC-17).
        runs_on: The named host (``hosts:``) the machine runs on; empty: the computer running the fleet.
        sync: The sync functions started in a new state folder (afterwards the machine's own store says).
    """

    identity: MachineIdentity
    system_manager_id: str = "7654321"
    system_manager_pin: str = "7654321"
    seed: str = "client"
    address: str = ""
    user_authentication: bool = True
    department_id_management: bool = True
    sync_min_firmware: str = ""
    runs_on: str = ""
    sync: SyncStart = SyncStart()

    @property
    def name(self) -> str:
        """The machine's name."""
        return self.identity.name


@dataclass(frozen=True)
class FleetSettings:
    """Fleet-wide settings.

    Attributes:
        name: A title for the fleet.
        timezone: IANA zone name for machine time (``UTC`` by default).
        destination_limit: The most destinations a host may register (DID-02; 100 like the machine).
        concurrency: How many destinations a distribution serves at once (DID-06; 1 like the machine).
        update_seconds_per_mib: Machine time a client spends applying 1 MiB of data (DID-11).
        prepare_seconds_per_mib: Machine time a host spends preparing 1 MiB of data before the first
            destination of a distribution (DID-25).
        lockout_threshold: Wrong PINs in a row that lock logins (M-03).
        lockout_minutes: How long logins stay locked (M-03).
        first_address: The loopback address of the first machine; the next machines take the next ones (M-09).
    """

    name: str = "Fleet"
    timezone: str = "UTC"
    destination_limit: int = DESTINATIONS
    concurrency: int = 1
    update_seconds_per_mib: float = 0.0
    prepare_seconds_per_mib: float = 0.0
    lockout_threshold: int = 5
    lockout_minutes: int = 5
    first_address: str = DEFAULT_FIRST_ADDRESS


@dataclass(frozen=True)
class FleetSpec:
    """A whole fleet: settings, machines in file order, and the named hosts they may run on."""

    settings: FleetSettings
    machines: tuple[MachineSpec, ...]
    source: str = DEFAULT_FLEET_NAME
    extra: dict[str, Any] = field(default_factory=dict)
    hosts: tuple[tuple[str, str], ...] = ()
    """``(name, address)`` of each computer the ``hosts:`` block names, in file order."""

    def host_address(self, name: str) -> str:
        """The address of the named host ``name`` (empty when the fleet file names no such host)."""
        return dict(self.hosts).get(name, "")

    def machine(self, name: str) -> MachineSpec:
        """Returns the machine called ``name``; raises ``KeyError`` with a hint when unknown."""
        for spec in self.machines:
            if spec.name == name:
                return spec
        hint = nearest(name, [m.name for m in self.machines])
        raise KeyError(f"no machine named {name!r} in the fleet" + (f"; {hint}" if hint else ""))

    @property
    def names(self) -> tuple[str, ...]:
        """Machine names in file order."""
        return tuple(m.name for m in self.machines)

    def default_host(self) -> str:
        """The first machine with the distribution sender function (else the first machine)."""
        for spec in self.machines:
            if Function.DISTRIBUTION_SENDER in spec.identity.functions:
                return spec.name
        return self.machines[0].name


def default_fleet_text() -> str:
    """Returns the text of the default fleet file shipped in the package."""
    return resources.files("mfp_console.data").joinpath("default_fleet.yaml").read_text(encoding="utf-8")


def load_fleet_file(path: Path | str | None) -> FleetSpec:
    """Loads a fleet file, or the default fleet when ``path`` is None or ``"default"``.

    Raises:
        FileProblemsError: Every problem found, each with ``file:line:column``.
    """
    if path is None or str(path) == DEFAULT_FLEET_NAME:
        return parse_fleet(load_located(default_fleet_text(), "<default fleet>"), DEFAULT_FLEET_NAME)
    return parse_fleet(read_located(Path(path)), str(path))


def parse_fleet(doc: Any, path: str) -> FleetSpec:
    """Validates a located YAML document as a fleet; see :func:`load_fleet_file`."""
    problems = Problems(path)
    if not isinstance(doc, dict):
        problems.add(mark_of(doc), "a fleet file must be a mapping with 'fleet' and 'machines'")
        problems.raise_if_any()
    problems.unknown_keys(doc, ("fleet", "machines", "generate", "hosts"), "the fleet file")
    settings = _parse_settings(doc.get("fleet") or LocatedMap(), problems)
    hosts = _parse_hosts(doc, problems)
    machines: list[MachineSpec] = []
    raw_machines = doc.get("machines")
    if not isinstance(raw_machines, list) or not raw_machines:
        problems.at_key(doc, "machines", "'machines' must be a non-empty list of machines")
        raw_machines = []
    seen: dict[str, Any] = {}
    for index, raw in enumerate(raw_machines):
        spec = _parse_machine(raw, problems, index)
        if spec is None:
            continue
        if spec.name in seen:
            problems.at_value(raw, "name", f"machine name {spec.name!r} is used twice")
            continue
        seen[spec.name] = raw
        machines.append(spec)
    if "generate" in doc:
        machines.extend(_generate(doc["generate"], problems, seen))
    for spec in machines:
        if spec.runs_on and spec.runs_on not in dict(hosts):
            problems.at_value(seen[spec.name], "runs_on", f"machine {spec.name!r} runs on {spec.runs_on!r}, which "
                              "the 'hosts' block does not name", nearest(spec.runs_on, [h for h, _ in hosts]))
    if len(machines) > 1:
        try:
            nth_address(settings.first_address, len(machines) - 1)
        except RuleRefusal as exc:
            problems.at_key(doc, "machines", exc.reason)
    problems.raise_if_any()
    return FleetSpec(settings, tuple(machines), source=path, hosts=hosts)


def _parse_hosts(doc: Any, problems: Problems) -> tuple[tuple[str, str], ...]:
    raw = doc.get("hosts")
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        problems.at_value(doc, "hosts", "'hosts' must map each host's name to its address, e.g. lab-a: 192.0.2.10")
        return ()
    hosts = []
    for name, value in raw.items():
        if not isinstance(name, str) or not _NAME_RE.match(name):
            problems.at_key(raw, name, f"host name {name!r} must be lowercase letters, digits and '-'")
            continue
        if not isinstance(value, str):
            problems.at_value(raw, name, f"the address of host {name!r} must be text, e.g. \"192.0.2.10\"")
            continue
        try:
            typed = TypedAddress.parse(value, "M-07")
        except RuleRefusal as exc:
            problems.at_value(raw, name, f"host {name!r}: {exc.reason}")
            continue
        if typed.port is not None or typed.kind in (AddressKind.LOCALHOST, AddressKind.IPV6):
            problems.at_value(raw, name, f"host {name!r} needs an IPv4 address or host name without a port "
                              f"(its machines take ports from 8443 on), got {value!r}")
            continue
        hosts.append((name, typed.host))
    return tuple(hosts)


def _parse_settings(raw: Any, problems: Problems) -> FleetSettings:
    if not isinstance(raw, dict):
        problems.add(mark_of(raw), "'fleet' must be a mapping of fleet settings")
        return FleetSettings()
    problems.unknown_keys(raw, _FLEET_KEYS, "'fleet'")
    lockout = raw.get("lockout") or {}
    if not isinstance(lockout, dict):
        problems.at_value(raw, "lockout", "'lockout' must be a mapping with 'threshold' and 'minutes'")
        lockout = {}
    else:
        problems.unknown_keys(lockout, ("threshold", "minutes"), "'lockout'")
    return FleetSettings(
        name=_str(raw, "name", "Fleet", problems),
        timezone=_str(raw, "timezone", "UTC", problems),
        destination_limit=_int(raw, "destination_limit", DESTINATIONS, problems, 1, DESTINATIONS_CONFIGURABLE),
        concurrency=_int(raw, "concurrency", 1, problems, 1, 1000),
        update_seconds_per_mib=_seconds_per_mib(raw, "update_seconds_per_mib", 0.0, problems),
        prepare_seconds_per_mib=_seconds_per_mib(raw, "prepare_seconds_per_mib", 0.0, problems),
        lockout_threshold=_int(lockout, "threshold", 5, problems, 1, 10),
        lockout_minutes=_int(lockout, "minutes", 5, problems, 1, 60),
        first_address=_first_address(raw, problems),
    )


def _first_address(raw: Any, problems: Problems) -> str:
    value = _str(raw, "first_address", DEFAULT_FIRST_ADDRESS, problems)
    try:
        nth_address(value, 0)
    except RuleRefusal as exc:
        problems.at_value(raw, "first_address", exc.reason)
        return DEFAULT_FIRST_ADDRESS
    return value


def _parse_machine(raw: Any, problems: Problems, index: int) -> MachineSpec | None:
    if not isinstance(raw, dict):
        problems.add(mark_of(raw), f"machine #{index + 1} must be a mapping")
        return None
    problems.unknown_keys(raw, _MACHINE_KEYS, "a machine")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        problems.at_value(
            raw, "name", f"machine #{index + 1} needs a 'name' of lowercase letters, digits and '-' (got {name!r})"
        )
        return None
    for required in ("model", "series"):
        if not isinstance(raw.get(required), str) or not raw.get(required):
            problems.at_key(raw, required if required in raw else "name", f"machine {name!r} needs a '{required}'")
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        problems.at_value(raw, "options", "'options' must be a mapping (card_reader, fax_board, universal_send_kit)")
        options = {}
    problems.unknown_keys(options, ("card_reader", "fax_board", "universal_send_kit"), f"options of {name!r}")
    manager = raw.get("system_manager") or {}
    if not isinstance(manager, dict):
        problems.at_value(raw, "system_manager", "'system_manager' must be a mapping with 'id' and 'pin'")
        manager = {}
    problems.unknown_keys(manager, ("id", "pin"), f"system_manager of {name!r}")
    for key in ("id", "pin"):
        if key in manager:
            _check_id_pin(manager, key, problems)
    functions = _functions(raw, problems, name)
    seed = _str(raw, "seed", "client", problems)
    if seed not in _SEED_PROFILES:
        problems.at_value(raw, "seed", f"unknown seed profile {seed!r}", nearest(seed, _SEED_PROFILES))
    address = _str(raw, "address", "", problems)
    if address:
        _check_address(raw, address, problems)
    identity = MachineIdentity(
        name=name,
        model=str(raw.get("model", "")),
        series=str(raw.get("series", "")),
        serial=_str(raw, "serial", f"SN-{name.upper()}", problems),
        location=_str(raw, "location", "", problems),
        firmware=_str(raw, "firmware", "1.00", problems),
        options=MachineOptions(
            card_reader=_bool(options, "card_reader", False, problems),
            fax_board=_bool(options, "fax_board", True, problems),  # (D) fitted unless said otherwise
            universal_send_kit=_bool(options, "universal_send_kit", False, problems),
        ),
        functions=functions,
        router_distance=_int(raw, "router_distance", 1, problems, 0, 64),
    )
    return MachineSpec(
        identity=identity,
        system_manager_id=str(manager.get("id", "7654321")),
        system_manager_pin=str(manager.get("pin", "7654321")),
        seed=seed,
        address=address,
        user_authentication=_bool(raw, "user_authentication", True, problems),
        department_id_management=_bool(raw, "department_id_management", True, problems),
        sync_min_firmware=_str(raw, "sync_min_firmware", "", problems),
        runs_on=_str(raw, "runs_on", "", problems),
        sync=_sync_start(raw, problems, name, functions),
    )


def _generate(raw: Any, problems: Problems, seen: dict[str, Any]) -> list[MachineSpec]:
    if not isinstance(raw, dict):
        problems.add(mark_of(raw), "'generate' must be a mapping with 'count', 'name_format' and 'template'")
        return []
    problems.unknown_keys(raw, _GENERATE_KEYS, "'generate'")
    count = _int(raw, "count", 0, problems, 1, 10_000)
    name_format = _str(raw, "name_format", "client-{n:04d}", problems)
    template = raw.get("template")
    if not isinstance(template, dict):
        problems.at_key(raw, "template" if "template" in raw else "count", "'generate' needs a 'template' machine")
        return []
    out: list[MachineSpec] = []
    for n in range(1, count + 1):
        try:
            name = name_format.format(n=n)
        except (KeyError, IndexError, ValueError):
            problems.at_value(raw, "name_format", f"bad name_format {name_format!r}: use {{n}} for the number")
            return []
        if name in seen:
            problems.at_value(raw, "name_format", f"generated name {name!r} clashes with a listed machine")
            return []
        raw_machine = LocatedMap(template)
        raw_machine.mark, raw_machine.key_marks = template.mark, dict(template.key_marks)
        raw_machine.value_marks = dict(template.value_marks)
        raw_machine["name"] = name
        spec = _parse_machine(raw_machine, problems, n - 1)
        if spec is None:
            return out
        seen[name] = raw_machine
        out.append(spec)
    return out


def _functions(raw: Any, problems: Problems, name: str) -> frozenset[Function]:
    value = raw.get("functions", [])
    if not isinstance(value, list):
        problems.at_value(raw, "functions", f"'functions' of {name!r} must be a list")
        return frozenset()
    out = set()
    valid = [f.value for f in Function]
    for i, item in enumerate(value):
        try:
            out.add(Function(item))
        except ValueError:
            mark = value.item_marks[i] if hasattr(value, "item_marks") else None
            problems.add(mark, f"unknown function {item!r} for {name!r}", nearest(str(item), valid))
    return frozenset(out)


def _sync_start(raw: Any, problems: Problems, name: str, functions: frozenset[Function]) -> SyncStart:
    value = raw.get("sync")
    if value is None:
        return SyncStart()
    if not isinstance(value, dict):
        problems.at_value(raw, "sync", "'sync' must be a mapping like {server: true, client: true}")
        return SyncStart()
    problems.unknown_keys(value, ("server", "client"), f"sync of {name!r}")
    start = SyncStart(_bool(value, "server", False, problems), _bool(value, "client", False, problems))
    if start.server and Function.SYNC_SERVER not in functions:
        problems.at_value(value, "server", f"{name!r} has no sync_server function to start")
    if start.client and not functions & {Function.SYNC_CLIENT, Function.SYNC_SERVER}:
        problems.at_value(value, "client", f"{name!r} has no sync_client function to start")
    return start


def _check_id_pin(manager: Any, key: str, problems: Problems) -> None:
    from mfp_console.domain.credentials import normalize_system_manager_value

    what = "System Manager ID" if key == "id" else "System Manager PIN"
    value = manager[key]
    if isinstance(value, int) and not isinstance(value, bool):
        problems.at_value(manager, key, f"write the {what} in quotes so leading zeros are kept, e.g. \"{value}\"")
        return
    try:
        normalize_system_manager_value(str(value), what)
    except RuleRefusal as exc:
        problems.at_value(manager, key, exc.reason)


def _check_address(raw: Any, address: str, problems: Problems) -> None:
    # The same reader as the panel's address fields: ASCII digits only in the port ('²' or '٣' are not).
    try:
        TypedAddress.parse(address, "M-07")
    except RuleRefusal as exc:
        problems.at_value(raw, "address", f"address must be host or host:port (an IPv4 address or host name; port 1 to 65535): "
                          f"{exc.reason}")


def update_rate_problem(value: Any) -> str:
    """Why ``value`` cannot be an ``update_seconds_per_mib`` (empty when it can): a finite number of seconds
    from 0 to :data:`~mfp_console.limits.UPDATE_SECONDS_PER_MIB` (``.inf`` would hang every update)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"must be a number of seconds from 0 to {UPDATE_SECONDS_PER_MIB:g}, got {value!r}"
    if not 0 <= value <= UPDATE_SECONDS_PER_MIB:
        return f"must be a number of seconds from 0 to {UPDATE_SECONDS_PER_MIB:g}, got {value!r}"
    return ""


def _str(raw: Any, key: str, default: str, problems: Problems) -> str:
    value = raw.get(key, default)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        problems.at_value(raw, key, f"'{key}' must be text")
        return default
    return value


def _int(raw: Any, key: str, default: int, problems: Problems, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.at_value(raw, key, f"'{key}' must be a whole number from {low} to {high}, got {value!r}")
        return default
    return value


def _seconds_per_mib(raw: Any, key: str, default: float, problems: Problems) -> float:
    value = raw.get(key, default)
    problem = update_rate_problem(value)
    if problem:
        problems.at_value(raw, key, f"'{key}' {problem}")
        return default
    return float(value)


def _bool(raw: Any, key: str, default: bool, problems: Problems) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.at_value(raw, key, f"'{key}' must be true or false, got {value!r}")
        return default
    return value


__all__ += ["FileProblemsError", "parse_fleet", "update_rate_problem"]
