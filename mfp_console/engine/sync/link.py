"""One open synchronization connection: ordered sending, acknowledgements, and "work in flight" accounting.

Both ends of a sync session (the client that dialled and the server that answered) hold a
:class:`SyncLink`. After the join either end may pull, push, answer or leave at any time, so each link
runs one reader task that hands every message to its owner, and one writer task that sends queued
messages in order. Queuing is synchronous: a handler that queues a push to three clients and then an
acknowledgement never lets another message slip in between.

Virtual time and open connections: a session stays open for hours of machine time, so it must not keep
the fleet "busy" (``WorkTracker.settle`` would never return). A link therefore counts only *messages that await
an answer*: a push until its :class:`SyncAck`, a pull until its end-of-data record. When nothing awaits an
answer the fleet is quiescent even though connections are open, and a virtual clock may jump.

The answer to a pull of everything carries the users as *kept documents* (see
:mod:`mfp_console.store.user_data`): a :data:`SNAPSHOT` record lists each user with the length of their
document, and raw :class:`~mfp_console.protocol.messages.Attachment` frames right after it carry the
documents themselves, one after another. Neither end decodes them on the way: the server encodes each
document once when the data changes, and the client stores the bytes as they arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mfp_console.domain.sync_records import MAX_USERS_PER_PUSH
from mfp_console.engine.net.channel import Channel
from mfp_console.errors import MfpError, RemoteProtocolError
from mfp_console.limits import ATTACHMENT_BYTES
from mfp_console.protocol.framing import encode_frame, encode_raw_frame
from mfp_console.protocol.messages import (
    Attachment,
    Message,
    SyncAck,
    SyncData,
    SyncLeave,
    SyncPull,
    SyncPush,
)

if TYPE_CHECKING:
    from mfp_console.engine.work import WorkTracker

__all__ = ["END", "SNAPSHOT", "PullAnswer", "PushAnswer", "SyncLink", "encode_batches", "encode_snapshot", "record"]

_log = logging.getLogger(__name__)

END = "@end"
"""Item of the record that closes the answer to a :class:`SyncPull` (its value is the record count)."""

SNAPSHOT = "@snapshot"
"""Item of the record that announces kept documents: ``{"users": [user, …], "lengths": [bytes, …]}``."""

MAX_SNAPSHOT_BYTES = ATTACHMENT_BYTES
"""The most document bytes one answer may announce (a bound on what a peer can make this side buffer;
:data:`mfp_console.limits.ATTACHMENT_BYTES`)."""

ATTACHMENT_BYTES = 512 * 1024
"""Document bytes per attachment frame (half the 1 MiB frame limit)."""

CLOSE_GRACE_S = 0.05
"""Real seconds the fleet counts as busy after a session ends, for the peer to notice (see ``_close``)."""

BATCH_BYTES = 256 * 1024
"""Approximate JSON bytes per :class:`SyncPush`/:class:`SyncData` (well under the 1 MiB frame limit)."""


def record(user: str, item: str, value: Any, version: int = 0, sharing: str = "shared", **extra: Any) -> dict[str, Any]:
    """One wire record (see ``RECORD_KEYS`` of the protocol); ``extra`` adds keys such as ``base``."""
    data = {"user": user, "item": item, "value": value, "version": version, "range": sharing}
    data.update(extra)
    return data


def encode_batches(kind: type[SyncPush] | type[SyncData], records: Sequence[dict[str, Any]],
                   limit: int = BATCH_BYTES) -> list[bytes]:
    """Encodes records as frames of ``kind`` of roughly ``limit`` bytes each (a record is never split).

    Records are encoded once, batch by batch (never one by one): a batch that comes out much larger than
    ``limit`` is cut in half and encoded again.
    """
    frames: list[bytes] = []
    step = 512
    index = 0
    while index < len(records):
        chunk = records[index : index + step]
        frame = encode_frame(kind(records=tuple(chunk)).to_wire())
        if len(frame) > 2 * limit and len(chunk) > 1:
            step = max(1, len(chunk) // 2)
            continue
        frames.append(frame)
        index += len(chunk)
        if len(frame) < limit // 2:
            step = min(step * 2, MAX_USERS_PER_PUSH)  # a batch never names more users than a peer takes
    return frames


def encode_snapshot(users: Sequence[tuple[str, bytes]]) -> list[tuple[type[Message], bytes]]:
    """The frames that carry users' documents: the announcing record, then the documents as attachments."""
    announce = record("", SNAPSHOT, {"users": [user for user, _ in users], "lengths": [len(doc) for _, doc in users]})
    frames: list[tuple[type[Message], bytes]] = [(SyncData, frame) for frame in encode_batches(SyncData, [announce])]
    body = b"".join(doc for _, doc in users)
    view = memoryview(body)
    for start in range(0, len(body), ATTACHMENT_BYTES):
        frames.append((Attachment, encode_raw_frame(view[start : start + ATTACHMENT_BYTES])))
    return frames


