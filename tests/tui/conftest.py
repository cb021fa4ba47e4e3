"""Fixtures of the panel tests: the app from the real factory on a fresh state directory, a virtual clock at
2026-11-20 09:00 UTC and a fixed fleet PKI (so fingerprints and validity on screen never change)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from mfp_console.clock import VirtualClock
from mfp_console.engine.fleet import Fleet
from mfp_console.fleet_file import load_fleet_file
from mfp_console.tui.app import MfpConsoleApp, create_app
from mfp_console.tui.driver import PanelDriver
from tests.conftest import sync_stopped

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
FIXED_PKI = Path(__file__).resolve().parent / "fixtures" / "pki"
SIZE = (120, 40)
SMALL = (80, 24)


def prepare_state_dir(root: Path) -> Path:
    """A state directory holding a copy of the fixed PKI (the layout of ``mfp_console.pki.keystore``)."""
    state = root / "state"
    shutil.copytree(FIXED_PKI, state / "pki")
    for path in (state / "pki").rglob("*"):
        if path.suffix == ".key":
            os.chmod(path, 0o600)
        elif path.is_dir():
            os.chmod(path, 0o700)
    os.chmod(state / "pki", 0o700)
    return state


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., MfpConsoleApp]:
    """Builds the app with :func:`create_app` (as the CLI does) on a virtual clock, frozen for tests.

    The fleet is the default fleet with its sync functions stopped (as it was before it synchronized out of
    the box): the panel tests start synchronization where they show it, and the event log of the other
    snapshots stays what those screens are about.
    """
    counter = iter(range(100))

    def make(**kwargs: Any) -> MfpConsoleApp:
        root = tmp_path / f"run{next(counter)}"
        kwargs.setdefault("screenshot_dir", root)
        fleet = Fleet(sync_stopped(load_fleet_file(None)), prepare_state_dir(root), VirtualClock(START))
        return create_app(fleet=fleet, for_tests=True, **kwargs)

    return make


Steps = Callable[[PanelDriver], Awaitable[None]]


def settled(steps: Steps | None = None, *, keys: tuple[str, ...] = ()) -> Callable[[Pilot[int]], Awaitable[None]]:
    """A ``run_before`` for ``snap_compare``: waits until the panel shows the fleet, runs ``steps`` through
    a driver, presses ``keys`` (each handled in full) and waits until the app has handled everything, so
    the snapshot never depends on how fast the machine is (waits for state, not time)."""

    async def run_before(pilot: Pilot[int]) -> None:
        driver = PanelDriver(pilot.app, pilot)  # type: ignore[arg-type]
        await driver.wait_until(lambda: driver.app.started, "the panel did not start")
        if steps is not None:
            await steps(driver)
        await driver.key(*keys)
        await driver.settle()

    return run_before


async def settle(pilot: Pilot[int]) -> None:
    """Waits until the app has handled everything it was sent (``PanelDriver.settle``)."""
    await PanelDriver(pilot.app, pilot).settle()  # type: ignore[arg-type]


async def press(pilot: Pilot[int], *keys: str) -> None:
    """Presses ``keys`` one by one, each handled in full before the next (``PanelDriver.key``)."""
    await PanelDriver(pilot.app, pilot).key(*keys)  # type: ignore[arg-type]
