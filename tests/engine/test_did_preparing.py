"""DID-25: the host prepares for machine time proportional to the data before the first destination, shown
as its activity ``Preparing`` and the job's state; a host switched off then sends nothing, logs the job NG
and keeps its data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import Activity, PowerState
from mfp_console.engine.events import DistributionPreparing
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.views import JobStatus

ADMIN = ("7654321", "7654321")
TWO = (Category.ADDRESS_BOOK, Category.PAPER_INFORMATION)


def _prepare_for(fleet: Fleet, seconds_per_mib: float) -> None:
    fleet.spec = replace(fleet.spec, settings=replace(fleet.spec.settings, prepare_seconds_per_mib=seconds_per_mib))


async def _start(fleet: Fleet, *destinations: str) -> None:
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", TWO, destinations)
    await fleet.settle()


@pytest.mark.rules("DID-25")
async def test_did25_the_host_prepares_before_the_first_destination(fleet: Fleet) -> None:
    _prepare_for(fleet, 10 * 3600)  # minutes of machine time for the default host's data
    seen: list[DistributionPreparing] = []
    fleet.bus.subscribe(DistributionPreparing, seen.append)
    started = fleet.clock.now()
    await _start(fleet, "client-a", "client-b")

    job = fleet.distribution.current_job("host")
    assert job is not None and job.preparing and job.status is JobStatus.PREPARING and job.running
    expected = 10 * 3600 * job.bundle_bytes / (1024 * 1024)
    assert job.preparing_until is not None
    assert abs((job.preparing_until - started).total_seconds() - expected) < 1e-3
    assert expected > 60  # minutes of machine time, as the seed warns
    assert fleet.view("host").activity is Activity.PREPARING
    assert {r.text for r in job.results.values()} == {"Waiting"}
    assert fleet.distribution.communication_log("client-a") == []  # nothing sent yet
    assert [e.until for e in seen] == [job.preparing_until]

    await fleet.advance(expected + 1)
    done = fleet.distribution.last_job("host")
    assert done is not None and not done.running and done.preparing_until is None
    assert {r.text for r in done.results.values()} == {"OK"}
    assert fleet.view("host").activity is Activity.IDLE


@pytest.mark.rules("DID-25", "DID-05")
async def test_did25_host_switched_off_while_preparing_sends_nothing_and_logs_ng(fleet: Fleet) -> None:
    _prepare_for(fleet, 60 * 60)
    host_before = fleet.data.device_info("host")
    client_before = fleet.data.device_info("client-a")
    await _start(fleet, "client-a", "client-b")
    assert fleet.distribution.current_job("host").preparing

    fleet.faults.power("host", PowerState.OFF)
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None and not job.running
    assert {n: r.text for n, r in job.results.items()} == {"client-a": "NG E-INTERRUPTED",
                                                          "client-b": "NG E-INTERRUPTED"}
    delivered = fleet.distribution.communication_log("host", kind="Delivered")
    assert {(e.peer, e.result, e.code) for e in delivered} == {("client-a", "NG", "E-INTERRUPTED"),
                                                               ("client-b", "NG", "E-INTERRUPTED")}
    assert all("switched off while preparing" in e.detail for e in delivered)
    assert fleet.distribution.communication_log("client-a") == []  # no client was contacted
    assert fleet.data.device_info("client-a") == client_before
    assert fleet.data.device_info("host") == host_before  # its own data is unchanged

    fleet.faults.power("host", PowerState.ON)
    assert fleet.view("host").activity is Activity.IDLE and fleet.view("host").error_code == ""
    assert fleet.distribution.destination_statuses("host")["client-a"] == "NG E-INTERRUPTED"
    await fleet.advance(24 * 3600)  # the cut preparation's timer is gone: nothing is sent later
    assert fleet.distribution.communication_log("client-a") == []


@pytest.mark.rules("DID-25", "DID-07")
async def test_did25_cancel_while_preparing_cancels_every_destination(fleet: Fleet) -> None:
    _prepare_for(fleet, 60 * 60)
    await _start(fleet, "client-a")
    fleet.distribution.cancel_distribution("host")
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None and not job.running
    assert job.results["client-a"].text == "Canceled"
    assert fleet.view("host").activity is Activity.IDLE


@pytest.mark.rules("DID-25", "DID-11")
async def test_did25_without_a_preparing_time_the_host_never_shows_preparing(fleet: Fleet) -> None:
    activities: list[str] = []
    fleet.bus.subscribe(object, lambda e: activities.append(getattr(e, "new", "")))
    await _start(fleet, "client-a")
    assert "Preparing" not in activities
    assert fleet.distribution.last_job("host").results["client-a"].text == "OK"
