"""Power cuts of a sync server while it takes a push: the server SIGKILLed at random moments of one push.

The sync server (machine ``server``, forked from this process: :mod:`tests.reliability.forked_machines`)
holds ``USERS`` users with two items each. Every cycle a fleet member (``desk``, in this process) joins as a
client with a valid proof (SYNC-04) and sends ONE push that changes every item of every user to a new
*generation* ``g`` (each change on the version the server holds, so the server takes all of it). The server
is SIGKILLed at a random moment of the conversation: before the join, while the push arrives, while it is
checked and written, or after the answer. Its server data is then opened at rest and must hold

* every item of every user from one generation: the one it had (old) or the one pushed (new), never a mix —
  a push is applied whole or not at all (issue 17, "What must exist");
* the new generation whenever the server answered that it took the push;
* versions that moved only with the data (one more per change, none given twice);
* a sound SQLite file;

and the same after the server is restarted.
"""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.engine.sync.link import record
from mfp_console.engine.sync.proof import join_proof
from mfp_console.engine.sync.server_data import server_data_path
from mfp_console.errors import MfpError
from mfp_console.protocol.messages import (
    SyncAck,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPush,
)
from mfp_console.store import MachineStore
from tests.reliability.forked_machines import ForkedMachine, fork_machine
from tests.reliability.power_cut_rig import Violation

__all__ = ["PushCutRig", "PushOutcome"]

USERS = 100
ITEMS = ("personal_buttons", "display_language")
TAG = "gen-"
SERVER = "server"
JOB_BOUND_S = 30.0

FLEET = """\
fleet:
  name: Push cut rig
machines:
  - name: server
    model: iR-ADV C5560
    series: iR-ADV C5500
    functions: [sync_server]
    sync: {server: true}
  - name: desk
    model: iR-ADV C5535
    series: iR-ADV C5500
    functions: [sync_client]
"""


def _value(item: str, generation: int) -> Any:
    tag = f"{TAG}{generation}"
    if item == "personal_buttons":
        return [{"label": tag, "function": "Copy"}]
    return {"language": "German", "keyboard": tag}


def _generation(item: str, value: Any) -> int:
    text = value[0]["label"] if item == "personal_buttons" else value["keyboard"]
    return int(text[len(TAG):]) if isinstance(text, str) and text.startswith(TAG) else -1


@dataclass(frozen=True)
class PushOutcome:
    """What one kill of the server left: ``old`` or ``new`` data."""

    delay_s: float
    answered: bool
    kept: str
    after_push_sent: bool
    """Killed after the whole push was sent and before its answer came: while the server checked and wrote it."""


