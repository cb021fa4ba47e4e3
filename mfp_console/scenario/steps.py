"""The step registry: every kind of scenario step, in one table.

Each :class:`StepKind` names its YAML key, the frozen payload the validator builds, how it is read, how it
is played, how it is described to an audience and in transcripts, and what it is (a panel step needs the
app; a time step moves the clock). The validator, the runner, ``describe_step``, the docs test and
recording all read this table, so a new step is one entry here (plus its payload, reader and player).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from mfp_console.scenario import model as m
from mfp_console.scenario import playing as play
from mfp_console.scenario import read_steps as read
from mfp_console.scenario.reading import Reader
from mfp_console.scenario.timeparse import format_duration
from mfp_console.scenario.validate_engine import read_engine_step
from mfp_console.scenario.validate_expect import read_expect
from mfp_console.yaml_source import Mark

__all__ = ["STEPS", "ReadContext", "StepGroup", "StepKind", "describe", "kind_of"]


class StepGroup(enum.Enum):
    """What a step is, for the runner and the docs."""

    PANEL = "panel"
    """Acts at a panel: needs the app."""
    WORLD = "world"
    """Changes machines' states (faults)."""
    TIME = "time"
    """Moves machine time."""
    ENGINE = "engine"
    """A shortcut through the fleet facade, without the panel."""
    CHECK = "check"
    """Looks, changes nothing."""
    NOTE = "note"
    """Speaks to the audience."""


@dataclass(frozen=True)
class ReadContext:
    """Where a step's value stands and what its reader may need.

    Attributes:
        mark: Where the value stands in the file.
        reader: Reads located values and records problems.
        tz: The fleet's time zone (times of day).
        clock: Machine time at the scenario's start.
        default_host: The host a step means when it names none.
    """

    mark: Mark
    reader: Reader
    tz: tzinfo
    clock: datetime
    default_host: str


Player = Callable[[play.StepPlayer, Any], Awaitable[None]]


@dataclass(frozen=True)
class StepKind:
    """One kind of step.

    Attributes:
        key: The YAML key (``press``, ``wait`` …).
        payload: The frozen value the validator builds (``model.Press`` …).
        group: What the step is.
        read: Reads the step's value: the payload, or ``MISSING`` after recording the problem.
        play: Plays the payload in a run.
        describe: One short line for the audience and the transcript.
        summary: What the step does, for ``docs/scenarios.md`` and ``mfp-console check --steps``.
        bare: Written without a value (``- logout``).
    """

    key: str
    payload: type
    group: StepGroup
    read: Callable[[Any, ReadContext], object]
    play: Player
    describe: Callable[[Any], str]
    summary: str
    bare: bool = False

    @property
    def needs_panel(self) -> bool:
        """True for a step that acts at a panel."""
        return self.group is StepGroup.PANEL


def _engine(key: str) -> Callable[[Any, ReadContext], object]:
    return lambda value, ctx: read_engine_step(key, value, ctx.mark, ctx.reader, ctx.default_host)


def _checks(a: m.Expect) -> str:
    return "expect " + ", ".join(type(c).__name__.removesuffix("Check").lower() for c in a.checks)


