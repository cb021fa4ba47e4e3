"""The bare mutual-TLS baselines: the same handshakes and bytes as the product, with nothing else.

:func:`bare_tls_transfer` (distribution's shape): one asyncio TLS listener per receiver reads what it is
sent and answers two bytes; a dialer sends each receiver its frames over a fresh mutual-TLS 1.3
connection, ``concurrency`` receivers at a time. Given ``stores``, it is the *floor*: each receiver also
commits the bytes it received to its own SQLite database (WAL, the product's pragmas: the product's own
:class:`~mfp_console.store.database.Database`) in one transaction before it answers, which is the least a
receiver that keeps what it was sent must do. The databases exist beforehand (:func:`prepare_floor_stores`)
and are opened before the clock starts, then rest (closed, reopened on their first use with the product's
pragmas) as an idle machine's database does (``engine/idle_stores.py``: an idle machine holds no open
database, a target of its own): so a receiver opens its database when the bytes arrive and the commit
starts a new write-ahead log, whose header SQLite syncs to disk, as a machine's first write does. :func:`bare_tls_download` (synchronization's shape): one
listener, and every client dials it with its own identity at once and reads its bytes. There is no
protocol and no events, so the time either takes is what moving (and keeping) the bytes costs here.

Listener contexts are built as the product builds its machines' (:func:`~mfp_console.pki.tls.server_context`
from the keystore's key and certificate files) before the clock starts, as the fleet builds them when it
starts; the dialer's context is built once, as the host's is.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfp_console.pki import FleetPki, load_or_create_fleet_pki
from mfp_console.pki.tls import client_context, server_context

if TYPE_CHECKING:
    from mfp_console.store.database import Database

__all__ = ["FLOOR_TABLE", "bare_tls_download", "bare_tls_transfer", "listen_receivers", "open_floor_stores",
           "prepare_floor_stores", "send_to_receivers"]

_READ_SIZE = 256 * 1024

FLOOR_TABLE = "floor_received"
"""The table a floor receiver commits its bytes to (beside the product's schema, in its own database)."""


def prepare_floor_stores(directory: Path, names: Sequence[str]) -> None:
    """Makes one product database per receiver in ``directory`` (the product's pragmas and schema), each with
    the table the floor writes to, and closes it."""
    from mfp_console.store.database import Database

    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        database = Database.open(directory / f"{name}.sqlite3")
        try:
            database.connection.execute(
                f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), body BLOB NOT NULL)"
            )
        finally:
            database.close()


def open_floor_stores(directory: Path, names: Sequence[str]) -> dict[str, Database]:
    """Opens the receivers' databases :func:`prepare_floor_stores` made (making them when missing) and lets
    them rest, as a started fleet's idle machines' databases do; the caller closes them."""
    from mfp_console.store.database import Database

    if any(not (directory / f"{name}.sqlite3").exists() for name in names):
        prepare_floor_stores(directory, names)
    stores: dict[str, Database] = {}
    try:
        for name in names:
            stores[name] = database = Database.open(directory / f"{name}.sqlite3")
            database.rest()  # as a fleet's idle machine's database rests: the first use opens it again
    except BaseException:
        for database in stores.values():
            database.close()
        raise
    return stores


async def bare_tls_transfer(pki_source: Path | FleetPki, sender: str, receivers: Sequence[str],
                            chunks: Sequence[bytes], concurrency: int, bound_s: float,
                            stores: Mapping[str, Database] | None = None) -> dict[str, Any]:
    """Sends ``chunks`` to every receiver over its own mutual-TLS connection; returns wall time and failures.

    Args:
        pki_source: The fleet's loaded PKI, or a folder where the baseline's certificates are made (or
            found) — the same kind the fleet uses.
        sender: The dialling identity's name.
        receivers: One listener per name.
        chunks: The bytes each receiver gets, written one after another.
        concurrency: How many receivers are served at once.
        bound_s: The most the transfer may take (it is a bounded run).
        stores: The floor: each receiver's open database (see :func:`open_floor_stores`), where it commits
            the bytes it received in one transaction before it answers. None: the bytes are dropped.
    """
    pki = pki_source if isinstance(pki_source, FleetPki) else load_or_create_fleet_pki(
        pki_source, [sender, *receivers], datetime.now(timezone.utc))
    size = sum(len(c) for c in chunks)
    servers, ports = await listen_receivers(pki, receivers, size, stores)
    try:
        run = await send_to_receivers(pki, sender, ports, chunks, concurrency, bound_s)
    finally:
        for server in servers:
            server.close()
    return run


