"""SYNC-13's proxy case from the server's own panel: ``<Preferences>`` › ``<Network>`` › ``<TCP/IP Settings>``
› ``<Proxy Settings>`` shows ``Use Proxy``; set ``On`` there, the server whose own client function
(``localhost:8443``) is connected refuses Sleep, saying why; ``Off``, it sleeps."""

from __future__ import annotations

import pytest

from mfp_console.domain.machine import PowerState
from mfp_console.errors import RuleRefusal
from mfp_console.tui.driver import PanelDriver
from tests.tui.conftest import SIZE

PIN = "7654321"
SCREEN = ["Preferences", "Network", "TCP/IP Settings", "Proxy Settings"]


async def _use_proxy(driver: PanelDriver, value: str) -> None:
    table = driver.app.current_panel.page.query_one("#value-table")
    table.move_cursor(row=0)  # Use Proxy, the first of the three
    await driver.press("Change")
    await driver.press(value)
    await driver.press("OK")


@pytest.mark.rules("SYNC-13", "M-10")
async def test_sync13_use_proxy_set_on_the_panel_keeps_the_server_with_its_own_client_awake(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        fleet = app.fleet
        fleet.panel.login_admin("host", PIN, PIN)
        fleet.sync.start_server("host")
        fleet.sync.set_client_settings("host", "localhost:8443")
        fleet.sync.start_client("host")
        await fleet.settle()
        assert await driver.login(PIN, PIN)
        await driver.press_path(SCREEN)
        text = driver.visible_text()
        assert "Use Proxy" in text and "Proxy Server Address" in text and "Proxy Port Number" in text

        await _use_proxy(driver, "On")
        assert fleet.data.device_info("host").setting("Preferences/Network/Use Proxy") == "On"
        with pytest.raises(RuleRefusal) as refused:
            fleet.panel.energy_saver("host")
        assert refused.value.rule_id == "SYNC-13" and "proxy" in refused.value.reason
        assert fleet.view("host").power is PowerState.ON

        await _use_proxy(driver, "Off")
        assert fleet.panel.energy_saver("host") is PowerState.SLEEP
