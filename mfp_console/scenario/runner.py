"""Plays a :class:`~mfp_console.scenario.model.Scenario` against a fresh fleet and reports every step.

Each run gets a new fleet in a temporary state directory, on a virtual clock set to the scenario's
``clock``. Panel steps go through the real app (``panel.py``): headless under a pilot as fast as it
goes, or live in the terminal at a watchable pace with each step announced. World, time and engine
steps call the fleet facade; expectations read the fleet (and the panel's text). A scenario without
panel steps may run engine-only (the pytest plugin does); if one of its expectations fails, the panel
is opened over the same fleet just long enough to save an SVG of that moment.

Machine time moves only through the fleet (``advance``, ``advance_to_next``), which settles between
timers, so a ``wait`` of ten minutes costs milliseconds. Live pacing is presenter time, not machine time.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import DeviceInformation
from mfp_console.domain.machine import Activity, PowerState
from mfp_console.domain.menu import path_of
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.domain.schedule import WEEKDAYS, AutoDistribution, ScheduleMode
from mfp_console.engine.events import DistributionFinished, DistributionStarted
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.scenario import model as m
from mfp_console.scenario.expectations import Mismatch, Observer, check, condition_holds
from mfp_console.scenario.panel import PanelSurface, PanelUnavailable, headless_panel, live_panel, panel_available
from mfp_console.scenario.showing import showing_for
from mfp_console.scenario.timeparse import format_duration

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
    """

    step: m.Step
    status: str
    message: str = ""
    expected: str = ""
    actual: str = ""
    clock: datetime | None = None
    seconds: float = 0.0

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


class StepFailed(Exception):
    """Raised inside the runner when a step does not hold."""

    def __init__(self, message: str, expected: str = "", actual: str = "") -> None:
        super().__init__(message)
        self.message, self.expected, self.actual = message, expected, actual


