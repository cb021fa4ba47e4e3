"""The join preview (issue 16): what ``<Start>`` of a client would do to each of its users, asked from the
server over a read-only sync conversation, agrees with what the join then does (SYNC-03, -05, -06, -07)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mfp_console.domain.sync_preview import UserFate
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.sync.server import SyncServer
from mfp_console.store.user_data import Sharing, UserItem
from tests.sync.conftest import admin, start_sync

LIMIT = 4


def server_of(fleet: Fleet) -> SyncServer:
    return fleet.live_machine("host").functions.get(SyncServer)


async def full_server_and_a_client_with_users(fleet: Fleet) -> None:
    """host serves with room for 4 users and holds 4 (alice and bob from client-a, and two who have not
    logged in for years); client-b, not yet synchronizing, has alice too, two users of its own with data
    and one who only logged in."""
    await start_sync(fleet, ["client-a"])
    for user, button in (("alice", "Scan to Alice"), ("bob", "Scan to Bob")):
        fleet.users.login_user("client-a", user)
        fleet.users.add_personal_button("client-a", user, button)
    server = server_of(fleet)
    server.user_limit = LIMIT
    now = fleet.clock.now()
    for age, user in ((3000, "old1"), (2000, "old2")):
        language = UserItem({"language": "English", "keyboard": "x"}, 1, Sharing.SHARED, now)
        server.data.put_user(user, {"display_language": language}, now, now - timedelta(days=age))
    for user, button in (("alice", "Alice here only"), ("carol", "Scan to Carol"), ("dave", "Scan to Dave")):
        fleet.users.login_user("client-b", user)
        fleet.users.add_personal_button("client-b", user, button)
    fleet.users.login_user("client-b", "erin")  # a login, no personal data
    await fleet.settle()


@pytest.mark.rules("SYNC-03", "SYNC-05", "SYNC-06")
async def test_the_preview_of_a_join_agrees_with_the_join_and_changes_nothing(fleet: Fleet) -> None:
    await full_server_and_a_client_with_users(fleet)
    server_users = set(fleet.sync_server.users("host"))
    assert server_users == {"alice", "bob", "old1", "old2"}
    devices = [row.device_name for row in fleet.sync_server.device_list("host")]
    logs = (len(fleet.sync.log_entries("host")), len(fleet.sync.log_entries("client-b")))
    before_b = {user: fleet.users.personal_data("client-b", user) for user in ("alice", "carol", "dave")}

    preview = await fleet.sync.preview_join("client-b")

    assert preview.refusal == "" and preview.server == "host"
    assert preview.users_with(UserFate.REPLACED) == ["alice"]
    assert preview.users_with(UserFate.REGISTERED) == ["carol", "dave"]
    assert preview.users_with(UserFate.KEPT) == ["erin"]
    assert preview.evicted == ("old1", "old2")  # least recently logged in first (SYNC-03)
    assert (preview.server_users_before, preview.server_users_after, preview.user_limit) == (4, 4, LIMIT)
    assert preview.from_server == 1  # bob comes to client-b
    # Nothing changed: the server's users, its device list, both logs, client-b's data and function.
    await fleet.settle()
    assert set(fleet.sync_server.users("host")) == server_users
    assert [row.device_name for row in fleet.sync_server.device_list("host")] == devices
    assert (len(fleet.sync.log_entries("host")), len(fleet.sync.log_entries("client-b"))) == logs
    assert {user: fleet.users.personal_data("client-b", user) for user in before_b} == before_b
    assert not fleet.sync.status("client-b").client_running

    await start_sync(fleet, ["client-b"])  # the join itself

    after = set(fleet.sync_server.users("host"))
    assert after == (server_users | {"carol", "dave"}) - set(preview.evicted)
    assert len(after) == preview.server_users_after
    alice_b = fleet.users.personal_data("client-b", "alice")
    assert [b["label"] for b in alice_b.personal_buttons] == ["Scan to Alice"]  # replaced by the server's (SYNC-05)
    assert "bob" in fleet.users.users_on("client-b")
    assert "erin" not in after and "erin" in fleet.users.users_on("client-b")


@pytest.mark.rules("SYNC-07")
async def test_a_user_deleted_on_the_server_is_previewed_as_registered_from_the_client(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a"])
    fleet.users.login_user("client-a", "ned")
    fleet.users.add_personal_button("client-a", "ned", "Ned on client-a")
    fleet.users.login_user("client-b", "ned")
    fleet.users.add_personal_button("client-b", "ned", "Ned on client-b")
    await fleet.settle()
    assert (await fleet.sync.preview_join("client-b")).users_with(UserFate.REPLACED) == ["ned"]
    admin(fleet, "host")
    fleet.sync_server.delete_user_data("host", ["ned"])
    await fleet.settle()
    preview = await fleet.sync.preview_join("client-b")
    assert preview.users_with(UserFate.REGISTERED) == ["ned"] and preview.server_users_after == 1

    await start_sync(fleet, ["client-b"])
    buttons = fleet.users.personal_data("client-b", "ned").personal_buttons
    assert [b["label"] for b in buttons] == ["Ned on client-b"]  # client-b's data survived and is the server's
    assert fleet.sync_server.users("host") == ["ned"]


@pytest.mark.rules("SYNC-04")
async def test_a_join_the_server_would_refuse_is_previewed_with_the_same_code_and_reason(fleet: Fleet) -> None:
    await start_sync(fleet, [])
    admin(fleet, "host", "client-a")
    fleet.sync.set_user_group_management("host", True)
    fleet.sync.set_user_group_management("client-a", True)  # groups by Department ID, other IDs than host's
    preview = await fleet.sync.preview_join("client-a")
    assert preview.refusal.startswith("E-SETTINGS: ") and "SYNC-04" in preview.refusal and preview.users == ()
    assert fleet.sync.log_entries("client-a", "Error") == []  # a preview logs nothing on the client
    assert "join preview" in fleet.sync.log_entries("host", "Error")[0].message  # a wrong proof is logged

    await start_sync(fleet, ["client-a"])  # the join meets the same refusal
    error = fleet.sync.log_entries("client-a", "Error")[0].message
    assert preview.refusal.removeprefix("E-SETTINGS: ") in error and "E-SETTINGS" in error


async def test_without_a_server_to_join_the_preview_says_so(fleet: Fleet) -> None:
    preview = await fleet.sync.preview_join("client-b")  # no server function runs anywhere
    assert preview.server == "" and "cannot be reached" in preview.refusal and preview.users == ()


def test_the_sync_preview_command_prints_the_preview_as_json(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from mfp_console.cli.main import main

    assert main(["sync-preview", "client-a", "--state-dir", str(tmp_path / "state"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["client"], out["server"], out["refused"], out["client_running"]) == ("client-a", "host", None, True)
    assert out["user_limit"] == 1000 and out["users"] == [] and out["evicted"] == []
