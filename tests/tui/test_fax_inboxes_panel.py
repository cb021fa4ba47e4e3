"""DID-17 on the touch panel: ``<Set/Register Confidential Fax Inboxes>`` shows and edits the inboxes'
``<URL Send Settings>``, and shows them erased after an ``<Address Book>`` sent alone; kept when
``<Settings/Registration Value>`` goes with it."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category, InboxUrlSend
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.pages.fax_inboxes import FaxInboxesPage
from tests.tui.conftest import SIZE

PIN = "7654321"
SCREEN = ["Function Settings", "Receive/Forward", "Common Settings", "Set Fax/I-Fax Inbox",
          "Set/Register Confidential Fax Inboxes"]


def _rows(app) -> dict[str, str]:
    table = app.current_panel.page.query_one("#inbox-table")
    return {key: str(table.get_cell(key, "address")) for key in (r.key.value for r in table.ordered_rows)}


@pytest.mark.rules("DID-17")
async def test_did17_the_screen_shows_url_send_settings_and_their_erasure_by_an_address_book_alone(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        fleet = app.fleet
        await driver.at("client-b")
        assert await driver.login(PIN, PIN)
        await driver.press_path(SCREEN)
        assert isinstance(app.current_panel.page, FaxInboxesPage)
        seeded = dict(fleet.data.inbox_url_send("client-b").entries)
        assert seeded, "the default fleet seeds client-b with URL Send settings"
        shown = {inbox: address for inbox, address in _rows(app).items() if address != "-"}
        assert shown == seeded
        assert "<URL Send Settings>" in driver.visible_text()

        # Edit one inbox's address on the screen (the Administrator is logged in).
        table = app.current_panel.page.query_one("#inbox-table")
        highlighted = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert highlighted == min(seeded)  # the first inbox with an address is in view
        await driver.press("Change")
        await driver.type_into("Value", "desk@example.com")
        await driver.press("OK")
        assert dict(fleet.data.inbox_url_send("client-b").entries)[highlighted] == "desk@example.com"
        assert _rows(app)[highlighted] == "desk@example.com"

        # The host sends <Address Book> alone: the screen then shows them erased.
        fleet.panel.login_admin("host", PIN, PIN)
        fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-b"])
        await fleet.settle()
        await driver.settle()
        assert fleet.distribution.destination_statuses("host") == {"client-b": "OK"}
        assert fleet.data.inbox_url_send("client-b").is_clear
        assert set(_rows(app).values()) == {"-"}
        assert "<URL Send Settings>: none set on this machine." in driver.visible_text()


@pytest.mark.rules("DID-17")
async def test_did17_url_send_kept_when_both_categories_go_together(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        fleet = app.fleet
        before = fleet.data.inbox_url_send("client-b")
        fleet.panel.login_admin("host", PIN, PIN)
        fleet.distribution.start_manual_distribution(
            "host", [Category.ADDRESS_BOOK, Category.SETTINGS_VALUES], ["client-b"])
        await fleet.settle()
        await driver.at("client-b")
        await driver.press_path(SCREEN)
        assert fleet.data.inbox_url_send("client-b") == before
        assert {i: a for i, a in _rows(app).items() if a != "-"} == dict(before.entries)


@pytest.mark.rules("DID-17")
async def test_did17_editing_needs_the_administrator_and_nothing_changes_without(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        fleet = app.fleet
        fleet.panel.login_admin("client-a", PIN, PIN)
        fleet.data.set_inbox_url_send("client-a", InboxUrlSend(True, (("Confidential Fax Inbox 02", "a@example.com"),)))
        fleet.panel.logout("client-a")
        await driver.at("client-a")
        await driver.press_path(SCREEN)
        await driver.set_toggle("URL Send Settings", False)
        assert "Administrator" in driver.visible_text()  # the refusal says who may change it
        await driver.press("OK")
        assert fleet.data.inbox_url_send("client-a").enabled
        assert app.current_panel.page.query_one("#url-send-toggle").value  # shown as stored
