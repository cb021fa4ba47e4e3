"""A validated scenario as frozen values: the :class:`Scenario`, its located :class:`Step` list and the typed
payload of each step kind.

The validator (``validate.py``) builds these; the runner (``runner.py``) only reads them. Every step knows
where it stood in the file (first and last line), so a failure can quote the YAML that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Union

from mfp_console.domain.device_info import Category
from mfp_console.fleet_file import FleetSpec
from mfp_console.scenario.timeparse import Moment, format_duration

__all__ = [
    "Advance",
    "At",
    "AutoDistributionStep",
    "Cancel",
    "Check",
    "Condition",
    "DataCheck",
    "DataExpectation",
    "DepartmentCheck",
    "DestinationChange",
    "Destinations",
    "DestinationsCheck",
    "Distribute",
    "Expect",
    "Goto",
    "LogCheck",
    "Login",
    "Logout",
    "NextEvent",
    "Note",
    "PanelCheck",
    "Press",
    "RefusedCheck",
    "Receiving",
    "Restore",
    "SystemManager",
    "RestorableCheck",
    "Scenario",
    "SetToggles",
    "StateCheck",
    "StatusCheck",
    "Step",
    "SyncAction",
    "SyncCheck",
    "SyncStep",
    "Tick",
    "TypeText",
    "Wait",
    "World",
    "WorldAction",
]


# --- panel steps -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class At:
    """Walk up to a machine's panel."""

    machine: str


@dataclass(frozen=True)
class Login:
    """Log in with a System Manager ID and PIN at the current panel."""

    manager_id: str
    pin: str


@dataclass(frozen=True)
class Logout:
    """Log out of the current panel."""


@dataclass(frozen=True)
class Press:
    """Press one button, or a path of buttons in order."""

    labels: tuple[str, ...]


@dataclass(frozen=True)
class SetToggles:
    """Switch toggles on the current screen, in the written order."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Tick:
    """Tick items of a list on the current screen (destinations, categories)."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class TypeText:
    """Type text into fields of the current screen."""

    items: tuple[tuple[str, str], ...]


# --- the world and time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorldAction:
    """One fault or event: ``power_off client-a``, ``busy client-b Printing``, ``change_pin …``."""

    action: str
    machine: str
    activity: str = ""
    pin: str = ""

    def describe(self) -> str:
        """A short line for transcripts."""
        extra = f" ({self.activity})" if self.activity else ""
        extra += " (new PIN)" if self.pin else ""
        return f"{self.action.replace('_', ' ')} {self.machine}{extra}"


@dataclass(frozen=True)
class World:
    """Events in the world, applied in the written order."""

    actions: tuple[WorldAction, ...]


@dataclass(frozen=True)
class Advance:
    """Move machine time forward, firing what falls due on the way."""

    seconds: float


@dataclass(frozen=True)
class Goto:
    """Move machine time to a moment."""

    moment: Moment


@dataclass(frozen=True)
class NextEvent:
    """Jump to the next scheduled event (UI-05)."""


@dataclass(frozen=True)
class Condition:
    """What a ``wait`` waits for.

    Attributes:
        kind: ``distribution_finished``, ``distribution_started``, ``power``, ``activity``, ``error``,
            ``network``, ``status``.
        machine: The machine (or destination for ``status``) the condition is about; empty for any.
        value: The awaited value (``Off``, ``Idle``, ``E-UPDATE``, ``none``, ``NG E-AUTH`` …).
        text: The condition as written.
    """

    kind: str
    machine: str = ""
    value: str = ""
    text: str = ""


@dataclass(frozen=True)
class Wait:
    """Wait in machine time until a condition holds, at most ``within`` seconds."""

    condition: Condition
    within: float

    def describe(self) -> str:
        """``until … (within 10m)``."""
        return f"until {self.condition.text} (within {format_duration(self.within)})"


