"""Large fleets: a distribution to 300 machines in one process, with bounded memory (DID-06).

The suite keeps to 300 so that it stays well under five minutes on two cores; ``mfp-console bench`` runs the
same fan-out at 1,000 clients and reports it in docs/performance.md."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import Category
from mfp_console.engine.fleet import Fleet

pytestmark = pytest.mark.slow

COUNT = 300


def _rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def _fleet_file(tmp_path: Path, count: int, concurrency: int) -> Path:
    path = tmp_path / "big.yaml"
    path.write_text(
        f"fleet: {{destination_limit: {count}, concurrency: {concurrency}}}\n"
        "machines:\n  - {name: host, model: iR-ADV C5560, series: iR-ADV C5500, "
        "functions: [distribution_sender], seed: host}\n"
        f"generate:\n  count: {count}\n  name_format: 'rx-{{n:04d}}'\n"
        "  template: {model: iR-ADV C5535, series: iR-ADV C5500, functions: [distribution_receiver], seed: empty}\n"
    )
    return path


@pytest.mark.rules("DID-06")
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads RSS from /proc")
async def test_did06_distribution_to_300_machines_with_concurrency(tmp_path: Path, clock: VirtualClock) -> None:
    """DID-06 (D): N at once for large fleets; every other rule holds, memory stays bounded."""
    fleet = Fleet.from_file(_fleet_file(tmp_path, COUNT, 8), tmp_path / "state", clock)
    await fleet.start()
    try:
        fleet.panel.login_admin("host", "7654321", "7654321")
        before = _rss_mib()
        job = fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK, Category.PAPER_INFORMATION],
                                              fleet.distribution.destinations("host").names())
        await fleet.settle(timeout=300)
        grown = _rss_mib() - before
        job = fleet.distribution.last_job("host")
        assert [r.text for r in job.results.values()] == ["OK"] * COUNT
        assert grown < 60, f"memory grew by {grown:.0f} MiB for {COUNT} destinations"
        host_book = fleet.data.device_info("host").address_book
        assert fleet.data.device_info("rx-0001").address_book == host_book
        assert fleet.data.device_info(f"rx-{COUNT:04d}").address_book == host_book
        assert len(fleet.distribution.communication_log("host", kind="Delivered")) == COUNT
    finally:
        await fleet.stop()
