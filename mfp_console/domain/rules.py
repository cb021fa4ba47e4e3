"""The behaviour rules the emulator reproduces, by ID, each with a short title.

The rules themselves (and their sources in the Canon manuals) are the project's specification; this table
only names them, so scenario files can be checked against it (``covers:``) and ``mfp-console rules`` can
list what proves each one.
"""

from __future__ import annotations

import re

__all__ = ["RULES", "RULE_ID", "rule_sort_key"]

RULE_ID = re.compile(r"\b(M|DID|SYNC|UI)-(\d{2})\b")
"""A rule ID as written in tests, scenarios and docs."""

RULES: dict[str, str] = {
    "M-01": "a machine's identity, options, functions and states",
    "M-02": "System Manager ID and PIN: 1-7 digits, zero-padded, all-zero refused",
    "M-03": "Management Settings need an Administrator login; PIN lockout",
    "M-04": "data survives power cycles and restarts; updates are whole or nothing",
    "M-05": "mutual TLS 1.3 from the fleet CA only",
    "M-06": "Off or cut off is unreachable; Sleep wakes on a connection",
    "M-07": "only loopback unless a fleet file opts a machine in",
    "M-08": "System Manager Information Settings: ID, PIN and Confirm",
    "M-09": "every machine has an IPv4 address and a host name",
    "M-10": "Energy Saver key puts a machine to Sleep",
    "DID-01": "only a logged-in Administrator distributes",
    "DID-02": "Register Destinations: by hand, auto search, details, delete, print",
    "DID-03": "categories On/Off; Network Settings Include/Exclude",
    "DID-04": "manual flow and the Status cells",
    "DID-05": "status values and error codes",
    "DID-06": "destinations in list order (N at once for large fleets)",
    "DID-07": "Cancel lets running destinations finish",
    "DID-08": "a different ID/PIN ends E-AUTH; challenge-response",
    "DID-09": "a client without TLS key ends E-TLS",
    "DID-10": "a busy client ends E-BUSY",
    "DID-11": "Updating: the client's panel is locked while it applies",
    "DID-12": "power cut while updating: E-INTERRUPTED, E-UPDATE, old data",
    "DID-13": "Address Book replaced wholesale",
    "DID-14": "Department IDs merged, counters kept",
    "DID-15": "Printer Settings and Paper Information overwrite",
    "DID-16": "Settings/Registration Value overwrites deliverable settings",
    "DID-17": "URL Send Settings of confidential fax inboxes",
    "DID-18": "Restrict Receiving Device Information (other series)",
    "DID-19": "Restrict Receiving for Each Function (Off = not received)",
    "DID-20": "Restore Data: one restore point before the latest update",
    "DID-21": "Set Auto Distribution: modes, slots, start times",
    "DID-22": "scheduled runs; no retry before the next set time",
    "DID-23": "Communication Log",
    "DID-24": "distribution and import/export exclude each other",
    "DID-25": "the host prepares a distribution; power-off while preparing",
    "DID-26": "another series may not receive everything correctly",
    "DID-27": "password-protected inboxes are neither sent nor overwritten",
    "DID-28": "Address Book needs a fax board or Universal Send Kit",
    "SYNC-01": "roles: one server, clients, the server's own client",
    "SYNC-02": "at most 10 machines; a client counts until stopped",
    "SYNC-03": "at most 1,000 users; the oldest is deleted",
    "SYNC-04": "the same authentication and group settings everywhere",
    "SYNC-05": "on start, the server's copy replaces the client's",
    "SYNC-06": "users only on clients are registered from the first",
    "SYNC-07": "deleted on the server: a client's copy survives; server's version order",
    "SYNC-08": "a user's personalized data follows them",
    "SYNC-09": "shared non-personal settings",
    "SYNC-10": "sharing ranges: shared or device-specific",
    "SYNC-11": "a malfunction loses device-specific data",
    "SYNC-12": "no import/export of synchronized data while synchronizing",
    "SYNC-13": "the server stays awake while clients operate",
    "SYNC-14": "client log: Warning when unreachable, Error when refused",
    "SYNC-15": "the server's device list",
    "SYNC-16": "keychain entries follow registration order",
    "SYNC-17": "old firmware does not synchronize shortcuts and keychain",
    "SYNC-18": "backup (device or SMB), schedule, replica, restore",
    "SYNC-19": "changing the server step by step",
    "SYNC-20": "connection settings take effect after a restart",
    "SYNC-21": "export personalized data before synchronization starts",
    "SYNC-22": "data a machine's options cannot show stays on the server",
    "SYNC-23": "convergence: every client holds the server's copy",
    "UI-01": "every screen at its path with its labels",
    "UI-02": "walk up to any machine",
    "UI-03": "fleet view and event log",
    "UI-04": "faults from the panel",
    "UI-05": "the clock; jump to the next event",
    "UI-06": "no emulator vocabulary on the machine's own screens; Remote UI window",
    "UI-07": "every control reachable and visible at 80x24 and larger",
}
"""Every rule ID with a short title (the full text is in the project's rules)."""


def rule_sort_key(rule_id: str) -> tuple[int, int]:
    """Orders rule IDs as the rules are written: M, DID, SYNC, UI, then by number."""
    prefix, _, number = rule_id.partition("-")
    return ("M", "DID", "SYNC", "UI").index(prefix), int(number)
