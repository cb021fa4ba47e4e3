"""Whose copy wins, as pure functions (no sockets): the server's push plan, the client's take rule, the join.

Each expectation is written from the rules first: SYNC-03 (eviction of the least recently logged-in user,
whoever pushed), SYNC-05/06/07 (the server's copy wins; what the server lacks is registered; version order
is the server's), SYNC-23 (a refused change is reported), and issue 17 (the server stamps times and
versions itself; every record is checked before anything is decided).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from mfp_console.domain.sync_items import CommonItem, PersonalItem, SharingRange
from mfp_console.domain.sync_merge import (
    TICK,
    ServerView,
    plan_join,
    plan_push,
    stamp_login,
    take_server_copy,
)
from mfp_console.domain.sync_records import (
    MAX_USER_NAME,
    CommonChange,
    DeviceProfile,
    ItemChange,
    ItemCopy,
    LoginRecord,
    Registration,
    parse_client_records,
    parse_server_records,
    wire,
)
from mfp_console.errors import RemoteProtocolError

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
BUTTONS = PersonalItem.PERSONAL_BUTTONS
LANGUAGE = PersonalItem.DISPLAY_LANGUAGE
GERMAN = {"language": "German", "keyboard": "German"}


@dataclass(frozen=True)
class Copy:
    value: Any
    version: int


def view(users: dict[str, dict[str, Copy]] | None = None, seen: dict[str, datetime] | None = None, *,
         next_version: int = 100, limit: int = 1000, ranges: dict | None = None) -> ServerView:
    users = users or {}
    seen = seen if seen is not None else {u: NOW - timedelta(days=1) for u in users}
    return ServerView(users, seen, ranges or {}, {}, next_version, max(seen.values(), default=None), limit)


def buttons(*labels: str) -> list[dict[str, str]]:
    return [{"label": label, "function": "Copy"} for label in labels]


# --- SYNC-07 / SYNC-23: the client's take rule ------------------------------------------------------------


@pytest.mark.rules("SYNC-05", "SYNC-07")
def test_sync07_a_server_copy_always_wins_whatever_the_numbers_say() -> None:
    """Version order is the server's: a copy kept from before never outranks what the server sends now."""
    assert take_server_copy(server_version=1, base=None)  # the client's old copy might say "version 2"
    assert take_server_copy(server_version=7, base=3)  # someone else changed it: the client's change loses
    assert not take_server_copy(server_version=3, base=3)  # the client's change made on exactly this copy goes up


# --- the server's plan ---------------------------------------------------------------------------------


@pytest.mark.rules("SYNC-07", "SYNC-23")
def test_sync07_a_change_on_the_servers_version_is_taken_under_the_next_number_of_its_sequence() -> None:
    state = view({"ann": {"personal_buttons": Copy(buttons("a"), 41)}})
    plan = plan_push(state, "client-a", [ItemChange("ann", BUTTONS, buttons("a", "b"), SharingRange.SHARED, 41)], NOW)
    assert plan.puts == {"ann": {"personal_buttons": (buttons("a", "b"), 100)}}
    assert [(o.taken, o.version) for o in plan.outcomes] == [(True, 100)]  # the answer tells the version
    assert plan.spread == (ItemCopy("ann", BUTTONS, buttons("a", "b"), 100, SharingRange.SHARED),)
    assert plan.next_version == 101 and plan.back == ()


@pytest.mark.rules("SYNC-23")
def test_sync23_a_change_on_another_version_is_refused_and_the_sender_gets_the_servers_copy() -> None:
    state = view({"ann": {"personal_buttons": Copy(buttons("theirs"), 42)}})
    plan = plan_push(state, "client-a", [ItemChange("ann", BUTTONS, buttons("mine"), SharingRange.SHARED, 41)], NOW)
    assert plan.puts == {} and plan.spread == ()
    outcome, = plan.outcomes
    assert not outcome.taken and outcome.version == 42 and "changed on another machine" in outcome.reason
    assert plan.back == (ItemCopy("ann", BUTTONS, buttons("theirs"), 42, SharingRange.SHARED),)


@pytest.mark.rules("SYNC-23")
def test_sync23_two_changes_of_one_item_in_one_push_go_in_order() -> None:
    """A second change made on the version the first one got is taken too; one made on the old one is not."""
    state = view({"ann": {"personal_buttons": Copy(buttons(), 5)}})
    first = ItemChange("ann", BUTTONS, buttons("1"), SharingRange.SHARED, 5)
    plan = plan_push(state, "c", [first, ItemChange("ann", BUTTONS, buttons("1", "2"), SharingRange.SHARED, 100)], NOW)
    assert [o.taken for o in plan.outcomes] == [True, True] and plan.puts["ann"]["personal_buttons"][1] == 101
    plan = plan_push(state, "c", [first, ItemChange("ann", BUTTONS, buttons("x"), SharingRange.SHARED, 5)], NOW)
    assert [o.taken for o in plan.outcomes] == [True, False]


