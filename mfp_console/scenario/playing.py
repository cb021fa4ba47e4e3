"""Playing each kind of scenario step through the fleet facade (and, for panel steps, the panel driver).

Every function here takes the :class:`StepPlayer` (the runner's services for one run: the fleet, the
panel surface, the machines' current credentials, the observer for expectations) and the step's payload.
The step registry (:mod:`mfp_console.scenario.steps`) names the player of each step kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from mfp_console.domain.credentials import PIN_PLACEHOLDER
from mfp_console.domain.machine import Activity, PowerState
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.domain.schedule import WEEKDAYS, AutoDistribution, ScheduleMode
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.scenario import model as m
from mfp_console.scenario.expectations import Mismatch, Observer, check, condition_holds
from mfp_console.scenario.panel import PanelSurface
from mfp_console.scenario.timeparse import format_duration

__all__ = ["StepFailed", "StepPlayer"]


class StepFailed(Exception):
    """Raised inside the runner when a step does not hold."""

    def __init__(self, message: str, expected: str = "", actual: str = "") -> None:
        super().__init__(message)
        self.message, self.expected, self.actual = message, expected, actual


class StepPlayer(Protocol):
    """What a step's player may use of the run it belongs to."""

    fleet: Fleet
    surface: PanelSurface | None
    credentials: dict[str, tuple[str, str]]
    """Each machine's System Manager ID and PIN as the scenario knows them (a PIN change updates it)."""
    host: str
    """The distribution host the scenario last used (``expect: status`` reads it)."""
    finished: int
    """Distributions finished since the last ``wait: {until: distribution finished}``."""
    started: int
    """Distributions started since the last ``wait: {until: distribution started}``."""

    def observer(self) -> Observer:
        """What expectations and conditions look at now."""

    async def as_admin(self, name: str, work: Callable[[], Any]) -> Any:
        """Runs a facade call that needs an Administrator at ``name`` and restores the panel's login."""


# --- panel ------------------------------------------------------------------------------------------------


async def _on_panel(player: StepPlayer, act: Callable[[Any], Any]) -> None:
    surface = player.surface
    if surface is None:  # pragma: no cover - a scenario with panel steps always has a surface
        raise StepFailed("this step needs the panel, which is not running")
    try:
        await act(surface.driver)
    except RuleRefusal:
        raise
    except MfpError as exc:  # the driver's own errors: a label not on screen, a field missing …
        raise StepFailed(str(exc)) from None
    await player.fleet.settle()


async def play_at(player: StepPlayer, a: m.At) -> None:
    """Walks to the machine's panel."""
    await _on_panel(player, lambda driver: driver.at(a.machine))


async def play_login(player: StepPlayer, a: m.Login) -> None:
    """Logs in at the panel with the keypad."""

    async def login(driver: Any) -> None:
        pin = a.pin
        if pin == PIN_PLACEHOLDER:  # a recorded login without its PIN: the one the scenario knows
            pin = player.credentials[driver.app.machine][1]
        if not await driver.login(a.manager_id, pin):
            raise RuleRefusal("the panel refused the login (wrong ID or PIN, or logins are locked)", "M-03")

    await _on_panel(player, login)


async def play_logout(player: StepPlayer, a: m.Logout) -> None:
    """Logs out at the panel."""
    await _on_panel(player, lambda driver: driver.logout())


async def play_press(player: StepPlayer, a: m.Press) -> None:
    """Presses a button, or a path of buttons."""
    if len(a.labels) > 1:
        await _on_panel(player, lambda driver: driver.press_path(a.labels))
    else:
        await _on_panel(player, lambda driver: driver.press(a.labels[0]))


async def play_set(player: StepPlayer, a: m.SetToggles) -> None:
    """Switches toggles On or Off (Include or Exclude)."""

    async def switch(driver: Any) -> None:
        for label, value in a.items:
            await driver.set_toggle(label, value in ("On", "Include"))

    await _on_panel(player, switch)


