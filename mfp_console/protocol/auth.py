"""The DID-08 challenge–response: a host proves it knows a client's System Manager ID and PIN.

The PIN never crosses the wire, not even inside TLS. Both sides derive the same *auth key* from the
System Manager ID and PIN they hold; the client (responder) sends a fresh random challenge in
:class:`~mfp_console.protocol.messages.Welcome`; the host (initiator) answers with an HMAC-SHA256 of the
challenge and both machine names under that key; the client recomputes it and compares in constant
time. Binding both names stops a proof made for one pair of machines from being replayed on another,
and the fresh challenge stops it from being replayed later.

Every input is framed with a length prefix under a fixed domain label, so no two different
(ID, PIN) or (challenge, host, client) tuples can encode to the same bytes.

A 7-digit PIN has little entropy, so the auth key is no secret against someone who records a
proof and searches all PINs offline; that is acceptable here because proofs only ever travel inside
mutual TLS 1.3 between machines holding certificates from the fleet's own CA (M-05). The rule this
module keeps is DID-08's: the PIN itself is never sent.

Randomness is not chosen here: the caller draws the challenge (``secrets.token_hex(CHALLENGE_BYTES)``)
so that this module stays deterministic and free of I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = [
    "CHALLENGE_BYTES",
    "check_proof",
    "check_sync_proof",
    "derive_auth_key",
    "derive_settings_key",
    "make_proof",
    "make_sync_proof",
]

CHALLENGE_BYTES = 32
"""Random bytes in a challenge; on the wire it is their lower-case hex (64 characters)."""

_KEY_LABEL = b"mfp-console/DID-08/auth-key/v1"
_PROOF_LABEL = b"mfp-console/DID-08/proof/v1"
_SETTINGS_KEY_LABEL = b"mfp-console/SYNC-04/settings-key/v1"
_SYNC_PROOF_LABEL = b"mfp-console/SYNC-04/proof/v1"
_SEVEN_DIGITS = re.compile(r"[0-9]{7}")
_PROOF_FORM = re.compile(r"[0-9a-f]{64}")


def derive_auth_key(system_manager_id: str, pin: str) -> bytes:
    """Derives the 32-byte key both machines compute from a System Manager ID and PIN.

    Args:
        system_manager_id: The ID, already normalised to 7 digits (M-02), e.g. ``"7654321"``.
        pin: The PIN, already normalised to 7 digits.

    Returns:
        SHA-256 over the domain label and both values, each length-prefixed.

    Raises:
        ValueError: Either value is not exactly 7 ASCII digits (normalise with the domain's ID/PIN
            rules first, so that ``321`` and ``0000321`` give the same key).
    """
    for name, value in (("system_manager_id", system_manager_id), ("pin", pin)):
        if not isinstance(value, str) or not _SEVEN_DIGITS.fullmatch(value):
            raise ValueError(f"{name} must be 7 digits, normalised first")
    return hashlib.sha256(_framed(_KEY_LABEL, system_manager_id.encode(), pin.encode())).digest()


def make_proof(auth_key: bytes, challenge_hex: str, host: str, client: str) -> str:
    """Computes the proof the host sends in :class:`~mfp_console.protocol.messages.Auth`.

    Args:
        auth_key: The key from :func:`derive_auth_key`.
        challenge_hex: The challenge from the client's ``Welcome``, in hex.
        host: The host's (initiator's) machine name.
        client: The client's (responder's) machine name.

    Returns:
        HMAC-SHA256 in lower-case hex (64 characters).

    Raises:
        ValueError: The challenge is not hex, or the key is empty.
    """
    if not auth_key:
        raise ValueError("auth_key must not be empty")
    try:
        challenge = bytes.fromhex(challenge_hex)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"challenge is not hex: {exc}") from exc
    message = _framed(_PROOF_LABEL, challenge, host.encode("utf-8"), client.encode("utf-8"))
    return hmac.new(auth_key, message, hashlib.sha256).hexdigest()


def check_proof(auth_key: bytes, challenge_hex: str, host: str, client: str, proof: str) -> bool:
    """Tells whether a received proof matches this machine's own ID and PIN (DID-08).

    The comparison takes the same time wherever the proofs differ. A proof that is not 64 lower-case
    hex digits is simply wrong (False), never an exception, since it comes from the peer.

    Args:
        auth_key: This machine's key from :func:`derive_auth_key`.
        challenge_hex: The challenge this machine sent in its ``Welcome``.
        host: The host's machine name as announced in its ``Hello``.
        client: This machine's own name.
        proof: The proof received in ``Auth``.

    Returns:
        True when the host used the same System Manager ID and PIN.

    Raises:
        ValueError: This machine's own challenge or key is malformed.
    """
    expected = make_proof(auth_key, challenge_hex, host, client)
    if not isinstance(proof, str) or not _PROOF_FORM.fullmatch(proof):
        return False
    return hmac.compare_digest(expected, proof)


def derive_settings_key(settings: bytes) -> bytes:
    """Derives the key a sync client and its server compute from their user-authentication settings (SYNC-04).

    Args:
        settings: The settings in their canonical encoding (equal settings, equal bytes).
    """
    return hashlib.sha256(_framed(_SETTINGS_KEY_LABEL, settings)).digest()


def make_sync_proof(settings_key: bytes, challenge_hex: str, client: str, server: str, role: str) -> str:
    """The proof a sync client (or a replicating server) sends in ``SyncJoin``: the DID-08 construction
    under the settings key, bound to both names and the role so that it cannot be replayed as another.

    Raises:
        ValueError: The challenge is not hex, or the key is empty.
    """
    if not settings_key:
        raise ValueError("settings_key must not be empty")
    try:
        challenge = bytes.fromhex(challenge_hex)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"challenge is not hex: {exc}") from exc
    message = _framed(_SYNC_PROOF_LABEL, challenge, client.encode("utf-8"), server.encode("utf-8"),
                      role.encode("utf-8"))
    return hmac.new(settings_key, message, hashlib.sha256).hexdigest()


def check_sync_proof(settings_key: bytes, challenge_hex: str, client: str, server: str, role: str,
                     proof: str) -> bool:
    """Tells whether a ``SyncJoin`` proof matches this server's own settings; constant time, never raises
    for a malformed proof (it is simply wrong)."""
    expected = make_sync_proof(settings_key, challenge_hex, client, server, role)
    if not isinstance(proof, str) or not _PROOF_FORM.fullmatch(proof):
        return False
    return hmac.compare_digest(expected, proof)


def _framed(label: bytes, *parts: bytes) -> bytes:
    """Joins a label and parts, each preceded by its 4-byte length, so the encoding is unambiguous."""
    pieces = [len(label).to_bytes(4, "big"), label]
    for part in parts:
        pieces.append(len(part).to_bytes(4, "big"))
        pieces.append(part)
    return b"".join(pieces)