# --- engine shortcuts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribute:
    """Start a manual distribution through the fleet facade (no panel)."""

    host: str
    categories: tuple[Category, ...]
    to: tuple[str, ...]
    include_network: bool = False
    credentials: tuple[str, str] | None = None


@dataclass(frozen=True)
class Cancel:
    """``<Cancel>`` the host's running distribution through the fleet facade."""

    host: str


@dataclass(frozen=True)
class Receiving:
    """Change a client's ``<Receiving Settings>`` through the fleet facade.

    Attributes:
        receive: ``<Restrict Receiving for Each Function>`` switches as the panel shows them: ``<On>``
            (True) receives the category, ``<Off>`` refuses it (DID-19).
    """

    machine: str
    restrict_model: bool | None = None
    receive: tuple[tuple[Category, bool], ...] = ()


@dataclass(frozen=True)
class AutoDistributionStep:
    """Save ``<Set Auto Distribution>`` through the fleet facade."""

    host: str
    mode: str
    everyday: tuple[str, ...] = ()
    days: tuple[tuple[str, tuple[str, ...]], ...] = ()
    categories: tuple[Category, ...] = ()
    to: tuple[str, ...] = ()
    include_network: bool = False


@dataclass(frozen=True)
class DestinationChange:
    """One change to a host's registered destinations: ``register`` (name, address), ``delete`` (name) or
    ``search`` (depth; registers what auto search finds)."""

    what: str
    name: str = ""
    address: str = ""
    depth: int = 0


@dataclass(frozen=True)
class Destinations:
    """``<Register Destinations>`` through the fleet facade, changes applied in the written order."""

    host: str
    changes: tuple[DestinationChange, ...]


@dataclass(frozen=True)
class Restore:
    """``<Restore Data>`` through the fleet facade."""

    machine: str
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class SystemManager:
    """``<System Manager Information Settings>``: a new System Manager ID and PIN (M-08)."""

    machine: str
    manager_id: str
    pin: str
    confirm: str


@dataclass(frozen=True)
class SyncAction:
    """One Personalized Data Synchronization action of a ``sync`` step, e.g. ``start_client client-a``.

    Attributes:
        action: The action's name (``start_server``, ``login``, ``add_address`` …, see the vocabulary).
        args: Its arguments as (name, value) pairs, checked by the validator.
    """

    action: str
    args: tuple[tuple[str, object], ...] = ()

    def get(self, key: str, default: object = None) -> object:
        """The argument ``key`` (``default`` when not written)."""
        return dict(self.args).get(key, default)

    def describe(self) -> str:
        """A short line for transcripts: ``start client client-a``, ``login alice at client-a``."""
        values = ", ".join(f"{k}={v}" for k, v in self.args)
        return f"{self.action.replace('_', ' ')} ({values})" if values else self.action.replace("_", " ")


@dataclass(frozen=True)
class SyncStep:
    """Synchronization actions through the fleet facade (SYNC-01…SYNC-20), applied in the written order."""

    actions: tuple[SyncAction, ...]


# --- expectations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCheck:
    """Destinations' ``<Status>`` cells on the host (the last host that distributed, unless named)."""

    expected: tuple[tuple[str, str], ...]
    host: str = ""


@dataclass(frozen=True)
class DataExpectation:
    """How one data item should compare: ``same`` (as ``other``), ``unchanged``, ``changed``, ``cleared``,
    ``count`` (``count`` entries) or ``differs`` (from ``other``)."""

    relation: str
    other: str = ""
    count: int = 0

    def describe(self) -> str:
        """The expectation as a scenario writes it."""
        if self.relation == "same":
            return f"same as {self.other}"
        if self.relation == "differs":
            return f"different from {self.other}"
        if self.relation == "count":
            return f"{self.count} entries"
        return self.relation


@dataclass(frozen=True)
class DataCheck:
    """A machine's device information compared item by item."""

    machine: str
    items: tuple[tuple[str, DataExpectation], ...]


