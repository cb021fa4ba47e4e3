"""Panel figures: start-up to the first rendered panel, and a walk through ten menu screens and back.

Both run the real app from :func:`mfp_console.tui.app.create_app` headless under Textual's pilot, each in a
fresh process, against a minimal Textual app measured the same way in the same run:

- start-up: from just before the process is spawned until the app's first frame, the operator's machine
  starting up (the app's ``first_frame_at``: its first refresh is done and it begins to build the fleet), on
  the default fleet in a state directory prepared by an untimed first launch; the time until the panel is
  ready (the fleet runs, the machine's page, the side column, the fleet view and the event log are shown:
  the app's ``started`` flag, then one idle pause) is reported beside it; the baseline is a minimal app (a
  header, a grid of touch buttons and a footer) reaching its first idle pause;
- menu walk: ten menu screens reached by touching their keys from the top and left with ``<Back>``; the
  baseline app swaps in pages with the same number of widgets (buttons and others) the real app showed at
  each step, touched the same number of times with the panel driver's touch (mouse down, up and click,
  each handled in full).

Until the panel lands, the figures stay pending (see :func:`panel_available`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

__all__ = ["WALK_SCREENS", "panel_available", "run_in_child", "walk_paths"]

WALK_SCREENS = 10
SIZE = (120, 40)
_READY_BOUND_S = 60.0


def panel_available() -> str:
    """Returns "" when the panel app can be measured, else why not."""
    try:
        from mfp_console.tui.app import create_app  # noqa: F401
        from mfp_console.tui.driver import PanelDriver  # noqa: F401
    except ImportError as exc:
        return f"the panel (mfp_console.tui.app.create_app) has not landed yet ({exc})"
    return ""


def walk_paths(count: int = WALK_SCREENS) -> list[tuple[str, ...]]:
    """The menu paths walked: the first ``count`` built screens below the top that need no login."""
    from mfp_console.domain.menu import FeatureStatus, iter_nodes, needs_admin, path_of

    paths = []
    for node in iter_nodes():
        path = path_of(node.key)
        if len(path) < 2 or needs_admin(node.key) or node.feature is not FeatureStatus.BUILT:
            continue
        paths.append(path[1:])
        if len(paths) == count:
            break
    return paths


async def run_in_child(mode: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One panel measurement, in the child process (see :mod:`mfp_console.bench.child`)."""
    if mode == "startup-app":
        return await _startup_app(Path(arguments["state_dir"]), arguments["spawned_at"])
    if mode == "startup-minimal":
        return await _startup_minimal(arguments["spawned_at"])
    if mode == "walk-app":
        return await _walk_app(Path(arguments["state_dir"]), arguments.get("screens", WALK_SCREENS))
    if mode == "walk-minimal":
        return await _walk_minimal(arguments["steps"])
    raise ValueError(mode)


async def _wait_started(app: Any, pilot: Any) -> None:
    deadline = time.monotonic() + _READY_BOUND_S
    while not getattr(app, "started", False):
        if time.monotonic() > deadline:
            raise TimeoutError("the panel did not start within the bound")
        await pilot.pause(0.005)
    await pilot.pause()


async def _startup_app(state_dir: Path, spawned_at: float) -> dict[str, Any]:
    from mfp_console.tui.app import create_app

    app = create_app(None, state_dir, for_tests=True)
    app.frames_on_demand = False  # render every frame, as in a terminal and as the baseline app does
    async with app.run_test(size=SIZE) as pilot:
        await _wait_started(app, pilot)
        ready = time.time() - spawned_at
        widgets = len(app.screen.query("*"))
    assert app.first_frame_at is not None  # set before started
    return {"seconds": app.first_frame_at - spawned_at, "ready_seconds": ready, "widgets": widgets}


def _minimal_app(buttons: int = 4, others: int = 0) -> Any:
    from textual.app import App, ComposeResult
    from textual.containers import Grid, Horizontal, Vertical
    from textual.widgets import Button, Footer, Header, Static

    class MinimalPanel(App[None]):
        """A bare touch panel: header, a page of buttons, a bar with <Back>, footer."""

        CSS = "Grid { grid-size: 2; height: auto; } Grid > Button { width: 100%; }"

        def compose(self) -> ComposeResult:
            yield Header()
            with Vertical(id="page"):
                yield Grid(*_page_widgets(buttons, others), id="grid")
            with Horizontal(id="bar"):
                yield Button("Back", id="back")
            yield Footer()

        async def show_page(self, buttons: int, others: int) -> None:
            page = self.query_one("#page")
            await page.remove_children()
            await page.mount(Grid(*_page_widgets(buttons, others), id="grid"))

    def _page_widgets(buttons: int, others: int) -> list[Any]:
        return ([Button(f"Key {i}", id=f"key-{i}") for i in range(max(1, buttons))]
                + [Static(f"text {i}") for i in range(max(0, others))])

    return MinimalPanel()


async def _startup_minimal(spawned_at: float) -> dict[str, Any]:
    app = _minimal_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        ready = time.time() - spawned_at
    return {"seconds": ready}


async def _walk_app(state_dir: Path, screens: int) -> dict[str, Any]:
    from textual.widgets import Button

    from mfp_console.tui.app import create_app
    from mfp_console.tui.driver import PanelDriver

    app = create_app(None, state_dir, for_tests=True)
    steps: list[list[int]] = []
    paths = walk_paths(screens)
    async with app.run_test(size=SIZE) as pilot:
        await _wait_started(app, pilot)
        driver = PanelDriver(app, pilot)

        def record() -> None:
            nodes = list(app.screen.query("*"))
            buttons = sum(1 for w in nodes if isinstance(w, Button))
            steps.append([buttons, len(nodes) - buttons])

        began = time.perf_counter()
        for path in paths:
            for label in path:
                await driver.press(label)
                record()
            for _ in path:
                await driver.press("Back")
                record()
        seconds = time.perf_counter() - began
        at_top = len(driver.current_path()) == 1
    return {"seconds": seconds, "screens": len(paths), "touches": len(steps), "steps": steps,
            "back_at_top": at_top}


async def _walk_minimal(steps: list[list[int]]) -> dict[str, Any]:
    from mfp_console.tui.driver import PanelDriver, touch

    first = steps[0] if steps else [4, 0]
    app = _minimal_app(*first)
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)  # the same touch and the same wait for state as the real walk
        await driver.settle()
        began = time.perf_counter()
        going_back = False
        for buttons, others in steps:
            # Alternate touching a key on the page and <Back>, as the real walk does.
            await touch(app, app.query_one("#back" if going_back else "#key-0"), driver.settle)
            await app.show_page(buttons, others)  # type: ignore[attr-defined]
            await driver.settle()
            going_back = not going_back
        seconds = time.perf_counter() - began
    return {"seconds": seconds, "touches": len(steps)}
