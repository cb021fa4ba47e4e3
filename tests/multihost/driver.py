"""What each computer of the two-namespace test does, run inside its namespace (``ip netns exec``).

``python -m tests.multihost.driver PHASE FLEET STATE [ARG]`` prints one JSON line per step:

* ``prepare-clients``: on lab-b, before its machines run: both clients point their sync client at the host's
  IPv4 address with ``:8443`` (M-09, SYNC-20) and start it; ``alice`` keeps a personal address on client-a.
* ``read-clients``: on lab-b once its machine processes stopped: the clients' address books.
* ``host``: on lab-a: the host alone (its clients are on the other computer). It registers both clients by
  IPv4 address (the second on port 8444), starts the sync server, says ``ready``, and on a ``go`` line
  distributes the address book to both and waits until alice's data came over from client-a.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from mfp_console.clock import RealClock
from mfp_console.domain.device_info import Category
from mfp_console.engine.fleet import Fleet

PIN = "7654321"


def say(**data: object) -> None:
    print(json.dumps(data), flush=True)


async def prepare_clients(fleet: Fleet, server: str) -> None:
    for name in ("client-a", "client-b"):
        fleet.panel.login_admin(name, PIN, PIN)
        fleet.sync.set_client_settings(name, server)
        fleet.sync.start_client(name)
    fleet.users.login_user("client-a", "alice")
    fleet.users.add_personal_address("client-a", "alice", "Bob Jones", "bob@example.com")
    say(step="prepared", running=list(fleet.running))


async def host(fleet: Fleet, lab_b: str) -> None:
    fleet.panel.login_admin("host", PIN, PIN)
    for name in ("client-a", "client-b"):
        fleet.distribution.delete_destination("host", name)
    fleet.distribution.register_destination("host", "lab-b-first", lab_b)
    fleet.distribution.register_destination("host", "lab-b-second", f"{lab_b}:8444")
    fleet.sync.start_server("host")
    say(step="ready", running=list(fleet.running))
    await asyncio.to_thread(sys.stdin.readline)
    fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["lab-b-first", "lab-b-second"])
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None
    say(step="distributed", results={n: r.text for n, r in job.results.items()},
        book=[e.name for e in fleet.data.device_info("host").address_book.entries])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # waiting for a state: both clients joined and alice came over
        if "alice" in fleet.sync_server.users("host") and len(fleet.sync.status("host").clients) == 2:
            break
        await asyncio.sleep(0.05)
    say(step="synchronized", clients=list(fleet.sync.status("host").clients),
        users=fleet.sync_server.users("host"), alice=json.dumps(fleet.sync_server.server_copy("host", "alice")))


async def read_clients(fleet: Fleet) -> None:
    say(step="read", books={name: [e.name for e in fleet.data.device_info(name).address_book.entries]
                            for name in ("client-a", "client-b")})


async def main(phase: str, fleet_file: str, state: str, arg: str = "") -> None:
    fleet = Fleet.from_file(fleet_file, Path(state), RealClock(), handshake_timeout=5.0)
    await fleet.start()
    try:
        if phase == "prepare-clients":
            await prepare_clients(fleet, arg)
        elif phase == "host":
            await host(fleet, arg)
        else:
            await read_clients(fleet)
    finally:
        await fleet.stop()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
