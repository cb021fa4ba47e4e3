"""Synchronization one can trust: the breaks of issues 12 and 17, each as a test that failed before.

Every test runs real machines over mutual TLS on loopback. A "rogue" member is a real fleet member
(client-a, with its own fleet certificate) whose open session is used to send what its software never
would; the server must answer, store all or nothing, and keep serving the others.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from mfp_console.domain.sync_items import PersonalItem
from mfp_console.domain.sync_settings import SyncClientState
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.engine.sync.client import SyncClient
from mfp_console.engine.sync.link import PushAnswer, _PushGroup, record
from mfp_console.engine.sync.proof import join_proof
from mfp_console.engine.sync.server import SyncServer
from mfp_console.errors import RuleRefusal
from mfp_console.protocol.framing import HEADER_SIZE, encode_frame
from mfp_console.protocol.messages import (
    SyncAck,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPush,
)
from mfp_console.store.user_data import Sharing, UserItem
from tests.sync.conftest import admin, fleet_spec, start_sync, started

GERMAN = {"language": "German", "keyboard": "German"}
FRENCH = {"language": "French", "keyboard": "French"}


def server_of(fleet: Fleet, name: str = "host") -> SyncServer:
    server = fleet.live_machine(name).functions.get(SyncServer)
    assert server is not None
    return server


async def rogue_push(fleet: Fleet, records: list[dict[str, Any]], client: str = "client-a") -> PushAnswer:
    """Sends ``records`` over ``client``'s open session as one push message (never split, as its own software
    would); returns the server's answer."""
    link = fleet.live_machine(client).functions.get(SyncClient).link
    assert link is not None
    answers: list[PushAnswer] = []
    frame = encode_frame(SyncPush(records=tuple(records)).to_wire())
    link._enqueue((SyncPush, frame), "push", _PushGroup(1, answers.append))
    await fleet.settle()
    assert len(answers) == 1, "every push is answered"
    return answers[0]


def language(fleet: Fleet, machine: str, user: str) -> str:
    return fleet.users.personal_data(machine, user).display_language


# --- issue 12 ----------------------------------------------------------------------------------------------


@pytest.mark.rules("SYNC-03")
async def test_sync03_logins_through_one_client_evict_the_oldest_user(fleet: Fleet) -> None:
    """Issue 12, 1: the users logging in through one client are not protected from eviction."""
    await start_sync(fleet, ["client-a", "client-b"])
    server_of(fleet).user_limit = 5
    for n in range(1, 7):
        fleet.users.login_user("client-a", f"user{n}")
        await fleet.settle()
    assert fleet.sync_server.users("host") == [f"user{n}" for n in range(2, 7)]
    assert "user1" not in fleet.users.users_on("client-a")  # deleted everywhere, the sending client too
    assert any("user1" in e.message for e in fleet.sync.log_entries("host", "Info"))


@pytest.mark.rules("SYNC-07", "SYNC-23")
async def test_sync07_a_kept_copy_never_outranks_the_servers_and_the_next_change_spreads(fleet: Fleet) -> None:
    """Issue 12, 2: A has U (changed twice); U is deleted on the server; C's older copy registers; U's
    login on A shows C's copy, and U's next change on A reaches B, with nothing left pending."""
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.users.login_user("client-a", "u")
    fleet.users.set_personal_item("client-a", "u", PersonalItem.DISPLAY_LANGUAGE, FRENCH)
    fleet.users.set_personal_item("client-a", "u", PersonalItem.DISPLAY_LANGUAGE, {**FRENCH, "keyboard": "Swiss"})
    await fleet.settle()
    admin(fleet, "client-c")
    fleet.users.login_user("client-c", "u")  # client-c is not synchronizing yet: its own copy of u
    fleet.users.set_personal_item("client-c", "u", PersonalItem.DISPLAY_LANGUAGE, GERMAN)
    fleet.sync_server.delete_user_data("host", ["u"])
    fleet.sync.start_client("client-c")
    await fleet.settle()
    assert fleet.sync_server.server_copy("host", "u")["display_language"] == GERMAN  # C's copy registered
    fleet.users.login_user("client-a", "u")
    await fleet.settle()
    assert language(fleet, "client-a", "u") == "German"
    fleet.users.set_personal_item("client-a", "u", PersonalItem.DISPLAY_LANGUAGE, {**GERMAN, "keyboard": "x"})
    await fleet.settle()
    assert fleet.sync.status("client-a").pending_changes == 0
    assert fleet.users.personal_data("client-b", "u")[PersonalItem.DISPLAY_LANGUAGE]["keyboard"] == "x"
    assert fleet.sync_server.copy_differences("host", "client-a", "u") == ()
    assert not [e for e in fleet.sync.log_entries("client-a", "Warning") if "refused" in e.message]


