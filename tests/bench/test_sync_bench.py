"""The sync benchmark's plumbing (SYNC-02, SYNC-08 at scale): it measures what it says, whatever the speed.

No assertion here is about how fast anything is; the figures themselves come from ``mfp-console bench``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mfp_console.bench.bare_tls import bare_tls_download
from mfp_console.bench.figures import Report
from mfp_console.bench.sync import measure_sync, run_sync_round


async def test_bare_download_delivers_every_byte_to_every_client(tmp_path: Path) -> None:
    result = await bare_tls_download(tmp_path / "pki", "host", ["c1", "c2", "c3"], b"x" * 300_000, 60.0)
    assert result["failures"] == 0
    assert result["wire_bytes"] == 900_000
    assert result["wall_s"] > 0


@pytest.mark.rules("SYNC-08")
async def test_sync08_a_round_times_convergence_between_two_baselines(tmp_path: Path) -> None:
    run = await run_sync_round(tmp_path, users=30, clients=2, changes=2)
    assert run["clients_complete"] == 2
    assert len(run["reference_s"]) == 2 and all(s > 0 for s in run["reference_s"])
    assert run["converge_s"] > 0
    assert run["wire_bytes"] > 30 * 2 * 1000  # thirty users' documents, for each of the two clients
    assert len(run["latencies_ms"]) == 2


@pytest.mark.rules("SYNC-02")
def test_sync02_the_figures_come_from_child_processes(tmp_path: Path) -> None:
    report = Report(quick=True)
    measure_sync(report, tmp_path, 20, 120.0, lambda _: None, rounds=1)
    converge, latency = report.figures
    assert converge.key == "sync.converge" and converge.value and converge.baseline
    assert converge.extra["rounds"] == "1" and not converge.note
    assert latency.key == "sync.latency" and latency.value is not None
