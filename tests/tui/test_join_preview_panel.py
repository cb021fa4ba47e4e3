"""The join preview on a client's panel: ``<Start>`` of the client function shows what the join will do to
each user first; ``<Cancel>`` leaves everything as it was, ``<Start>`` there starts (issue 16)."""

from __future__ import annotations

import pytest

from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.screens.join_preview import JoinPreviewScreen
from tests.tui.conftest import SIZE

ADMIN = ("7654321", "7654321")


@pytest.mark.rules("SYNC-05", "SYNC-06")
async def test_start_shows_each_users_fate_before_the_client_joins(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        fleet.panel.login_admin("host", *ADMIN)
        fleet.sync.start_server("host")
        fleet.sync.set_client_settings("host", "localhost:8443")
        fleet.sync.start_client("host")
        fleet.users.login_user("host", "alice")
        fleet.users.add_personal_button("host", "alice", "Scan to Alice")
        for user in ("alice", "carol"):
            fleet.users.login_user("client-a", user)
            fleet.users.add_personal_button("client-a", user, f"{user} on client-a")
        await fleet.settle()
        await d.at("client-a")
        assert await d.login(*ADMIN)
        await d.press_path(["Management Settings", "Device Management", "Synchronize Custom Settings"])
        await d._touch(app.current_panel.query_one("#client-start"))
        await d.wait_until(lambda: isinstance(app.screen, JoinPreviewScreen) and app.screen.preview is not None,
                           "the join preview did not answer")
        text = d.visible_text()
        assert "Join preview" in text and "Server: host" in text
        assert "alice  its data here is replaced by the server's (SYNC-05)" in text
        assert "carol  its data here becomes the server's copy (SYNC-06/07)" in text
        await d.press("Cancel")
        await fleet.settle()
        assert not fleet.sync.status("client-a").client_running  # nothing started
        assert "carol" not in fleet.sync_server.users("host")

        await d._touch(app.current_panel.query_one("#client-start"))
        await d.press("Start")
        await fleet.settle()
        await d.settle()
        assert fleet.sync.status("client-a").connected_to == "host"
        assert "carol" in fleet.sync_server.users("host")
        buttons = fleet.users.personal_data("client-a", "alice").personal_buttons
        assert [b["label"] for b in buttons] == ["Scan to Alice"]