async def listen_receivers(pki: FleetPki, receivers: Sequence[str], size: int,
                           stores: Mapping[str, Database] | None = None) -> tuple[list[asyncio.Server], dict[str, int]]:
    """One listener per receiver (contexts built now, as the fleet builds them when it starts); each reads
    ``size`` bytes, commits them when it has a store (the floor), and answers two bytes. Returns the
    servers (the caller closes them) and each receiver's port."""

    def serving(name: str) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        database = stores.get(name) if stores is not None else None

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            got = 0
            pieces: list[bytes] = []
            while got < size:
                data = await reader.read(_READ_SIZE)
                if not data:
                    break
                got += len(data)
                if database is not None:
                    pieces.append(data)
            if database is not None:
                with database.transaction("keep the received bytes") as conn:
                    conn.execute(f"INSERT OR REPLACE INTO {FLOOR_TABLE} (id, body) VALUES (1, ?)",
                                 (b"".join(pieces),))
            writer.write(b"OK")
            await writer.drain()
            writer.close()

        return serve

    servers = []
    ports: dict[str, int] = {}
    for name in receivers:
        context = server_context(pki.identity(name), pki.ca_pem)  # as the fleet does when it starts
        server = await asyncio.start_server(serving(name), "127.0.0.1", 0, ssl=context)
        servers.append(server)
        ports[name] = server.sockets[0].getsockname()[1]
    return servers, ports


async def send_to_receivers(pki: FleetPki, sender: str, ports: Mapping[str, int], chunks: Sequence[bytes],
                            concurrency: int, bound_s: float) -> dict[str, Any]:
    """The dialling side: sends ``chunks`` to every receiver at ``ports`` (wherever it listens),
    ``concurrency`` at a time, over one mutual-TLS connection each; returns wall time and failures."""
    size = sum(len(c) for c in chunks)
    context = client_context(pki.identity(sender), pki.ca_pem)
    receivers = list(ports)
    queue = list(reversed(receivers))
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while queue:
            name = queue.pop()
            reader, writer = await asyncio.open_connection("127.0.0.1", ports[name], ssl=context,
                                                          server_hostname=name)
            for chunk in chunks:
                writer.write(chunk)
                await writer.drain()
            if await reader.read(2) != b"OK":
                failures += 1
            await _hang_up(writer)

    wall = await _timed([worker() for _ in range(max(1, min(concurrency, len(receivers))))], bound_s)
    return {"wall_s": wall, "wire_bytes": size * len(receivers), "failures": failures}


async def bare_tls_download(pki_dir: Path, server: str, clients: Sequence[str], payload: bytes,
                            bound_s: float) -> dict[str, Any]:
    """Every client dials ``server`` at once over mutual TLS 1.3 and reads ``payload``; returns the wall time.

    As in the product, each client loads its own identity into a TLS context when it first dials (inside
    the timing); the listener is up, with its context, before the clock starts.

    Args:
        pki_dir: Where the baseline's own certificates are made (the same kind the fleet uses).
        server: The listening identity's name.
        clients: The dialling identities' names (all dial at once).
        payload: What each client receives.
        bound_s: The most the transfer may take (it is a bounded run).
    """
    pki = load_or_create_fleet_pki(pki_dir, [server, *clients], datetime.now(timezone.utc))

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)
        await writer.drain()
        await reader.read(2)
        writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_context(pki.identity(server), pki.ca_pem))
    port = listener.sockets[0].getsockname()[1]
    failures = 0

    async def download(name: str) -> None:
        nonlocal failures
        context = client_context(pki.identity(name), pki.ca_pem)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname=server)
        got = 0
        while got < len(payload):
            data = await reader.read(_READ_SIZE)
            if not data:
                break
            got += len(data)
        failures += got != len(payload)
        writer.write(b"OK")
        await _hang_up(writer)

    try:
        wall = await _timed([download(name) for name in clients], bound_s)
    finally:
        listener.close()
    return {"wall_s": wall, "wire_bytes": len(payload) * len(clients), "failures": failures}


async def _timed(workers: list[Coroutine[Any, Any, None]], bound_s: float) -> float:
    """Runs ``workers`` together, at most ``bound_s`` seconds; returns the wall time they took."""
    began = time.perf_counter()
    async with asyncio.timeout(bound_s):
        await asyncio.gather(*workers)
    return time.perf_counter() - began


async def _hang_up(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await writer.wait_closed()
    except (ConnectionError, OSError):
        pass
