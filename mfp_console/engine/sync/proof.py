"""Who may synchronize: the SYNC-04 settings a machine holds, and the challenge–response that proves them.

A sync client does not send its user-authentication and group settings (SYNC-04): it proves it holds the
server's, like a distribution host proves the System Manager PIN (DID-08). The server's ``Welcome``
carries a fresh challenge; the client answers in its ``SyncJoin`` with an HMAC of that challenge, both
machine names and its role, under a key derived from the settings
(:func:`~mfp_console.protocol.auth.make_sync_proof`); the server recomputes it from its own settings and
compares in constant time. A replicating server proves the same to its replica (SYNC-18), and the
replica also checks that the dialling machine — named by its fleet certificate — is the server it was
set to replicate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfp_console.domain.sync_settings import AuthSettings
from mfp_console.protocol.auth import (
    check_sync_proof,
    derive_settings_key,
    make_sync_proof,
)

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = ["GROUPS_KEY", "JOIN_ROLES", "auth_settings_of", "check_join_proof", "join_proof", "uses_proxy"]

GROUPS_KEY = "sync_group_management"
JOIN_ROLES = ("client", "server/client", "search", "replica", "preview")
"""What a ``SyncJoin`` may ask to be."""
USE_PROXY_KEY = "Preferences/Network/Use Proxy"
"""The settings/registration value that routes the machine's connections through a proxy (SYNC-13)."""


def auth_settings_of(machine: Machine) -> AuthSettings:
    """The machine's SYNC-04 settings (user authentication, Department ID management, groups)."""
    groups = bool((machine.store.get_config(GROUPS_KEY) or {}).get("groups_by_department", False))
    ids = tuple(d.dept_id for d in machine.device_info.department_ids.departments) if groups else ()
    return AuthSettings(machine.spec.user_authentication, machine.spec.department_id_management, groups, ids)


def join_proof(machine: Machine, challenge: str, server: str, role: str) -> str:
    """The proof ``machine`` sends to ``server`` in answer to its challenge."""
    key = derive_settings_key(auth_settings_of(machine).canonical_bytes())
    return make_sync_proof(key, challenge, machine.name, server, role)


def check_join_proof(machine: Machine, challenge: str, client: str, role: str, proof: str) -> bool:
    """True when ``client``'s proof was made with ``machine``'s own settings (constant time)."""
    key = derive_settings_key(auth_settings_of(machine).canonical_bytes())
    return check_sync_proof(key, challenge, client, machine.name, role, proof)


def uses_proxy(machine: Machine) -> bool:
    """True when the machine's ``Use Proxy`` network setting is On (factory default Off)."""
    for setting in machine.device_info.settings_values:
        if setting.key == USE_PROXY_KEY:
            return setting.value == "On"
    return False
