"""DID-26: a client of another series that accepts the data skips the settings values its series does not
have; its log and the destination's detail on the host list them."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.domain.series_catalogue import series_has_setting
from mfp_console.engine.fleet import Fleet

ADMIN = ("7654321", "7654321")
LINE_4 = "Function Settings/Send/Fax Line Settings/Line 4/Line Name"


async def _send_to_client_d(fleet: Fleet, *categories: Category) -> str:
    fleet.panel.login_admin("client-d", *ADMIN)
    fleet.distribution.set_receiving_settings("client-d", ReceivingSettings(restrict_model=False))
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", categories, ["client-d"])
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None
    return job.results["client-d"].text


@pytest.mark.rules("DID-26", "DID-18")
async def test_did26_another_series_skips_the_values_it_does_not_have_and_lists_them(fleet: Fleet) -> None:
    series = fleet.view("client-d").identity.series
    assert series != fleet.view("host").identity.series
    host = fleet.data.device_info("host")
    lacking = [s.key for s in host.settings_values
               if s.deliverable and not s.network and not series_has_setting(series, s.key)]
    assert LINE_4 in lacking
    assert not any(s.key in lacking for s in fleet.data.device_info("client-d").settings_values)  # seeded so

    assert await _send_to_client_d(fleet, Category.SETTINGS_VALUES) == "OK"
    client = fleet.data.device_info("client-d")
    assert not any(s.key in lacking for s in client.settings_values)
    received = fleet.distribution.communication_log("client-d", kind="Received")[0]
    assert received.result == "OK" and f"{len(lacking)} skipped: not on this machine's series" in received.detail
    assert all(key in received.detail for key in lacking)
    detail = fleet.distribution.last_job("host").results["client-d"].detail
    delivered = fleet.distribution.communication_log("host", kind="Delivered")[0]
    for text in (detail, delivered.detail):
        assert f"skipped {len(lacking)} settings values this machine's series does not have" in text
        assert LINE_4 in text


@pytest.mark.rules("DID-26")
async def test_did26_a_client_of_the_same_series_skips_nothing(fleet: Fleet) -> None:
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", [Category.SETTINGS_VALUES], ["client-a"])
    await fleet.settle()
    assert "skipped" not in fleet.distribution.last_job("host").results["client-a"].detail
    assert LINE_4 in {s.key for s in fleet.data.device_info("client-a").settings_values}
