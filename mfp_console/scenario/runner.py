"""Plays a :class:`~mfp_console.scenario.model.Scenario` against a fresh fleet and reports every step.

Each run gets a new fleet in a temporary state directory, on a virtual clock set to the scenario's
``clock``. Panel steps go through the real app (``panel.py``): headless under a pilot as fast as it
goes, or live in the terminal at a watchable pace with each step announced. World, time and engine
steps call the fleet facade; expectations read the fleet (and the panel's text). A scenario without
panel steps may run engine-only (the pytest plugin does); if one of its expectations fails, the panel
is opened over the same fleet just long enough to save an SVG of that moment. An evidence run
(``pictures``) always plays through the panel and saves an SVG after every step that ran.

Machine time moves only through the fleet (``advance``, ``advance_to_next``), which settles between
timers, so a ``wait`` of ten minutes costs milliseconds. Live pacing is presenter time, not machine time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import DeviceInformation
from mfp_console.domain.machine import PowerState
from mfp_console.domain.menu import path_of
from mfp_console.engine.events import (
    DistributionFinished,
    DistributionStarted,
    EngineEvent,
    MachineStarted,
)
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.scenario import model as m
from mfp_console.scenario.expectations import Observer
from mfp_console.scenario.panel import (
    PanelSurface,
    PanelUnavailable,
    headless_panel,
    live_panel,
    panel_available,
)
from mfp_console.scenario.playing import StepFailed
from mfp_console.scenario.showing import showing_for
from mfp_console.scenario.steps import StepGroup, describe, kind_of

__all__ = ["PASSED", "FAILED", "SKIPPED", "Result", "StepOutcome", "describe_step", "run_scenario"]

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
MODES = ("auto", "engine", "headless", "live")

_LIVE_STEP_SECONDS = 1.2
_LIVE_NOTE_SECONDS = 3.0


@dataclass(frozen=True)
class StepOutcome:
    """What happened at one step.

    Attributes:
        step: The step.
        status: ``passed``, ``failed`` or ``skipped`` (after a failure).
        message: Why it failed (or what it refused, when a refusal was expected).
        expected: For a failed expectation, what was expected.
        actual: For a failed expectation, what was found.
        clock: Machine time after the step.
        seconds: Real seconds the step took.
        svg: The panel after the step (evidence runs; for a failed step, the panel at the failure).
    """

    step: m.Step
    status: str
    message: str = ""
    expected: str = ""
    actual: str = ""
    clock: datetime | None = None
    seconds: float = 0.0
    svg: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "step": self.step.index,
            "kind": self.step.kind,
            "line": self.step.line,
            "status": self.status,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "clock": self.clock.isoformat() if self.clock else None,
            "seconds": round(self.seconds, 4),
            "svg": str(self.svg) if self.svg else None,
        }


@dataclass(frozen=True)
class Result:
    """The outcome of a run.

    Attributes:
        scenario: The scenario played.
        mode: ``engine``, ``headless`` or ``live``.
        outcomes: One per step, in order.
        svg: The panel at the moment of the failure, when one was saved.
        error: A failure outside the steps (the fleet or the panel could not start).
        seconds: Real seconds the whole run took.
        transcript: Machine-time lines: the steps as they ran and the distributions' starts and ends (with
            ``all_events``, every engine event, as the panel's event log shows them).
    """

    scenario: m.Scenario
    mode: str
    outcomes: tuple[StepOutcome, ...]
    svg: Path | None = None
    error: str = ""
    seconds: float = 0.0
    transcript: tuple[str, ...] = field(default=(), repr=False)

    @property
    def passed(self) -> bool:
        """True when every step held."""
        return not self.error and all(o.status == PASSED for o in self.outcomes)

    @property
    def failure(self) -> StepOutcome | None:
        """The failed step, if any."""
        return next((o for o in self.outcomes if o.status == FAILED), None)

    def where(self, outcome: StepOutcome) -> str:
        """``file:line`` of a step."""
        return f"{self.scenario.path}:{outcome.step.line}"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (``play --json``)."""
        failure = self.failure
        return {
            "name": self.scenario.name,
            "file": str(self.scenario.path),
            "covers": list(self.scenario.covers),
            "mode": self.mode,
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "failed_at": self.where(failure) if failure else None,
            "svg": str(self.svg) if self.svg else None,
            "steps": [o.to_json() for o in self.outcomes],
        }


