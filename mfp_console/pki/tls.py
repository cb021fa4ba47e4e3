"""SSL contexts for the fleet's mutual TLS 1.3 links, and the facts read from a verified peer.

Both ends of every link require a certificate from the fleet CA (M-05): server and client contexts
are TLS 1.3 only with ``CERT_REQUIRED``. The client does not match host names, because machines dial
loopback addresses that no certificate names; the transport compares the peer's machine name with
the one it expected right after the handshake (:func:`peer_certificate`).

``SSLContext.load_cert_chain`` reads only files. A machine's identity comes from the keystore, which
keeps its key in the state folder (``pki/machines/<name>.key``, mode 0600); the context loads that file
where it is, so the key is never copied anywhere else. (It used to be written to a temporary file in the
system temp folder and deleted after loading: a process killed in between left the key there.) Only an
identity held in memory alone, as tests make them, still goes through a private ``mkstemp`` file
(:func:`load_identity`). Building a context costs about a millisecond and holds some memory, so contexts
are cached per (role, identity, CA); a cached context is shared and must never be changed by its users. Server contexts issue no session tickets
(``num_tickets = 0``): every conversation is a fresh connection and tickets only cost CPU.
"""

from __future__ import annotations

import functools
import os
import ssl
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from mfp_console.pki.ca import MachineIdentityCert, fingerprint_of

__all__ = [
    "PeerCertificate",
    "TlsRole",
    "clear_context_cache",
    "client_context",
    "peer_certificate",
    "server_context",
]


class TlsRole(Enum):
    """Which end of a connection a context serves."""

    SERVER = "server"
    CLIENT = "client"


@dataclass(frozen=True)
class PeerCertificate:
    """What a verified peer's certificate says about it.

    Attributes:
        machine_name: The subject common name (the machine the certificate was issued to).
        serial: The certificate serial number.
        subject: The subject as an RFC 4514 string, e.g. ``CN=client-a,O=mfp-console fleet``.
        dns_names: The DNS subject alternative names.
        fingerprint: SHA-256 of the certificate, upper-case hex pairs joined by colons.
    """

    machine_name: str
    serial: int
    subject: str
    dns_names: tuple[str, ...]
    fingerprint: str

    def names(self, machine_name: str) -> bool:
        """Returns True when the certificate names ``machine_name`` in its CN and in a DNS SAN."""
        return self.machine_name == machine_name and any(
            name.lower() == machine_name.lower() for name in self.dns_names
        )


def server_context(identity: MachineIdentityCert, ca_pem: bytes) -> ssl.SSLContext:
    """Returns the (cached, shared) listening-side context for ``identity``.

    Args:
        identity: The listening machine's key and certificate.
        ca_pem: The fleet CA certificate; client certificates must chain to it.
    """
    return _context(TlsRole.SERVER, identity.cert_pem, identity.key_pem, ca_pem, identity.cert_path, identity.key_path)


def client_context(identity: MachineIdentityCert, ca_pem: bytes) -> ssl.SSLContext:
    """Returns the (cached, shared) dialing-side context for ``identity``.

    Args:
        identity: The dialing machine's key and certificate (presented as its client certificate).
        ca_pem: The fleet CA certificate; the server certificate must chain to it.
    """
    return _context(TlsRole.CLIENT, identity.cert_pem, identity.key_pem, ca_pem, identity.cert_path, identity.key_path)


def clear_context_cache() -> None:
    """Forgets every cached context (they are rebuilt on next use)."""
    _context.cache_clear()


def base_context(role: TlsRole, ca_pem: bytes) -> ssl.SSLContext:
    """Returns a new TLS 1.3-only, certificate-requiring context without an own certificate.

    Exposed for tests that need a peer with no certificate; the product always uses
    :func:`server_context` or :func:`client_context`.
    """
    if role is TlsRole.SERVER:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.num_tickets = 0
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False  # names are checked against the CN/SAN after the handshake
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_verify_locations(cadata=ca_pem.decode("ascii"))
    return context


@functools.lru_cache(maxsize=4096)
def _context(
    role: TlsRole, cert_pem: bytes, key_pem: bytes, ca_pem: bytes, cert_path: Path | None, key_path: Path | None
) -> ssl.SSLContext:
    context = base_context(role, ca_pem)
    if cert_path is not None and key_path is not None:
        context.load_cert_chain(certfile=os.fspath(cert_path), keyfile=os.fspath(key_path))
    else:
        load_identity(context, cert_pem, key_pem)
    return context


def load_identity(context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    """Loads a certificate and key held only in memory into ``context`` (tests' identities).

    The PEM data goes to a temporary file created with mode 0600 (``mkstemp``) and the file is
    removed in every case once OpenSSL has read it. Identities from the keystore never come here: their
    key is loaded from its file in the state folder.
    """
    fd, path = tempfile.mkstemp(prefix="mfp-tls-", suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key_pem)
            if not key_pem.endswith(b"\n"):
                handle.write(b"\n")
            handle.write(cert_pem)
        context.load_cert_chain(certfile=path)
    finally:
        os.unlink(path)


def peer_certificate(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> PeerCertificate | None:
    """Reads the verified peer certificate of a finished handshake.

    Returns:
        The peer's facts, or None when the peer presented no certificate.
    """
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        return None
    return _read_certificate(der)


@functools.lru_cache(maxsize=1024)
def _read_certificate(der: bytes) -> PeerCertificate:
    # A fleet's machines meet the same few certificates again and again: each is parsed once (about a
    # tenth of a millisecond on both ends of every link otherwise). The value is frozen, so sharing is safe.
    certificate = x509.load_der_x509_certificate(der)
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = tuple(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        dns_names = ()
    return PeerCertificate(
        machine_name=str(common_names[0].value) if common_names else "",
        serial=certificate.serial_number,
        subject=certificate.subject.rfc4514_string(),
        dns_names=dns_names,
        fingerprint=fingerprint_of(certificate),
    )
