"""The panel's first frame: the operator's machine starting up, shown before the engine is loaded; the
fleet is built and started right after it, then the side column, fleet view and event log are mounted.

What a user sees: a launch paints the machine's panel at once (the start-up of issue 18 is measured to that
frame), every key greyed until the machine is ready, then the panel as it always was.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.fleet_file import load_fleet_file
from mfp_console.tui.app import MfpConsoleApp
from mfp_console.tui.app_factory import driven_panel
from mfp_console.tui.driver import PanelDriver, screen_text
from mfp_console.tui.fleet_opening import FleetToOpen
from mfp_console.tui.widgets.touch import TouchButton
from tests.tui.conftest import SIZE, START, prepare_state_dir

ENGINE_AFTER_THE_FIRST_FRAME = (
    "mfp_console.engine.fleet", "mfp_console.engine.distribution", "mfp_console.engine.sync",
    "mfp_console.engine.import_export", "mfp_console.store", "mfp_console.pki", "mfp_console.smb",
    "cryptography", "apscheduler", "yaml", "sqlite3",
)


@dataclass(frozen=True)
class _Watched(FleetToOpen):
    """Notes what the panel shows at the moment it builds the fleet: its first frame."""

    frames: list[str] | None = None
    apps: list[MfpConsoleApp] | None = None

    def open(self):  # type: ignore[no-untyped-def]
        assert self.frames is not None and self.apps
        app = self.apps[0]
        self.frames.append(screen_text(app))
        usable = [b.plain_label for b in app.current_panel.query(TouchButton) if not b.disabled and b.display]
        self.frames.append(f"usable: {usable}")
        return super().open()


def _watched_app(tmp_path: Path) -> tuple[MfpConsoleApp, list[str]]:
    frames: list[str] = []
    apps: list[MfpConsoleApp] = []
    to_open = _Watched(load_fleet_file(None), prepare_state_dir(tmp_path), VirtualClock(START), frames=frames,
                       apps=apps)
    apps.append(MfpConsoleApp(to_open, machine="host", still=True))
    return apps[0], frames


@pytest.mark.rules("UI-01")
async def test_the_first_frame_is_the_machine_starting_up_then_the_panel_works(tmp_path) -> None:
    app, frames = _watched_app(tmp_path)
    keys: dict[str, bool] = {}

    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        first = frames[0]
        assert frames[1] == "usable: []", "every key is greyed while the machine starts up"
        assert "Starting up…" in first and "Please wait." in first
        assert "host · iR-ADV C5560 (iR-ADV C5500)" in first, "the header names the machine from the fleet file"
        assert "Machines" not in first and "Event log" not in first, "the side views come after the first frame"
        assert app.first_frame_at is not None

        shown = driver.visible_text()
        assert "Starting up…" not in shown
        assert "Management Settings" in shown, "the home page is shown once the fleet runs"
        assert app.fleet.is_running("host")
        keys.update({b.key: b.disabled for b in app.current_panel.query(TouchButton) if b.key})
    assert keys.get("settings") is False, "<Settings/Registration> works once the machine is ready"


async def test_keys_wait_until_the_fleet_runs(tmp_path) -> None:
    app, _ = _watched_app(tmp_path)
    assert app.check_action("home", ()) is False, "no panel key before the machine is ready"
    assert app.check_action("quit", ()) is not False and app.check_action("help", ()) is not False
    with pytest.raises(RuntimeError, match="first frame"):
        _ = app.fleet


async def test_a_driven_panel_begins_when_the_fleet_runs(tmp_path) -> None:
    app, _ = _watched_app(tmp_path)
    async with driven_panel(app, SIZE) as panel:
        assert app.started and app.fleet.is_running("host")
        assert panel.current_path() == ("Settings/Registration",)


def test_the_first_frame_does_not_load_the_engine() -> None:
    """Importing the panel loads none of what the fleet needs (sync, distribution, import/export, the PKI's
    cryptography, APScheduler, YAML, SQLite): those load after the first frame (the app factory reads
    the fleet file before it)."""
    probe = ("import sys, mfp_console.tui.app; "
             f"print([m for m in sys.modules if m.startswith({ENGINE_AFTER_THE_FIRST_FRAME!r})])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