_TABLE = (
    StepKind("at", m.At, StepGroup.PANEL, lambda v, c: read.read_at(v, c.mark, c.reader), play.play_at,
             lambda a: f"walk to {a.machine}", "walk up to a machine's panel"),
    StepKind("login", m.Login, StepGroup.PANEL, lambda v, c: read.read_login(v, c.mark, c.reader), play.play_login,
             lambda a: "log in as System Manager", "log in with the System Manager ID and PIN on the keypad"),
    StepKind("logout", m.Logout, StepGroup.PANEL, lambda v, c: m.Logout(), play.play_logout,
             lambda a: "log out", "log out at the panel", bare=True),
    StepKind("press", m.Press, StepGroup.PANEL, lambda v, c: read.read_press(v, c.mark, c.reader), play.play_press,
             lambda a: "press " + " › ".join(a.labels), "touch a button, or a path of buttons"),
    StepKind("set", m.SetToggles, StepGroup.PANEL, lambda v, c: read.read_set(v, c.mark, c.reader), play.play_set,
             lambda a: "set " + ", ".join(f"{label} {value}" for label, value in a.items),
             "switch toggles On/Off (Include/Exclude)"),
    StepKind("tick", m.Tick, StepGroup.PANEL, lambda v, c: read.read_tick(v, c.mark, c.reader), play.play_tick,
             lambda a: "tick " + ", ".join(a.items), "tick rows of a list (destinations, categories)"),
    StepKind("type", m.TypeText, StepGroup.PANEL, lambda v, c: read.read_type(v, c.mark, c.reader), play.play_type,
             lambda a: "type " + ", ".join(f"{text!r} into {label}" for label, text in a.items),
             "type text into fields"),
    StepKind("world", m.World, StepGroup.WORLD, lambda v, c: read.read_world(v, c.mark, c.reader), play.play_world,
             lambda a: "; ".join(action.describe() for action in a.actions),
             "power, busy, network, TLS key, PIN and error faults"),
    StepKind("advance", m.Advance, StepGroup.TIME, lambda v, c: read.read_advance(v, c.mark, c.reader),
             play.play_advance, lambda a: f"advance the clock {format_duration(a.seconds)}",
             "move machine time forward"),
    StepKind("goto", m.Goto, StepGroup.TIME, lambda v, c: read.read_goto(v, c.mark, c.reader, c.tz, c.clock),
             play.play_goto, lambda a: f"go to {a.moment}", "move machine time to a moment"),
    StepKind("next_event", m.NextEvent, StepGroup.TIME, lambda v, c: m.NextEvent(), play.play_next_event,
             lambda a: "jump to the next scheduled event", "jump to the next scheduled event", bare=True),
    StepKind("wait", m.Wait, StepGroup.TIME, lambda v, c: read.read_wait(v, c.mark, c.reader), play.play_wait,
             lambda a: "wait " + a.describe(), "let machine time pass until a condition holds"),
    StepKind("distribute", m.Distribute, StepGroup.ENGINE, _engine("distribute"), play.play_distribute,
             lambda a: f"distribute {', '.join(c.label for c in a.categories)} from {a.host} to {', '.join(a.to)}",
             "start a manual distribution without the panel"),
    StepKind("cancel", m.Cancel, StepGroup.ENGINE, _engine("cancel"), play.play_cancel,
             lambda a: f"cancel the distribution on {a.host}", "cancel the running distribution"),
    StepKind("receiving", m.Receiving, StepGroup.ENGINE, _engine("receiving"), play.play_receiving,
             lambda a: f"change <Receiving Settings> on {a.machine}", "change a client's receiving settings"),
    StepKind("auto_distribution", m.AutoDistributionStep, StepGroup.ENGINE, _engine("auto_distribution"),
             play.play_auto_distribution, lambda a: f"set auto distribution on {a.host}: {a.mode}",
             "save an auto distribution schedule"),
    StepKind("restore", m.Restore, StepGroup.ENGINE, _engine("restore"), play.play_restore,
             lambda a: f"restore {', '.join(c.label for c in a.categories)} on {a.machine}",
             "restore a client's data from before the last update"),
    StepKind("system_manager", m.SystemManager, StepGroup.ENGINE, _engine("system_manager"),
             play.play_system_manager, lambda a: f"change the System Manager ID and PIN of {a.machine}",
             "change a machine's System Manager ID and PIN (<System Manager Information Settings>)"),
    StepKind("destinations", m.Destinations, StepGroup.ENGINE, _engine("destinations"), play.play_destinations,
             lambda a: f"change the destinations of {a.host}: "
             + ", ".join(f"{c.what} {c.name or c.depth}" for c in a.changes),
             "register, delete or search destinations"),
    StepKind("sync", m.SyncStep, StepGroup.ENGINE, _engine("sync"), play.play_sync,
             lambda a: "sync: " + "; ".join(action.describe() for action in a.actions),
             "Personalized Data Synchronization shortcuts"),
    StepKind("expect", m.Expect, StepGroup.CHECK,
             lambda v, c: read_expect(v, c.mark, c.reader, c.default_host), play.play_expect, _checks,
             "check what the fleet (and the panel) show now"),
    StepKind("note", m.Note, StepGroup.NOTE, lambda v, c: read.read_note(v, c.mark, c.reader), play.play_note,
             lambda a: a.text, "words for the audience (shown during live play)"),
)

STEPS: dict[str, StepKind] = {kind.key: kind for kind in _TABLE}
"""Every step kind by its YAML key, in the order the docs list them."""

_BY_PAYLOAD: dict[type, StepKind] = {kind.payload: kind for kind in _TABLE}


def kind_of(action: object) -> StepKind:
    """The step kind of a payload."""
    return _BY_PAYLOAD[type(action)]


def describe(step: m.Step) -> str:
    """A short line for the audience and transcripts, e.g. ``press Next`` or ``wait until … (within 10m)``."""
    return kind_of(step.action).describe(step.action)
