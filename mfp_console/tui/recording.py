"""A recording: the operator's actions as scenario steps, and the YAML that ``mfp-console play`` reads.

This module knows the scenario format (docs/scenarios.md) but not the scenario package (which sits above
the panel in the layers): it writes plain YAML text, and ``tests/tui/test_recording.py`` proves that what
it writes passes ``mfp-console check`` and replays. :mod:`mfp_console.tui.recorder` decides *what* the
operator did; this module only keeps the steps in order, merges what belongs together (a menu path, the
ticks of one list, the fields typed on one screen) and answers "Expect this" from the fleet facade.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfp_console.domain.credentials import PIN_PLACEHOLDER
from mfp_console.domain.device_info import Category
from mfp_console.domain.menu import MENU_TREE, normalize_label

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["Recording", "RecordedStep", "expect_facts", "scenario_yaml"]

SET_TOGGLES = frozenset(normalize_label(label) for label in (
    *(category.label for category in Category), "Network Settings", "Restrict Receiving Device Information",
    "Display Host Name",
))
"""The toggles a scenario's ``set`` step names (the rest are written as a press of their <On>/<Off>)."""


@dataclass
class RecordedStep:
    """One step: its YAML key and value (None for a bare step such as ``logout``)."""

    key: str
    value: Any = None


@dataclass
class Recording:
    """The steps recorded so far, in order.

    Attributes:
        steps: The steps.
        warnings: What the operator did that no step can say (written as comments at the top).
    """

    steps: list[RecordedStep] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, key: str, value: Any = None) -> None:
        """Appends a step as it is."""
        self.steps.append(RecordedStep(key, value))

    @property
    def last(self) -> RecordedStep | None:
        return self.steps[-1] if self.steps else None

    def press(self, label: str, *, menu: bool) -> None:
        """A touch of ``label``; ``menu`` when it opens a menu node (a path from ``Settings/Registration``
        goes on with it, as one ``press: [Settings/Registration, …]`` step)."""
        last = self.last
        if label == MENU_TREE.label:
            self.add("press", [label])
            return
        if menu and last is not None and last.key == "press" and isinstance(last.value, list) \
                and last.value[0] == MENU_TREE.label:
            last.value.append(label)
            return
        self.add("press", [label])

    def toggle(self, label: str, choice: str) -> None:
        """A toggle switched to ``choice`` (``On``, ``Off``, ``Include`` …); consecutive ones form one step."""
        if normalize_label(label) not in SET_TOGGLES:
            self.press(choice, menu=False)  # e.g. <Favorite> of an address entry: the only toggle on screen
            return
        last = self.last
        if last is not None and last.key == "set":
            last.value[label] = choice
        else:
            self.add("set", {label: choice})

    def tick(self, item: str, ticked: bool) -> None:
        """A row ticked (or unticked again) in a list; consecutive ticks form one step."""
        last = self.last
        if ticked:
            if last is not None and last.key == "tick":
                if item not in last.value:
                    last.value.append(item)
            else:
                self.add("tick", [item])
            return
        if last is not None and last.key == "tick" and item in last.value:
            last.value.remove(item)  # ticked by mistake and unticked at once: as if never ticked
            if not last.value:
                self.steps.pop()
            return
        self.warnings.append(f"{item} was unticked (a scenario can only tick): check the list after replaying")

    def type_text(self, label: str, text: str) -> None:
        """The text of a field now; fields typed one after another form one ``type`` step."""
        last = self.last
        if last is not None and last.key == "type":
            last.value[label] = text
        else:
            self.add("type", {label: text})

    def login(self, manager_id: str, pin: str, *, keep_pin: bool, before_last: bool) -> None:
        """An Administrator login; ``before_last`` puts it before the last step (the press that asked for it,
        which a replay makes after logging in: the driver never leaves a login dialog half done)."""
        step = RecordedStep("login", {"id": manager_id, "pin": pin if keep_pin else PIN_PLACEHOLDER})
        if before_last and self.steps and self.steps[-1].key == "press":
            self.steps.insert(len(self.steps) - 1, step)
        else:
            self.steps.append(step)


# --- expect this --------------------------------------------------------------------------------------------


