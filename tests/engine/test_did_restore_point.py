"""DID-20's one restore point end to end: the client's device information from immediately before the most
recent received update, replaced whole by each update, used up by a restore, never made by an import or a
restore; DID-17's inbox URL Send rule on restore."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfp_console.domain.device_info import Category, InboxUrlSend
from mfp_console.domain.machine import Activity
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import RuleRefusal

ADMIN = ("7654321", "7654321")


async def _send(fleet: Fleet, *categories: Category, to: str = "client-a") -> str:
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", categories, [to])
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None
    return job.results[to].text


def _refusal(fleet: Fleet, *categories: Category) -> str:
    fleet.panel.login_admin("client-a", *ADMIN)
    with pytest.raises(RuleRefusal) as caught:
        fleet.distribution.restore_data("client-a", categories)
    assert caught.value.rule_id == "DID-20"
    return caught.value.reason


@pytest.mark.rules("DID-20")
async def test_did20_after_two_updates_only_what_the_latest_changed_can_be_restored(fleet: Fleet) -> None:
    """Update 1 carries the address book, update 2 the printer settings: the point is update 2's alone,
    so the address book can no longer be rolled back past it."""
    original = fleet.data.device_info("client-a")
    assert await _send(fleet, Category.ADDRESS_BOOK) == "OK"
    assert await _send(fleet, Category.PRINTER_SETTINGS) == "OK"
    host = fleet.data.device_info("host")
    point = fleet.distribution.restore_point("client-a")
    assert point.categories == (Category.PRINTER_SETTINGS,)
    assert point.host == "host" and point.saved_at == fleet.clock.now() and not point.inbox

    assert "nothing to restore for <Address Book>" in _refusal(fleet, Category.ADDRESS_BOOK)
    assert fleet.distribution.restore_data("client-a", [Category.PRINTER_SETTINGS]) == [Category.PRINTER_SETTINGS]
    after = fleet.data.device_info("client-a")
    assert after.printer_settings == original.printer_settings
    assert after.address_book == host.address_book  # update 1 stays
    assert fleet.distribution.restore_point("client-a").empty
    assert "There is nothing to restore" in _refusal(fleet, Category.PRINTER_SETTINGS)


@pytest.mark.rules("DID-20")
async def test_did20_a_restore_uses_the_whole_point_up(fleet: Fleet) -> None:
    """(D) A restore uses the point up, whatever was picked; the restore makes no point of its own."""
    original = fleet.data.device_info("client-a")
    await _send(fleet, Category.ADDRESS_BOOK, Category.PAPER_INFORMATION)
    assert fleet.distribution.restorable_categories("client-a") == {Category.ADDRESS_BOOK,
                                                                     Category.PAPER_INFORMATION}
    fleet.panel.login_admin("client-a", *ADMIN)
    fleet.distribution.restore_data("client-a", [Category.ADDRESS_BOOK])
    assert fleet.data.device_info("client-a").address_book == original.address_book
    assert fleet.distribution.restorable_categories("client-a") == set()
    assert "There is nothing to restore" in _refusal(fleet, Category.PAPER_INFORMATION)
    assert fleet.distribution.communication_log("client-a", kind="Restore")[0].contents == ("Address Book",)


@pytest.mark.rules("DID-20")
async def test_did20_an_import_makes_no_restore_point_and_keeps_the_received_one(
    fleet_sync_stopped: Fleet, tmp_path: Path
) -> None:
    fleet = fleet_sync_stopped  # import/export of an address book waits for synchronization to stop (SYNC-12)
    original = fleet.data.device_info("client-a")
    await _send(fleet, Category.ADDRESS_BOOK)
    fleet.panel.login_admin("client-a", *ADMIN)
    exported = await fleet.import_export.export_device_info("host", tmp_path / "host.json")
    await fleet.import_export.import_device_info("client-a", exported, [Category.PAPER_INFORMATION])
    assert fleet.distribution.restorable_categories("client-a") == {Category.ADDRESS_BOOK}
    fleet.distribution.restore_data("client-a", [Category.ADDRESS_BOOK])
    after = fleet.data.device_info("client-a")
    assert after.address_book == original.address_book
    assert after.paper_types == fleet.data.device_info("host").paper_types  # the import stays


@pytest.mark.rules("DID-20", "DID-10")
async def test_did20_an_exchange_that_ends_ng_leaves_the_point_as_it_is(fleet: Fleet) -> None:
    await _send(fleet, Category.ADDRESS_BOOK)
    fleet.faults.set_activity("client-a", Activity.PRINTING)
    assert await _send(fleet, Category.PRINTER_SETTINGS) == "NG E-BUSY"
    assert fleet.distribution.restorable_categories("client-a") == {Category.ADDRESS_BOOK}


@pytest.mark.rules("DID-17", "DID-20")
async def test_did17_restoring_the_address_book_alone_clears_url_send_both_together_keep_it(fleet: Fleet) -> None:
    """DID-17 on restore: one of the pair clears the inbox URL Send settings; both together keep them."""
    original = fleet.data.device_info("client-a").inbox_url_send
    assert not original.is_clear
    await _send(fleet, Category.ADDRESS_BOOK, Category.SETTINGS_VALUES)
    assert fleet.data.device_info("client-a").inbox_url_send == original  # sent together: kept
    fleet.panel.login_admin("client-a", *ADMIN)
    fleet.distribution.restore_data("client-a", [Category.ADDRESS_BOOK, Category.SETTINGS_VALUES])
    assert fleet.data.device_info("client-a").inbox_url_send == original

    await _send(fleet, Category.ADDRESS_BOOK, Category.SETTINGS_VALUES)
    fleet.distribution.restore_data("client-a", [Category.ADDRESS_BOOK])
    assert fleet.data.device_info("client-a").inbox_url_send == InboxUrlSend()
