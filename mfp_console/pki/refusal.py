"""Why a TLS link was refused: the reasons, and how each is told apart from what the wire shows.

M-05 asks that every refused connection be logged *with its reason*. This module holds the pure part
of that work, with no sockets: the :class:`RefusalReason` catalogue (a short code, the DID-05 error code
a dialer reports, a sentence a person can act on, the rule behind it), the :class:`Refusal` value a
listener hands to its ``on_refused`` callback, a sniffer that reads the first bytes a peer sent
(plain TCP, or which TLS version its ClientHello offers), and the mapping from OpenSSL errors and
alerts to reasons.

How each refusal is recognised:

- plain TCP: the first byte is not a TLS handshake record (0x16 0x03);
- old TLS: OpenSSL fails with ``UNSUPPORTED_PROTOCOL``; the version named comes from the sniffed
  ClientHello (``supported_versions`` extension, else ``legacy_version``);
- other CA / expired / not yet valid: the verify code of ``SSLCertVerificationError``
  (or, at the other end, the alert that OpenSSL sends for it);
- no client certificate: ``PEER_DID_NOT_RETURN_A_CERTIFICATE`` (alert ``certificate_required``);
- revoked and swapped: checked by the transport right after the handshake;
- peer without identity: it answers the ClientHello with an ``unrecognized_name`` alert.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "NO_IDENTITY_ALERT",
    "Refusal",
    "RefusalReason",
    "classify_dial_error",
    "classify_listen_error",
    "looks_like_tls",
    "offered_tls_version",
    "tls_version_label",
]

E_TLS = "E-TLS"
E_UNREACH = "E-UNREACH"

NO_IDENTITY_ALERT = bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112])
"""A fatal TLS ``unrecognized_name`` alert record: "I hold no certificate for the name you asked"."""


class RefusalReason(Enum):
    """Every reason a fleet TLS link is refused, with its short code and its DID-05 error code."""

    PLAIN_TCP = ("plain-tcp", E_TLS, "M-05", "peer spoke plain TCP, not TLS")
    OLD_TLS = ("old-tls", E_TLS, "M-05", "peer offered an older TLS version; TLS 1.3 is required")
    UNKNOWN_CA = ("unknown-ca", E_TLS, "M-05", "certificate not signed by the fleet CA")
    EXPIRED = ("expired", E_TLS, "M-05", "certificate expired")
    NOT_YET_VALID = ("not-yet-valid", E_TLS, "M-05", "certificate not valid yet")
    BAD_CERTIFICATE = ("bad-certificate", E_TLS, "M-05", "certificate failed verification")
    REVOKED = ("revoked", E_TLS, "M-05", "certificate revoked by the fleet")
    SWAPPED = ("swapped", E_TLS, "M-05", "certificate names a different machine")
    NO_CLIENT_CERT = ("no-client-cert", E_TLS, "M-05", "peer presented no client certificate")
    STALLED = ("stalled", E_TLS, "M-05", "TLS handshake stalled")
    HUNG_UP = ("hung-up", E_TLS, "M-05", "peer closed the connection during the handshake")
    HANDSHAKE_FAILED = ("handshake-failed", E_TLS, "M-05", "TLS handshake failed")
    NO_IDENTITY = ("no-identity", E_TLS, "DID-09", "this machine has no TLS key and certificate")
    PEER_NO_IDENTITY = ("peer-no-identity", E_TLS, "DID-09", "peer has no TLS key and certificate")
    PEER_REFUSED = ("peer-refused", E_TLS, "M-05", "peer refused our certificate")
    UNREACHABLE = ("unreachable", E_UNREACH, "M-06", "peer cannot be reached")

    def __init__(self, code: str, error_code: str, rule_id: str, text: str) -> None:
        self.code = code
        """Short stable identifier, e.g. ``"plain-tcp"``."""
        self.error_code = error_code
        """What a dialer reports (DID-05): ``"E-TLS"`` or ``"E-UNREACH"``."""
        self.rule_id = rule_id
        """The behaviour rule that makes this a refusal."""
        self.text = text
        """The reason in words."""

    @classmethod
    def from_code(cls, code: str) -> RefusalReason | None:
        """Returns the reason whose short code is ``code``, or None."""
        return next((reason for reason in cls if reason.code == code), None)


@dataclass(frozen=True)
class Refusal:
    """One refused connection, as a listener reports it to ``on_refused`` and to the log.

    Attributes:
        machine: The refusing (listening) machine.
        reason: Why.
        detail: The full sentence, e.g. ``"peer offered TLS 1.2; TLS 1.3 is required (M-05)"``.
        peer_address: ``host:port`` of the peer socket.
        peer_name: The machine its certificate names, when the handshake got that far.
    """

    machine: str
    reason: RefusalReason
    detail: str
    peer_address: str
    peer_name: str | None = None

    @property
    def code(self) -> str:
        """The DID-05 error code the peer's dialer reports."""
        return self.reason.error_code

    def __str__(self) -> str:
        who = f"{self.peer_name} ({self.peer_address})" if self.peer_name else self.peer_address
        return f"{self.machine} refused {who}: {self.detail}"


_VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}


def tls_version_label(version: int) -> str:
    """Returns ``"TLS 1.2"`` for ``0x0303`` and so on."""
    return _VERSIONS.get(version, f"version 0x{version:04x}")


def looks_like_tls(first_bytes: bytes) -> bool:
    """Returns True when ``first_bytes`` (one byte or more) can start a TLS handshake record."""
    if not first_bytes or first_bytes[0] != 0x16:
        return False
    return len(first_bytes) == 1 or first_bytes[1] == 0x03


