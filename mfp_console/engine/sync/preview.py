"""The join preview over the wire: a client asks its server what ``<Start>`` would do, and nothing changes.

The client dials the server exactly as a join does (same resolution of ``[Destination Server Address:]``,
same mutual-TLS conversation of purpose ``sync``, same SYNC-04 proof) but joins with the role ``preview``.
The server checks it as it would check the join (its server function, SYNC-04, SYNC-02: a refusal comes
back with the same code and reason) and then, instead of registering the client, talks read-only inside
the ``SYNCING`` state of the one transition table (``protocol/states.py``; no new messages):

1. server → ``SyncData``: ``@preview`` with the users it holds data of for this client (what its answer to
   the join's pull would list), its sharing ranges, how many users it holds and its user limit;
2. client → ``SyncData``: the registrations the join would push for the users the server lacks
   (:meth:`ClientCopies.registration`, the join's own), worked out with ``plan_join``;
3. server → ``SyncData``: ``@preview-result``: what ``plan_push`` would do with them on the data it holds
   now — how many users then, and whom SYNC-03 evicts — computed on its in-memory view, never applied;
4. client → ``SyncLeave``.

The server registers nothing, logs nothing (but a wrong SYNC-04 proof, logged as a join's is, so probing the
settings through previews leaves the same trace) and sends nothing to other clients; the client stores
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mfp_console.domain.sync_items import PersonalItem, SharingRange
from mfp_console.domain.sync_merge import plan_join, plan_push
from mfp_console.domain.sync_preview import JoinPreview, preview_join
from mfp_console.domain.sync_records import Registration, parse_client_records, wire
from mfp_console.engine.net.channel import Channel
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.engine.sync.link import record
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.server_answers import copies_for
from mfp_console.errors import MfpError, RemoteProtocolError
from mfp_console.protocol.messages import SyncData, SyncJoin, SyncJoinReply, SyncLeave

if TYPE_CHECKING:
    from mfp_console.engine.sync.client import SyncClient
    from mfp_console.engine.sync.server import SyncServer

__all__ = ["PREVIEW_ROLE", "ask_preview", "serve_preview"]

PREVIEW_ROLE = "preview"
SERVER_SIDE = "@preview"
RESULT = "@preview-result"


def users_with_data(server: SyncServer, device: str) -> list[str]:
    """The users whose document in the answer to ``device``'s pull of everything is not empty (the client
    replaces those, SYNC-05, and registers the rest); mirrors ``AnswerCache.full_answer``."""
    data = server.data
    ranges = {item.value: r for item, r in data.sharing().items()}
    withheld = set(data.devices().get(device, {}).get("withheld", []))
    specific = any(r is SharingRange.DEVICE_SPECIFIC for r in ranges.values())
    if specific or withheld:
        return [user for user in data.users if any(copies_for(server, user, device, ranges, withheld))]
    return [user for user, copies in data.users.items() if copies]


async def serve_preview(server: SyncServer, channel: Channel, client: str, join: SyncJoin, code: str,
                        reason: str) -> None:
    """The server's side: ``code``/``reason`` are what the join itself would be told (empty: admitted)."""
    now = server.runtime.clock.now()
    if code:
        if code == "E-SETTINGS":  # a wrong proof leaves the trace a join's would (docs/security.md)
            sync_log(server.machine, "Error", f"refused {client}'s join preview: {reason}", client)
        await channel.send(SyncJoinReply(ok=False, code=code, reason=reason, server_time=now.isoformat()))
        return
    await channel.send(SyncJoinReply(ok=True, code="", reason="", server_time=now.isoformat()))
    data = server.data
    facts = {"users": users_with_data(server, client), "total": len(data.users), "limit": server.user_limit,
             "ranges": {item.value: r.value for item, r in data.sharing().items()}}
    await channel.send(SyncData(records=(record("", SERVER_SIDE, facts),)))
    asked = await channel.expect(SyncData)
    try:
        records = parse_client_records(asked.records)
    except RemoteProtocolError:
        records = []
    if any(not isinstance(rec, Registration) for rec in records):
        records = []  # a preview carries registrations only: anything else is ignored, never applied
    plan = plan_push(data.view(server.user_limit), client, records, server.runtime.clock.now())
    population = set(data.users) | set(plan.puts) | set(plan.logins) | set(plan.evicted)
    result = {"population": len(population), "evicted": list(plan.evicted)}
    await channel.send(SyncData(records=(record("", RESULT, result),)))
    try:
        await channel.expect(SyncLeave)
    except MfpError:
        pass


def _value(message: SyncData, item: str) -> dict[str, Any]:
    for rec in message.records:
        if rec.get("item") == item and isinstance(rec.get("value"), dict):
            return rec["value"]
    raise RemoteProtocolError(f"the server's preview lacks {item!r}")


async def ask_preview(client: SyncClient) -> JoinPreview:
    """The client's side: what ``<Start>`` would do now with the connection settings saved now."""
    me = client.machine
    settings = client.settings()  # a start reads the saved settings afresh (SYNC-20)
    local = [u.user for u in me.store.list_users()]
    try:
        target = await client.resolve(settings)
        opened = await open_conversation(client.runtime, me, target, "sync")
    except (MfpError, OSError) as exc:
        return JoinPreview(me.name, "", refusal=f"the sync server cannot be reached: {exc}")
    channel = opened.channel
    try:
        await channel.send(client.join_message(target, opened.welcome.challenge, PREVIEW_ROLE))
        reply = await channel.expect(SyncJoinReply)
        if not reply.ok:
            return JoinPreview(me.name, target, refusal=f"{reply.code}: {reply.reason}")
        facts = _value(await channel.expect(SyncData), SERVER_SIDE)
        server_users = [str(u) for u in facts.get("users", [])]
        registers = sorted(plan_join(server_users, local).register)
        offers = [offer for offer in map(client.copies.registration, registers) if offer is not None]
        await channel.send(SyncData(records=tuple(wire(offer) for offer in offers)))
        result = _value(await channel.expect(SyncData), RESULT)
        await channel.send(SyncLeave(reason="preview only"))
    finally:
        await channel.close()
    ranges = {PersonalItem(item): SharingRange(r) for item, r in facts.get("ranges", {}).items()}
    return preview_join(
        me.name, target, server_users=server_users, client_users=local, offered={o.user for o in offers},
        ranges=ranges, server_total=int(facts.get("total", 0)), server_population=int(result["population"]),
        evicted=[str(u) for u in result.get("evicted", [])], user_limit=int(facts.get("limit", 0)),
    )