async def play_tick(player: StepPlayer, a: m.Tick) -> None:
    """Ticks rows (destinations, categories)."""
    await _on_panel(player, lambda driver: driver.tick(a.items))


async def play_type(player: StepPlayer, a: m.TypeText) -> None:
    """Types text into fields."""

    async def type_all(driver: Any) -> None:
        for label, text in a.items:
            await driver.type_into(label, text)

    await _on_panel(player, type_all)


# --- the world and time -----------------------------------------------------------------------------------


async def play_world(player: StepPlayer, a: m.World) -> None:
    """Injects faults and changes machines' states."""
    fleet = player.fleet
    for action in a.actions:
        name, kind = action.machine, action.action
        if kind in ("power_off", "power_on", "sleep"):
            power = {"power_off": PowerState.OFF, "power_on": PowerState.ON, "sleep": PowerState.SLEEP}[kind]
            fleet.faults.power(name, power)
        elif kind == "busy":
            fleet.faults.set_activity(name, Activity(action.activity))
        elif kind == "idle":
            fleet.faults.set_activity(name, Activity.IDLE)
        elif kind in ("cut_network", "restore_network"):
            fleet.faults.cut_network(name, kind == "cut_network")
        elif kind == "remove_tls_key":
            fleet.faults.remove_tls_key(name)
        elif kind == "regenerate_tls_key":
            fleet.faults.regenerate_tls_key(name)
        elif kind == "change_pin":
            fleet.faults.change_pin(name, action.pin)
            player.credentials[name] = (player.credentials[name][0], action.pin)
        elif kind == "clear_error":
            fleet.faults.clear_error(name)
        else:  # pragma: no cover - the validator knows every action
            raise StepFailed(f"unknown world action {kind!r}")
    await fleet.settle()


async def play_advance(player: StepPlayer, a: m.Advance) -> None:
    """Moves machine time forward, timer by timer."""
    await player.fleet.advance(a.seconds)


async def play_goto(player: StepPlayer, a: m.Goto) -> None:
    """Moves machine time to a moment."""
    fleet = player.fleet
    now = fleet.clock.now()
    target = a.moment.resolve(now)
    if target < now:
        raise StepFailed(f"cannot go back in time to {a.moment} (the clock shows {now:%Y-%m-%dT%H:%M})")
    await fleet.advance((target - now).total_seconds())


async def play_next_event(player: StepPlayer, a: m.NextEvent) -> None:
    """Jumps to the next scheduled event."""
    if await player.fleet.advance_to_next() is None:
        raise StepFailed("nothing is scheduled: there is no next event to jump to")


async def play_wait(player: StepPlayer, a: m.Wait) -> None:
    """Lets machine time pass, event by event, until the condition holds (or ``within`` is used up)."""
    fleet, clock = player.fleet, player.fleet.clock
    deadline = clock.now().timestamp() + a.within
    await fleet.settle()
    while True:
        held, seen = condition_holds(a.condition, player.observer(), player.finished, player.started)
        if held:
            if a.condition.kind == "distribution_finished":
                player.finished = 0
            elif a.condition.kind == "distribution_started":
                player.started = 0
            return
        head = clock.next_timer()
        if head is None or head.when.timestamp() > deadline:
            remaining = deadline - clock.now().timestamp()
            if remaining > 0:
                await fleet.advance(remaining)
                held, seen = condition_holds(a.condition, player.observer(), player.finished, player.started)
                if held:
                    continue
            raise StepFailed(
                f"still waiting after {format_duration(a.within)} of machine time: {a.condition.text}",
                a.condition.text, seen,
            )
        await fleet.advance_to_next()


# --- engine shortcuts --------------------------------------------------------------------------------------


