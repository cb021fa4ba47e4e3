"""Taking a replica of another server's synchronization data (SYNC-18), only from the server named for it.

Replication overwrites every user a machine keeps as a server, so a machine takes one only when all of
these hold (issue 17: a fleet certificate alone must not be enough):

* its Administrator set it to replicate that server (:data:`SOURCE_KEY`, set on the replica's Remote UI);
* the machine dialling is that server — its name comes from its fleet certificate, checked by mutual TLS;
* it proves it holds the same user-authentication settings, by challenge–response (SYNC-04, like a client);
* its own server function is stopped (a running server keeps its own data).

The data then arrives in pieces, each acknowledged; it is read strictly, checked whole
(:func:`~mfp_console.engine.sync.server_data.read_dump`) and stored in one transaction, or refused and
logged with nothing changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfp_console.engine.net.channel import Channel
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.proof import check_join_proof
from mfp_console.errors import StoreError
from mfp_console.protocol.messages import (
    SyncAck,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPush,
    Welcome,
)
from mfp_console.strict_json import JsonRefusal, loads_strict

if TYPE_CHECKING:
    from mfp_console.engine.sync.server import SyncServer

__all__ = ["MAX_REPLICA_BYTES", "PIECE", "SOURCE_KEY", "receive_replica", "replica_source"]

SOURCE_KEY = "sync_replica_source"
"""The server this machine was set to replicate: ``{"machine": name}``."""
PIECE = "@replica"
"""Item of the records that carry the replica's text, piece by piece."""
MAX_REPLICA_BYTES = 256 * 1024 * 1024
"""The most text one replica may carry (the same bound as a join's answer)."""


def replica_source(server: SyncServer) -> str:
    """The server this machine takes replicas from (empty: none)."""
    return str((server.machine.store.get_config(SOURCE_KEY) or {}).get("machine", ""))


def _problem(server: SyncServer, source: str, join: SyncJoin, welcome: Welcome) -> str:
    me = server.machine
    if server.running:
        return f"{me.name} runs its own server function"
    expected = replica_source(server)
    if source != expected:
        return (f"{me.name} replicates {expected}, not {source}" if expected
                else f"{me.name} is not set to replicate any server")
    if not check_join_proof(me, welcome.challenge, source, "replica", join.proof):
        return "user authentication and group management settings differ (SYNC-04)"
    return ""


async def receive_replica(server: SyncServer, channel: Channel, source: str, join: SyncJoin,
                          welcome: Welcome) -> None:
    """Serves a ``replica`` conversation from ``source``: refuses, or takes the data whole."""
    me, clock = server.machine, server.runtime.clock
    problem = _problem(server, source, join, welcome)
    if problem:
        await channel.send(SyncJoinReply(ok=False, code="E-REFUSED", reason=problem, server_time=clock.now().isoformat()))
        sync_log(me, "Error", f"refused a replica from {source}: {problem}", source)
        return
    await channel.send(SyncJoinReply(ok=True, code="", reason="", server_time=clock.now().isoformat()))
    pieces: list[str] = []
    size = 0
    while True:
        message = await channel.receive()
        if isinstance(message, SyncLeave):
            break
        if not isinstance(message, SyncPush):
            continue
        texts = [r.get("value") for r in message.records if r.get("item") == PIECE]
        if len(texts) != len(message.records) or not all(isinstance(t, str) for t in texts):
            await channel.send(SyncAck(count=0, refused="a replica carries text pieces only"))
            sync_log(me, "Error", f"refused a replica from {source}: it carried something else", source)
            return
        size += sum(len(t) for t in texts)  # type: ignore[arg-type]
        if size > MAX_REPLICA_BYTES:
            await channel.send(SyncAck(count=0, refused=f"a replica is at most {MAX_REPLICA_BYTES} bytes"))
            sync_log(me, "Error", f"refused a replica from {source}: over {MAX_REPLICA_BYTES} bytes", source)
            return
        pieces.extend(texts)  # type: ignore[arg-type]
        await channel.send(SyncAck(count=len(message.records)))
    try:
        count = server.data.load_dump(loads_strict("".join(pieces)), clock.now())
    except (JsonRefusal, ValueError, StoreError) as exc:
        sync_log(me, "Error", f"the replica from {source} was not stored: {exc}", source)
        return
    me.store.set_config("sync_replica", {"source": source, "at": clock.now().isoformat(), "users": count})
    sync_log(me, "Info", f"replica of {source}'s synchronization data stored ({count} users)", source)
