"""The rules that decide who joins and whose data goes (SYNC-02, -03, -10, -16).

Pure functions over names; the engine's server and client functions call them and do the I/O. Whose
copy wins — joins, pushes, the server's answers — is decided in :mod:`mfp_console.domain.sync_merge`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from mfp_console.domain.sync_settings import MAX_SYNC_MACHINES, MAX_SYNC_USERS

__all__ = [
    "admission_problem",
    "keychain_order_problem",
    "sharing_change_problem",
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