@pytest.mark.rules("SYNC-07")
def test_sync07_a_change_of_a_user_the_server_no_longer_holds_asks_for_a_registration() -> None:
    plan = plan_push(view(), "client-a", [ItemChange("gone", BUTTONS, buttons("x"), SharingRange.SHARED, 9)], NOW)
    assert plan.puts == {} and plan.outcomes[0].unknown_user


@pytest.mark.rules("SYNC-06", "SYNC-07", "SYNC-05")
def test_sync06_registration_takes_what_the_server_lacks_and_keeps_what_it_holds() -> None:
    state = view({"ann": {"display_language": Copy(GERMAN, 7)}})
    offer = Registration("ann", ((LANGUAGE, {"language": "French", "keyboard": "French"}, SharingRange.SHARED),
                                 (BUTTONS, buttons("b"), SharingRange.SHARED)))
    plan = plan_push(state, "client-c", [offer], NOW)
    assert plan.puts == {"ann": {"personal_buttons": (buttons("b"), 100)}}  # new versions come from the server
    assert [(o.item, o.taken) for o in plan.outcomes] == [("display_language", False), ("personal_buttons", True)]
    assert plan.back == (ItemCopy("ann", LANGUAGE, GERMAN, 7, SharingRange.SHARED),)  # SYNC-05
    fresh = plan_push(view(), "client-c", [Registration("cy", ((BUTTONS, buttons("c"), SharingRange.SHARED),))], NOW)
    assert fresh.puts == {"cy": {"personal_buttons": (buttons("c"), 100)}} and "cy" in fresh.logins


@pytest.mark.rules("SYNC-07")
def test_sync07_the_sequence_never_gives_a_number_twice_even_after_a_deletion() -> None:
    """A user deleted and registered again gets numbers no stale copy can hold (the sequence goes on)."""
    plan = plan_push(view(next_version=512), "c", [Registration("ann", ((BUTTONS, buttons(), SharingRange.SHARED),))],
                     NOW)
    assert plan.puts["ann"]["personal_buttons"][1] == 512 and plan.next_version == 513


@pytest.mark.rules("SYNC-10")
def test_sync10_a_device_specific_item_is_kept_under_the_device() -> None:
    state = view({"ann": {}}, ranges={BUTTONS: SharingRange.DEVICE_SPECIFIC})
    plan = plan_push(state, "client-b", [ItemChange("ann", BUTTONS, buttons("b"), SharingRange.SHARED, 0)], NOW)
    assert plan.puts == {"ann": {"personal_buttons@client-b": (buttons("b"), 100)}} and plan.spread == ()


# --- SYNC-03: login stamps and eviction -------------------------------------------------------------------


@pytest.mark.rules("SYNC-03")
def test_sync03_the_server_stamps_logins_and_keeps_their_order_within_one_instant() -> None:
    assert stamp_login(NOW, None) == NOW
    assert stamp_login(NOW, NOW) == NOW + TICK
    assert stamp_login(NOW, NOW + timedelta(days=9)) == NOW + timedelta(days=9) + TICK
    plan = plan_push(view(), "c", [LoginRecord("a"), LoginRecord("b")], NOW)
    assert plan.logins == {"a": NOW, "b": NOW + TICK}


@pytest.mark.rules("SYNC-03")
def test_sync03_logins_through_one_client_evict_the_least_recently_logged_in_user() -> None:
    """Issue 12, 1: the pushing client protects none of its users; the server never holds more than the limit."""
    users = {f"u{i}": {} for i in range(5)}
    seen = {f"u{i}": NOW - timedelta(hours=10 - i) for i in range(5)}
    plan = plan_push(view(users, seen, limit=5), "client-a", [LoginRecord("new")], NOW)
    assert plan.evicted == ("u0",)
    assert [wire(n)["item"] for n in plan.notices] == ["@deleted"]
    plan = plan_push(view(users, seen, limit=5), "client-a", [LoginRecord("u0"), LoginRecord("new")], NOW)
    assert plan.evicted == ("u1",)  # u0 logged in again just now: u1 is the least recently logged in


@pytest.mark.rules("SYNC-03")
def test_sync03_a_registered_users_login_time_is_never_later_than_the_servers_clock() -> None:
    """Issue 17, 1(b): a login time in 2099 from a client does not make its users outlive everyone else."""
    users = {f"u{i}": {} for i in range(5)}
    liar = Registration("liar", ((BUTTONS, buttons(), SharingRange.SHARED),), datetime(2099, 1, 1, tzinfo=timezone.utc))
    plan = plan_push(view(users, limit=5), "rogue", [liar], NOW)
    assert plan.logins["liar"] == NOW
    later = plan_push(view({**users, "liar": {}}, {**{u: NOW - timedelta(days=1) for u in users}, "liar": NOW},
                           limit=6), "client-a", [LoginRecord("x")], NOW + timedelta(hours=1))
    assert later.evicted == ("u0",)