def describe_step(step: m.Step) -> str:
    """A short line for the audience and transcripts, e.g. ``press Next`` or ``wait until … (within 10m)``."""
    a = step.action
    if isinstance(a, m.At):
        return f"walk to {a.machine}"
    if isinstance(a, m.Login):
        return "log in as System Manager"
    if isinstance(a, m.Logout):
        return "log out"
    if isinstance(a, m.Press):
        return "press " + " › ".join(a.labels)
    if isinstance(a, m.SetToggles):
        return "set " + ", ".join(f"{label} {value}" for label, value in a.items)
    if isinstance(a, m.Tick):
        return "tick " + ", ".join(a.items)
    if isinstance(a, m.TypeText):
        return "type " + ", ".join(f"{text!r} into {label}" for label, text in a.items)
    if isinstance(a, m.World):
        return "; ".join(action.describe() for action in a.actions)
    if isinstance(a, m.Advance):
        return f"advance the clock {format_duration(a.seconds)}"
    if isinstance(a, m.Goto):
        return f"go to {a.moment}"
    if isinstance(a, m.NextEvent):
        return "jump to the next scheduled event"
    if isinstance(a, m.Wait):
        return "wait " + a.describe()
    if isinstance(a, m.Distribute):
        return f"distribute {', '.join(c.label for c in a.categories)} from {a.host} to {', '.join(a.to)}"
    if isinstance(a, m.Cancel):
        return f"cancel the distribution on {a.host}"
    if isinstance(a, m.Receiving):
        return f"change <Receiving Settings> on {a.machine}"
    if isinstance(a, m.AutoDistributionStep):
        return f"set auto distribution on {a.host}: {a.mode}"
    if isinstance(a, m.Destinations):
        return f"change the destinations of {a.host}: " + ", ".join(
            f"{c.what} {c.name or c.depth}" for c in a.changes)
    if isinstance(a, m.Restore):
        return f"restore {', '.join(c.label for c in a.categories)} on {a.machine}"
    if isinstance(a, m.SyncStep):
        return "sync: " + "; ".join(action.describe() for action in a.actions)
    if isinstance(a, m.Expect):
        return "expect " + ", ".join(type(c).__name__.removesuffix("Check").lower() for c in a.checks)
    if isinstance(a, m.Note):
        return a.text
    return step.kind  # pragma: no cover


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
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if mode == "auto":
        mode = "headless" if scenario.needs_panel else "engine"
    if mode == "engine" and scenario.needs_panel:
        mode = "headless"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mfp-scenario-") as tmp:
        clock = VirtualClock(scenario.clock)
        # Real-time bounds of a TLS link, generous so that they fire only on a real hang, never because the
        # machine running the scenarios is loaded (no scenario waits for them: an unreachable machine is
        # refused at once, and machine time is virtual).
        fleet = Fleet(scenario.fleet, Path(tmp) / "state", clock, handshake_timeout=30.0, conversation_timeout=60.0)
        player = _Player(scenario, fleet, mode, speed, artifacts, on_step)
        player.want_svg = save_svg
        try:
            await fleet.start()
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
                 on_step: Callable[[StepOutcome], None] | None) -> None:
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
        self.transcript.append(f"{event.at:%H:%M:%S} {event.summary()}")

    def _on_finished(self, event: DistributionFinished) -> None:
        self.finished += 1
        self.transcript.append(f"{event.at:%H:%M:%S} {event.summary()}")

    # --- the loop ------------------------------------------------------------------------------------

    async def play(self, surface: PanelSurface | None) -> None:
        """Runs every step; stops at the first failure and marks the rest skipped."""
        self.surface = surface
        self.initial = {name: self.fleet.device_info(name) for name in self.fleet.machines}
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
                self._record(outcome)
                await self._save_svg(step)
                for rest in steps[position + 1:]:
                    self._record(StepOutcome(rest, SKIPPED))
                if surface is not None and surface.live:
                    surface.announce(f"Step {step.index} (line {step.line}) failed: {exc.message}",
                                     title="Scenario failed", toast=True, seconds=60, warning=True)
                return
            self._record(StepOutcome(step, PASSED, message, clock=self.fleet.clock.now(),
                                     seconds=time.perf_counter() - began))
            if surface is not None:
                await surface.settle(isinstance(step.action, (m.Advance, m.Goto, m.NextEvent, m.Wait)))
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
            await self._act(action)
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

    async def _act(self, a: m.Action) -> None:
        fleet = self.fleet
        if isinstance(a, m.Expect):
            self._expect(a)
        elif isinstance(a, m.Note):
            pass
        elif isinstance(a, m.World):
            for action in a.actions:
                self._world(action)
            await fleet.settle()
        elif isinstance(a, m.Advance):
            await fleet.advance(a.seconds)
        elif isinstance(a, m.Goto):
            now = fleet.clock.now()
            target = a.moment.resolve(now)
            if target < now:
                raise StepFailed(f"cannot go back in time to {a.moment} (the clock shows {now:%Y-%m-%dT%H:%M})")
            await fleet.advance((target - now).total_seconds())
        elif isinstance(a, m.NextEvent):
            if await fleet.advance_to_next() is None:
                raise StepFailed("nothing is scheduled: there is no next event to jump to")
        elif isinstance(a, m.Wait):
            await self._wait(a)
        elif isinstance(a, (m.Distribute, m.Cancel, m.Receiving, m.AutoDistributionStep, m.Restore,
                            m.Destinations)):
            await self._engine(a)
        elif isinstance(a, m.SyncStep):
            await self._sync(a)
        else:
            await self._panel(a)

    def _world(self, action: m.WorldAction) -> None:
        fleet, name = self.fleet, action.machine
        kind = action.action
        if kind == "power_off":
            fleet.power(name, PowerState.OFF)
        elif kind == "power_on":
            fleet.power(name, PowerState.ON)
        elif kind == "sleep":
            fleet.power(name, PowerState.SLEEP)
        elif kind == "busy":
            fleet.set_activity(name, Activity(action.activity))
        elif kind == "idle":
            fleet.set_activity(name, Activity.IDLE)
        elif kind in ("cut_network", "restore_network"):
            fleet.cut_network(name, kind == "cut_network")
        elif kind == "remove_tls_key":
            fleet.remove_tls_key(name)
        elif kind == "regenerate_tls_key":
            fleet.regenerate_tls_key(name)
        elif kind == "change_pin":
            fleet.change_pin(name, action.pin)
            self.credentials[name] = (self.credentials[name][0], action.pin)
        elif kind == "clear_error":
            fleet.clear_error(name)
        else:  # pragma: no cover - the validator knows every action
            raise StepFailed(f"unknown world action {kind!r}")

    async def _wait(self, a: m.Wait) -> None:
        fleet, clock = self.fleet, self.fleet.clock
        deadline = clock.now().timestamp() + a.within
        await fleet.settle()
        while True:
            held, seen = condition_holds(a.condition, self._observer(), self.finished, self.started)
            if held:
                if a.condition.kind == "distribution_finished":
                    self.finished = 0
                elif a.condition.kind == "distribution_started":
                    self.started = 0
                return
            head = clock.next_timer()
            if head is None or head.when.timestamp() > deadline:
                remaining = deadline - clock.now().timestamp()
                if remaining > 0:
                    await fleet.advance(remaining)
                    held, seen = condition_holds(a.condition, self._observer(), self.finished, self.started)
                    if held:
                        continue
                raise StepFailed(
                    f"still waiting after {format_duration(a.within)} of machine time: {a.condition.text}",
                    a.condition.text, seen,
                )
            await fleet.advance_to_next()

    async def _as_admin(self, name: str, work: Callable[[], Any]) -> Any:
        """Runs a facade call needing an Administrator, logging in with the machine's current credentials
        and restoring the panel's login state afterwards."""
        fleet = self.fleet
        was_admin = fleet.is_admin(name)
        if not was_admin:
            fleet.login_admin(name, *self.credentials[name])
        try:
            return work()
        finally:
            if not was_admin and name in fleet.machines and fleet.machine(name).state.power is not PowerState.OFF:
                fleet.logout(name)

    async def _engine(self, a: Any) -> None:
        fleet = self.fleet
        if isinstance(a, m.Distribute):
            if a.credentials is not None and not fleet.is_admin(a.host):
                fleet.login_admin(a.host, *a.credentials)
            self.host = a.host
            await self._as_admin(a.host, lambda: fleet.start_manual_distribution(
                a.host, a.categories, a.to, a.include_network))
        elif isinstance(a, m.Cancel):
            await self._as_admin(a.host, lambda: fleet.cancel_distribution(a.host))
        elif isinstance(a, m.Receiving):
            settings = fleet.receiving_settings(a.machine)
            if a.restrict_model is not None:
                settings = ReceivingSettings(a.restrict_model, settings.restricted_categories)
            for category, on in a.restrict:
                settings = settings.with_restriction(category, on)
            await self._as_admin(a.machine, lambda: fleet.set_receiving_settings(a.machine, settings))
        elif isinstance(a, m.AutoDistributionStep):
            schedule = _schedule(a)
            await self._as_admin(a.host, lambda: fleet.set_auto_distribution(a.host, schedule))
        elif isinstance(a, m.Restore):
            await self._as_admin(a.machine, lambda: fleet.restore_data(a.machine, a.categories))
        elif isinstance(a, m.Destinations):
            for change in a.changes:
                await self._as_admin(a.host, lambda c=change: _change_destinations(fleet, a.host, c))
        await fleet.settle()

    async def _sync(self, a: m.SyncStep) -> None:
        """Plays a ``sync`` step's actions in order (issue 6), settling the fleet after each."""
        from mfp_console.scenario.sync_play import SyncStepProblem, play_sync_action

        for action in a.actions:
            try:
                await play_sync_action(self.fleet, action, self.credentials)
            except SyncStepProblem as exc:
                raise StepFailed(str(exc)) from None
            await self.fleet.settle()

    async def _panel(self, a: m.Action) -> None:
        surface = self.surface
        if surface is None:  # pragma: no cover - a scenario with panel steps always has a surface
            raise StepFailed("this step needs the panel, which is not running")
        driver = surface.driver
        try:
            if isinstance(a, m.At):
                await driver.at(a.machine)
            elif isinstance(a, m.Login):
                if not await driver.login(a.manager_id, a.pin):
                    raise RuleRefusal("the panel refused the login (wrong ID or PIN, or logins are locked)", "M-03")
            elif isinstance(a, m.Logout):
                await driver.logout()
            elif isinstance(a, m.Press):
                if len(a.labels) > 1:
                    await driver.press_path(a.labels)
                else:
                    await driver.press(a.labels[0])
            elif isinstance(a, m.SetToggles):
                for label, value in a.items:
                    await driver.set_toggle(label, value in ("On", "Include"))
            elif isinstance(a, m.Tick):
                await driver.tick(a.items)
            elif isinstance(a, m.TypeText):
                for label, text in a.items:
                    await driver.type_into(label, text)
        except RuleRefusal:
            raise
        except MfpError as exc:  # the driver's own errors: a label not on screen, a field missing …
            raise StepFailed(str(exc)) from None
        await self.fleet.settle()

    def _observer(self) -> Observer:
        surface = self.surface
        return Observer(
            self.fleet,
            self.initial,
            lambda: self.host,
            (lambda: surface.text()) if surface is not None else (lambda: None),
            lambda: self.refusal,
        )

    def _expect(self, a: m.Expect) -> None:
        observer = self._observer()
        for item in a.checks:
            found: Mismatch | None = check(item, observer)
            if found is not None:
                raise StepFailed(found.message, found.expected, found.actual)


def _change_destinations(fleet: Fleet, host: str, change: m.DestinationChange) -> None:
    if change.what == "register":
        fleet.register_destination(host, change.name, change.address)
    elif change.what == "delete":
        fleet.delete_destination(host, change.name)
    else:
        fleet.register_found(host, fleet.search_destinations(host, change.depth))


def _schedule(a: m.AutoDistributionStep) -> AutoDistribution:
    mode = ScheduleMode(a.mode)
    days = dict(a.days)
    return AutoDistribution(
        mode=mode,
        everyday=a.everyday,
        days=tuple(days.get(day, ()) for day in WEEKDAYS),
        categories=frozenset(a.categories),
        include_network=a.include_network,
        destinations=a.to,
    )


def _next_expects_refusal(steps: tuple[m.Step, ...], position: int) -> bool:
    if position + 1 >= len(steps):
        return False
    following = steps[position + 1].action
    return isinstance(following, m.Expect) and any(isinstance(c, m.RefusedCheck) for c in following.checks)
