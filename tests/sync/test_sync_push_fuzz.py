"""Fuzzing the sync server's push path (issue 17): typed records, valid and spoiled, straight into the handler.

Whatever a fleet member pushes, the server answers exactly once; it stores the push whole or nothing of
it; what it stores is sound (every item passes its checks, at most the user limit, versions only grow);
and nothing escapes the handler. Bounded for the suite; ``--hypothesis-profile=long`` runs it longer.
"""

from __future__ import annotations

import asyncio
import copy
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mfp_console.clock import VirtualClock
from mfp_console.domain.sync_items import (
    CommonItem,
    PersonalItem,
    SharingRange,
    check_item_value,
)
from mfp_console.domain.sync_records import (
    CommonChange,
    DeviceProfile,
    ItemChange,
    LoginRecord,
    Registration,
    wire,
)
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.sync.server import SyncServer
from mfp_console.fleet_file import load_fleet_file
from tests.conftest import sync_stopped

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
USERS = st.sampled_from(["ann", "bob", "cy", "dee", "eve", "fay", "gus"])
LABELS = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8)


@dataclass
class RecordingLink:
    """Stands in for a session's link: keeps what the server queues for the pushing client."""

    peer: str = "client-a"
    acks: list[tuple[int, str, tuple[dict[str, Any], ...]]] = field(default_factory=list)
    pushed: list[list[dict[str, Any]]] = field(default_factory=list)

    def ack(self, count: int, refused: str = "", outcomes: Any = ()) -> None:
        self.acks.append((count, refused, tuple(outcomes)))

    def push(self, records: Any, on_ack: Any = None) -> int:
        self.pushed.append(list(records))
        return len(self.pushed[-1])


def _values(item: PersonalItem) -> st.SearchStrategy[Any]:
    entries = st.fixed_dictionaries({"label": LABELS, "function": st.sampled_from(["Copy", "Fax", "Scan and Send"])})
    if item in (PersonalItem.PERSONAL_BUTTONS, PersonalItem.SHORTCUTS):
        return st.lists(entries, max_size=3)
    if item is PersonalItem.DISPLAY_LANGUAGE:
        return st.fixed_dictionaries({"language": st.sampled_from(["English", "German", "Klingon"]),
                                      "keyboard": LABELS})
    return st.just(item.default())


items = st.sampled_from(list(PersonalItem))
ranges = st.sampled_from(list(SharingRange))
typed = st.one_of(
    USERS.map(LoginRecord),
    st.builds(lambda u, i, v, r, b: ItemChange(u, i, v, r, b), USERS, items, st.none(), ranges,
              st.integers(0, 40)).flatmap(
        lambda c: _values(c.item).map(lambda v: ItemChange(c.user, c.item, v, c.sharing, c.base))),
    st.builds(lambda u, i, r: (u, i, r), USERS, items, ranges).flatmap(
        lambda t: _values(t[1]).map(lambda v: Registration(t[0], ((t[1], v, t[2]),), NOW))),
    st.builds(DeviceProfile, st.lists(LABELS, max_size=3).map(tuple), st.frozensets(items, max_size=2),
              st.sampled_from(["On", "Sleep"]), st.booleans()),
    st.builds(lambda b: CommonChange(CommonItem.GUEST_HOME_SCREEN, {"buttons": ["Copy"]}, b), st.integers(0, 9)),
)
junk = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=6)


@st.composite
def spoiled(draw: st.DrawFn) -> dict[str, Any]:
    """A wire record of a typed record with one field replaced by anything."""
    rec = dict(wire(draw(typed)))
    key = draw(st.sampled_from(["user", "item", "value", "base", "range"]))
    rec[key] = draw(junk | st.sampled_from(["@device", "@login", "@register", "", "x" * 70, math.inf]))
    return rec


pushes = st.lists(st.one_of(typed.map(wire), typed.map(wire), spoiled()), min_size=1, max_size=8)


def _snapshot(server: SyncServer) -> tuple[Any, ...]:
    data = server.data
    return (copy.deepcopy(data.users), dict(data.last_seen), data.next_version, data.common(), data.devices())


@pytest.fixture(scope="module")
def server_loop(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A host running only its server function (no session), in its own event loop, for the whole module."""
    loop = asyncio.new_event_loop()
    spec = sync_stopped(load_fleet_file(None))
    fleet = Fleet(spec, Path(tmp_path_factory.mktemp("fuzz")) / "state", VirtualClock(NOW))
    loop.run_until_complete(fleet.start(only=["host"]))
    fleet.panel.login_admin("host", "7654321", "7654321")
    fleet.sync.start_server("host")
    server = fleet.live_machine("host").functions.get(SyncServer)
    server.user_limit = 5
    devices = server.data.devices()
    devices["client-a"] = {"device_name": "client-a", "power": "On"}
    server.data.set_devices(devices)
    try:
        yield server
    finally:
        loop.run_until_complete(fleet.stop())
        loop.close()


@pytest.mark.rules("SYNC-03", "SYNC-23")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                   HealthCheck.function_scoped_fixture])
@given(records=pushes)
def test_every_push_is_answered_once_and_stored_whole_or_not_at_all(server_loop: SyncServer,
                                                                     records: list[dict[str, Any]]) -> None:
    server = server_loop
    before = _snapshot(server)
    link = RecordingLink()
    server._on_push(link, tuple(records))  # type: ignore[arg-type]
    assert len(link.acks) == 1, "a push is always answered, exactly once"
    count, refused, outcomes = link.acks[0]
    event("refused" if refused else "stored")
    if refused:
        assert count == 0 and outcomes == () and _snapshot(server) == before, "a refused push stores nothing"
        return
    assert count == len(records)
    data = server.data
    assert len(data.users) <= server.user_limit
    assert data.next_version >= before[2]
    for user, stored in data.users.items():
        for key, it in stored.items():
            check_item_value(PersonalItem(key.partition("@")[0]), it.value)
            assert 1 <= it.version < data.next_version, (user, key, it.version)
    for entry in data.devices().values():
        assert isinstance(entry.get("withheld", []), list) and entry.get("power", "On") in ("On", "Sleep")