# --- SYNC-09 and the device profile ----------------------------------------------------------------------


@pytest.mark.rules("SYNC-09")
def test_sync09_a_shared_setting_changes_on_the_servers_version_only() -> None:
    state = ServerView({}, {}, {}, {CommonItem.GUEST_HOME_SCREEN: Copy({"buttons": []}, 3)}, 10, None, 1000)
    taken = plan_push(state, "c", [CommonChange(CommonItem.GUEST_HOME_SCREEN, {"buttons": ["Copy"]}, 3)], NOW)
    assert taken.common == {CommonItem.GUEST_HOME_SCREEN: ({"buttons": ["Copy"]}, 10)}
    refused = plan_push(state, "c", [CommonChange(CommonItem.GUEST_HOME_SCREEN, {"buttons": ["Fax"]}, 2)], NOW)
    assert refused.common == {} and not refused.outcomes[0].taken and len(refused.back) == 1


def test_a_device_profile_is_part_of_the_plan() -> None:
    profile = DeviceProfile(("fs-1",), frozenset({PersonalItem.KEYCHAIN}), "Sleep")
    assert plan_push(view(), "c", [profile], NOW).device == profile


# --- the join (SYNC-05, SYNC-06, SYNC-07) ------------------------------------------------------------------


@pytest.mark.rules("SYNC-05", "SYNC-06", "SYNC-07")
def test_sync05_sync06_sync07_join_plan() -> None:
    plan = plan_join(server_users={"ann", "bob"}, client_users={"bob", "cy"})
    assert plan.replace == {"bob"}  # SYNC-05
    assert plan.register == {"cy"}  # SYNC-06 (and SYNC-07 once deleted on the server)
    assert plan.receive == {"ann"}
    assert plan.merge == frozenset()
    # changes made here since the start, while the server was out of reach, may still go up (SYNC-14)
    assert plan_join({"bob"}, {"bob", "cy"}, {"bob", "cy"}).merge == {"bob"}


# --- records: every field checked before anything is decided (issue 17, 7) --------------------------------


def record(user: str = "ann", item: str = "personal_buttons", value: Any = None, **extra: Any) -> dict[str, Any]:
    data = {"user": user, "item": item, "value": buttons("x") if value is None else value, "version": 0,
            "range": "shared"}
    data.update(extra)
    return data


@pytest.mark.parametrize("bad, reason", [
    (record(item="@device", user="", value={"withheld": 5}), "withheld"),
    (record(item="@device", user="", value={"power": "Off"}), "power"),
    (record(item="@device", user="", value=[1]), "device profile"),
    (record(item="no_such_item"), "not a personalized item"),
    (record(value="text"), "must be a list"),
    (record(value=[{"label": "x", "function": "Copy", "deep": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}]), "nested"),
    (record(value=[{"label": "x", "function": math.inf}]), "finite"),
    (record(value=[{"label": "x" * 70_000, "function": "Copy"}]), "bound"),
    (record(user="u" * (MAX_USER_NAME + 1)), "at most"),
    (record(user="@login"), "not a user name"),
    (record(base="1"), "base"),
    (record(item="@register", value={"items": {"keychain": {"value": "x", "range": "shared"}}, "last_login": ""}),
     "keychain"),
    (record(item="@register", value={"items": {}, "last_login": "2099-01-01"}), "time zone"),
    (record(user="", item="guest_home_screen", value={"buttons": 3}), "buttons"),
])
def test_a_bad_record_refuses_the_whole_push_and_names_the_record(bad: dict[str, Any], reason: str) -> None:
    with pytest.raises(RemoteProtocolError) as info:
        parse_client_records([record(), bad])
    assert "record 1" in str(info.value) and reason in str(info.value)


def test_a_push_names_at_most_as_many_users_as_the_server_keeps() -> None:
    logins = [record(user=f"u{i}", item="@login", value="") for i in range(1001)]
    with pytest.raises(RemoteProtocolError, match="more than 1000 users"):
        parse_client_records(logins)
    assert len(parse_client_records(logins[:1000])) == 1000


def test_records_go_to_the_wire_and_back_unchanged() -> None:
    client = [LoginRecord("ann"), ItemChange("ann", BUTTONS, buttons("a"), SharingRange.SHARED, 4),
              Registration("bo", ((LANGUAGE, GERMAN, SharingRange.SHARED),), NOW),
              DeviceProfile(("fs",), frozenset({PersonalItem.KEYCHAIN}), "On", True, ("fax",)),
              CommonChange(CommonItem.GUEST_HOME_SCREEN, {"buttons": []}, 2)]
    assert parse_client_records([wire(r) for r in client]) == client
    server = [ItemCopy("ann", BUTTONS, buttons("a"), 9, SharingRange.DEVICE_SPECIFIC)]
    assert parse_server_records([wire(r) for r in server]) == server
