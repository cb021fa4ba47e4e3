"""What the scenario runner needs from the panel without importing Textual itself: the app factory and a
context manager that runs the app headless and hands back a :class:`~mfp_console.tui.driver.PanelDriver`.

::

    async with driven_panel(create_app(fleet=fleet, for_tests=True)) as panel:
        await panel.login("7654321", "7654321")
        await panel.press_path(["Set Destination", "Register Destinations"])
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mfp_console.tui.app import MfpConsoleApp, create_app
from mfp_console.tui.driver import PanelDriver, PanelDriverError, screen_text

__all__ = ["MfpConsoleApp", "PanelDriver", "PanelDriverError", "create_app", "driven_panel", "screen_text"]


@asynccontextmanager
async def driven_panel(app: MfpConsoleApp, size: tuple[int, int] = (120, 40)) -> AsyncIterator[PanelDriver]:
    """Runs ``app`` headless at ``size`` (columns, rows) and yields a driver once its fleet runs (or the panel
    says why it cannot); the app (and the fleet, if the app started it) stops when the block ends."""
    async with app.run_test(size=size) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started or bool(app.stop_reason), "the panel did not start")
        yield driver
