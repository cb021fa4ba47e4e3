"""The join preview: what ``<Start>`` of a client's synchronization would do to each of its users, worked out
before it is pressed (the emulator's aid, no Canon screen; docs/panel.md).

Pure: it composes the decisions the join itself takes — :func:`~mfp_console.domain.sync_merge.plan_join`
(whose copy wins, SYNC-05/06/07) on the client and :func:`~mfp_console.domain.sync_merge.plan_push` (the
server's registration and SYNC-03 eviction) on the server — from what the two sides told each other over
the read-only preview conversation (``engine/sync/preview.py``). Nothing here decides anything of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mfp_console.domain.sync_items import PersonalItem, SharingRange
from mfp_console.domain.sync_merge import plan_join

__all__ = ["JoinPreview", "UserFate", "UserPreview", "preview_join"]


class UserFate(enum.Enum):
    """What the join does with one user of the client."""

    REPLACED = "replaced by the server's"
    """On both sides: the client's copy is deleted and replaced with the server's (SYNC-05)."""
    REGISTERED = "registered as the server's"
    """Only on the client: its data becomes the server's copy, which later clients get (SYNC-06, SYNC-07)."""
    KEPT = "kept on this machine"
    """Only on the client, with nothing to offer (no personal item): it stays here, unknown to the server."""

    @property
    def rule(self) -> str:
        return {"REPLACED": "SYNC-05", "REGISTERED": "SYNC-06", "KEPT": ""}[self.name]


@dataclass(frozen=True)
class UserPreview:
    """One user of the client and what the join does with them.

    Attributes:
        user: The login user.
        fate: Replaced, registered or kept.
        evicted: The server deletes the user right after registering them (SYNC-03: over the limit and
            the least recently logged in).
    """

    user: str
    fate: UserFate
    evicted: bool = False


@dataclass(frozen=True)
class JoinPreview:
    """What ``<Start>`` would do now.

    Attributes:
        client: The client machine.
        server: The server it would join ('' when none answers).
        refusal: Why the server would refuse the join, or why it cannot be reached ('' when it would admit).
        users: Each user on the client, by name.
        device_specific: Items kept per machine (``[Device-Specific (Not Shared)]``, SYNC-10): each user's
            copy of these stays this machine's own whatever the fate.
        from_server: How many users only the server holds and keeps (the client receives their data).
        server_users_before: Users the server holds now.
        server_users_after: Users the server holds after the join's registrations and evictions.
        user_limit: The most users the server keeps (SYNC-03).
        evicted: Users the server deletes to stay within the limit, least recently logged in first (any
            user, not only the client's).
    """

    client: str
    server: str
    refusal: str = ""
    users: tuple[UserPreview, ...] = ()
    device_specific: tuple[str, ...] = ()
    from_server: int = 0
    server_users_before: int = 0
    server_users_after: int = 0
    user_limit: int = 0
    evicted: tuple[str, ...] = ()

    def users_with(self, fate: UserFate) -> list[str]:
        """The users of one fate, sorted."""
        return sorted(u.user for u in self.users if u.fate is fate)

    def to_json(self) -> dict[str, Any]:
        """The preview as ``mfp-console sync-preview --json`` prints it."""
        return {
            "client": self.client,
            "server": self.server,
            "refused": self.refusal or None,
            "users": [{"user": u.user, "fate": u.fate.name.lower(), "rule": u.fate.rule or None,
                       "evicted": u.evicted} for u in self.users],
            "device_specific_items": list(self.device_specific),
            "users_only_on_server": self.from_server,
            "server_users_before": self.server_users_before,
            "server_users_after": self.server_users_after,
            "user_limit": self.user_limit,
            "evicted": list(self.evicted),
        }


def preview_join(
    client: str,
    server: str,
    *,
    server_users: Iterable[str],
    client_users: Iterable[str],
    offered: Collection[str],
    ranges: Mapping[PersonalItem, SharingRange],
    server_total: int,
    server_population: int,
    evicted: Iterable[str],
    user_limit: int,
) -> JoinPreview:
    """Puts the two sides' answers together.

    Args:
        server_users: The users the server holds data of for this client (its answer to a join's pull).
        client_users: The users on the client.
        offered: Of the users the join registers, those with something to offer (a registration).
        ranges: The server's sharing ranges.
        server_total: Users the server holds now.
        server_population: Users the server would hold after the registrations, before evicting.
        evicted: What the server's planner evicts for those registrations (SYNC-03).
    """
    plan = plan_join(server_users, client_users)  # a start forgets pending changes: nothing to merge
    gone = tuple(evicted)
    users = []
    for user in sorted(set(client_users)):
        if user in plan.replace:
            fate = UserFate.REPLACED
        elif user in offered:
            fate = UserFate.REGISTERED
        else:
            fate = UserFate.KEPT
        users.append(UserPreview(user, fate, user in gone))
    specific = tuple(sorted(item.label for item, r in ranges.items() if r is SharingRange.DEVICE_SPECIFIC))
    return JoinPreview(
        client=client, server=server, users=tuple(users), device_specific=specific,
        from_server=len(plan.receive - set(gone)), server_users_before=server_total,
        server_users_after=server_population - len(gone), user_limit=user_limit, evicted=gone,
    )
