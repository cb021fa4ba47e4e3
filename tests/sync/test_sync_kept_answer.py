"""The server's answer travels as documents in raw attachment frames and is kept as sent (SYNC-05, SYNC-14).

Every test runs the default fleet over real mutual-TLS links. The hostile cases replace what the server
answers to a pull of everything with frames a broken or hostile server might send; the client must end the
session with a reason in its sync log, store nothing of that answer, and keep the data it had.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from mfp_console.domain.sync_items import PersonalItem
from mfp_console.domain.sync_settings import SyncClientState
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.sync.link import (
    END,
    MAX_SNAPSHOT_BYTES,
    SNAPSHOT,
    encode_batches,
    record,
)
from mfp_console.engine.sync.server import SyncServer
from mfp_console.errors import StoreError
from mfp_console.protocol.framing import encode_raw_frame
from mfp_console.protocol.messages import Attachment, SyncData
from mfp_console.store.user_data import Sharing, UserItem
from tests.sync.conftest import admin, start_sync

Frames = list[tuple[type, bytes]]


def announce(value: object) -> Frames:
    return [(SyncData, frame) for frame in encode_batches(SyncData, [record("", SNAPSHOT, value)])]


def raw(data: bytes) -> Frames:
    return [(Attachment, encode_raw_frame(data))]


async def seed_users(fleet: Fleet, *users: str) -> None:
    """The server holds ``users`` with a language each; client-a joins and gets them."""
    admin(fleet, "host")
    fleet.sync.start_server("host")
    data, now = fleet.live_machine("host").functions.get(SyncServer).data, fleet.clock.now()
    for user in users:
        language = UserItem({"language": "English", "keyboard": f"{user}'s"}, 1, Sharing.SHARED, now)
        data.put_user(user, {"display_language": language}, now, now)
    await start_sync(fleet, ["client-a"])


def keyboard(fleet: Fleet, machine: str, user: str) -> str:
    return fleet.users.personal_data(machine, user)[PersonalItem.DISPLAY_LANGUAGE]["keyboard"]


@pytest.mark.rules("SYNC-05")
async def test_sync05_the_answer_is_kept_as_sent_and_read_user_by_user(fleet: Fleet) -> None:
    """SYNC-05: a joining client stores the users' documents as they came, one blob, and reads them per user."""
    await seed_users(fleet, "ann", "bob")
    assert fleet.users.users_on("client-a") == ["ann", "bob"]
    assert keyboard(fleet, "client-a", "bob") == "bob's"
    path = fleet.live_machine("client-a").store.path
    with sqlite3.connect(path) as raw_db:
        assert raw_db.execute("SELECT COUNT(*) FROM user_data").fetchone()[0] == 0
        assert raw_db.execute("SELECT COUNT(*) FROM users WHERE snapshot_offset IS NOT NULL").fetchone()[0] == 2
    # a change here turns that user into rows and still reaches the server (SYNC-08)
    fleet.users.login_user("client-a", "bob")
    await fleet.settle()
    fleet.users.add_personal_button("client-a", "bob", "Mine")
    await fleet.settle()
    assert fleet.sync_server.server_copy("host", "bob")["personal_buttons"] == [{"label": "Mine", "function": "Copy"}]
    with sqlite3.connect(path) as raw_db:
        assert raw_db.execute("SELECT COUNT(*) FROM users WHERE snapshot_offset IS NOT NULL").fetchone()[0] == 1


HOSTILE: dict[str, tuple[Callable[[], Frames], str]] = {
    "fewer bytes than announced": (lambda: announce({"users": ["eve"], "lengths": [10]}) + raw(b"{}"),
                                   "ended with 2 of 10 announced snapshot bytes"),
    "more bytes than announced": (lambda: announce({"users": ["eve"], "lengths": [2]}) + raw(b"{}{}"),
                                  "more bytes than the snapshot announced"),
    "an attachment nobody announced": (lambda: raw(b"{}"), "more bytes than the snapshot announced"),
    "a malformed announcement": (lambda: announce({"users": "eve", "lengths": [2]}), "must list as many lengths as users"),
    "no lengths": (lambda: announce({"users": ["eve"]}), "must hold {\"users\""),
    "a user twice": (lambda: announce({"users": ["eve", "eve"], "lengths": [2, 2]}) + raw(b"{}{}"),
                     "lists a user twice"),
    "a length of zero": (lambda: announce({"users": ["eve"], "lengths": [0]}), "whole numbers above 0"),
    "an empty name": (lambda: announce({"users": [""], "lengths": [2]}) + raw(b"{}"), "non-empty names"),
    "over the bound": (lambda: announce({"users": ["eve"], "lengths": [MAX_SNAPSHOT_BYTES + 1]}),
                       "over the 268435456-byte bound"),
    "two announcements": (lambda: announce({"users": ["eve"], "lengths": [2]}) + raw(b"{}")
                          + announce({"users": ["mal"], "lengths": [2]}), "one snapshot at most"),
}


@pytest.mark.rules("SYNC-14")
@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_sync14_a_hostile_answer_ends_the_session_and_changes_nothing(fleet: Fleet, case: str) -> None:
    """SYNC-14: a broken answer is refused with a reason; the client keeps the data it had and retries."""
    await seed_users(fleet, "ann")
    admin(fleet, "client-a")
    fleet.sync.stop_client("client-a")
    server = fleet.live_machine("host").functions.get(SyncServer)
    frames, reason = HOSTILE[case]
    server.full_answer = lambda device: (frames(), 1)  # type: ignore[method-assign]
    fleet.sync.start_client("client-a")
    await fleet.settle()
    warnings = [e.message for e in fleet.sync.log_entries("client-a", "Warning")]
    assert any(reason in message for message in warnings), warnings
    assert fleet.sync.status("client-a").client_state is SyncClientState.DISCONNECTED
    assert fleet.users.users_on("client-a") == ["ann"]
    assert keyboard(fleet, "client-a", "ann") == "ann's"
    assert "eve" not in fleet.users.users_on("client-a")


@pytest.mark.rules("SYNC-14")
async def test_sync14_a_damaged_document_is_replaced_by_the_servers_copy_at_login(fleet: Fleet) -> None:
    """SYNC-14: a kept document that cannot be read is a clear error, and the user's login repairs it."""
    admin(fleet, "host")
    fleet.sync.start_server("host")
    server = fleet.live_machine("host").functions.get(SyncServer)
    data, now = server.data, fleet.clock.now()
    data.put_user("ann", {"display_language": UserItem({"language": "German", "keyboard": "x"}, 1, Sharing.SHARED, now)},
                  now, now)
    honest = data.document
    data.document = lambda user: b'{"display_language":{"value":1,"version":0}}' if user == "ann" else honest(user)
    await start_sync(fleet, ["client-a"])
    data.document = honest  # type: ignore[method-assign]
    assert fleet.users.users_on("client-a") == ["ann"]
    with pytest.raises(StoreError, match=r"server's copy of 'ann' is damaged: .*exactly value, version and range"):
        fleet.users.personal_data("client-a", "ann")
    fleet.users.login_user("client-a", "ann")
    await fleet.settle()
    assert fleet.users.personal_data("client-a", "ann").display_language == "German"
    errors = [e.message for e in fleet.sync.log_entries("client-a", "Error")]
    assert any("stored data of ann was damaged" in message for message in errors), errors


def test_end_and_snapshot_items_are_reserved() -> None:
    """The two control records cannot be confused with a user's items (their user is empty)."""
    assert record("", END, 0)["user"] == record("", SNAPSHOT, {})["user"] == ""
