"""A real fleet under a hypothesis state machine, and the SYNC-23 invariants it must keep after every step.

The machine (:class:`SyncModel`) drives a server (``host``, with its own client) and three clients over
real mutual TLS on loopback, on a virtual clock, through random sequences of logins (also many users in
a row at one panel), item changes
(shared and device-specific), deletions on the server, client stop/start (also with changes made while
stopped), power and network cuts of any
machine — also in the middle of a join or a push —, sharing range changes, restarts of the whole fleet
and the passing of time. The server keeps at most :data:`USER_LIMIT` users so that eviction happens
often. Every rule settles the fleet (a state-based wait, never a sleep) before the invariants run.

The reference model is small: what the server must hold for an item (the values it may hold, given
what was changed where and when), which changes were made where the server could not see them yet, and
which users the model saw the server evict or delete. The invariants (SYNC-03, SYNC-23):

* every running, connected client holds exactly the server's copy of every shared item;
* the server never holds more than :data:`USER_LIMIT` users, and the users it evicted were logged in
  no more recently than every user it kept;
* no accepted change is lost: a change made on a connected client is on the server after the step, and
  the server's copy of an item is always one the model allows;
* a refused change is visible on the client that made it: once everything is on and connected again,
  nothing is pending and each change made out of reach is on the server or the client's log says it was
  refused or, when the client started afresh meanwhile (SYNC-05: the server's copy wins), dropped.

Regression tests for sequences it found live in ``test_sync_model.py``.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import shutil
import tempfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mfp_console.clock import VirtualClock
from mfp_console.domain.machine import PowerState
from mfp_console.domain.sync_items import PersonalItem, SharingRange
from mfp_console.domain.sync_settings import SyncClientState
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.sync.server import SyncServer
from mfp_console.fleet_file import FleetSpec, load_fleet_file
from mfp_console.pki import load_or_create_fleet_pki

__all__ = ["MACHINES", "USERS", "USER_LIMIT", "SyncModel", "model_spec"]

MACHINES = ("host", "client-a", "client-b", "client-c")
USERS = tuple(f"u{n}" for n in range(7))
ITEMS = (PersonalItem.PERSONAL_BUTTONS, PersonalItem.SHORTCUTS)
USER_LIMIT = 5
ADMIN = ("7654321", "7654321")
START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)

_PKI: Path | None = None


def model_spec() -> FleetSpec:
    """The default fleet as shipped (synchronizing out of the box) without client-d."""
    spec = load_fleet_file(None)
    return replace(spec, machines=tuple(m for m in spec.machines if m.name in MACHINES))


def _pki_template() -> Path:
    """One fleet PKI per process, copied into every example (issuing it costs more than a whole example)."""
    global _PKI
    if _PKI is None:
        folder = Path(tempfile.mkdtemp(prefix="mfp-model-pki-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # not left behind in /tmp by each worker
        _PKI = folder / "pki"
        load_or_create_fleet_pki(_PKI, MACHINES, datetime.now(timezone.utc))
    return _PKI


class SyncModel(RuleBasedStateMachine):
    """See the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.root = Path(tempfile.mkdtemp(prefix="mfp-model-"))
        shutil.copytree(_pki_template(), self.root / "state" / "pki")
        self.clock = VirtualClock(START)
        self.fleet = self._run(self._build())
        self.counter = itertools.count()
        # (user, key) -> values the server may hold; key is the item, or item@device when device-specific
        self.allowed: dict[tuple[str, str], set[str]] = {}
        # changes made out of the server's reach: (machine, user, key, value, values allowed before it)
        self.unseen: list[tuple[str, str, str, str, frozenset[str]]] = []
        self.deleted: set[str] = set()
        self.log_marks: dict[str, int] = {}
        self.last_version = self.server.data.next_version

    # --- running the fleet -------------------------------------------------------------------------------

    def _run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def do(self, action: Any) -> Any:
        """Calls a facade method inside the fleet's event loop (as the panel and the scenarios do)."""
        async def call() -> Any:
            return action()

        return self._run(call())

    async def _build(self) -> Fleet:
        fleet = Fleet(model_spec(), self.root / "state", self.clock, handshake_timeout=5.0, conversation_timeout=20.0)
        await fleet.start()
        fleet.live_machine("host").functions.get(SyncServer).user_limit = USER_LIMIT
        await fleet.settle()
        return fleet

    def teardown(self) -> None:
        try:
            self._run(self.fleet.stop())
        finally:
            self.loop.close()
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def server(self) -> SyncServer:
        server = self.fleet.live_machine("host").functions.get(SyncServer)
        assert server is not None
        return server

    def settle(self) -> None:
        self._run(self.fleet.settle())

    def on(self, name: str) -> bool:
        return self.fleet.view(name).state.power is not PowerState.OFF

    def admin(self, name: str) -> None:
        if not self.fleet.panel.is_admin(name):
            self.fleet.panel.login_admin(name, *ADMIN)

    def server_reachable(self) -> bool:
        state = self.fleet.view("host").state
        return state.power is PowerState.ON and not state.network_cut and self.fleet.sync.status("host").server_running

    def connected(self, name: str) -> bool:
        """The machine's client is running, reachable and synchronized with a reachable server."""
        state = self.fleet.view(name).state
        status = self.fleet.sync.status(name)
        return (state.power is PowerState.ON and not state.network_cut and status.client_running
                and status.client_state is SyncClientState.SYNCHRONIZED and status.connected_to == "host"
                and self.server_reachable())

    def key(self, item: PersonalItem, machine: str) -> str:
        specific = self.server.data.range_of(item.value) is SharingRange.DEVICE_SPECIFIC
        return f"{item.value}@{machine}" if specific else item.value

    def server_value(self, user: str, key: str) -> str | None:
        copy = self.server.data.users.get(user, {}).get(key)
        return _label(copy.value) if copy is not None else None

    def refusals(self, machine: str) -> int:
        """Log lines that tell the machine's user a change of theirs did not go up (SYNC-23)."""
        return sum(1 for e in self.fleet.sync.log_entries(machine) if "refused" in e.message or "not sent" in e.message)

    def step(self, action: Any) -> None:
        """Runs an action and settles, checking that evictions took the least recently logged-in users."""
        before = dict(self.server.data.last_seen) if self.on("host") else None
        self.do(action)
        self.settle()
        if before is not None and self.on("host"):
            after = self.server.data.last_seen
            evicted = [u for u in before if u not in after and u not in self.deleted]
            if evicted and after:
                assert max(before[u] for u in evicted) <= min(after.values()), (
                    f"evicted {evicted} although a less recently logged-in user stayed: {dict(after)}")
            for user in evicted:
                self._forget(user)
        self.deleted.clear()

    def _forget(self, user: str) -> None:
        for key in [k for k in self.allowed if k[0] == user]:
            del self.allowed[key]

    # --- rules -------------------------------------------------------------------------------------------

    @rule(machine=st.sampled_from(MACHINES), user=st.sampled_from(USERS))
    def login(self, machine: str, user: str) -> None:
        if self.on(machine):
            self.step(lambda: self.fleet.users.login_user(machine, user))

    @rule(machine=st.sampled_from(MACHINES), users=st.lists(st.sampled_from(USERS), min_size=2, max_size=8))
    def a_queue_at_one_panel(self, machine: str, users: list[str]) -> None:
        """Several users log in at one machine, one after another (SYNC-03: the pushing client protects none)."""
        if not self.on(machine):
            return
        for user in users:
            self.step(lambda user=user: self.fleet.users.login_user(machine, user))

    @rule(machine=st.sampled_from(MACHINES), user=st.sampled_from(USERS), item=st.sampled_from(ITEMS),
          at_once=st.booleans())
    def change(self, machine: str, user: str, item: PersonalItem, at_once: bool) -> None:
        """A user logs in and changes an item (at once: without waiting for the login's answer, issue 17)."""
        if not self.on(machine):
            return
        self.do(lambda: self.fleet.users.login_user(machine, user))
        if not at_once:
            self.settle()
        reachable = self.connected(machine)
        value = f"v{next(self.counter)}"
        key = self.key(item, machine)
        self.step(lambda: self.fleet.users.set_personal_item(machine, user, item, _value(value)))
        if reachable and user in self.server.data.users:
            assert self.server_value(user, key) == value, f"{machine}'s change of {user}/{key} was lost"
            self.allowed[(user, key)] = {value}
        else:
            self._unseen(machine, user, key, value)

    def _unseen(self, machine: str, user: str, key: str, value: str) -> None:
        """A change the server may or may not have got: allowed beside what was allowed (an item the model
        does not know yet stays free), and checked once everything is back."""
        before = frozenset(self.allowed.get((user, key), ()))
        if (user, key) in self.allowed:
            self.allowed[(user, key)].add(value)
        if self.fleet.sync.status(machine).client_running:
            self.unseen.append((machine, user, key, value, before))
            self.log_marks.setdefault(machine, self.refusals(machine))

    @rule(machine=st.sampled_from(MACHINES), user=st.sampled_from(USERS), item=st.sampled_from(ITEMS),
          cut=st.sampled_from(("client network", "client power", "server power", "server network")),
          unsent=st.booleans())
    def change_then_cut(self, machine: str, user: str, item: PersonalItem, cut: str, unsent: bool = False) -> None:
        """A change whose push is cut off on its way (the client's or the server's side): before it is
        written (``unsent``), or once written, before its answer can come back."""
        if not self.on(machine):
            return
        self.do(lambda: self.fleet.users.login_user(machine, user))
        self.settle()
        value = f"v{next(self.counter)}"
        key = self.key(item, machine)
        victim = machine if cut.startswith("client") else "host"

        def change() -> None:
            self.fleet.users.set_personal_item(machine, user, item, _value(value))
            if unsent:
                self._cut(victim, cut.endswith("power"))

        self.do(change)
        if not unsent:
            self.do(lambda: self._cut(victim, cut.endswith("power")))
        self.step(lambda: None)
        self._unseen(machine, user, key, value)

    def _cut(self, name: str, power: bool) -> None:
        if power:
            self.fleet.faults.power(name, PowerState.OFF)
        else:
            self.fleet.faults.cut_network(name)

    @rule(user=st.sampled_from(USERS))
    def delete_on_the_server(self, user: str) -> None:
        if not self.server_reachable():
            return
        self.admin("host")
        self.deleted.add(user)
        self.step(lambda: self.fleet.sync_server.delete_user_data("host", [user]))
        self._forget(user)

    @rule(machine=st.sampled_from(MACHINES), start=st.booleans(), then_cut=st.booleans())
    def client_function(self, machine: str, start: bool, then_cut: bool) -> None:
        """``<Stop>`` or ``<Start>`` of a client function; a start may be cut off in the middle of its join."""
        if not self.on(machine):
            return
        self.admin(machine)
        running = self.fleet.sync.status(machine).client_running
        if start and not running:
            self.do(lambda: self.fleet.sync.start_client(machine))
            if then_cut:
                self.do(lambda: self.fleet.faults.cut_network(machine))
        elif not start and running:
            self.do(lambda: self.fleet.sync.stop_client(machine))
        self.step(lambda: None)

    @rule(machine=st.sampled_from(MACHINES), user=st.sampled_from(USERS), item=st.sampled_from(ITEMS),
          back=st.booleans())
    def a_machine_works_alone(self, machine: str, user: str, item: PersonalItem, back: bool) -> None:
        """Synchronization is stopped on a machine, a user changes their data there, and (back) it starts
        again: a start replaces its copy with the server's, or registers it where the server has none."""
        if not self.on(machine):
            return
        self.admin(machine)
        if self.fleet.sync.status(machine).client_running:
            self.do(lambda: self.fleet.sync.stop_client(machine))
        self.do(lambda: self.fleet.users.login_user(machine, user))
        value = f"v{next(self.counter)}"
        self.step(lambda: self.fleet.users.set_personal_item(machine, user, item, _value(value)))
        if back:
            self.step(lambda: self.fleet.sync.start_client(machine))

    @rule(machine=st.sampled_from(MACHINES), power=st.booleans())
    def power(self, machine: str, power: bool) -> None:
        if power == self.on(machine):
            return
        self.step(lambda: self.fleet.faults.power(machine, PowerState.ON if power else PowerState.OFF))

    @rule(machine=st.sampled_from(MACHINES), cut=st.booleans())
    def network(self, machine: str, cut: bool) -> None:
        if self.on(machine):
            self.step(lambda: self.fleet.faults.cut_network(machine, cut))

    @rule()
    def a_minute_passes(self) -> None:
        """Clients that lost the server try again (every 60 s of machine time, SYNC-14)."""
        self._run(self.fleet.advance(61))
        self.step(lambda: None)

    @rule(item=st.sampled_from(ITEMS), specific=st.booleans())
    def sharing_range(self, item: PersonalItem, specific: bool) -> None:
        """SYNC-10: every client stops, the range changes, every client starts again."""
        if not all(self.on(m) for m in MACHINES) or not self.server_reachable():
            return
        for name in MACHINES:
            self.admin(name)
            if self.fleet.sync.status(name).client_running:
                self.do(lambda name=name: self.fleet.sync.stop_client(name))
        self.settle()
        if self.fleet.sync_server.device_list("host"):
            return  # a client stopped while cut off still counts until the server stops it (SYNC-02)
        wanted = SharingRange.DEVICE_SPECIFIC if specific else SharingRange.SHARED
        self.do(lambda: self.fleet.sync_server.set_sharing_range("host", item, wanted))
        for key in [k for k in self.allowed if k[1].partition("@")[0] == item.value]:
            del self.allowed[key]
        for name in MACHINES:
            self.do(lambda name=name: self.fleet.sync.start_client(name))
        self.step(lambda: None)

    @rule()
    def restart_the_program(self) -> None:
        self._run(self.fleet.stop())
        self.fleet = self._run(self._build())
        self.step(lambda: None)

    @precondition(lambda self: any(not self.on(m) or self.fleet.view(m).state.network_cut for m in MACHINES)
                  or bool(self.unseen))
    @rule()
    def everything_back(self) -> None:
        """Every machine on and connected, a minute for the retries: then SYNC-23 holds in full."""
        for name in MACHINES:
            if not self.on(name):
                self.do(lambda name=name: self.fleet.faults.power(name, PowerState.ON))
            self.do(lambda name=name: self.fleet.faults.cut_network(name, False))
        self._run(self.fleet.advance(61))
        self.step(lambda: None)
        for name in MACHINES:
            status = self.fleet.sync.status(name)
            if status.client_running:
                assert self.connected(name), f"{name} did not reconnect: {status}"
                assert status.pending_changes == 0, f"{name} still has {status.pending_changes} pending changes"
        for machine, user, key, value, older in self.unseen:
            if user not in self.server.data.users or (user, key) not in self.allowed:
                continue
            held = self.server_value(user, key)
            told = self.refusals(machine) > self.log_marks.get(machine, 0)
            newer = self.allowed[(user, key)] - older - {value}  # changes made after this one
            assert held == value or told or held in newer, (
                f"{machine}'s change {value} of {user}/{key} vanished silently (server holds {held})")
        for (user, key) in list(self.allowed):
            held = self.server_value(user, key)
            if held is not None:
                self.allowed[(user, key)] = {held}
        self.unseen.clear()
        self.log_marks.clear()

    # --- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def the_server_keeps_at_most_the_limit(self) -> None:
        if self.on("host"):
            assert len(self.server.data.users) <= USER_LIMIT

    @invariant()
    def versions_are_never_given_twice(self) -> None:
        if self.on("host"):
            assert self.server.data.next_version >= self.last_version
            self.last_version = self.server.data.next_version

    @invariant()
    def the_server_holds_what_the_model_allows(self) -> None:
        if not self.on("host"):
            return
        for (user, key), values in self.allowed.items():
            held = self.server_value(user, key)
            assert held is None or held in values, f"server holds {held} for {user}/{key}, allowed {values}"

    @invariant()
    def every_connected_client_holds_the_servers_copy(self) -> None:
        if not self.on("host"):
            return
        for name in MACHINES:
            if not self.connected(name):
                continue
            for user in self.server.data.users:
                differ = self.fleet.sync_server.copy_differences("host", name, user)
                assert not differ, f"{name} holds another {', '.join(differ)} of {user} than the server"


def _value(label: str) -> list[dict[str, str]]:
    return [{"label": label, "function": "Copy"}]


def _label(value: Any) -> str:
    return str(value[0]["label"]) if value else ""
