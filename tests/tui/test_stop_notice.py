"""A panel that cannot open says why on the panel (a browser tab of ``mfp-console serve`` shows nothing else):
its state folder's machines run in another process, or the fleet could not start. The real-browser version
of the first case is in ``tests/cli/test_browser.py``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mfp_console.tui.driver import screen_text
from tests.tui.conftest import SIZE


def flat(screen: str) -> str:
    """The screen's words in reading order, without box borders, so wrapped sentences read whole."""
    return " ".join(" ".join(line.strip(" █▀▄▔▁") for line in screen.splitlines()).split())


def _publish_elsewhere(state: Path, names: tuple[str, ...], pid: int) -> None:
    """What a first panel leaves in the state folder while it runs: each machine's address and process id."""
    run = state / "run"
    run.mkdir(parents=True, exist_ok=True)
    for port, name in enumerate(names, start=40000):
        (run / f"{name}.json").write_text(json.dumps({"host": "127.0.0.1", "port": port, "pid": pid}))


async def test_a_second_panel_on_a_state_folder_in_use_says_so_and_closes_with_the_reason(make_app) -> None:
    app = make_app()
    other = os.getppid()  # a live process that is not this one, standing for the first panel
    _publish_elsewhere(app.fleet.state_dir, app.fleet.spec.names, other)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = flat(screen_text(app))
        assert "State folder in use" in text
        assert f"already in use by another mfp-console process (pid {other})" in text
        assert "another --state-dir" in text
        assert f"Statefolder:{app.fleet.state_dir}" in text.replace(" ", "")  # a long path wraps anywhere
        assert not app.fleet.machines and not app.started
        await pilot.press("f4", "f6", "f3", "ctrl+p")  # no machine to act on: nothing happens, nothing breaks
        assert app.is_running and "State folder in use" in screen_text(app)
        await pilot.press("enter")  # <Close> has the focus
        await pilot.pause()
    assert app.return_code == 1
    assert app.stop_reason and app.stop_reason.startswith("This fleet's state folder is already in use")


async def test_ctrl_q_on_the_notice_also_ends_with_the_reason(make_app) -> None:
    app = make_app()
    _publish_elsewhere(app.fleet.state_dir, app.fleet.spec.names, os.getppid())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 1


async def test_a_fleet_that_cannot_start_says_why_on_the_panel(make_app) -> None:
    app = make_app()
    (app.fleet.state_dir / "pki" / "ca.crt").write_text("not a certificate")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "The fleet could not start" in text, text
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 1
