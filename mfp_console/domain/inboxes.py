"""Confidential Fax Inboxes protected by a password and what distribution does with them (DID-27).

An inbox's settings travel with ``<Settings/Registration Value>`` as settings values under
``Function Settings/Store and Access Files/Confidential Fax Inbox NN/…`` (older-generation manuals' table
"Delivered Information": "inbox data protected by a password is not sent, and password-protected inboxes
on the client are not overwritten", research §1.4). An inbox is protected when its item
``…/Confidential Fax Inbox NN/Password`` is ``Set`` (**D**: the emulator keeps whether a password is set,
never the password). So:

* the host leaves every item of its protected inboxes out of what it sends (:func:`without_protected`);
* a client keeps every item of its own protected inboxes, whatever the host sends (the merge in
  :mod:`~mfp_console.domain.distribution_rules` asks :func:`protected_inboxes`).

The inbox URL Send settings (DID-17) are a separate record and follow DID-17 alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from mfp_console.domain.device_info import SettingValue

__all__ = [
    "INBOX_GROUP",
    "PASSWORD_SET",
    "inbox_of",
    "password_key",
    "protected_inboxes",
    "without_protected",
]

INBOX_GROUP = "Function Settings/Store and Access Files/Confidential Fax Inbox "
"""The start of every inbox's settings keys; the inbox's name follows (``Confidential Fax Inbox 03``)."""

PASSWORD_SET = "Set"
"""The value of an inbox's ``Password`` item when a password protects it."""

_PREFIX = INBOX_GROUP.rsplit("/", 1)[0] + "/"


def inbox_of(key: str) -> str:
    """The inbox a settings key belongs to (``Confidential Fax Inbox 03``), or empty when none."""
    if not key.startswith(INBOX_GROUP):
        return ""
    return key[len(_PREFIX):].split("/", 1)[0]


def password_key(inbox: str) -> str:
    """The settings key saying whether ``inbox`` is protected by a password."""
    return f"{_PREFIX}{inbox}/Password"


def protected_inboxes(values: Iterable[SettingValue]) -> frozenset[str]:
    """The inboxes whose ``Password`` item is ``Set``."""
    found = set()
    for s in values:
        if s.value == PASSWORD_SET:
            inbox = inbox_of(s.key)
            if inbox and s.key == password_key(inbox):
                found.add(inbox)
    return frozenset(found)


def without_protected(values: tuple[SettingValue, ...]) -> tuple[tuple[SettingValue, ...], tuple[str, ...]]:
    """A host's settings values without the items of its password-protected inboxes, and those inboxes
    in order (DID-27: they are not distributed)."""
    protected = protected_inboxes(values)
    if not protected:
        return values, ()
    return tuple(s for s in values if inbox_of(s.key) not in protected), tuple(sorted(protected))