@pytest.mark.rules("SYNC-08", "SYNC-01")
async def test_sync08_the_default_fleet_synchronizes_out_of_the_box(tmp_path: Path, clock) -> None:
    """Issue 12, 3: log in at the host, add an address, walk to client-a: it is there. Nobody started anything."""
    fleet = Fleet.from_file(None, tmp_path / "state", clock, handshake_timeout=2.0, conversation_timeout=10.0)
    await fleet.start()
    try:
        await fleet.settle()
        for name in ("host", "client-a", "client-b", "client-c"):
            assert fleet.sync.status(name).client_state is SyncClientState.SYNCHRONIZED, name
        assert fleet.sync.status("client-d").client_running is False  # of another series: stays out
        fleet.users.login_user("host", "trainer")
        fleet.users.add_personal_address("host", "trainer", "Front desk", "desk@example.com")
        await fleet.settle()
        fleet.users.login_user("client-a", "trainer")
        await fleet.settle()
        assert [a["name"] for a in fleet.users.personal_data("client-a", "trainer").personal_addresses] == ["Front desk"]
    finally:
        await fleet.stop()


# --- issue 17 ----------------------------------------------------------------------------------------------


async def replica_attempt(fleet: Fleet, attacker: str, victim: str) -> SyncJoinReply:
    """``attacker`` (a fleet member, valid certificate and settings) sends ``victim`` an empty replica."""
    opened = await open_conversation(fleet.runtime, fleet.live_machine(attacker), victim, "sync")
    channel = opened.channel
    try:
        proof = join_proof(fleet.live_machine(attacker), opened.welcome.challenge, victim, "replica")
        await channel.send(SyncJoin(attacker, "x", "", "", "1", proof, "replica"))
        reply = await channel.expect(SyncJoinReply)
        if reply.ok:
            await channel.send(SyncPush(records=(record("", "@replica", '{"format": "mfp-console sync data", '
                                                       '"version": 1, "users": []}'),)))
            await channel.expect(SyncAck)
            await channel.send(SyncLeave(reason="done"))
        return reply
    finally:
        await channel.close()
        await fleet.settle()


@pytest.mark.rules("SYNC-18")
async def test_sync18_a_replica_is_taken_only_from_the_server_named_for_it(tmp_path: Path, clock) -> None:
    """Issue 17, 1(a): a certificate alone does not let a fleet member wipe a machine's sync data."""
    fleet = await started(fleet_spec(client_c={"functions": ["sync_server", "distribution_receiver"]}), tmp_path, clock)
    try:
        data, now = server_of(fleet, "client-c").data, clock.now()
        data.put_user("keep", {"display_language": UserItem(GERMAN, 1, Sharing.SHARED, now)}, now, now)
        reply = await replica_attempt(fleet, "client-a", "client-c")
        assert not reply.ok and "not set to replicate" in reply.reason
        admin(fleet, "client-c")
        fleet.sync_server.set_replica_source("client-c", "host")
        reply = await replica_attempt(fleet, "client-a", "client-c")
        assert not reply.ok and "replicates host, not client-a" in reply.reason
        assert fleet.sync_server.users("client-c") == ["keep"]
        assert any("refused a replica from client-a" in e.message for e in fleet.sync.log_entries("client-c", "Error"))
    finally:
        await fleet.stop()


@pytest.mark.rules("SYNC-03")
async def test_sync03_a_rogue_member_cannot_flood_or_outdate_the_users(fleet: Fleet) -> None:
    """Issue 17, 1(b): 1,001 logins in one push are refused whole; a claimed login time is not taken."""
    await start_sync(fleet, ["client-a", "client-b"])
    server = server_of(fleet)
    server.user_limit = 5
    for n in range(5):
        fleet.users.login_user("client-b", f"real{n}")
        await fleet.settle()
    flood = [record(f"fake{n}", "@login", "2099-01-01T00:00:00+00:00") for n in range(1001)]
    link = fleet.live_machine("client-a").functions.get(SyncClient).link
    assert link is not None
    # Refused whole at the wire: the push is no valid message, so the server ends that session unanswered.
    link._enqueue((SyncPush, encode_frame(SyncPush(records=tuple(flood)).to_wire())), "push",
                  _PushGroup(1, lambda answer: None))
    await fleet.settle()
    assert sorted(fleet.sync_server.users("host")) == [f"real{n}" for n in range(5)]
    assert any("more than the 1,000 one push may" in e.message for e in fleet.sync.log_entries("host"))
    await rogue_push(fleet, [record("fake", "@login", "2099-01-01T00:00:00+00:00")], client="client-b")
    assert server.data.last_seen["fake"].year == fleet.clock.now().year  # stamped by the server
    assert "real0" not in fleet.sync_server.users("host")  # the least recently logged-in user, as SYNC-03 says


