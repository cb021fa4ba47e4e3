"""Snapshots of the setting screens issue 13 added to the panel, at 120×40: ``<System Manager Information
Settings>`` with ID, PIN and ``<Confirm>`` (M-08), ``<Set/Register Confidential Fax Inboxes>`` before and
after an ``<Address Book>`` sent alone (DID-17), the host preparing (DID-25), a destination's
``<Details>`` listing what another series skipped (DID-26) and ``<Proxy Settings>`` (SYNC-13). The
``<Network Settings>`` screen (DID-03) is in ``test_did_snapshots.py``.

Deterministic like the other snapshot files; screens that follow a distribution hide the event log (F7),
whose lines from two machines' sides of a TLS conversation need not arrive in the same order. Update with
``--snapshot-update`` after a deliberate change and look at the SVGs.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.tui.driver import PanelDriver
from tests.tui.conftest import SIZE, settled
from tests.tui.test_did_panel import DID, PIN, quiet
from tests.tui.test_fax_inboxes_panel import SCREEN as INBOX_SCREEN
from tests.tui.test_preparing_and_details_panel import slow_preparing
from tests.tui.test_system_manager_panel import SCREEN as MANAGER_SCREEN


async def _admin(d: PanelDriver, machine: str, path: list[str]) -> None:
    await d.at(machine)
    assert await d.login(PIN, PIN)
    await d.press_path(path)


@pytest.mark.rules("M-08")
def test_m08_system_manager_information_settings(snap_compare, make_app) -> None:
    async def steps(d: PanelDriver) -> None:
        await _admin(d, "client-b", MANAGER_SCREEN)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settled(steps))


@pytest.mark.rules("M-08", "M-02")
def test_m08_all_zero_pin_refused_on_the_screen(snap_compare, make_app) -> None:
    async def steps(d: PanelDriver) -> None:
        await _admin(d, "client-b", MANAGER_SCREEN)
        await d.type_into("System Manager PIN", "0000000")
        await d.type_into("Confirm", "0000000")
        await d.press("OK")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settled(steps))


@pytest.mark.rules("DID-17")
def test_did17_confidential_fax_inboxes_url_send_settings(snap_compare, make_app) -> None:
    async def steps(d: PanelDriver) -> None:
        await _admin(d, "client-b", INBOX_SCREEN)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settled(steps))


@pytest.mark.rules("DID-17")
def test_did17_url_send_settings_erased_by_an_address_book_sent_alone(snap_compare, make_app) -> None:
    async def steps(d: PanelDriver) -> None:
        await _admin(d, "client-b", INBOX_SCREEN)
        fleet = d.app.fleet
        fleet.panel.login_admin("host", PIN, PIN)
        fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-b"])
        await quiet(d)
        await d.key("f7")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settled(steps))


@pytest.mark.rules("DID-25")
def test_did25_host_preparing_on_the_status_list(snap_compare, make_app) -> None:
    async def steps(d: PanelDriver) -> None:
        await _admin(d, "host", [*DID, "Manual Distribution"])
        await d.set_toggle("Address Book", True)
        await d.press("Next")
        await d.tick(["client-a", "client-b"])
        await d.press("Start Manual Distribution")
        await quiet(d)
        await d.key("f7")

    assert snap_compare(slow_preparing(make_app()), terminal_size=SIZE, run_before=settled(steps))


@pytest.mark.rules("DID-26")
def test_did26_details_list_what_another_series_skipped(snap_compare, make_app) -> None:
    async def steps(d: PanelDriver) -> None:
        fleet = d.app.fleet
        fleet.panel.login_admin("client-d", PIN, PIN)
        settings = fleet.distribution.receiving_settings("client-d")
        fleet.distribution.set_receiving_settings("client-d", replace(settings, restrict_model=False))
        await _admin(d, "host", [*DID, "Manual Distribution"])
        await d.set_toggle("Settings/Registration Value", True)
        await d.press("OK")
        await d.press("Next")
        await d.tick(["client-d"])
        await d.press("Start Manual Distribution")
        await quiet(d)
        await d.key("f7")
        await d.press("Details")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settled(steps))


@pytest.mark.rules("SYNC-13")
def test_sync13_proxy_settings(snap_compare, make_app) -> None:
    async def steps(d: PanelDriver) -> None:
        await _admin(d, "host", ["Preferences", "Network", "TCP/IP Settings", "Proxy Settings"])

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settled(steps))