@dataclass(frozen=True)
class PushAnswer:
    """The peer's acknowledgement of one push (all its batches).

    Attributes:
        count: Records the peer stored.
        refused: Why the peer stored none of a batch (empty when it took them all).
        outcomes: Per change, whether it was taken and under which version (wire records).
    """

    count: int = 0
    refused: str = ""
    outcomes: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class PullAnswer:
    """What a pull brought back.

    Attributes:
        records: The answer's records (the end-of-data record left out).
        users: Users whose data came as kept documents: ``(user, document length)`` in ``body``'s order.
        body: Their documents, one after another.
    """

    records: list[dict[str, Any]]
    users: tuple[tuple[str, int], ...] = ()
    body: bytes = b""


def snapshot_users(value: Any) -> tuple[tuple[str, int], ...]:
    """Checks a :data:`SNAPSHOT` record's value; returns its ``(user, length)`` pairs.

    Raises:
        RemoteProtocolError: The value is not distinct non-empty user names with as many positive lengths,
            within :data:`MAX_SNAPSHOT_BYTES` in all.
    """
    if not (isinstance(value, dict) and set(value) == {"users", "lengths"}):
        raise RemoteProtocolError('a snapshot record must hold {"users": [...], "lengths": [...]}')
    users, lengths = value["users"], value["lengths"]
    if not (isinstance(users, list) and isinstance(lengths, list) and len(users) == len(lengths)):
        raise RemoteProtocolError("a snapshot record must list as many lengths as users")
    if not all(type(user) is str and user for user in users):
        raise RemoteProtocolError("a snapshot record's users must be non-empty names")
    if not all(type(length) is int and length > 0 for length in lengths):
        raise RemoteProtocolError("a snapshot record's lengths must be whole numbers above 0")
    if len(set(users)) != len(users):
        raise RemoteProtocolError("a snapshot lists a user twice")
    if sum(lengths) > MAX_SNAPSHOT_BYTES:
        raise RemoteProtocolError(f"a snapshot of {sum(lengths)} bytes is over the {MAX_SNAPSHOT_BYTES}-byte bound")
    return tuple(zip(users, lengths))


Handler = Callable[["SyncLink", Message], Awaitable[None] | None]