@pytest.mark.rules("SYNC-07", "SYNC-23")
async def test_sync23_a_login_and_changes_at_once_all_reach_the_server(fleet: Fleet) -> None:
    """Issue 17, 4: log in and change an item twice at once; no change is lost, refused or left pending."""
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.users.login_user("client-a", "alice")
    fleet.users.add_personal_address("client-a", "alice", "First", "1@example.com")
    fleet.users.add_personal_address("client-a", "alice", "Second", "2@example.com")
    fleet.users.add_personal_button("client-a", "alice", "Mine")
    await fleet.settle()
    names = [a["name"] for a in fleet.sync_server.server_personal_data("host", "alice").personal_addresses]
    assert names == ["First", "Second"]
    assert [a["name"] for a in fleet.users.personal_data("client-b", "alice").personal_addresses] == names
    assert fleet.sync.status("client-a").pending_changes == 0
    assert fleet.sync_server.copy_differences("host", "client-a", "alice") == ()
    assert not fleet.sync.log_entries("client-a", "Warning")


@pytest.mark.rules("SYNC-14")
async def test_a_rogue_device_record_is_refused_and_everyone_else_goes_on(fleet: Fleet, caplog) -> None:
    """Issue 17, 7: a @device record of the wrong type is refused with an answer; the others still sync."""
    await start_sync(fleet, ["client-a", "client-b", "client-c"])
    caplog.set_level(logging.DEBUG)
    answer = await rogue_push(fleet, [record("", "@device", {"withheld": 5, "destinations": "x"})])
    assert answer.count == 0 and "withheld" in answer.refused
    fleet.users.login_user("client-b", "bob")
    fleet.users.add_personal_button("client-b", "bob", "Still works")
    await fleet.settle()
    fleet.users.login_user("client-c", "bob")
    await fleet.settle()
    assert fleet.users.personal_data("client-c", "bob").personal_buttons[0]["label"] == "Still works"
    assert any("refused a push from client-a" in e.message for e in fleet.sync.log_entries("host", "Warning"))
    assert not [r for r in caplog.records if r.exc_info], "no tracebacks"


@pytest.mark.rules("SYNC-14")
async def test_a_push_with_a_bad_record_stores_nothing_of_it_and_is_answered(fleet: Fleet) -> None:
    """Issue 17, 7: the good records before a bad one are not committed; the answer says why."""
    await start_sync(fleet, ["client-a"])
    before = dict(server_of(fleet).data.users)
    good = record("eve", "personal_buttons", [{"label": "ok", "function": "Copy"}], base=0)
    bad = record("eve", "display_language", {"language": "Klingon", "keyboard": "x"})
    answer = await rogue_push(fleet, [record("eve", "@login", ""), good, bad])
    assert answer.count == 0 and "record 2" in answer.refused and answer.outcomes == ()
    assert server_of(fleet).data.users == before and "eve" not in fleet.sync_server.users("host")


# --- SYNC-07, SYNC-21, SYNC-22 -----------------------------------------------------------------------------


