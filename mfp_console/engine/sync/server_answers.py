"""What the sync server answers to a pull: the copies a device holds, encoded once per revision of the data.

A pull of everything (a client joining, SYNC-05) is answered with the users as *kept documents* (see
:mod:`mfp_console.engine.sync.link`) and the sharing ranges and shared settings as records. A device
holds the shared copies, its own device-specific copies (SYNC-10) and nothing its firmware does not
synchronize (SYNC-17); devices that hold the same copies get the same frames, encoded once per revision
of the server's data. A pull of some users (a login, SYNC-08) is answered with records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from mfp_console.domain.sync_items import CommonItem, PersonalItem, SharingRange
from mfp_console.domain.sync_records import (
    CommonCopy,
    ItemCopy,
    LoginTime,
    SharingNotice,
    wire,
)
from mfp_console.engine.sync.link import encode_batches, encode_snapshot
from mfp_console.engine.sync.server_data import split_key
from mfp_console.protocol.messages import Message, SyncData
from mfp_console.store.user_data import UserItem, encode_user_doc

if TYPE_CHECKING:
    from mfp_console.engine.sync.server import SyncServer

__all__ = ["AnswerCache", "copies_for", "records_for"]

_COMMONS = {c.value: c for c in CommonItem}


def copies_for(server: SyncServer, user: str, device: str, ranges: dict[str, SharingRange],
               withheld: set[str]) -> Iterator[tuple[str, UserItem, SharingRange]]:
    """The copies of ``user``'s items ``device`` holds: shared items and its own device-specific copies,
    less what its firmware does not synchronize (SYNC-10, SYNC-17)."""
    for key, it in server.data.users.get(user, {}).items():
        item, owner = split_key(key)
        if item in withheld:
            continue
        sharing = ranges.get(item, SharingRange.SHARED)
        shared = sharing is SharingRange.SHARED
        if (shared and owner) or (not shared and owner != device):
            continue
        yield item, it, sharing


def records_for(server: SyncServer, device: str, users: Sequence[str]) -> list[dict[str, Any]]:
    """The server copies of ``users`` that ``device`` holds, as records, each user's led by their login time."""
    data = server.data
    ranges = {item.value: r for item, r in data.sharing().items()}
    withheld = set(data.devices().get(device, {}).get("withheld", []))
    out: list[dict[str, Any]] = []
    for user in users:
        if user not in data.users:
            continue
        out.append(wire(LoginTime(user, data.last_seen.get(user))))
        out.extend(wire(ItemCopy(user, PersonalItem(item), it.value, it.version, sharing))
                   for item, it, sharing in copies_for(server, user, device, ranges, withheld))
    return out


class AnswerCache:
    """The frames answering a pull of everything, per revision of the server's data."""

    def __init__(self, server: SyncServer) -> None:
        self.server = server
        self._answers: dict[tuple[Any, ...], tuple[list[tuple[type[Message], bytes]], int]] = {}

    def full_answer(self, device: str) -> tuple[list[tuple[type[Message], bytes]], int]:
        """The frames answering ``device``'s pull of everything, and how many records they hold."""
        data = self.server.data
        ranges = {item.value: r for item, r in data.sharing().items()}
        specific = any(r is SharingRange.DEVICE_SPECIFIC for r in ranges.values())
        withheld = tuple(sorted(data.devices().get(device, {}).get("withheld", [])))
        key = (data.revision, device if specific else "", withheld)
        cached = self._answers.get(key)
        if cached is None:
            if specific or withheld:
                docs = [(user, self._document(user, device, ranges, set(withheld))) for user in data.users]
            else:
                docs = [(user, data.document(user)) for user in data.users]
            settings = self._settings_records(ranges)
            frames = encode_snapshot(docs) if docs else []
            frames.extend((SyncData, frame) for frame in encode_batches(SyncData, settings))
            cached = (frames, len(settings) + (1 if docs else 0))
            self._answers = {k: v for k, v in self._answers.items() if k[0] == data.revision}
            self._answers[key] = cached
        return cached

    def _document(self, user: str, device: str, ranges: dict[str, SharingRange], withheld: set[str]) -> bytes:
        return encode_user_doc({item: (it.value, it.version, sharing.value)
                                for item, it, sharing in copies_for(self.server, user, device, ranges, withheld)})

    def _settings_records(self, ranges: dict[str, SharingRange]) -> list[dict[str, Any]]:
        out = [wire(SharingNotice({PersonalItem(item): r for item, r in ranges.items()}))]
        for item, entry in self.server.data.common().items():
            if item in _COMMONS:
                out.append(wire(CommonCopy(_COMMONS[item], entry["value"], int(entry["version"]))))
        return out
