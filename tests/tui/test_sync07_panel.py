"""SYNC-07 where the operator deletes: ``[Delete User Data]`` on a server whose synchronization is stopped
refuses, saying why (start the server function first), and keeps the data; started, the deletion goes
through. (The screen is opened directly: where the Remote UI window opens it from is UI-06's business.)"""

from __future__ import annotations

import pytest

from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.pages.sync_remote import DeleteUserDataScreen
from mfp_console.tui.screens.dialogs import MessageBox
from tests.tui.conftest import SIZE

ADMIN = ("7654321", "7654321")


@pytest.mark.rules("SYNC-07")
async def test_sync07_delete_user_data_refused_with_the_reason_while_the_server_is_stopped(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        for name in ("host", "client-a"):
            fleet.panel.login_admin(name, *ADMIN)
        fleet.sync.start_server("host")
        fleet.sync.start_client("client-a")
        await fleet.settle()
        fleet.users.login_user("client-a", "ann")
        fleet.users.add_personal_button("client-a", "ann", "Mine")
        await fleet.settle()
        fleet.sync.stop_client("client-a")
        fleet.sync.stop_server("host")
        await fleet.settle()
        assert "ann" in fleet.sync_server.users("host")

        await d.at("host")
        await app.push_screen(DeleteUserDataScreen(fleet, "host"))
        await d.tick(["ann"])
        await d.press("Delete")
        await d.press("Yes")
        assert isinstance(app.screen, MessageBox)
        assert "start its server function first" in app.screen.text
        assert "ann" in fleet.sync_server.users("host")  # nothing deleted
        await d.press("OK")

        fleet.sync.start_server("host")
        await fleet.settle()
        await d.tick(["ann"])
        await d.press("Delete")
        await d.press("Yes")
        assert "ann" not in fleet.sync_server.users("host")
