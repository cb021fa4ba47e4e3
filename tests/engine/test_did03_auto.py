"""DID-03 for <Set Auto Distribution>: network settings reach the client only when the saved schedule says
<Include>, exactly as in a manual run."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.domain.schedule import AutoDistribution, ScheduleMode
from mfp_console.engine.fleet import Fleet

ADMIN = ("7654321", "7654321")


def _network(fleet: Fleet, name: str) -> dict[str, str]:
    return {s.key: s.value for s in fleet.data.device_info(name).settings_values if s.network and s.deliverable}


@pytest.mark.rules("DID-03", "DID-22")
@pytest.mark.parametrize("include", [False, True])
async def test_did03_an_auto_run_sends_network_settings_only_with_include(fleet: Fleet, include: bool) -> None:
    before = _network(fleet, "client-a")
    host = _network(fleet, "host")
    assert before != host
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.set_auto_distribution("host", AutoDistribution(
        mode=ScheduleMode.EVERYDAY, everyday=("2100",), categories=frozenset({Category.SETTINGS_VALUES}),
        include_network=include, destinations=("client-a",)))
    await fleet.advance(12 * 3600 + 60)
    job = fleet.distribution.last_job("host")
    assert job is not None and job.trigger == "auto" and job.include_network is include
    assert job.results["client-a"].text == "OK"
    after = _network(fleet, "client-a")
    if include:
        assert {k: v for k, v in after.items() if k in host} == host
    else:
        assert after == before
    ip = "Preferences/Network/IPv4 Address"  # never delivered, Include or not (DID-16)
    assert fleet.data.device_info("client-a").setting(ip) != fleet.data.device_info("host").setting(ip)
