"""Machines in worker processes, each holding a shard, dialled by name from this process (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.workers import Workers, shards
from mfp_console.errors import ConfigError
from mfp_console.fleet_file import default_fleet_text


def test_machines_are_dealt_round_robin_into_shards() -> None:
    assert shards(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]
    assert shards(["a"], 4) == [["a"]]


async def test_clients_in_two_workers_are_dialled_from_the_host_here(tmp_path: Path) -> None:
    fleet_file = tmp_path / "fleet.yaml"
    fleet_file.write_text(default_fleet_text())
    state = tmp_path / "state"
    fleet = Fleet.from_file(fleet_file, state, RealClock())
    others = [name for name in fleet.spec.names if name != "host"][:2]
    async with Workers(fleet_file, state, others, 2) as pool:
        assert len(pool.shards) == 2
        await fleet.start(only=["host"])
        try:
            for name in others:
                assert not fleet.is_running(name)
                result = await fleet.ping("host", name)
                assert result.ok, result
        finally:
            await fleet.stop()


async def test_a_worker_that_cannot_start_says_why(tmp_path: Path) -> None:
    fleet_file = tmp_path / "fleet.yaml"
    fleet_file.write_text(default_fleet_text())
    with pytest.raises(ConfigError, match="worker 0 did not start its machines"):
        async with Workers(fleet_file, tmp_path / "state", ["no-such-machine"], 1):
            pass


def test_distribute_with_two_workers_ends_as_it_does_in_one_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from mfp_console.cli.main import main

    outcomes = []
    for workers in ("1", "2"):
        main(["distribute", "--state-dir", str(tmp_path / workers), "--category", "address_book", "--json",
              "--workers", workers])
        out = capsys.readouterr().out
        rows = json.loads(out[out.index("{"):])["destinations"]
        outcomes.append({row["destination"]: row["status"] for row in rows})
    assert outcomes[0] == outcomes[1]
    assert "OK" in outcomes[1].values()
