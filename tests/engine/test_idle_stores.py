"""Idle machines rest their databases after start and after a quiet period (issue 18)."""

from __future__ import annotations

from pathlib import Path

from mfp_console.clock import VirtualClock
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.idle_stores import IdleStores


async def test_every_store_rests_after_start_and_a_used_one_rests_after_a_quiet_period(
    tmp_path: Path, clock: VirtualClock,
) -> None:
    fleet = Fleet.from_file(None, tmp_path / "state", clock)
    await fleet.start()
    try:
        stores = {name: fleet.live_machine(name).store for name in fleet.running}
        assert all(store.resting for store in stores.values())
        fleet.panel.login_admin("host", "7654321", "7654321")
        info = fleet.data.device_info("host")  # opens the host's database on demand
        assert info.address_book is not None
        sweeper = IdleStores(lambda: stores.values())
        sweeper.sweep()  # the host was used in this period: it stays open
        assert sum(not store.resting for store in stores.values()) >= 1
        sweeper.sweep()  # a whole quiet period: every store rests
        assert all(store.resting for store in stores.values())
        assert fleet.data.device_info("host") == info
    finally:
        await fleet.stop()
