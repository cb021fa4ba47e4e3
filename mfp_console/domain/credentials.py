"""System Manager ID/PIN rules (M-02) and the Department ID password hash, as pure functions.

The panel stores a System Manager ID or PIN as seven digits, left-padded with zeros, and accepts it at
login without its leading zeros (``321`` matches ``0000321``). :func:`normalize_system_manager_value`
is the one place that turns typed text into the stored form; :func:`credentials_match` compares typed
credentials with stored ones in constant time so that a wrong guess takes as long as a right one.
"""

from __future__ import annotations

import hashlib
import hmac

from mfp_console.errors import RuleRefusal

__all__ = [
    "DEFAULT_SYSTEM_MANAGER_ID",
    "DEFAULT_SYSTEM_MANAGER_PIN",
    "PIN_PLACEHOLDER",
    "SYSTEM_MANAGER_DIGITS",
    "credentials_match",
    "department_password_hash",
    "is_valid_system_manager_value",
    "normalize_department_id",
    "normalize_system_manager_value",
]

SYSTEM_MANAGER_DIGITS = 7
"""Stored length of a System Manager ID or PIN (M-02)."""

DEFAULT_SYSTEM_MANAGER_ID = "7654321"
"""Factory System Manager ID (M-02)."""

DEFAULT_SYSTEM_MANAGER_PIN = "7654321"
"""Factory System Manager PIN (M-02)."""

PIN_PLACEHOLDER = "<System Manager PIN>"
"""What a recorded scenario writes instead of a typed PIN (``mfp-console record`` without ``--keep-pins``):
the step logs in with the PIN the fleet gives the machine, as the scenario's own steps changed it."""

_DIGITS = frozenset("0123456789")


def normalize_system_manager_value(text: str, what: str = "System Manager ID") -> str:
    """Checks a typed System Manager ID or PIN and returns its stored, zero-padded form (M-02).

    Surrounding blanks are ignored; everything else must be the digits 0–9.

    Args:
        text: What the operator typed, e.g. ``"321"``.
        what: How the value is named in a refusal, e.g. ``"System Manager PIN"``.

    Returns:
        Seven digits, e.g. ``"0000321"``.

    Raises:
        RuleRefusal: (rule ``M-02``) when the value is empty, not all digits, longer than seven digits,
            or all zeros.
    """
    value = text.strip()
    if not value:
        raise RuleRefusal(f"{what} must be 1 to {SYSTEM_MANAGER_DIGITS} digits; got nothing", "M-02")
    if not set(value) <= _DIGITS:
        raise RuleRefusal(
            f"{what} must be digits only (0-9); got {text!r}", "M-02"
        )
    if len(value) > SYSTEM_MANAGER_DIGITS:
        raise RuleRefusal(
            f"{what} must be 1 to {SYSTEM_MANAGER_DIGITS} digits; got {len(value)}", "M-02"
        )
    if value.strip("0") == "":
        raise RuleRefusal(
            f"{what} cannot be all zeros; enter 1 to {SYSTEM_MANAGER_DIGITS} digits, not all 0", "M-02"
        )
    return value.zfill(SYSTEM_MANAGER_DIGITS)


def is_valid_system_manager_value(text: str) -> bool:
    """True when ``text`` is an acceptable System Manager ID or PIN (M-02)."""
    try:
        normalize_system_manager_value(text)
    except RuleRefusal:
        return False
    return True


def credentials_match(stored_id: str, stored_pin: str, typed_id: str, typed_pin: str) -> bool:
    """Tells whether typed System Manager credentials match the stored ones (M-02, M-03, DID-08).

    Both sides are normalized first, so a typed value without its leading zeros matches. Invalid typed
    text never matches (it is not an error here: a login with a malformed PIN is simply a wrong PIN).
    ID and PIN are both compared, always, in constant time.

    Args:
        stored_id: The machine's System Manager ID (normally already padded).
        stored_pin: The machine's System Manager PIN (normally already padded).
        typed_id: What the operator typed as ID.
        typed_pin: What the operator typed as PIN.

    Returns:
        True when both ID and PIN match.
    """
    stored = _padded_or_none(stored_id), _padded_or_none(stored_pin)
    typed = _padded_or_none(typed_id), _padded_or_none(typed_pin)
    # Compare something of the same length even when a side is invalid, so timing reveals nothing.
    filler = "x" * SYSTEM_MANAGER_DIGITS
    id_ok = hmac.compare_digest((stored[0] or filler).encode(), (typed[0] or filler).encode())
    pin_ok = hmac.compare_digest((stored[1] or filler).encode(), (typed[1] or filler).encode())
    valid = None not in stored and None not in typed
    return valid & id_ok & pin_ok


def _padded_or_none(text: str) -> str | None:
    try:
        return normalize_system_manager_value(text)
    except RuleRefusal:
        return None


def normalize_department_id(text: str) -> str:
    """Checks a typed Department ID and returns it padded to seven digits (same format as M-02).

    Raises:
        RuleRefusal: (rule ``M-02``) when the ID is not 1 to 7 digits or is all zeros.
    """
    return normalize_system_manager_value(text, "Department ID")


def department_password_hash(dept_id: str, password: str) -> str:
    """Returns the stored hash of a Department ID password (the password itself is never stored).

    The ID salts the hash so that two departments with the same password do not share a hash. This is
    an emulator's record, not a security boundary: SHA-256 is enough to keep the digits out of the data.

    Args:
        dept_id: The department's ID, padded or not.
        password: The department's password as typed (digits on the panel; may be empty).

    Returns:
        ``"sha256:"`` followed by 64 hex digits.
    """
    salt = dept_id.strip().zfill(SYSTEM_MANAGER_DIGITS)
    digest = hashlib.sha256(f"mfp-console/department/{salt}/{password}".encode()).hexdigest()
    return f"sha256:{digest}"