@pytest.mark.rules("SYNC-07")
async def test_sync07_deleting_user_data_needs_the_servers_synchronization_running(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a"])
    fleet.users.login_user("client-a", "ann")
    fleet.users.add_personal_button("client-a", "ann", "x")
    await fleet.settle()
    fleet.sync.stop_server("host")
    with pytest.raises(RuleRefusal) as info:
        fleet.sync_server.delete_user_data("host", ["ann"])
    assert info.value.rule_id == "SYNC-07" and "start its server function" in info.value.reason
    assert fleet.sync_server.users("host") == ["ann"]
    fleet.sync.start_server("host")
    assert fleet.sync_server.delete_user_data("host", ["ann"]) == ["ann"]


@pytest.mark.rules("SYNC-21", "SYNC-12")
async def test_sync21_personalized_data_is_exported_before_synchronizing_and_refused_after(fleet: Fleet,
                                                                                          tmp_path: Path) -> None:
    admin(fleet, "client-a")
    fleet.users.login_user("client-a", "ann")
    fleet.users.add_personal_address("client-a", "ann", "Kept", "k@example.com")
    path = tmp_path / "personal.json"
    assert await fleet.import_export.export_personal_data("client-a", path) == 1
    fleet.users.add_personal_address("client-a", "ann", "Later", "l@example.com")
    assert await fleet.import_export.import_personal_data("client-a", path) == 1
    assert [a["name"] for a in fleet.users.personal_data("client-a", "ann").personal_addresses] == ["Kept"]
    await start_sync(fleet, ["client-a"])
    with pytest.raises(RuleRefusal) as info:
        await fleet.import_export.export_personal_data("client-a", tmp_path / "again.json")
    assert info.value.rule_id == "SYNC-12"
    with pytest.raises(RuleRefusal):
        await fleet.import_export.import_personal_data("client-a", path)


@pytest.mark.rules("SYNC-22")
async def test_sync22_fax_settings_are_kept_on_the_server_but_not_shown_without_a_fax_board(fleet: Fleet) -> None:
    """client-b has no fax board: the fax part of Job Default Settings is not shown there and survives a
    change made there; the device list says so."""
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.users.login_user("client-a", "ann")
    defaults = fleet.users.personal_data("client-a", "ann")[PersonalItem.JOB_DEFAULTS]
    fleet.users.set_personal_item("client-a", "ann", PersonalItem.JOB_DEFAULTS,
                                  {**defaults, "fax": {"resolution": "400x400 dpi"}})
    await fleet.settle()
    fleet.users.login_user("client-b", "ann")
    await fleet.settle()
    shown = fleet.users.personal_data("client-b", "ann")
    assert "fax" not in shown[PersonalItem.JOB_DEFAULTS] and shown.unreflected
    fleet.users.set_personal_item("client-b", "ann", PersonalItem.JOB_DEFAULTS,
                                  {**shown[PersonalItem.JOB_DEFAULTS], "copy": {"color": "Black & White"}})
    await fleet.settle()
    kept = fleet.sync_server.server_copy("host", "ann")["job_defaults"]
    assert kept["fax"] == {"resolution": "400x400 dpi"} and kept["copy"] == {"color": "Black & White"}
    notes = {row.device_name: row.notes for row in fleet.sync_server.device_list("host")}
    assert any("fax" in note for note in notes["client-b"]) and not any("fax" in n for n in notes["client-a"])


@pytest.mark.rules("SYNC-23")
async def test_sync23_a_change_taken_for_a_user_gone_here_meanwhile_brings_the_servers_copy(fleet: Fleet) -> None:
    """Found by the long model run: client-a's registration of u1 travelled while another push evicted u1
    (the notice deleted u1 on client-a) and then took it again: the server held u1, client-a did not, for
    ever. An answer that says "taken" for data no longer here now makes the client fetch the server's copy."""
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.users.login_user("client-b", "x")
    fleet.users.add_personal_button("client-b", "x", "b")
    await fleet.settle()
    client = fleet.live_machine("client-a").functions.get(SyncClient)
    fleet.live_machine("client-a").store.delete_user("x")  # as the eviction notice did
    version = server_of(fleet).data.users["x"]["personal_buttons"].version
    taken = PushAnswer(1, "", ({"user": "x", "item": "personal_buttons", "value": "taken", "version": version,
                                "range": "shared"},))
    client.copies._answered(taken, [("x", "personal_buttons")])
    await fleet.settle()
    assert fleet.users.personal_data("client-a", "x").personal_buttons[0]["label"] == "b"
    assert fleet.sync_server.copy_differences("host", "client-a", "x") == ()


@pytest.mark.rules("SYNC-07", "SYNC-14")
async def test_a_pushed_number_too_large_for_a_float_never_poisons_a_user(fleet: Fleet) -> None:
    """Issue 17, 2: a pushed ``1e400`` was stored as ``Infinity`` and every client pulling the user afterwards
    failed with "the copy … is damaged". Now the push is refused at its frame and the user stays whole for the
    clients already connected and for one joining later."""
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.users.login_user("client-b", "ann")
    fleet.users.add_personal_button("client-b", "ann", "Before")
    await fleet.settle()
    body = ('{"v":1,"type":"sync_push","records":[{"user":"ann","item":"home_screen",'
            '"value":{"layout":"Standard","zoom":1e400},"version":0,"range":"shared","base":0}]}').encode()
    link = fleet.live_machine("client-a").functions.get(SyncClient).link
    assert link is not None
    link._enqueue((SyncPush, len(body).to_bytes(HEADER_SIZE, "big") + body), "push", _PushGroup(1, lambda _: None))
    await fleet.settle()
    assert any("1e400" in e.message and "too large" in e.message for e in fleet.sync.log_entries("host")), \
        [e.message for e in fleet.sync.log_entries("host")]
    assert fleet.sync_server.server_personal_data("host", "ann")[PersonalItem.HOME_SCREEN] == PersonalItem.HOME_SCREEN.default()
    admin(fleet, "client-c")
    fleet.sync.start_client("client-c")
    fleet.users.login_user("client-c", "ann")
    fleet.users.login_user("client-a", "ann")
    await fleet.settle()
    for name in ("client-a", "client-b", "client-c"):
        data = fleet.users.personal_data(name, "ann")
        assert [b["label"] for b in data.personal_buttons] == ["Before"], name
        assert not [e for e in fleet.sync.log_entries(name, "Error") if "damaged" in e.message], name