def expect_facts(fleet: Fleet, machine: str) -> dict[str, Any]:
    """The key facts of ``machine`` now, as one ``expect`` step's value: its state, the ``<Status>`` of its
    destinations (a host that distributed), a data summary, and its synchronization functions."""
    facts: dict[str, Any] = {}
    state = fleet.view(machine).state
    facts["state"] = {
        "machine": machine,
        "power": state.power.value,
        "activity": state.activity.value,
        "error": state.error_code or "none",
        "network": "cut" if state.network_cut else "connected",
        "tls": "configured" if state.tls_configured else "removed",
    }
    statuses = dict(fleet.distribution.destination_statuses(machine))
    job = fleet.distribution.last_job(machine)
    if job is not None:
        statuses.update({name: result.text for name, result in job.results.items()})
    if statuses:
        facts["status"] = {"from": machine, **dict(sorted(statuses.items()))}
    info = fleet.data.device_info(machine)
    facts["data"] = {
        "machine": machine,
        "address_book": {"count": len(info.address_book.entries)},
        "department_ids": {"count": len(info.department_ids.departments)},
        "paper_types": {"count": len(info.paper_types)},
    }
    sync = _sync_facts(fleet, machine)
    if sync:
        facts["sync"] = sync
    return facts


def _sync_facts(fleet: Fleet, machine: str) -> dict[str, Any]:
    try:
        status = fleet.sync.status(machine)
    except (KeyError, LookupError):  # a machine without synchronization
        return {}
    if not (status.server_running or status.client_running or status.connected_to):
        return {}
    return {
        "machine": machine,
        "server_function": "running" if status.server_running else "stopped",
        "client_function": "running" if status.client_running else "stopped",
        "connected_to": status.connected_to or "none",
    }


# --- YAML ---------------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _./()-]*$")
_YAML_WORDS = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null"})


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False, allow_nan=False)  # a JSON string is a YAML double-quoted scalar


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


WIDTH = 110
"""Lines longer than this are wrapped (a list after its ``[``, a mapping one key a line)."""


def _step_line(step: RecordedStep) -> str:
    if step.value is None:
        return f"  - {step.key}"
    value = step.value
    if step.key == "press" and isinstance(value, list) and len(value) == 1:
        value = value[0]
    head = f"  - {step.key}: "
    line = head + _flow(value)
    if len(line) <= WIDTH:
        return line
    if isinstance(value, dict):  # e.g. an expect step: one check a line
        return f"  - {step.key}:\n" + "\n".join(f"      {_scalar(k)}: {_flow(v)}" for k, v in value.items())
    if isinstance(value, list):
        lines, current, indent = [], head + "[", " " * (len(head) + 1)
        for index, item in enumerate(value):
            text = _flow(item) + ("]" if index == len(value) - 1 else ",")
            candidate = current + ("" if current.endswith("[") else " ") + text
            if len(candidate) > WIDTH and not current.endswith("["):
                lines.append(current)
                current = indent + text
            else:
                current = candidate
        lines.append(current)
        return "\n".join(lines)
    return line


def _moment(when: datetime) -> str:
    local = when.replace(tzinfo=None)
    return local.isoformat(timespec="minutes" if local.second == 0 and not local.microsecond else "seconds")


def scenario_yaml(recording: Recording, *, name: str, fleet: str, clock: datetime, description: str = "") -> str:
    """The scenario file: header (``name``, ``fleet``, ``clock``) and the recorded steps."""
    lines = [f"# {warning}" for warning in recording.warnings]
    lines.append(f"name: {_scalar(name)}")
    if description:
        lines.append(f"description: {_scalar(description)}")
    lines.append(f"fleet: {_scalar(fleet)}")
    lines.append(f"clock: {_scalar(_moment(clock))}")
    lines.append("steps:")
    steps = recording.steps or [RecordedStep("note", "Nothing was recorded.")]
    lines.extend(_step_line(step) for step in steps)
    return "\n".join(lines) + "\n"


def moment_text(when: datetime) -> str:
    """A ``goto`` value for machine time ``when`` (in the clock's own time zone, the fleet's)."""
    return _moment(when)