async def play_distribute(player: StepPlayer, a: m.Distribute) -> None:
    """Starts a manual distribution (logging in with the step's own ID/PIN when it gives one)."""
    fleet = player.fleet
    if a.credentials is not None and not fleet.panel.is_admin(a.host):
        fleet.panel.login_admin(a.host, *a.credentials)
    player.host = a.host
    await player.as_admin(a.host, lambda: fleet.distribution.start_manual_distribution(
        a.host, a.categories, a.to, a.include_network))
    await fleet.settle()


async def play_cancel(player: StepPlayer, a: m.Cancel) -> None:
    """``<Cancel>`` on the host."""
    await player.as_admin(a.host, lambda: player.fleet.distribution.cancel_distribution(a.host))
    await player.fleet.settle()


async def play_receiving(player: StepPlayer, a: m.Receiving) -> None:
    """Changes ``<Receiving Settings>``."""
    fleet = player.fleet
    settings = fleet.distribution.receiving_settings(a.machine)
    if a.restrict_model is not None:
        settings = ReceivingSettings(a.restrict_model, settings.refused_categories)
    for category, on in a.receive:
        settings = settings.with_reception(category, on)
    await player.as_admin(a.machine, lambda: fleet.distribution.set_receiving_settings(a.machine, settings))
    await fleet.settle()


async def play_auto_distribution(player: StepPlayer, a: m.AutoDistributionStep) -> None:
    """Saves ``<Set Auto Distribution>``."""
    days = dict(a.days)
    schedule = AutoDistribution(
        mode=ScheduleMode(a.mode),
        everyday=a.everyday,
        days=tuple(days.get(day, ()) for day in WEEKDAYS),
        categories=frozenset(a.categories),
        include_network=a.include_network,
        destinations=a.to,
    )
    await player.as_admin(a.host, lambda: player.fleet.distribution.set_auto_distribution(a.host, schedule))
    await player.fleet.settle()


async def play_restore(player: StepPlayer, a: m.Restore) -> None:
    """``<Restore Data>``."""
    await player.as_admin(a.machine, lambda: player.fleet.distribution.restore_data(a.machine, a.categories))
    await player.fleet.settle()


async def play_system_manager(player: StepPlayer, a: m.SystemManager) -> None:
    """``<System Manager Information Settings>``: a new ID and PIN (the scenario logs in with them from now on)."""
    fleet = player.fleet
    stored = await player.as_admin(a.machine, lambda: fleet.panel.change_system_manager(
        a.machine, a.manager_id, a.pin, a.confirm))
    player.credentials[a.machine] = (stored, a.pin)
    await fleet.settle()


async def play_destinations(player: StepPlayer, a: m.Destinations) -> None:
    """Registers, deletes or searches destinations, in order."""
    distribution = player.fleet.distribution

    def change(c: m.DestinationChange) -> None:
        if c.what == "register":
            distribution.register_destination(a.host, c.name, c.address)
        elif c.what == "delete":
            distribution.delete_destination(a.host, c.name)
        else:
            distribution.register_found(a.host, distribution.search_destinations(a.host, c.depth))

    for item in a.changes:
        await player.as_admin(a.host, lambda c=item: change(c))
    await player.fleet.settle()


async def play_sync(player: StepPlayer, a: m.SyncStep) -> None:
    """Plays a ``sync`` step's actions in order, settling the fleet after each."""
    from mfp_console.scenario.sync_play import SyncStepProblem, play_sync_action

    for action in a.actions:
        try:
            await play_sync_action(player.fleet, action, player.credentials)
        except SyncStepProblem as exc:
            raise StepFailed(str(exc)) from None
        await player.fleet.settle()


# --- checks and words ------------------------------------------------------------------------------------


async def play_expect(player: StepPlayer, a: m.Expect) -> None:
    """Checks every expectation; the first that does not hold fails the step."""
    observer = player.observer()
    for item in a.checks:
        found: Mismatch | None = check(item, observer)
        if found is not None:
            raise StepFailed(found.message, found.expected, found.actual)


async def play_note(player: StepPlayer, a: m.Note) -> None:
    """A note only speaks (the live panel shows it)."""
