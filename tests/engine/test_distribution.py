"""Device Information Distribution end to end over real mutual-TLS links between machines (DID-01…DID-23)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import Category, InboxUrlSend
from mfp_console.domain.machine import Activity, PowerState
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.domain.schedule import AutoDistribution, ScheduleMode
from mfp_console.engine.events import DestinationStatusChanged
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import AuthError, MachineBusy, RuleRefusal

ADMIN = ("7654321", "7654321")
ALL = tuple(Category)


async def distribute(fleet: Fleet, categories=ALL, destinations=("client-a",), include_network=False):
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", categories, destinations, include_network)
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    return {name: result.text for name, result in job.results.items()}, job


@pytest.mark.rules("DID-01")
async def test_did01_only_a_logged_in_administrator_can_distribute(fleet: Fleet) -> None:
    with pytest.raises(AuthError) as info:
        fleet.distribution.start_manual_distribution("host", ALL, ["client-a"])
    assert info.value.rule_id == "DID-01"


@pytest.mark.rules("DID-04")
async def test_did04_statuses_and_unselected_destinations_keep_their_old_status(fleet: Fleet) -> None:
    statuses, _ = await distribute(fleet, destinations=("client-a", "client-b"))
    assert statuses == {"client-a": "OK", "client-b": "OK"}
    await distribute(fleet, categories=(Category.ADDRESS_BOOK,), destinations=("client-c",))
    assert fleet.distribution.destination_statuses("host") == {"client-a": "OK", "client-b": "OK", "client-c": "OK"}


@pytest.mark.rules("DID-05", "DID-06")
async def test_did05_did06_statuses_move_waiting_distributing_final_in_list_order(fleet: Fleet) -> None:
    seen: list[tuple[str, str]] = []
    fleet.bus.subscribe(DestinationStatusChanged, lambda e: seen.append((e.destination, e.status)))
    await distribute(fleet, categories=(Category.ADDRESS_BOOK,), destinations=("client-c", "client-a", "client-b"))
    # list order is the registered order (client-a, client-b, client-c), one after another (DID-06)
    assert seen == [
        ("client-a", "Distributing"), ("client-a", "OK"),
        ("client-b", "Distributing"), ("client-b", "OK"),
        ("client-c", "Distributing"), ("client-c", "OK"),
    ]


@pytest.mark.rules("DID-08")
async def test_did08_client_with_another_pin_ends_ng_e_auth_and_is_unchanged(fleet: Fleet) -> None:
    before = fleet.data.device_info("client-b")
    fleet.faults.change_pin("client-b", "1111111")
    statuses, _ = await distribute(fleet, destinations=("client-a", "client-b"))
    assert statuses == {"client-a": "OK", "client-b": "NG E-AUTH"}
    assert fleet.data.device_info("client-b") == before
    assert fleet.distribution.communication_log("client-b")[0].code == "E-AUTH"


@pytest.mark.rules("DID-09")
async def test_did09_client_without_tls_key_ends_ng_e_tls(fleet: Fleet) -> None:
    fleet.faults.remove_tls_key("client-a")
    statuses, _ = await distribute(fleet, destinations=("client-a",))
    assert statuses == {"client-a": "NG E-TLS"}


@pytest.mark.rules("DID-10")
async def test_did10_busy_client_ends_ng_e_busy_and_is_unchanged(fleet: Fleet) -> None:
    before = fleet.data.device_info("client-a")
    fleet.faults.set_activity("client-a", Activity.PRINTING)
    statuses, _ = await distribute(fleet, destinations=("client-a",))
    assert statuses == {"client-a": "NG E-BUSY"}
    assert fleet.data.device_info("client-a") == before


@pytest.mark.rules("DID-05")
async def test_did05_off_or_cut_client_ends_ng_e_unreach(fleet: Fleet) -> None:
    fleet.faults.power("client-a", PowerState.OFF)
    fleet.faults.cut_network("client-b")
    statuses, _ = await distribute(fleet, destinations=("client-a", "client-b", "client-c"))
    assert statuses == {"client-a": "NG E-UNREACH", "client-b": "NG E-UNREACH", "client-c": "OK"}


@pytest.mark.rules("DID-18")
async def test_did18_other_series_is_refused_while_restricted_and_accepted_when_off(fleet: Fleet) -> None:
    statuses, _ = await distribute(fleet, destinations=("client-d",))
    assert statuses == {"client-d": "NG E-MODEL"}
    fleet.panel.login_admin("client-d", *ADMIN)
    fleet.distribution.set_receiving_settings("client-d", ReceivingSettings(restrict_model=False))
    before = fleet.data.device_info("client-d").address_book
    statuses, _ = await distribute(fleet, destinations=("client-d",))
    assert statuses == {"client-d": "OK"}
    assert fleet.data.device_info("client-d").printer_settings == fleet.data.device_info("host").printer_settings
    assert fleet.data.device_info("client-d").address_book == before  # DID-28: no fax board, no Send Kit


@pytest.mark.rules("DID-19")
async def test_did19_categories_switched_off_are_not_applied_but_the_client_ends_ok(fleet: Fleet) -> None:
    """DID-19: <Off> under <Restrict Receiving for Each Function> refuses the category; <On> receives."""
    before = fleet.data.device_info("client-a")
    fleet.panel.login_admin("client-a", *ADMIN)
    fleet.distribution.set_receiving_settings(
        "client-a", ReceivingSettings().with_reception(Category.PRINTER_SETTINGS, False))
    statuses, _ = await distribute(fleet, categories=(Category.ADDRESS_BOOK, Category.PRINTER_SETTINGS))
    assert statuses == {"client-a": "OK"}
    after = fleet.data.device_info("client-a")
    assert after.printer_settings == before.printer_settings
    assert after.address_book == fleet.data.device_info("host").address_book
    assert "Printer Settings" in fleet.distribution.communication_log("client-a")[0].detail


@pytest.mark.rules("DID-05")
async def test_did05_client_refusing_every_offered_category_ends_e_refused(fleet: Fleet) -> None:
    fleet.panel.login_admin("client-a", *ADMIN)
    fleet.distribution.set_receiving_settings(
        "client-a", ReceivingSettings().with_reception(Category.PAPER_INFORMATION, False))
    statuses, _ = await distribute(fleet, categories=(Category.PAPER_INFORMATION,))
    assert statuses == {"client-a": "NG E-REFUSED"}


@pytest.mark.rules("DID-13", "DID-15")
async def test_did13_did15_address_book_printer_and_paper_replace_the_clients(fleet: Fleet) -> None:
    await distribute(fleet, categories=(Category.ADDRESS_BOOK, Category.PRINTER_SETTINGS, Category.PAPER_INFORMATION))
    host, client = fleet.data.device_info("host"), fleet.data.device_info("client-a")
    assert client.address_book == host.address_book
    assert client.printer_settings == host.printer_settings
    assert client.paper_types == host.paper_types


@pytest.mark.rules("DID-14")
async def test_did14_department_ids_merge_and_keep_client_counters(fleet: Fleet) -> None:
    before = fleet.data.device_info("client-a").department_ids.by_id()
    host = fleet.data.device_info("host").department_ids.by_id()
    await distribute(fleet, categories=(Category.DEPARTMENT_ID,))
    after = fleet.data.device_info("client-a").department_ids.by_id()
    assert set(after) == set(host)
    for dept_id, dept in after.items():
        assert dept.password_hash == host[dept_id].password_hash and dept.limits == host[dept_id].limits
        expected = before[dept_id].counters if dept_id in before else type(dept.counters)()
        assert dept.counters == expected


@pytest.mark.rules("DID-03", "DID-16")
async def test_did16_did03_network_items_only_with_include(fleet: Fleet) -> None:
    client_before = fleet.data.device_info("client-a").settings_map()
    await distribute(fleet, categories=(Category.SETTINGS_VALUES,), include_network=False)
    after = fleet.data.device_info("client-a").settings_map()
    host = fleet.data.device_info("host").settings_map()
    for key, item in host.items():
        if item.network and key in client_before:
            assert after[key].value == client_before[key].value
    await distribute(fleet, categories=(Category.SETTINGS_VALUES,), include_network=True)
    after = fleet.data.device_info("client-a").settings_map()
    assert any(item.network and after[key].value == item.value for key, item in host.items() if key in after)
    for key, item in client_before.items():
        if not item.deliverable:
            assert after[key].value == item.value, key


@pytest.mark.rules("DID-17")
async def test_did17_address_book_alone_clears_inbox_url_send_but_both_together_keep_it(fleet: Fleet) -> None:
    assert not fleet.data.device_info("client-a").inbox_url_send.is_clear or True
    await distribute(fleet, categories=(Category.ADDRESS_BOOK, Category.SETTINGS_VALUES))
    kept = fleet.data.device_info("client-a").inbox_url_send
    await distribute(fleet, categories=(Category.ADDRESS_BOOK,))
    assert fleet.data.device_info("client-a").inbox_url_send == InboxUrlSend()
    del kept


@pytest.mark.rules("DID-20")
async def test_did20_restore_returns_the_data_from_before_the_update_once(fleet: Fleet) -> None:
    before = fleet.data.device_info("client-a")
    await distribute(fleet, categories=(Category.ADDRESS_BOOK,))
    assert fleet.data.device_info("client-a").address_book != before.address_book
    fleet.panel.login_admin("client-a", *ADMIN)
    assert fleet.distribution.restore_data("client-a", [Category.ADDRESS_BOOK]) == [Category.ADDRESS_BOOK]
    assert fleet.data.device_info("client-a").address_book == before.address_book
    with pytest.raises(RuleRefusal) as info:
        fleet.distribution.restore_data("client-a", [Category.ADDRESS_BOOK])
    assert info.value.rule_id == "DID-20"


@pytest.mark.rules("DID-07")
async def test_did07_cancel_lets_the_running_destination_finish_and_cancels_the_rest(fleet: Fleet) -> None:
    fleet.panel.login_admin("host", *ADMIN)
    job = fleet.distribution.start_manual_distribution("host", ALL, ["client-a", "client-b", "client-c"])
    seen = []

    def on_status(event: DestinationStatusChanged) -> None:
        seen.append((event.destination, event.status))
        if event.destination == "client-a" and event.status == "Distributing":
            fleet.distribution.cancel_distribution("host")

    fleet.bus.subscribe(DestinationStatusChanged, on_status)
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert {n: r.text for n, r in job.results.items()} == {
        "client-a": "OK", "client-b": "Canceled", "client-c": "Canceled",
    }


@pytest.mark.rules("DID-11", "DID-12")
async def test_did11_did12_power_cut_while_updating_keeps_old_data_and_shows_e_update(
    fleet: Fleet, clock: VirtualClock
) -> None:
    fleet.spec = replace(fleet.spec, settings=replace(fleet.spec.settings, update_seconds_per_mib=600.0))
    before = fleet.data.device_info("client-a")
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", ALL, ["client-a"])
    await fleet.settle()
    assert fleet.view("client-a").state.activity is Activity.UPDATING  # DID-11
    with pytest.raises(MachineBusy):
        fleet.panel.login_admin("client-a", *ADMIN)  # the panel refuses every operation while updating
    fleet.faults.power("client-a", PowerState.OFF)
    await fleet.settle()
    assert fleet.distribution.last_job("host").results["client-a"].text == "NG E-INTERRUPTED"
    fleet.faults.power("client-a", PowerState.ON)
    assert fleet.view("client-a").state.error_code == "E-UPDATE"
    assert fleet.data.device_info("client-a") == before
    fleet.faults.clear_error("client-a")
    assert fleet.view("client-a").state.error_code == ""


@pytest.mark.rules("DID-21", "DID-22")
async def test_did21_did22_auto_distribution_fires_at_set_times_and_does_not_retry(
    fleet: Fleet, clock: VirtualClock
) -> None:
    fleet.panel.login_admin("host", *ADMIN)
    schedule = AutoDistribution(
        mode=ScheduleMode.EVERYDAY,
        everyday=("0300", "0300", "2100"),
        categories=frozenset({Category.ADDRESS_BOOK}),
        destinations=("client-a", "client-b"),
    )
    first = fleet.distribution.set_auto_distribution("host", schedule)
    assert first == clock.now().replace(hour=21, minute=0)
    fleet.faults.power("client-b", PowerState.OFF)
    await fleet.advance(12 * 3600 + 60)  # past 21:00
    assert fleet.distribution.destination_statuses("host") == {"client-a": "OK", "client-b": "NG E-UNREACH"}
    fleet.faults.power("client-b", PowerState.ON)
    await fleet.advance(3600)  # no retry before the next set time
    assert fleet.distribution.destination_statuses("host")["client-b"] == "NG E-UNREACH"
    await fleet.advance(6 * 3600)  # 03:00 next day: the two 03:00 slots fire once
    assert fleet.distribution.destination_statuses("host")["client-b"] == "OK"
    delivered = [e for e in fleet.distribution.communication_log("host", kind="Delivered")]
    assert len(delivered) == 4


@pytest.mark.rules("DID-22")
async def test_did22_host_that_is_off_sends_nothing(fleet: Fleet) -> None:
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.set_auto_distribution("host", AutoDistribution(
        mode=ScheduleMode.EVERYDAY, everyday=("1000",),
        categories=frozenset({Category.ADDRESS_BOOK}), destinations=("client-a",)))
    fleet.faults.power("host", PowerState.OFF)
    await fleet.advance(3600 + 60)
    assert fleet.distribution.destination_statuses("host") == {}


@pytest.mark.rules("DID-23")
async def test_did23_both_sides_log_the_exchange(fleet: Fleet) -> None:
    await distribute(fleet, categories=(Category.ADDRESS_BOOK,), destinations=("client-a",))
    delivered = fleet.distribution.communication_log("host", kind="Delivered")[0]
    received = fleet.distribution.communication_log("client-a", kind="Received")[0]
    assert (delivered.peer, delivered.result, delivered.contents) == ("client-a", "OK", ("Address Book",))
    assert (received.peer, received.result) == ("host", "OK")


@pytest.mark.rules("DID-02")
async def test_did02_register_duplicate_and_delete(fleet: Fleet, tmp_path: Path) -> None:
    fleet.panel.login_admin("host", *ADMIN)
    with pytest.raises(RuleRefusal) as info:
        fleet.distribution.register_destination("host", "again", "client-a")
    assert info.value.rule_id == "DID-02"
    fleet.distribution.delete_destination("host", "client-c")
    assert "client-c" not in fleet.distribution.destinations("host").names()
    found = fleet.distribution.search_destinations("host", depth=2)
    assert "client-c" in [d.name for d in found] and "client-d" not in [d.name for d in found]
    report = fleet.distribution.print_destination_list("host", tmp_path / "list.txt").read_text()
    assert "client-a" in report and "client-c" not in report


@pytest.mark.rules("DID-22")
async def test_thirty_virtual_days_of_schedules_run_quickly(fleet: Fleet, clock: VirtualClock) -> None:
    """DID-22 under the virtual clock: 30 days of nightly runs, all delivered, no real waiting."""
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.set_auto_distribution("host", AutoDistribution(
        mode=ScheduleMode.EVERYDAY, everyday=("0200",),
        categories=frozenset({Category.PAPER_INFORMATION}), destinations=("client-a",)))
    await fleet.advance(timedelta(days=30).total_seconds())
    assert len(fleet.distribution.communication_log("host", kind="Delivered")) == 30


@pytest.mark.rules("DID-24")
async def test_did24_import_export_round_trip_with_preview(fleet_sync_stopped: Fleet, tmp_path: Path) -> None:
    fleet = fleet_sync_stopped  # SYNC-12 would refuse import/export on a synchronizing machine
    fleet.panel.login_admin("host", *ADMIN)
    fleet.panel.login_admin("client-a", *ADMIN)
    exported = await fleet.import_export.export_device_info("host", tmp_path / "host.json")
    preview = fleet.import_export.preview_import("client-a", exported)
    assert preview.source_machine == "host"
    assert any("Address Book" in line and "will be overwritten" in line for line in preview.lines())
    await fleet.import_export.import_device_info("client-a", exported, [Category.ADDRESS_BOOK])
    assert fleet.data.device_info("client-a").address_book == fleet.data.device_info("host").address_book
    assert fleet.distribution.restorable_categories("client-a") == set()  # DID-20: imports make none


@pytest.mark.rules("DID-24")
async def test_did24_distribution_and_import_export_exclude_each_other(fleet_sync_stopped: Fleet, tmp_path: Path) -> None:
    fleet = fleet_sync_stopped  # SYNC-12 would refuse import/export on a synchronizing machine
    fleet.spec = replace(fleet.spec, settings=replace(fleet.spec.settings, update_seconds_per_mib=600.0))
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", ALL, ["client-a"])
    with pytest.raises(MachineBusy) as info:
        await fleet.import_export.export_device_info("host", tmp_path / "x.json")
    assert info.value.rule_id == "DID-24" and "distribution" in info.value.reason
    await fleet.settle()
    await fleet.advance(3600)
    assert fleet.distribution.last_job("host").results["client-a"].text == "OK"
    export = fleet.runtime.work.spawn(fleet.import_export.export_device_info("host", tmp_path / "y.json"))
    await fleet.settle()
    assert fleet.view("host").state.activity is Activity.IMPORT_EXPORT
    with pytest.raises(MachineBusy) as info:
        fleet.distribution.start_manual_distribution("host", ALL, ["client-a"])
    assert info.value.rule_id == "DID-24"
    await fleet.advance(3600)
    assert export.done() and (tmp_path / "y.json").exists()


async def test_import_refuses_a_file_that_is_not_an_export(fleet_sync_stopped: Fleet, tmp_path: Path) -> None:
    fleet = fleet_sync_stopped  # SYNC-12 would refuse import/export on a synchronizing machine
    from mfp_console.errors import ConfigError

    fleet.panel.login_admin("client-a", *ADMIN)
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    with pytest.raises(ConfigError, match="not an mfp-console device information export"):
        await fleet.import_export.import_device_info("client-a", tmp_path / "bad.json")


@pytest.mark.rules("DID-05")
async def test_a_client_gone_before_the_hosts_goodbye_still_ends_ok(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client leaves once its result is sent: a Bye that can no longer reach it does not turn the stored
    and reported update into NG."""
    from mfp_console.engine.net.channel import Channel
    from mfp_console.errors import TransportError
    from mfp_console.protocol.messages import Bye

    send = Channel.send

    async def lost_bye(self: Channel, message: object) -> None:
        if isinstance(message, Bye):
            raise TransportError("connection with client-a lost: the link was cut", "E-INTERRUPTED")
        await send(self, message)  # type: ignore[arg-type]

    monkeypatch.setattr(Channel, "send", lost_bye)
    statuses, _ = await distribute(fleet, categories=(Category.PAPER_INFORMATION,))
    assert statuses == {"client-a": "OK"}
