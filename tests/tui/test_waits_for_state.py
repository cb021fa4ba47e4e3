"""Issue 14, zero flakes: the driver and the scenario runner wait for the panel's *state*, never for time.

Textual's pilot pause ends when the process looks idle (CPU time against wall time). On a loaded machine
a starved process looks idle while a chain of messages is still under way, so a wait built on it reads the
panel too early ("could not walk to client-d" while the panel was about to show client-d). These tests
make that heuristic return at once, as if the process were always starved, and play the panel scenario
that failed: only waits that depend on state can pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import textual.app
import textual.pilot
import textual.screen

from mfp_console.scenario.loader import load_scenario
from mfp_console.scenario.runner import run_scenario
from mfp_console.tui.driver import PanelDriver, app_is_quiet
from mfp_console.tui.pages.import_export import ImportExportPage
from tests.conftest import FRAME_TIMINGS
from tests.tui.conftest import SIZE

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


async def _never_idle_wait(*_args: object, **_kwargs: object) -> None:
    await asyncio.sleep(0)  # one turn of the loop: what a starved process sees


@pytest.fixture
def starved(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pilot's "process looks idle" wait returns after one loop turn (a machine under heavy load)."""
    monkeypatch.setattr(textual.pilot, "wait_for_idle", _never_idle_wait)
    monkeypatch.setattr(textual.app, "wait_for_idle", _never_idle_wait)


def test_panel02_scenario_holds_when_the_process_is_starved(starved: None) -> None:
    scenario = load_scenario(SCENARIOS / "panel-status-list-other-series.yaml")
    result = asyncio.run(run_scenario(scenario, mode="headless", save_svg=False))
    assert result.passed, (result.failure, result.error)


async def test_walking_and_logging_in_wait_for_the_panel(starved: None, make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        for machine in ("client-d", "client-a", "host"):
            await driver.at(machine)
            assert app.machine == machine
            assert app.current_panel.display and app_is_quiet(app)
        assert await driver.login("7654321", "7654321")
        await driver.press_path(["Management Settings", "Device Management"])
        assert driver.current_path()[-1] == "Device Management"


async def test_a_touch_waits_for_the_panel_never_for_the_clock(monkeypatch: pytest.MonkeyPatch, make_app) -> None:
    """A touch is mouse down, up and click, each handled in full: the driver waits for the app's state
    between them. Textual's pilot click waits instead for the process to look idle (20 ms at least, up to a
    second while the fleet works beside the panel) between the events; the driver never uses it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")

        async def no_pilot_mouse(*_args: object, **_kwargs: object) -> bool:
            raise AssertionError("the driver touched through the pilot's idle-waiting mouse events")

        monkeypatch.setattr(textual.pilot.Pilot, "_post_mouse_events", no_pilot_mouse)
        for label in ("Preferences", "Back", "Preferences", "Back"):
            await driver.press(label)
        await driver.at("client-b")
        assert app.machine == "client-b"
        assert driver.current_path() == ("Settings/Registration",)


def test_the_driver_sees_the_app_busy_when_it_runs_under_app_run(make_app) -> None:
    """``App.run`` (the snapshot harness's way) handles the app's own messages in the caller's task, not in a
    task of its own: a walk is still under way there after the touch, and the driver must wait for it."""
    app = make_app()
    seen: list[str] = []

    async def auto_pilot(pilot: textual.pilot.Pilot[int]) -> None:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        for machine in ("client-b", "client-d", "host"):
            await driver.at(machine)
            seen.append(app.machine)
        app.exit(0)

    app.run(headless=True, size=SIZE, auto_pilot=auto_pilot)
    assert seen == ["client-b", "client-d", "host"]


@asynccontextmanager
async def _panel_with_frames(make_app, monkeypatch: pytest.MonkeyPatch, timing: str) -> AsyncIterator[PanelDriver]:
    """The panel started with its screens' frames at ``timing`` (``--frame-timing``), client-a's
    Administrator logged in through the facade."""
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", FRAME_TIMINGS[timing])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        app.fleet.panel.login_admin("client-a", "7654321", "7654321")
        yield driver


@pytest.mark.parametrize("timing", sorted(FRAME_TIMINGS))
async def test_a_page_opens_at_its_top_whenever_the_screen_lays_it_out(
    monkeypatch: pytest.MonkeyPatch, make_app, timing: str
) -> None:
    """``<Import/Export>`` focuses its File field as it opens. Textual judged whether to scroll to it before
    the screen had laid the page out, and on a loaded machine the page opened scrolled to its bottom (a
    snapshot flake). With the screen's frames as early as the loop allows, and with none until the driver
    waits, the page opens at its title, the field focused and in view, also under the import preview."""
    async with _panel_with_frames(make_app, monkeypatch, timing) as driver:
        app = driver.app
        await app.fleet.import_export.export_device_info("client-a", app.screenshot_dir / "client-a.json")
        assert await driver.login("7654321", "7654321")
        await driver.press_path(["Management Settings", "Data Management", "Import/Export"])
        page = app.current_panel.page
        assert isinstance(page, ImportExportPage)
        assert page.scroll_y == 0 and app.focused is page.query_one("#io-file")
        assert app.screen.can_view_entire(page.query_one("#io-file"))
        await driver.type_into("File", "client-a.json")
        await driver.press("Import")
        assert type(app.screen).__name__ == "ImportPreviewDialog" and page.scroll_y == 0


async def test_a_screen_behind_a_dialog_is_laid_out_before_the_driver_reads_it(
    monkeypatch: pytest.MonkeyPatch, make_app
) -> None:
    """``[OK]`` on the Remote UI's Connection Settings saves them, and the panel's Synchronize Custom Settings
    page, seen behind the Remote UI windows, adds a line ("Saved settings take effect when the machine
    restarts."). A screen behind a dialog lays itself out at its own frame; the driver looked only at the top
    screen, so with a late frame a snapshot showed the page without the line. With no frame until the
    driver waits, the page behind is laid out with the line."""
    async with _panel_with_frames(make_app, monkeypatch, "late") as driver:
        app = driver.app
        app.fleet.sync.start_client("client-a")
        await app.fleet.settle()
        await driver.at("client-a")
        await driver.press_path(["Management Settings", "Device Management", "Synchronize Custom Settings"])
        await driver.press("Remote UI")
        await driver.press("Change Connection Destination")
        await driver.type_into("Destination Server Address", "host:8443")
        await driver.press("OK")
        panel_screen = app.screen_stack[0]
        assert panel_screen in app._background_screens, "the panel is seen behind the Remote UI windows"
        line = panel_screen.query_one("#settings-line")
        assert str(line.render()).endswith("Saved settings take effect when the machine restarts.")
        assert line.region.height == 2, "the page behind is laid out with the line it was given"
