"""DID-27 and DID-28 end to end: password-protected inboxes stay where they are; <Address Book> travels only
between machines with the fax board or the Universal Send Kit, and a refusal is logged as such."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import Category
from mfp_console.domain.inboxes import inbox_of, protected_inboxes
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.domain.schedule import AutoDistribution, ScheduleMode
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import RuleRefusal

ADMIN = ("7654321", "7654321")


async def _run(fleet: Fleet, categories: list[Category], to: list[str]) -> dict[str, str]:
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", categories, to)
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None
    return {name: result.text for name, result in job.results.items()}


def _inboxes(values) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for s in values:
        if inbox_of(s.key):
            out.setdefault(inbox_of(s.key), {})[s.key] = s.value
    return out


@pytest.mark.rules("DID-27")
async def test_did27_protected_inboxes_are_not_distributed_and_not_overwritten(fleet: Fleet) -> None:
    host = fleet.data.device_info("host").settings_values
    before = fleet.data.device_info("client-a").settings_values
    host_protected, client_protected = protected_inboxes(host), protected_inboxes(before)
    assert host_protected - client_protected and client_protected - host_protected  # the seed has both cases

    assert await _run(fleet, [Category.SETTINGS_VALUES], ["client-a"]) == {"client-a": "OK"}
    after = _inboxes(fleet.data.device_info("client-a").settings_values)
    host_boxes, old = _inboxes(host), _inboxes(before)
    for inbox in host_protected | client_protected:
        assert after.get(inbox) == old.get(inbox), inbox  # neither received nor overwritten
    for inbox in set(host_boxes) - host_protected - client_protected:
        assert after[inbox] == host_boxes[inbox], inbox  # open on both sides: delivered
    delivered = fleet.distribution.communication_log("host", kind="Delivered")[0]
    assert "not sent: " in delivered.detail and "(protected by a password)" in delivered.detail
    assert sorted(host_protected)[0] in delivered.detail
    received = fleet.distribution.communication_log("client-a", kind="Received")[0]
    assert "inboxes protected by a password kept" in received.detail
    assert any("protected by a password" in note for note in fleet.distribution.last_job("host").not_sent)


@pytest.mark.rules("DID-28", "DID-05")
async def test_did28_a_client_without_fax_board_or_send_kit_refuses_the_address_book(fleet: Fleet) -> None:
    """client-d has neither option; client-b has the Universal Send Kit instead of a fax board."""
    assert not fleet.view("client-d").identity.options.handles_address_book
    assert fleet.view("client-b").identity.options.universal_send_kit
    fleet.panel.login_admin("client-d", *ADMIN)
    fleet.distribution.set_receiving_settings("client-d", ReceivingSettings(restrict_model=False))
    book_d = fleet.data.device_info("client-d").address_book

    statuses = await _run(fleet, [Category.ADDRESS_BOOK, Category.PRINTER_SETTINGS], ["client-b", "client-d"])
    assert statuses == {"client-b": "OK", "client-d": "OK"}  # DID-05: a partial acceptance ends OK
    host = fleet.data.device_info("host")
    assert fleet.data.device_info("client-b").address_book == host.address_book
    assert fleet.data.device_info("client-d").address_book == book_d
    assert fleet.data.device_info("client-d").printer_settings == host.printer_settings
    reason = "refused <Address Book> (this machine has neither the fax board nor the Universal Send Kit)"
    assert reason in fleet.distribution.communication_log("client-d", kind="Received")[0].detail
    assert reason in fleet.distribution.last_job("host").results["client-d"].detail

    statuses = await _run(fleet, [Category.ADDRESS_BOOK], ["client-d"])
    assert statuses == {"client-d": "NG E-REFUSED"}
    refused = fleet.distribution.communication_log("client-d", kind="Received")[0]
    assert refused.code == "E-REFUSED" and "neither the fax board nor the Universal Send Kit" in refused.detail


_NO_FAX_HOST = """
fleet: {name: No fax board}
machines:
  - {name: host, model: iR-ADV C5560, series: iR-ADV C5500, functions: [distribution_sender], seed: host,
     options: {fax_board: false, universal_send_kit: false}}
  - {name: client-a, model: iR-ADV C5535, series: iR-ADV C5500, functions: [distribution_receiver], seed: client}
"""


@pytest.fixture
async def no_fax_fleet(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Fleet]:
    path = tmp_path / "no-fax.yaml"
    path.write_text(_NO_FAX_HOST, encoding="utf-8")
    fleet = Fleet.from_file(path, tmp_path / "state", clock, handshake_timeout=2.0, conversation_timeout=10.0)
    await fleet.start()
    try:
        yield fleet
    finally:
        await fleet.stop()


@pytest.mark.rules("DID-28")
async def test_did28_a_host_without_fax_board_or_send_kit_does_not_send_the_address_book(no_fax_fleet: Fleet) -> None:
    fleet = no_fax_fleet
    fleet.panel.login_admin("host", *ADMIN)
    with pytest.raises(RuleRefusal) as caught:
        fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a"])
    assert caught.value.rule_id == "DID-28"
    assert "neither the fax board nor the Universal Send Kit" in caught.value.reason

    book = fleet.data.device_info("client-a").address_book
    assert await _run(fleet, [Category.ADDRESS_BOOK, Category.PAPER_INFORMATION], ["client-a"]) == {"client-a": "OK"}
    job = fleet.distribution.last_job("host")
    assert job.categories == (Category.PAPER_INFORMATION,)
    assert job.not_sent[0] == "<Address Book> (this machine has neither the fax board nor the Universal Send Kit)"
    assert fleet.data.device_info("client-a").address_book == book
    assert fleet.data.device_info("client-a").paper_types == fleet.data.device_info("host").paper_types
    delivered = fleet.distribution.communication_log("host", kind="Delivered")[0]
    assert delivered.contents == ("Paper Information",)
    assert "not sent: <Address Book> (this machine has neither" in delivered.detail


@pytest.mark.rules("DID-28", "DID-22")
async def test_did28_an_auto_distribution_of_the_address_book_alone_is_logged_as_not_started(
    no_fax_fleet: Fleet,
) -> None:
    fleet = no_fax_fleet
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.set_auto_distribution("host", AutoDistribution(
        mode=ScheduleMode.EVERYDAY, everyday=("2100",), categories=frozenset({Category.ADDRESS_BOOK}),
        destinations=("client-a",)))
    await fleet.advance(12 * 3600 + 60)
    (entry,) = fleet.distribution.communication_log("host", kind="Auto")
    assert entry.result == "NG" and "neither the fax board nor the Universal Send Kit" in entry.detail
    assert fleet.distribution.last_job("host") is None
    assert fleet.distribution.next_auto_distribution("host") is not None  # the next set time still comes
