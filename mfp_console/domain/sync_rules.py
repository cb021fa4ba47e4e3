"""The rules that decide who joins, whose copy wins and whose data goes (SYNC-02, -03, -05, -06, -07, -10, -16).

Pure functions over names and versions; the engine's server and client functions call them and do the I/O.

Versions: every stored item has a version that grows by one on each change. A client remembers, for each
item it changed while synchronizing, the server version its change was based on (its *base*). The server
takes a change whose base is its current version and refuses one whose base is older: someone else's
change got there first and the server's copy wins, as it does when a client starts (SYNC-05).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from mfp_console.domain.sync_settings import MAX_SYNC_MACHINES, MAX_SYNC_USERS

__all__ = [
    "JoinPlan",
    "accept_change",
    "admission_problem",
    "keychain_order_problem",
    "plan_join",
    "users_to_evict",
]


def admission_problem(server: str, registered: Collection[str], client: str, limit: int = MAX_SYNC_MACHINES) -> str:
    """Why ``client`` may not join now (empty when it may), SYNC-02.

    ``registered`` are the clients that have not stopped synchronizing (off or broken ones included); the
    server counts as one machine, and a server's own client function (localhost) is that same machine.
    """
    if client == server or client in registered:
        return ""
    machines = {server, *registered}
    if len(machines) + 1 > limit:
        return (f"at most {limit} machines, the server included, can synchronize: {len(machines)} already do "
                f"(a client counts until its synchronization is stopped)")
    return ""


@dataclass(frozen=True)
class JoinPlan:
    """What a starting client does with the server's users and its own (SYNC-05, SYNC-06, SYNC-07).

    Attributes:
        take_server_copy: Users on both sides: the client's copy is replaced by the server's (SYNC-05).
        register: Users only on the client: offered to the server, which keeps the first copy it gets
            (SYNC-06); a user deleted on the server before the client started is one of these (SYNC-07).
        receive: Users only on the server: the client stores the server's copy.
    """

    take_server_copy: frozenset[str]
    register: frozenset[str]
    receive: frozenset[str]


def plan_join(server_users: Iterable[str], client_users: Iterable[str]) -> JoinPlan:
    """Splits users by where they exist when a client starts synchronizing."""
    server, client = set(server_users), set(client_users)
    return JoinPlan(frozenset(server & client), frozenset(client - server), frozenset(server - client))


def accept_change(server_version: int | None, base: int) -> bool:
    """True when a client's change may replace the server's copy: nobody changed it since ``base``."""
    return server_version is None or server_version == base


def users_to_evict(
    oldest_first: Sequence[str], limit: int = MAX_SYNC_USERS, keep: Collection[str] = ()
) -> list[str]:
    """The users whose data goes so that at most ``limit`` remain (SYNC-03: least recently logged in first).

    ``keep`` (e.g. the user being registered right now) is never chosen.
    """
    excess = len(oldest_first) - limit
    if excess <= 0:
        return []
    victims: list[str] = []
    for user in oldest_first:
        if len(victims) == excess:
            break
        if user not in keep:
            victims.append(user)
    return victims


def keychain_order_problem(reference_name: str, reference: Sequence[str], device: Sequence[str]) -> str:
    """Says where ``device``'s connection destinations differ in order from the reference machine's (SYNC-16).

    Keychain entries name a destination by its registration number, so entry *n* reaches
    ``device[n-1]`` here but ``reference[n-1]`` on the reference machine. Empty when the orders agree.
    """
    differing = []
    for number in range(1, max(len(reference), len(device)) + 1):
        here = device[number - 1] if number <= len(device) else "(none)"
        there = reference[number - 1] if number <= len(reference) else "(none)"
        if here != there:
            differing.append(f"#{number} reaches {here} here but {there} on {reference_name}")
    if not differing:
        return ""
    return "Keychain entries may reach the wrong server: connection destinations registered in another order (" \
        + "; ".join(differing) + ")"


def sharing_change_problem(running_clients: Collection[str]) -> str:
    """Why a sharing range cannot change now (SYNC-10): only while every client is stopped."""
    if not running_clients:
        return ""
    return ("stop synchronization on every client before changing a sharing range "
            f"(still synchronizing: {', '.join(sorted(running_clients))})")


def newest_copy(copies: Mapping[str, tuple[int, str]]) -> str:
    """Of per-device copies ``{device: (version, updated_at iso)}``, the device whose copy changed last."""
    return max(copies, key=lambda device: (copies[device][1], copies[device][0], device))
