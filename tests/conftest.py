"""Shared fixtures: a fleet built from a fleet file in a temporary state directory, on a virtual clock."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
import textual.screen
from hypothesis import HealthCheck, settings

from mfp_console.clock import VirtualClock
from mfp_console.collector import tune_collector
from mfp_console.engine.fleet import Fleet
from mfp_console.fleet_file import FleetSpec, SyncStart, load_fleet_file
from tests.addresses import AddressBlock, own_block
from tests.samba import SambaServer

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)

# ``--hypothesis-profile=long``: the nightly-style run of the model-checked engine (tests/sync/test_sync_model.py)
# and of every other property; the suite's own bounds apply without it.
settings.register_profile("long", max_examples=300, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


FRAME_TIMINGS = {"eager": 1e-4, "late": 3600.0}
"""Seconds between a screen's frames under ``--frame-timing``: a frame as soon as the loop lets it run, or
never by itself (only when the panel driver waits for the panel and lays it out)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--frame-timing", choices=sorted(FRAME_TIMINGS), default=None,
        help="lay the panel's screens out at the earliest moment (eager) or only when a test waits (late) "
             "instead of every 1/60 s: the two orders a loaded machine produces, on demand (docs/panel.md)",
    )


def pytest_configure(config: pytest.Config) -> None:
    tune_collector()  # as the CLI does: the panel tests' widget cycles made the default thresholds costly
    timing = config.getoption("--frame-timing")
    if timing is not None:  # read by each screen when it makes its frame timer
        textual.screen.UPDATE_PERIOD = FRAME_TIMINGS[timing]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The tests marked slow (a walk of every screen, a fleet of 300, the model-checked sync) first: the
    # workers take tests in this order, and one of them started in the run's last half-minute held the
    # whole run up while the other workers had finished. The sort is stable: the rest keep their order.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Collect once and freeze what is left, before an xdist worker says it has finished: pytest collects
    # five more times while it unconfigures, and over a worker's heap each pass took about a second, so
    # on a slow box a worker was still collecting when execnet's 5 s shutdown bound sent it a SIGINT
    # (a KeyboardInterrupt warning under a passing run). Frozen objects are not walked again.
    gc.collect()
    gc.freeze()


@pytest.fixture
def address_block() -> Iterator[AddressBlock]:
    """A loopback block ``127.31.<n>`` no other test of any pytest process on this computer uses meanwhile."""
    with own_block(31) as block:
        yield block


@pytest.fixture
def clock() -> VirtualClock:
    """A virtual clock at Friday 2026-11-20 09:00 UTC."""
    return VirtualClock(START)


@pytest.fixture
async def fleet(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Fleet]:
    """The default fleet, started on loopback in a fresh state directory (it synchronizes out of the box)."""
    fleet = Fleet.from_file(None, tmp_path / "state", clock, handshake_timeout=2.0, conversation_timeout=10.0)
    await fleet.start()
    try:
        await fleet.settle()
        yield fleet
    finally:
        await fleet.stop()


def sync_stopped(spec: FleetSpec) -> FleetSpec:
    """``spec`` with no sync function started on a new state folder (the fleet file's ``sync:`` left out)."""
    return replace(spec, machines=tuple(replace(m, sync=SyncStart()) for m in spec.machines))


@pytest.fixture
async def fleet_sync_stopped(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Fleet]:
    """The default fleet with its sync functions stopped: for tests of what synchronization would refuse
    (import/export, SYNC-12) or of starting it by hand."""
    fleet = Fleet(sync_stopped(load_fleet_file(None)), tmp_path / "state", clock, handshake_timeout=2.0,
                  conversation_timeout=10.0)
    await fleet.start()
    try:
        yield fleet
    finally:
        await fleet.stop()


@pytest.fixture(scope="session")
def samba() -> Iterator[SambaServer]:
    """One real ``smbd`` on 127.0.0.1 and a free port for the session (skips with the reason when Samba
    cannot run here); each test uses a folder of its own on the ``backups`` share."""
    from tests.samba import running_samba, samba_missing, samba_root

    why = samba_missing()
    if why:
        pytest.skip(why)
    with samba_root() as root, running_samba(root) as server:
        yield server