def offered_tls_version(first_bytes: bytes) -> int | None:
    """Returns the highest TLS version a ClientHello offers, or None when it cannot be read.

    Reads the ``supported_versions`` extension when present (GREASE values skipped), else the
    ``legacy_version`` field. ``first_bytes`` may be cut short; what cannot be reached is skipped.
    """
    if len(first_bytes) < 11 or not looks_like_tls(first_bytes) or first_bytes[5] != 0x01:
        return None
    legacy = int.from_bytes(first_bytes[9:11], "big")
    data = first_bytes[5:]
    try:
        pos = 4 + 2 + 32  # handshake header, legacy_version, random
        pos += 1 + data[pos]  # session id
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")  # cipher suites
        pos += 1 + data[pos]  # compression methods
        end = pos + 2 + int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        while pos + 4 <= min(end, len(data)):
            kind = int.from_bytes(data[pos : pos + 2], "big")
            size = int.from_bytes(data[pos + 2 : pos + 4], "big")
            if kind == 0x002B and pos + 5 <= len(data):
                body = data[pos + 5 : pos + 5 + data[pos + 4]]
                offered = [
                    int.from_bytes(body[i : i + 2], "big")
                    for i in range(0, len(body) - 1, 2)
                    if body[i] & 0x0F != 0x0A  # GREASE values look like 0x?A?A
                ]
                return max(offered) if offered else legacy
            pos += 4 + size
    except IndexError:
        pass
    return legacy


def _rule(reason: RefusalReason) -> str:
    return f" ({reason.rule_id})"


def _verify_failure(exc: ssl.SSLCertVerificationError, whose: str) -> tuple[RefusalReason, str]:
    code = exc.verify_code
    if code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        reason = RefusalReason.EXPIRED
    elif code == 9:  # X509_V_ERR_CERT_NOT_YET_VALID
        reason = RefusalReason.NOT_YET_VALID
    elif code in (2, 7, 18, 19, 20, 21):  # issuer unknown, bad signature, self-signed
        reason = RefusalReason.UNKNOWN_CA
    else:
        reason = RefusalReason.BAD_CERTIFICATE
        return reason, f"{whose}{reason.text}: {exc.verify_message}{_rule(reason)}"
    return reason, f"{whose}{reason.text}{_rule(reason)}"


def classify_listen_error(exc: BaseException, first_bytes: bytes) -> tuple[RefusalReason, str]:
    """Names the reason a listener's TLS handshake failed.

    Args:
        exc: What the handshake raised.
        first_bytes: The first bytes the peer sent (for the version it offered).

    Returns:
        The reason and the sentence to log.
    """
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _verify_failure(exc, "")
    reason_name = getattr(exc, "reason", None) or ""
    if reason_name in ("UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION"):
        version = offered_tls_version(first_bytes)
        label = tls_version_label(version) if version else "an older TLS version"
        return RefusalReason.OLD_TLS, f"peer offered {label}; TLS 1.3 is required (M-05)"
    if reason_name in ("PEER_DID_NOT_RETURN_A_CERTIFICATE", "CERTIFICATE_REQUIRED"):
        reason = RefusalReason.NO_CLIENT_CERT
        return reason, f"{reason.text}; mutual TLS is required{_rule(reason)}"
    if reason_name in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "HTTPS_PROXY_REQUEST"):
        reason = RefusalReason.PLAIN_TCP
        return reason, f"{reason.text}{_rule(reason)}"
    if isinstance(exc, (ConnectionError, EOFError, ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        reason = RefusalReason.HUNG_UP
        return reason, reason.text
    reason = RefusalReason.HANDSHAKE_FAILED
    return reason, f"{reason.text}: {exc}{_rule(reason)}"


# Alerts a listener sends when it refuses *our* certificate, by OpenSSL's reason name.
_PEER_ALERTS = {
    "TLSV1_ALERT_UNKNOWN_CA": "our certificate is not signed by its fleet CA",
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "our certificate has expired",
    "SSLV3_ALERT_CERTIFICATE_REVOKED": "our certificate is revoked",
    "SSLV3_ALERT_BAD_CERTIFICATE": "our certificate is not acceptable",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "our certificate is not acceptable",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "we presented no certificate",
    "TLSV1_ALERT_DECRYPT_ERROR": "our certificate's signature did not verify",
}


def classify_dial_error(exc: BaseException, peer: str) -> tuple[RefusalReason, str]:
    """Names the reason a dialer's TLS handshake (or the listener's verdict after it) failed.

    Args:
        exc: What the handshake or the first read raised.
        peer: The machine dialled, for the sentence.

    Returns:
        The reason and a sentence saying what happened.
    """
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _verify_failure(exc, f"{peer}'s ")
    reason_name = getattr(exc, "reason", None) or ""
    if reason_name == "TLSV1_UNRECOGNIZED_NAME":
        reason = RefusalReason.PEER_NO_IDENTITY
        return reason, f"{peer} has no TLS key and certificate{_rule(reason)}"
    if reason_name in _PEER_ALERTS:
        reason = RefusalReason.PEER_REFUSED
        return reason, f"{peer} refused the connection: {_PEER_ALERTS[reason_name]}{_rule(reason)}"
    if reason_name in ("TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL"):
        reason = RefusalReason.OLD_TLS
        return reason, f"{peer} does not speak TLS 1.3{_rule(reason)}"
    if reason_name in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"):
        reason = RefusalReason.PLAIN_TCP
        return reason, f"{peer} did not answer in TLS{_rule(reason)}"
    if isinstance(exc, (ConnectionError, EOFError, ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        reason = RefusalReason.HUNG_UP
        return reason, f"{peer} closed the connection during the TLS handshake"
    reason = RefusalReason.HANDSHAKE_FAILED
    return reason, f"TLS handshake with {peer} failed: {exc}{_rule(reason)}"