class SyncLink:
    """A sync session's connection as one end sees it.

    Args:
        work: The fleet's in-flight accounting.
        channel: The channel after a successful join.
        local: This machine's name.
        peer: The other machine's name.
        handler: Called with every message except acknowledgements (which the link settles itself).
    """

    def __init__(self, work: WorkTracker, channel: Channel, local: str, peer: str, handler: Handler) -> None:
        self.work = work
        self.channel = channel
        self.local = local
        self.peer = peer
        self._handler = handler
        self._queue: deque[tuple[Message | tuple[type[Message], bytes], str]] = deque()
        self._wake = asyncio.Event()
        # ("push", group) per push batch sent and ("pull", None) per pull sent, in order; a group gathers
        # the acknowledgements of one push's batches and calls its callback after the last
        self._awaiting: deque[tuple[str, _PushGroup | None]] = deque()
        self._pulls: deque[Callable[[PullAnswer], Awaitable[None] | None]] = deque()
        self._pull_records: list[dict[str, Any]] = []
        self._pull_users: tuple[tuple[str, int], ...] = ()
        self._pull_expected = 0
        """Document bytes the answer being gathered announced (the sum of ``_pull_users``' lengths)."""
        self._pull_parts: list[bytes] = []
        self._pull_size = 0
        self._held = 0
        self.closed = asyncio.Event()
        self.close_reason = ""
        self.leave_reason = ""
        self._tasks: list[asyncio.Task[Any]] = []
        channel.timeout = None  # type: ignore[assignment]  # an idle session waits for hours

    # --- accounting -----------------------------------------------------------------------------------

    def _hold(self) -> None:
        self._held += 1
        self.work.track_conversation(+1)

    def _release(self, count: int = 1) -> None:
        count = min(count, self._held)
        if count > 0:
            self._held -= count
            self.work.track_conversation(-count)

    @property
    def awaiting(self) -> int:
        """Messages sent or queued that still await their answer."""
        return self._held

    # --- sending (synchronous queueing) ---------------------------------------------------------------

    def push(self, records: Iterable[dict[str, Any]], on_ack: Callable[[PushAnswer], None] | None = None) -> int:
        """Queues the records as pushes (in batches); each counts as in flight until acknowledged.

        ``on_ack`` runs once the peer acknowledged the last batch, with what every batch's answer said.
        """
        records = list(records)
        frames = encode_batches(SyncPush, records)
        group = _PushGroup(len(frames), on_ack) if on_ack is not None else None
        for frame in frames:
            self._enqueue((SyncPush, frame), "push", group)
        return len(records)

    def pull(self, users: Sequence[str], on_data: Callable[[PullAnswer], Awaitable[None] | None]) -> None:
        """Queues a pull; ``on_data`` gets the whole answer once its end arrives."""
        self._pulls.append(on_data)
        self._enqueue(SyncPull(users=tuple(users)), "pull")

    def answer(self, records: Sequence[dict[str, Any]]) -> None:
        """Queues the answer to a pull: data batches and the closing end-of-data record."""
        self.answer_frames(encode_batches(SyncData, records), len(records))

    def answer_frames(self, frames: Sequence[bytes | tuple[type[Message], bytes]], count: int) -> None:
        """Queues an answer already encoded (the same frames serve every device that holds the same data).

        A frame is ``SyncData`` unless given with its message class (the attachments of a snapshot).
        """
        for frame in frames:
            self._enqueue(frame if isinstance(frame, tuple) else (SyncData, frame), "")
        self._enqueue(SyncData(records=(record("", END, count),)), "")

    def ack(self, count: int, refused: str = "", outcomes: Sequence[dict[str, Any]] = ()) -> None:
        """Queues the answer to a push: stored records and outcomes, or why none was stored."""
        self._enqueue(SyncAck(count=count, refused=refused, records=tuple(outcomes)), "")

    def leave(self, reason: str) -> None:
        """Queues the end of the session; the link closes once it is sent."""
        self._enqueue(SyncLeave(reason=reason), "leave")

    def _enqueue(self, message: Message | tuple[type[Message], bytes], expects: str,
                 on_ack: _PushGroup | None = None) -> None:
        if self.closed.is_set():
            return
        if expects in ("push", "pull"):
            self._awaiting.append((expects, on_ack))
            self._hold()
        elif expects == "leave":
            self._hold()  # until sent: the session then closes, which releases everything held
        self._queue.append((message, expects))
        self._wake.set()

    # --- running --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts the reader and writer tasks (not tracked as fleet work: an idle session is quiescent)."""
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._read(), name=f"sync {self.local}<-{self.peer}"),
            loop.create_task(self._write(), name=f"sync {self.local}->{self.peer}"),
        ]

    async def _write(self) -> None:
        try:
            while True:
                while not self._queue:
                    self._wake.clear()
                    await self._wake.wait()
                message, expects = self._queue.popleft()
                if isinstance(message, tuple):
                    await self.channel.send_encoded(*message)
                else:
                    await self.channel.send(message)
                if expects == "leave":
                    self._close("left: " + getattr(message, "reason", ""))
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the peer went away; the reader notices too
            self._close(f"send failed: {exc}")

    async def _read(self) -> None:
        try:
            while True:
                message = await self.channel.receive()
                self.work.note_progress()
                if isinstance(message, SyncAck):
                    self._settle("push", message)
                elif isinstance(message, SyncData):
                    await self._collect(message.records)
                elif isinstance(message, Attachment):
                    self._attach(message.data)
                elif isinstance(message, SyncLeave):
                    self.leave_reason = message.reason or "left"
                    self._close(f"the peer left: {self.leave_reason}")
                    return
                else:
                    result = self._handler(self, message)
                    if result is not None:
                        await result
        except asyncio.CancelledError:
            raise
        except MfpError as exc:
            self._close(str(exc))
        except Exception as exc:  # pragma: no cover - a bug; close the session rather than hang it
            _log.exception("%s: sync session with %s failed", self.local, self.peer)
            self._close(f"internal error: {exc!r}")

    def _attach(self, data: bytes) -> None:
        if self._pull_size + len(data) > self._pull_expected:
            raise RemoteProtocolError("an attachment carries more bytes than the snapshot announced")
        self._pull_parts.append(data)
        self._pull_size += len(data)

    async def _collect(self, records: Sequence[dict[str, Any]]) -> None:
        for rec in records:
            if rec.get("user") != "":
                self._pull_records.append(rec)
            elif rec.get("item") == SNAPSHOT:
                if self._pull_users:
                    raise RemoteProtocolError("an answer holds one snapshot at most")
                self._pull_users = snapshot_users(rec.get("value"))
                self._pull_expected = sum(length for _, length in self._pull_users)
            elif rec.get("item") == END:
                if self._pull_size != self._pull_expected:
                    raise RemoteProtocolError(f"the answer ended with {self._pull_size} of "
                                              f"{self._pull_expected} announced snapshot bytes")
                answer = PullAnswer(self._pull_records, self._pull_users, b"".join(self._pull_parts))
                self._pull_records, self._pull_users, self._pull_parts, self._pull_size = [], (), [], 0
                self._pull_expected = 0
                callback = self._pulls.popleft() if self._pulls else None
                try:
                    if callback is not None:
                        result = callback(answer)
                        if result is not None:
                            await result
                finally:
                    self._settle("pull")
            else:
                self._pull_records.append(rec)

    def _settle(self, kind: str, ack: SyncAck | None = None) -> None:
        for entry in self._awaiting:
            if entry[0] == kind:
                self._awaiting.remove(entry)
                try:
                    if entry[1] is not None and ack is not None:
                        entry[1].answered(ack)
                finally:
                    self._release()
                return

    def _close(self, reason: str) -> None:
        if self.closed.is_set():
            return
        self.close_reason = reason
        self.closed.set()
        self._release(self._held)
        self._queue.clear()
        self._awaiting.clear()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        self.work.note_progress()
        # The peer learns of the end only when its reader wakes up: keep the fleet busy for a moment so
        # that ``settle`` does not return before it has (a few loop turns on loopback; bounded).
        self.work.track_conversation(+1)
        asyncio.get_running_loop().call_later(CLOSE_GRACE_S, self.work.track_conversation, -1)

    def abort(self, reason: str) -> None:
        """Drops the connection at once (power cut, network cut, malfunction)."""
        try:
            self.channel.stream.abort()
        except Exception:  # already gone
            pass
        self._close(reason)

    async def wait_closed(self) -> str:
        """Waits until the session ends; returns why."""
        await self.closed.wait()
        await self.channel.close()
        return self.close_reason

    def __repr__(self) -> str:
        return f"<SyncLink {self.local}<->{self.peer} awaiting={self._held} closed={self.closed.is_set()}>"


class _PushGroup:
    """Gathers the acknowledgements of one push's batches; calls back after the last one."""

    def __init__(self, batches: int, callback: Callable[[PushAnswer], None]) -> None:
        self.left = batches
        self.callback = callback
        self.count = 0
        self.refused: list[str] = []
        self.outcomes: list[dict[str, Any]] = []

    def answered(self, ack: SyncAck) -> None:
        self.left -= 1
        self.count += ack.count
        if ack.refused:
            self.refused.append(ack.refused)
        self.outcomes.extend(ack.records)
        if self.left == 0:
            self.callback(PushAnswer(self.count, "; ".join(self.refused), tuple(self.outcomes)))
