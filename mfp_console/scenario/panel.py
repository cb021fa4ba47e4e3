"""The scenario runner's view of the touch panel: the app from ``create_app`` driven by ``PanelDriver``.

The scenario layer never imports Textual. It builds the app with the TUI's factory, runs it headless with
``app.run_test()`` (a pilot, as fast as possible) or in the terminal with ``app.run_async(auto_pilot=…)``
(the same pilot, paced for an audience), and acts only through :class:`mfp_console.tui.driver.PanelDriver`.
The TUI modules are imported lazily, so a build without the panel still validates and runs engine-only
scenarios.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from mfp_console.scenario.events import ScenarioAnnounced

__all__ = ["PanelSurface", "PanelUnavailable", "headless_panel", "live_panel", "panel_available"]

T = TypeVar("T")

HEADLESS_SIZE = (120, 40)


class PanelUnavailable(RuntimeError):
    """The touch panel (``mfp_console.tui``) is not part of this build."""


def _tui() -> tuple[Callable[..., Any], type]:
    try:
        from mfp_console.tui.app_factory import PanelDriver, create_app
    except ImportError as exc:  # pragma: no cover - depends on the build
        raise PanelUnavailable(f"the touch panel is not available in this build ({exc})") from None
    return create_app, PanelDriver


def panel_available() -> bool:
    """True when the app factory and the panel driver can be imported."""
    try:
        _tui()
    except PanelUnavailable:
        return False
    return True


class PanelSurface:
    """One running app and its driver, as the runner uses them.

    Args:
        app: The app from ``create_app``.
        driver: A ``PanelDriver`` over the app's pilot.
        live: True when a person watches (steps are announced on screen).
    """

    def __init__(self, app: Any, driver: Any, *, live: bool = False) -> None:
        self.app = app
        self.driver = driver
        self.live = live
        self._stood_at: str | None = None
        """Where the operator stood before live play showed other machines (None: showing nothing)."""

    @property
    def machine(self) -> str:
        """The machine the operator stands at."""
        return str(self.app.machine)

    async def settle(self, clock_moved: bool = False) -> None:
        """Lets the app process what the engine posted (events, state changes); tells it when the
        scenario moved machine time, so the clock and countdowns repaint."""
        moved = getattr(self.app, "clock_moved", None)
        if clock_moved and moved is not None:
            moved()
        await self.driver.settle()

    async def show(self, machine: str, key: str | None = None, **details: Any) -> bool:
        """Live play: walks to ``machine`` and shows its page ``key`` (see ``scenario.showing``); the panel's
        own state comes back with :meth:`end_show` before the next step that drives it."""
        present = getattr(self.app, "present", None)
        if present is None:
            return False
        if self._stood_at is None:
            self._stood_at = self.machine
        shown = bool(await present(machine, key, **details))
        await self.driver.settle()
        return shown

    async def end_show(self) -> None:
        """Puts the panels back as the scenario's own panel steps left them."""
        if self._stood_at is None:
            return
        stood_at, self._stood_at = self._stood_at, None
        await self.app.end_presentation(stood_at)
        await self.driver.settle()

    def text(self) -> str:
        """The panel's visible text, then the labels of the visible buttons (a long label wraps on screen,
        so it is matched whole from the list)."""
        labels = getattr(self.driver, "visible_labels", lambda: [])()
        return "\n".join([str(self.driver.visible_text()), *map(str, labels)])

    async def save_svg(self, path: Path) -> Path:
        """Saves the screen as SVG."""
        return Path(await self.driver.save_svg(path))

    def announce(self, text: str, *, title: str = "", toast: bool = False, seconds: float = 3.0,
                 warning: bool = False) -> None:
        """Shows a line to the audience: the app's scenario hook when it has one, else a line in the event
        log (through the fleet's bus); ``toast`` also pops a notification (only when nothing is touched
        next, since a toast covers buttons)."""
        hook = getattr(self.app, "show_scenario_step", None)
        if hook is not None:
            hook(text, title=title)
        else:
            fleet = self.app.fleet
            fleet.bus.publish(ScenarioAnnounced(at=fleet.clock.now(), title=title, text=text))
        if toast:
            self.app.notify(text, title=title, timeout=seconds, severity="warning" if warning else "information",
                            markup=False)


async def _wait_until_started(app: Any, driver: Any) -> None:
    """Waits (for state, not time) until the app shows the fleet."""
    try:
        await driver.wait_until(lambda: getattr(app, "started", True), "the panel did not finish starting")
    except Exception as exc:  # the driver's own error, named here so the runner reports it plainly
        raise PanelUnavailable(str(exc)) from None


@asynccontextmanager
async def headless_panel(fleet: Any, machine: str, screenshot_dir: Path | None = None,
                         size: tuple[int, int] = HEADLESS_SIZE) -> AsyncIterator[PanelSurface]:
    """Runs the app headless over ``fleet`` (already started) and yields its surface."""
    create_app, driver_class = _tui()
    app = create_app(fleet=fleet, machine=machine, for_tests=True, screenshot_dir=screenshot_dir)
    async with app.run_test(size=size) as pilot:
        driver = driver_class(app, pilot)
        await _wait_until_started(app, driver)
        yield PanelSurface(app, driver)


async def live_panel(fleet: Any, machine: str, body: Callable[[PanelSurface], Awaitable[T]],
                     *, keep_open: bool = True, headless: bool = False) -> T:
    """Runs the app in the terminal and ``body`` on it as an auto-pilot; returns what ``body`` returns.

    With ``keep_open`` the app stays up after ``body`` until the presenter quits (``ctrl+q``).
    """
    create_app, driver_class = _tui()
    app = create_app(fleet=fleet, machine=machine)
    box: dict[str, Any] = {}

    async def auto_pilot(pilot: Any) -> None:
        driver = driver_class(app, pilot)
        await _wait_until_started(app, driver)
        surface = PanelSurface(app, driver, live=True)
        try:
            box["result"] = await body(surface)
        except BaseException as exc:  # handed back to the caller after the app closed
            box["error"] = exc
            app.exit(1)
            return
        if not keep_open:
            app.exit(0)

    await app.run_async(auto_pilot=auto_pilot, headless=headless)
    if "error" in box:
        raise box["error"]
    if "result" not in box:
        raise asyncio.CancelledError("the panel was closed before the scenario finished")
    return box["result"]  # type: ignore[no-any-return]