@dataclass
class PushCutRig:
    """The server as a forked process, the pushing member in this process."""

    root: Path
    seed: int = 0
    kill_window_s: float = 0.12
    rng: random.Random = field(init=False)
    outcomes: list[PushOutcome] = field(default_factory=list)
    generation: int = 0
    held: int = 0
    """The generation the server holds."""
    versions: dict[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.fleet_file = self.root / "fleet.yaml"
        self.state_dir = self.root / "state"
        self.process: ForkedMachine | None = None
        self._sent = False

    async def __aenter__(self) -> PushCutRig:
        self.root.mkdir(parents=True, exist_ok=True)
        self.fleet_file.write_text(FLEET)
        self.fleet = Fleet.from_file(self.fleet_file, self.state_dir, RealClock(),
                                     handshake_timeout=5.0, conversation_timeout=5.0)
        await self.fleet.start(only=["desk"])  # creates the PKI the server process loads
        self.process = await fork_machine(SERVER, self.fleet_file, self.state_dir)
        # Generation 1, uninterrupted: every later kill finds users whose data it can leave old or new.
        self.generation = 1
        answer = await self._push(self.generation)
        if answer.count == 0:
            raise Violation(f"the server refused the first push: {answer.refused!r}")
        self.held = 1
        self.versions = {key: version for key, (_, version) in self._read()[0].items()}
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        await self.fleet.stop()

    def _records(self, generation: int) -> list[dict[str, Any]]:
        records = []
        for n in range(USERS):
            user = f"user{n:02d}"
            records.append(record(user, "@login", ""))
            for item in ITEMS:
                records.append(record(user, item, _value(item, generation), base=self.versions.get((user, item), 0)))
        return records

    async def _push(self, generation: int) -> SyncAck:
        """Joins the server as ``desk`` and sends one push; returns the server's answer."""
        desk = self.fleet.live_machine("desk")
        opened = await open_conversation(self.fleet.runtime, desk, SERVER, "sync")
        channel = opened.channel
        try:
            proof = join_proof(desk, opened.welcome.challenge, SERVER, "client")
            await channel.send(SyncJoin("desk", "desk", "", "", "1", proof, "client"))
            reply = await channel.expect(SyncJoinReply)
            if not reply.ok:
                raise Violation(f"the server refused the join: {reply.code} {reply.reason}")
            await channel.send(SyncPush(records=tuple(self._records(generation))))
            self._sent = True
            while not isinstance(answer := await channel.receive(), SyncAck):
                pass
            await channel.send(SyncLeave(reason="done"))
            return answer
        finally:
            await channel.close()

    async def cycle(self) -> PushOutcome:
        """Pushes a new generation, SIGKILLs the server at a random moment, checks, restarts it."""
        assert self.process is not None
        self.generation += 1
        delay = self.rng.uniform(0.0, self.kill_window_s)
        timer = asyncio.get_running_loop().call_later(delay, self.process.kill)
        answered = self._sent = False
        try:
            async with asyncio.timeout(JOB_BOUND_S):
                try:
                    answer = await self._push(self.generation)
                except (MfpError, ConnectionError, EOFError):
                    pass  # the server died mid-conversation: what it left is checked below
                else:
                    if answer.refused or answer.count == 0:
                        raise Violation(f"the server refused a sound push: {answer.refused!r}")
                    answered = True
                await self.process.wait()
        finally:
            timer.cancel()
        if self.process.returncode != -signal.SIGKILL:
            raise Violation(f"the server was not killed (exit {self.process.returncode})")
        kept = self._check_at_rest(answered)
        self.process = await fork_machine(SERVER, self.fleet_file, self.state_dir)
        if self._generations() != {self.held}:
            raise Violation(f"the server's data changed across the restart: {self._generations()}")
        outcome = PushOutcome(delay, answered, kept, self._sent and not answered)
        self.outcomes.append(outcome)
        return outcome

    def _read(self) -> tuple[dict[tuple[str, str], tuple[int, int]], list[str]]:
        """``(user, item) -> (generation, version)`` of the server's data at rest, and integrity problems."""
        found: dict[tuple[str, str], tuple[int, int]] = {}
        path = server_data_path(self.state_dir, SERVER)
        if not path.exists():
            return found, []
        with MachineStore.open(path) as store:
            problems = store.check_integrity()
            for user in (u.user for u in store.list_users()):
                for key, item in store.user_items(user).items():
                    found[(user, key)] = (_generation(key, item.value), item.version)
        return found, problems

    def _generations(self) -> set[int]:
        return {g for g, _ in self._read()[0].values()}

    def _check_at_rest(self, answered: bool) -> str:
        found, problems = self._read()
        if problems:
            raise Violation(f"server data damaged: {problems}")
        if not found:
            raise Violation("the server lost every user")
        if set(found) != {(f"user{n:02d}", item) for n in range(USERS) for item in ITEMS}:
            raise Violation(f"the server holds a part of the users or items: {sorted(found)[:6]}…")
        generations = {g for g, _ in found.values()}
        if len(generations) != 1:
            raise Violation(f"a mix of generations after a kill: {Counter(g for g, _ in found.values())}")
        (generation,) = generations
        if generation not in (self.held, self.generation):
            raise Violation(f"holds generation {generation}, neither the old {self.held} nor the new {self.generation}")
        is_new = generation == self.generation
        if answered and not is_new:
            raise Violation("the server answered that it took the push but kept the old data")
        for key, (_, version) in found.items():
            before = self.versions.get(key, 0)
            if (version <= before) if is_new else (version != before):
                raise Violation(f"{key}: version {version} after a {'new' if is_new else 'kept'} copy "
                                f"(was {self.versions.get(key, 0)})")
        if is_new:
            self.held = generation
            self.versions = {key: version for key, (_, version) in found.items()}
        return "new" if is_new else "old"

    def summary(self) -> dict[str, Any]:
        """Counts of what the kills left."""
        kept = Counter(o.kept + (" (answered)" if o.answered else " (while the server took it)" if o.after_push_sent
                                 else "") for o in self.outcomes)
        return {"kills": len(self.outcomes), "seed": self.seed, "left": dict(kept), "lost_or_mixed": 0}