def describe_step(step: m.Step) -> str:
    """A short line for the audience and transcripts, e.g. ``press Next`` or ``wait until … (within 10m)``."""
    return describe(step)


async def run_scenario(
    scenario: m.Scenario,
    *,
    mode: str = "auto",
    speed: float = 1.0,
    artifacts: Path | None = None,
    keep_open: bool = True,
    terminal: bool = True,
    save_svg: bool = True,
    on_step: Callable[[StepOutcome], None] | None = None,
    state_dir: Path | None = None,
    pictures: Path | None = None,
    all_events: bool = False,
    at_end: Callable[[Fleet], object] | None = None,
) -> Result:
    """Plays ``scenario`` on a fresh fleet and returns the result (never raises for a failing step).

    Args:
        mode: ``auto`` (engine-only unless the scenario has panel steps, then headless), ``engine``,
            ``headless`` (always through the app) or ``live`` (in the terminal).
        speed: Live pace multiplier (2 = twice as fast).
        artifacts: Where the failure SVG goes (a temporary folder when None).
        keep_open: Live mode: keep the app open after the last step until the presenter quits.
        terminal: Live mode: draw on the terminal (False plays the same paced run without output, for tests).
        save_svg: Save the panel as SVG when a step fails.
        on_step: Called after each step (progress output).
        state_dir: Where the fleet's databases and certificates go and stay after the run (the caller
            hands an empty folder: a scenario starts from a fresh fleet); a temporary folder, removed
            afterwards, when None.
        pictures: Save the panel as SVG after every step that ran into this folder (an evidence run; each
            outcome names its picture). Such a run always goes through the panel: headless unless live.
        all_events: The transcript holds every engine event, not only the distributions' starts and ends.
        at_end: Called with the fleet after the last step, before it stops (a test compares end states).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if mode == "auto":
        mode = "headless" if scenario.needs_panel else "engine"
    if mode == "engine" and (scenario.needs_panel or pictures is not None):
        mode = "headless"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mfp-scenario-") as tmp:
        clock = VirtualClock(scenario.clock)
        state = state_dir if state_dir is not None else Path(tmp) / "state"
        # Real-time bounds of a TLS link, generous so that they fire only on a real hang, never because the
        # machine running the scenarios is loaded (no scenario waits for them: an unreachable machine is
        # refused at once, and machine time is virtual).
        fleet = Fleet(scenario.fleet, state, clock, handshake_timeout=30.0, conversation_timeout=60.0)
        player = _Player(scenario, fleet, mode, speed, artifacts, on_step, all_events)
        player.want_svg = save_svg
        player.pictures = pictures
        try:
            await fleet.start()
            await fleet.settle()  # what the fleet does by itself on start (the default fleet synchronizes)
        except MfpError as exc:
            return Result(scenario, mode, (), error=f"the fleet could not start: {exc}",
                          seconds=time.perf_counter() - started)
        try:
            if mode == "engine":
                await player.play(None)
            elif mode == "headless":
                if not panel_available():
                    raise PanelUnavailable("this scenario has panel steps but the panel is not available")
                async with headless_panel(fleet, player.first_machine(), player.artifacts) as surface:
                    await player.play(surface)
            else:
                await live_panel(fleet, player.first_machine(), player.play, keep_open=keep_open,
                                 headless=not terminal)
            if at_end is not None:
                at_end(fleet)
        except PanelUnavailable as exc:
            player.error = str(exc)
        finally:
            player.close()
            await fleet.stop()
    return Result(scenario, mode, tuple(player.outcomes), player.svg, player.error,
                  time.perf_counter() - started, tuple(player.transcript))


class _Player:
    """Executes the steps of one run."""

    def __init__(self, scenario: m.Scenario, fleet: Fleet, mode: str, speed: float, artifacts: Path | None,
                 on_step: Callable[[StepOutcome], None] | None, all_events: bool = False) -> None:
        self.scenario = scenario
        self.fleet = fleet
        self.mode = mode
        self.speed = max(speed, 0.01)
        self.artifacts = artifacts
        self.on_step = on_step
        self.outcomes: list[StepOutcome] = []
        self.transcript: list[str] = []
        self.svg: Path | None = None
        self.want_svg = True
        self.pictures: Path | None = None
        self.all_events = all_events
        self.error = ""
        self.surface: PanelSurface | None = None
        self.initial: dict[str, DeviceInformation] = {}
        self.credentials = {spec.name: (spec.system_manager_id, spec.system_manager_pin)
                            for spec in scenario.fleet.machines}
        self.host = fleet.default_host()
        self.finished = 0
        self.started = 0
        self.refusal: tuple[str, str] | None = None
        self._subscriptions = [
            fleet.bus.subscribe(DistributionStarted, self._on_started),
            fleet.bus.subscribe(DistributionFinished, self._on_finished),
        ]
        if all_events:
            self._subscriptions.append(fleet.bus.subscribe(EngineEvent, self._on_event))

    def first_machine(self) -> str:
        """The machine the panel shows first: the first ``at``, else the default host."""
        for step in self.scenario.steps:
            if isinstance(step.action, m.At):
                return step.action.machine
        return self.host

    def artifacts_dir(self) -> Path:
        """Where failure SVGs go."""
        if self.artifacts is None:
            self.artifacts = Path(tempfile.mkdtemp(prefix="mfp-scenario-svg-"))
        return self.artifacts

    def close(self) -> None:
        """Unsubscribes from the bus."""
        for sub in self._subscriptions:
            sub.close()

    def _on_started(self, event: DistributionStarted) -> None:
        self.started += 1
        self.host = event.machine
        if not self.all_events:
            self.transcript.append(f"{event.at:%H:%M:%S} {event.summary()}")

    def _on_finished(self, event: DistributionFinished) -> None:
        self.finished += 1
        if not self.all_events:
            self.transcript.append(f"{event.at:%H:%M:%S} {event.summary()}")

    def _on_event(self, event: EngineEvent) -> None:
        # As the panel's event log writes it: a listener's port changes at every start and says nothing.
        summary = f"{event.machine} started" if isinstance(event, MachineStarted) else event.summary()
        self.transcript.append(f"{event.at:%H:%M:%S} {summary}")

    # --- the loop ------------------------------------------------------------------------------------

    async def play(self, surface: PanelSurface | None) -> None:
        """Runs every step; stops at the first failure and marks the rest skipped."""
        self.surface = surface
        self.initial = {name: self.fleet.data.device_info(name) for name in self.fleet.running}
        if surface is not None and surface.live:
            surface.announce(f"{self.scenario.name} — {len(self.scenario.steps)} steps", title="Scenario",
                             seconds=_LIVE_NOTE_SECONDS)
            await self._pace(_LIVE_NOTE_SECONDS)
        steps = self.scenario.steps
        for position, step in enumerate(steps):
            if surface is not None and surface.live:
                self._announce(step)
                await self._show(step)
            began = time.perf_counter()
            refusal_expected = _next_expects_refusal(steps, position)
            try:
                message = await self._run_step(step, refusal_expected)
            except StepFailed as exc:
                outcome = StepOutcome(step, FAILED, exc.message, exc.expected, exc.actual, self.fleet.clock.now(),
                                      time.perf_counter() - began)
                self._record(await self._with_picture(outcome) if self.pictures else outcome)
                if self.pictures is None:
                    await self._save_svg(step)
                for rest in steps[position + 1:]:
                    self._record(StepOutcome(rest, SKIPPED))
                if surface is not None and surface.live:
                    surface.announce(f"Step {step.index} (line {step.line}) failed: {exc.message}",
                                     title="Scenario failed", toast=True, seconds=60, warning=True)
                return
            outcome = StepOutcome(step, PASSED, message, clock=self.fleet.clock.now(),
                                  seconds=time.perf_counter() - began)
            if surface is not None:
                await surface.settle(kind_of(step.action).group is StepGroup.TIME)
            self._record(await self._with_picture(outcome) if self.pictures else outcome)
            if surface is not None:
                if surface.live:
                    await self._pace(_LIVE_NOTE_SECONDS if isinstance(step.action, m.Note) else _LIVE_STEP_SECONDS)
        if surface is not None and surface.live:
            surface.announce(f"All {len(steps)} steps held. Press ctrl+q to leave.", title=self.scenario.name,
                             toast=True, seconds=60)

    def _record(self, outcome: StepOutcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status != SKIPPED:
            self.transcript.append(f"{outcome.clock:%H:%M:%S} step {outcome.step.index} {outcome.status}: "
                                   f"{describe_step(outcome.step)}")
        if self.on_step is not None:
            self.on_step(outcome)

    def _announce(self, step: m.Step) -> None:
        assert self.surface is not None
        total = len(self.scenario.steps)
        if isinstance(step.action, m.Note):
            self.surface.announce(step.action.text, title="Note", seconds=_LIVE_NOTE_SECONDS / self.speed + 1)
        else:
            self.surface.announce(f"{step.index}/{total} (line {step.line}): {describe_step(step)}",
                                  title=self.scenario.name, seconds=_LIVE_STEP_SECONDS / self.speed + 1)

    async def _show(self, step: m.Step) -> None:
        """Live play: the machine and screen the step is about (``scenario.showing``), or, before a step
        that drives the panel, the panel back as the scenario's own steps left it."""
        assert self.surface is not None
        if step.is_panel_step:
            await self.surface.end_show()
            return
        showing = showing_for(step, self.host)
        if showing is not None and await self.surface.show(showing.machine, showing.key, **showing.details):
            where = " › ".join(path_of(showing.key)[1:]) if showing.key else "its panel"
            self.transcript.append(f"{self.fleet.clock.now():%H:%M:%S} shown: {showing.machine} {where}")

    async def _pace(self, seconds: float) -> None:
        # Presenter time, not machine time: the audience needs a moment to see each step.
        await asyncio.sleep(seconds / self.speed)

    async def _with_picture(self, outcome: StepOutcome) -> StepOutcome:
        """The outcome with the panel's picture after it (an evidence run). A failed step's picture is also
        the run's failure SVG."""
        assert self.pictures is not None
        if self.surface is None:  # the panel did not come up; the run's error says why
            return outcome
        step = outcome.step
        width = max(2, len(str(len(self.scenario.steps))))
        target = self.pictures / f"step-{step.index:0{width}d}-line-{step.line}.svg"
        try:
            svg = await self.surface.save_svg(target)
        except Exception as exc:  # a picture is evidence, not the run: say so and go on
            self.transcript.append(f"could not save the panel as SVG after step {step.index}: {exc}")
            return outcome
        if outcome.status == FAILED:
            self.svg = svg
        return dataclasses.replace(outcome, svg=svg)

    async def _save_svg(self, step: m.Step) -> None:
        if not self.want_svg:
            return
        target = self.artifacts_dir() / f"{self.scenario.path.stem}-step{step.index}-line{step.line}.svg"
        try:
            if self.surface is not None:
                self.svg = await self.surface.save_svg(target)
            elif panel_available():
                async with headless_panel(self.fleet, self.host, target.parent) as surface:
                    self.svg = await surface.save_svg(target)
        except Exception as exc:  # an SVG is a courtesy; the failure itself is already recorded
            self.transcript.append(f"could not save the panel as SVG: {exc}")

    # --- steps ---------------------------------------------------------------------------------------

    async def _run_step(self, step: m.Step, refusal_expected: bool) -> str:
        action = step.action
        if not isinstance(action, m.Expect):
            self.refusal = None
        try:
            await kind_of(action).play(self, action)
        except StepFailed:
            raise
        except (RuleRefusal, MfpError) as exc:
            rule = getattr(exc, "rule_id", "")
            reason = getattr(exc, "reason", "") or str(exc)
            if not refusal_expected:
                raise StepFailed(f"refused: {exc}") from None
            self.refusal = (rule, reason)
            return f"refused as expected: {exc}"
        except KeyError as exc:
            raise StepFailed(str(exc.args[0]) if exc.args else repr(exc)) from None
        return ""

    async def as_admin(self, name: str, work: Callable[[], Any]) -> Any:
        """Runs a facade call needing an Administrator, logging in with the machine's current credentials
        and restoring the panel's login state afterwards."""
        fleet = self.fleet
        was_admin = fleet.panel.is_admin(name)
        if not was_admin:
            fleet.panel.login_admin(name, *self.credentials[name])
        try:
            return work()
        finally:
            if not was_admin and fleet.is_running(name) and fleet.view(name).power is not PowerState.OFF:
                fleet.panel.logout(name)

    def observer(self) -> Observer:
        surface = self.surface
        return Observer(
            self.fleet,
            self.initial,
            lambda: self.host,
            (lambda: surface.text()) if surface is not None else (lambda: None),
            lambda: self.refusal,
        )


def _next_expects_refusal(steps: tuple[m.Step, ...], position: int) -> bool:
    if position + 1 >= len(steps):
        return False
    following = steps[position + 1].action
    return isinstance(following, m.Expect) and any(isinstance(c, m.RefusedCheck) for c in following.checks)