@dataclass(frozen=True)
class DepartmentCheck:
    """One Department ID on a machine: present or not, its counters and limits."""

    machine: str
    dept_id: str
    exists: bool = True
    counters: tuple[tuple[str, int], ...] | str = ()
    limits: tuple[tuple[str, int], ...] | str = ()


@dataclass(frozen=True)
class LogCheck:
    """The communication log holds an entry matching every given field (``count`` such entries)."""

    machine: str
    kind: str = ""
    peer: str = ""
    result: str = ""
    code: str = ""
    contains: str = ""
    count: int | None = None


@dataclass(frozen=True)
class PanelCheck:
    """Texts visible (or not) on the current panel."""

    visible: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class StateCheck:
    """A machine's power, activity, error, network and TLS state."""

    machine: str
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RestorableCheck:
    """The categories ``<Restore Data>`` can bring back on a machine."""

    machine: str
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class DestinationsCheck:
    """The host's registered destinations, exactly and in list order."""

    names: tuple[str, ...]
    host: str = ""


@dataclass(frozen=True)
class SyncCheck:
    """Facts of synchronization on one machine (``machine``) or server (``server``), all of which must hold."""

    fields: tuple[tuple[str, object], ...]

    def get(self, key: str, default: object = None) -> object:
        """The expected value of ``key`` (``default`` when not written)."""
        return dict(self.fields).get(key, default)


@dataclass(frozen=True)
class RefusedCheck:
    """The previous step was refused (by ``rule``, with ``contains`` in its message)."""

    rule: str = ""
    contains: str = ""


Check = Union[
    StatusCheck, DataCheck, DepartmentCheck, LogCheck, PanelCheck, StateCheck, RestorableCheck, RefusedCheck,
    DestinationsCheck, SyncCheck,
]


@dataclass(frozen=True)
class Expect:
    """Expectations checked together, in the written order."""

    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Note:
    """Text shown to the audience during live play."""

    text: str


Action = Union[
    At, Login, Logout, Press, SetToggles, Tick, TypeText, World, Advance, Goto, NextEvent, Wait, Distribute,
    Cancel, Receiving, AutoDistributionStep, Restore, SystemManager, Destinations, Expect, Note, SyncStep,
]


@dataclass(frozen=True)
class Step:
    """One step of a scenario and where it stands in the file.

    Attributes:
        index: 1-based position in ``steps``.
        kind: The step's key (``press``, ``world``, ``expect`` …).
        action: The typed payload.
        line: First line of the step in the file.
        column: Column of the step's key.
        end_line: Last line of the step in the file.
        panel: The step needs the panel (the app) to run: it acts at a panel or looks at one.
    """

    index: int
    kind: str
    action: Action
    line: int
    column: int
    end_line: int
    panel: bool = False

    @property
    def is_panel_step(self) -> bool:
        """True when the step needs the panel (the app) to run."""
        return self.panel


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file.

    Attributes:
        name: The scenario's name (the pytest item's name).
        path: The file it came from.
        covers: Rule IDs the scenario demonstrates.
        fleet: The fleet to run on (settings overrides already applied).
        fleet_source: ``default``, the fleet file's path, or ``inline``.
        clock: Machine time at the start.
        steps: The steps in order.
        source_lines: The file's lines, for quoting steps in failures.
        description: Optional free text.
    """

    name: str
    path: Path
    covers: tuple[str, ...]
    fleet: FleetSpec
    fleet_source: str
    clock: datetime
    steps: tuple[Step, ...]
    source_lines: tuple[str, ...] = field(repr=False, default=())
    description: str = ""

    @property
    def needs_panel(self) -> bool:
        """True when any step acts on or looks at a panel."""
        return any(step.is_panel_step for step in self.steps)

    def step_text(self, step: Step) -> list[tuple[int, str]]:
        """The numbered source lines of ``step``."""
        last = min(step.end_line, len(self.source_lines))
        return [(n, self.source_lines[n - 1]) for n in range(step.line, last + 1)]
