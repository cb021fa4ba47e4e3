"""Snapshots of the machine around the panel (issue 13): the keys beside the screen, the Remote UI portal,
the greyed-out entries of a real machine's menu, a refused Energy Saver in the machine's words and the same
refusal in instructor mode (UI-06). Deterministic like ``test_sync_snapshots.py`` (F7 hides the event log)."""

from __future__ import annotations

import pytest

from mfp_console.tui.driver import PanelDriver
from tests.tui.conftest import SIZE, SMALL, settled
from tests.tui.test_sync_snapshots import ADMIN, _before, _started


class TestMachineKeys:
    @pytest.mark.rules("UI-01")
    def test_ui01_device_management_with_the_real_machines_entries_greyed_out(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            assert await d.login(*ADMIN)
            await d.press_path(["Management Settings", "Device Management"])

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("UI-07")
    def test_ui07_the_keys_beside_the_screen_at_80x24(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            assert await d.login(*ADMIN)
            await d.press_path(["Management Settings"])

        assert snap_compare(make_app(), terminal_size=SMALL, run_before=settled(steps))  # no F7: narrow

    @pytest.mark.rules("M-10", "SYNC-13", "UI-06")
    def test_m10_sync13_energy_saver_refused_in_the_machines_words(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _started(d, ("client-a",))
            await d.press("Energy Saver")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("UI-06", "DID-21")
    def test_ui06_instructor_mode_names_the_rule_of_a_refusal(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            assert await d.login(*ADMIN)
            await d.press_path(["Management Settings", "Device Management",
                                "Device Information Distribution Settings", "Set Auto Distribution"])
            await d.press("Everyday")
            await d.type_into("Start Time 1", "300")
            await d.press("Next")

        assert snap_compare(make_app(instructor=True), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-04", "DID-05")
    def test_status_monitor_of_the_host(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _started(d, ("client-a",))
            await d.press("Status Monitor")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))


class TestRemoteUI:
    @pytest.mark.rules("UI-06", "SYNC-15")
    def test_ui06_remote_ui_portal_of_the_server(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _started(d, ("client-a",))
            await d.press("Remote UI")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("UI-06", "SYNC-01")
    def test_ui06_remote_ui_portal_of_a_client(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.at("client-b")
            await d.press("Remote UI")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))
