"""A panel that cannot open says why on the panel (a browser tab of ``mfp-console serve`` shows nothing else):
its state folder's machines run in another process, or the fleet could not start. The real-browser version
of the first case is in ``tests/cli/test_browser.py``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mfp_console.tui.driver import screen_text
from tests.tui.conftest import SIZE


def flat(screen: str) -> str:
    """The screen's words in reading order, without box borders, so wrapped sentences read whole."""
    return " ".join(" ".join(line.strip(" █▀▄▔▁") for line in screen.splitlines()).split())


_HOLDER = """
import json, sys
from pathlib import Path
from mfp_console.store.machine_lock import MachineLock
from mfp_console.store.paths import machine_database_path
state, names = Path(sys.argv[1]), sys.argv[2:]
locks = [MachineLock.acquire(machine_database_path(state, name), name) for name in names]
run = state / "run"
run.mkdir(parents=True, exist_ok=True)
for port, name in enumerate(names, start=40000):
    (run / f"{name}.json").write_text(json.dumps({"host": "127.0.0.1", "port": port, "pid": __import__("os").getpid()}))
print("ready", flush=True)
sys.stdin.read()
"""


@contextmanager
def _running_elsewhere(state: Path, names: tuple[str, ...]) -> Iterator[int]:
    """A first panel's process: it holds each machine's lock and has published its address; yields its pid."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(state), *names], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=30)


async def test_a_second_panel_on_a_state_folder_in_use_says_so_and_closes_with_the_reason(make_app) -> None:
    app = make_app()
    with _running_elsewhere(app.fleet.state_dir, app.fleet.spec.names) as other:
        await _second_panel_says_so(app, other)
    assert app.return_code == 1
    assert app.stop_reason and app.stop_reason.startswith("This fleet's state folder is already in use")


async def _second_panel_says_so(app, other: int) -> None:  # noqa: ANN001 - the app fixture's app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = flat(screen_text(app))
        assert "State folder in use" in text
        assert f"already in use by another mfp-console process (pid {other})" in text
        assert "another --state-dir" in text
        assert f"Statefolder:{app.fleet.state_dir}" in text.replace(" ", "")  # a long path wraps anywhere
        assert not app.fleet.running and not app.started
        await pilot.press("f4", "f6", "f3", "ctrl+p")  # no machine to act on: nothing happens, nothing breaks
        assert app.is_running and "State folder in use" in screen_text(app)
        await pilot.press("enter")  # <Close> has the focus
        await pilot.pause()


async def test_ctrl_q_on_the_notice_also_ends_with_the_reason(make_app) -> None:
    app = make_app()
    with _running_elsewhere(app.fleet.state_dir, app.fleet.spec.names):
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
