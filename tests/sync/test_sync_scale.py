"""Scale kept small for the suite: 200 users on a server with 9 clients converge (SYNC-02, SYNC-08).

The full 1,000 users x 10 machines figures come from ``mfp_console.bench.sync_fleet`` (real clock).
"""

from __future__ import annotations

import pytest

from mfp_console.bench.sync_fleet import bench_user_items
from mfp_console.domain.sync_items import PersonalItem
from mfp_console.domain.sync_settings import SyncClientState
from mfp_console.engine.sync.server import SyncServer
from mfp_console.store.user_data import Sharing, UserItem
from tests.sync.conftest import admin, fleet_spec, start_sync, started

USERS = 200


@pytest.mark.rules("SYNC-02", "SYNC-08")
async def test_sync08_sync02_200_users_converge_on_ten_machines_and_a_change_spreads(tmp_path, clock) -> None:
    fleet = await started(fleet_spec(extra_clients=5), tmp_path, clock)
    try:
        clients = [n for n in fleet.spec.names if n != "host"]
        assert len(clients) == 9
        admin(fleet, "host")
        fleet.sync.start_server("host")
        data, now = fleet.live_machine("host").functions.get(SyncServer).data, clock.now()
        for n in range(USERS):
            items = {k: UserItem(v, 1, Sharing.SHARED, now) for k, v in bench_user_items(n).items()}
            data.put_user(f"user{n:04d}", items, now, now)
        await start_sync(fleet, clients)
        for name in clients:
            assert len(fleet.users.users_on(name)) == USERS, name
            assert fleet.sync.status(name).client_state is SyncClientState.SYNCHRONIZED
        assert fleet.users.personal_data("client-d", "user0199").personal_addresses[7]["name"] == "Contact 199-7"
        fleet.users.login_user("client-a", "user0007")
        fleet.users.add_personal_button("client-a", "user0007", "new")
        await fleet.settle()
        server_version = data.users["user0007"]["personal_buttons"].version  # version order is the server's
        for name in clients:
            mine = fleet.users.personal_data(name, "user0007")
            assert mine.versions[PersonalItem.PERSONAL_BUTTONS] == server_version, name
            assert mine.personal_buttons[-1]["label"] == "new", name
    finally:
        await fleet.stop()
