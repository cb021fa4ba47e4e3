"""The fleet's own certificate authority and the machine identities it issues (ECDSA P-256).

Every simulated machine proves who it is with a certificate signed by one fleet CA (M-05). This module
creates that CA and issues one identity per machine: the machine name is the subject's common name and
a DNS subject alternative name, and ``127.0.0.1`` is an IP alternative name so the same certificate
serves the loopback fleet. An identity is good for both ends of a connection (serverAuth + clientAuth),
because every machine both listens and dials.

Time is never read here: callers pass ``now``. Note that OpenSSL checks validity against the *wall
clock* during a handshake, so the engine issues certificates with real time even when machine time is
virtual; tests pass fixed times for pure checks and real time for handshakes.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mfp_console.errors import ConfigError

__all__ = [
    "FleetCA",
    "MachineIdentityCert",
    "ORGANIZATION",
    "fingerprint_of",
    "issue_identity",
    "validate_machine_name",
]

ORGANIZATION = "mfp-console fleet"
"""The organization named in every certificate the fleet issues."""

LOOPBACK = ipaddress.IPv4Address("127.0.0.1")

# A machine name ends up in a certificate, in an SNI field and in a file name: keep it to one
# host-name label (underscore allowed, since fleet files use it) so all three accept it as is.
_MACHINE_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


def validate_machine_name(name: str) -> str:
    """Returns ``name`` when it can name a machine in a certificate and on disk.

    Raises:
        ConfigError: The name is empty, longer than 63 characters, or holds characters other than
            letters, digits, ``-`` and ``_`` (or starts/ends with ``-``).
    """
    if not _MACHINE_NAME.match(name):
        raise ConfigError(
            f"machine name {name!r} cannot be used in a certificate: use 1-63 letters, digits, "
            "'-' or '_', not starting or ending with '-'"
        )
    return name


def fingerprint_of(cert: x509.Certificate) -> str:
    """Returns the SHA-256 fingerprint of ``cert`` as upper-case hex pairs joined by colons."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _utc(moment: datetime) -> datetime:
    """Returns ``moment`` as an aware UTC datetime (naive values are taken as UTC), whole seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class FleetCA:
    """The fleet's certificate authority: a self-signed ECDSA P-256 certificate and its key.

    Attributes:
        certificate: The CA certificate.
        private_key: The CA's signing key (never leaves the keystore directory); None in a state folder on a
            second computer, which holds only the identities imported for its machines (docs/multi-host.md).
    """

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey | None = field(repr=False)

    @classmethod
    def certificate_only(cls, cert_pem: bytes) -> FleetCA:
        """The CA as a second computer knows it: its certificate, to check peers, and no key.

        Raises:
            ConfigError: The PEM data is not a CA certificate.
        """
        try:
            certificate = x509.load_pem_x509_certificate(cert_pem)
        except ValueError as exc:
            raise ConfigError(f"the fleet CA certificate cannot be read: {exc}") from exc
        try:
            constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise ConfigError("the fleet CA certificate is not a CA certificate")
        return cls(certificate, None)

    @property
    def can_issue(self) -> bool:
        """True when this CA holds its key (it can issue identities)."""
        return self.private_key is not None

    @classmethod
    def create(cls, common_name: str, now: datetime, valid_days: int = 3650) -> FleetCA:
        """Creates a new CA valid from ``now`` for ``valid_days`` days.

        Args:
            common_name: The CA's subject common name, e.g. ``"mfp-console fleet CA"``.
            now: The issuing time (the CA is valid from this second).
            valid_days: How long the CA stays valid.
        """
        key = _new_key()
        start = _utc(now)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        public = key.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(certificate, key)

    @property
    def cert_pem(self) -> bytes:
        """The CA certificate in PEM form: what every machine trusts."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def common_name(self) -> str:
        """The CA's subject common name."""
        values = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(values[0].value) if values else ""

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the CA certificate (hex pairs joined by colons)."""
        return fingerprint_of(self.certificate)

    def to_pem(self) -> tuple[bytes, bytes]:
        """Returns ``(cert_pem, key_pem)``; the key is unencrypted PKCS#8, so store it mode 0600."""
        if self.private_key is None:
            raise ConfigError("the fleet CA key is on another computer: this state folder cannot write it")
        return self.cert_pem, _key_pem(self.private_key)

    @classmethod
    def from_pem(cls, cert_pem: bytes, key_pem: bytes) -> FleetCA:
        """Loads a CA written by :meth:`to_pem`.

        Raises:
            ConfigError: The PEM data is not an ECDSA CA certificate with its matching key.
        """
        try:
            certificate = x509.load_pem_x509_certificate(cert_pem)
            key = serialization.load_pem_private_key(key_pem, password=None)
        except ValueError as exc:
            raise ConfigError(f"the fleet CA files cannot be read: {exc}") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ConfigError("the fleet CA key is not an ECDSA key")
        if key.public_key() != certificate.public_key():
            raise ConfigError("the fleet CA key does not belong to the fleet CA certificate")
        return cls(certificate, key)

    def signed(self, certificate: x509.Certificate) -> bool:
        """Returns True when ``certificate`` was issued by this CA (issuer name and signature)."""
        try:
            certificate.verify_directly_issued_by(self.certificate)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True


@dataclass(frozen=True)
class MachineIdentityCert:
    """One machine's TLS identity: its certificate and private key, with the facts read from them.

    Attributes:
        machine_name: The name in the subject CN and the DNS SAN.
        cert_pem: The certificate (PEM).
        key_pem: The private key (PEM, unencrypted PKCS#8); left out of ``repr``.
        serial: The certificate serial number (what revocation lists name).
        subject: The subject as an RFC 4514 string, e.g. ``CN=client-a,O=mfp-console fleet``.
        not_before: Start of validity (aware, UTC).
        not_after: End of validity (aware, UTC).
        fingerprint: SHA-256 of the certificate, upper-case hex pairs joined by colons.
        cert_path: Where the certificate is stored (set by the keystore; None for an identity held only in
            memory, as tests make them).
        key_path: Where the key is stored, mode 0600. TLS contexts load the key from this file, so the key
            is never copied out of the state folder.
    """

    machine_name: str
    cert_pem: bytes = field(repr=False)
    key_pem: bytes = field(repr=False)
    serial: int
    subject: str
    not_before: datetime
    not_after: datetime
    fingerprint: str
    cert_path: Path | None = field(default=None, repr=False, compare=False)
    key_path: Path | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_pem(cls, cert_pem: bytes, key_pem: bytes) -> MachineIdentityCert:
        """Builds the value from stored PEM data.

        Raises:
            ConfigError: The data cannot be parsed, the key does not match, or the certificate
                names no machine.
        """
        try:
            certificate = x509.load_pem_x509_certificate(cert_pem)
            key = serialization.load_pem_private_key(key_pem, password=None)
        except ValueError as exc:
            raise ConfigError(f"a machine certificate or key cannot be read: {exc}") from exc
        if key.public_key() != certificate.public_key():
            raise ConfigError("a machine key does not belong to its certificate")
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not names:
            raise ConfigError("a machine certificate has no common name")
        return cls(
            machine_name=str(names[0].value),
            cert_pem=cert_pem,
            key_pem=key_pem,
            serial=certificate.serial_number,
            subject=certificate.subject.rfc4514_string(),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            fingerprint=fingerprint_of(certificate),
        )

    def certificate(self) -> x509.Certificate:
        """Parses and returns the certificate."""
        return x509.load_pem_x509_certificate(self.cert_pem)

    def is_valid_at(self, moment: datetime) -> bool:
        """Returns True when ``moment`` lies inside the validity period."""
        return self.not_before <= _utc(moment) <= self.not_after


def issue_identity(
    ca: FleetCA,
    machine_name: str,
    now: datetime,
    valid_days: int = 825,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> MachineIdentityCert:
    """Issues a new key and certificate for one machine, signed by ``ca``.

    Args:
        ca: The fleet CA.
        machine_name: The machine's name (see :func:`validate_machine_name`).
        now: The issuing time; validity starts here unless ``not_before`` is given.
        valid_days: Validity length when ``not_after`` is not given.
        not_before: An explicit start of validity (tests use past dates for expired certificates).
        not_after: An explicit end of validity.

    Raises:
        ConfigError: The machine name cannot go in a certificate, or the period is empty.
    """
    validate_machine_name(machine_name)
    if ca.private_key is None:
        raise ConfigError(f"cannot issue a certificate for {machine_name} here: the fleet CA key is on another "
                          "computer; export the identity there and import it here (docs/multi-host.md)")
    start = _utc(not_before if not_before is not None else now)
    end = _utc(not_after) if not_after is not None else _utc(now) + timedelta(days=valid_days)
    if end <= start:
        raise ConfigError(f"certificate for {machine_name} would end before it starts")
    key = _new_key()
    public = key.public_key()
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
                    x509.NameAttribute(NameOID.COMMON_NAME, machine_name),
                ]
            )
        )
        .issuer_name(ca.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(machine_name), x509.IPAddress(LOOPBACK)]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    return MachineIdentityCert(
        machine_name=machine_name,
        cert_pem=certificate.public_bytes(serialization.Encoding.PEM),
        key_pem=_key_pem(key),
        serial=certificate.serial_number,
        subject=certificate.subject.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint=fingerprint_of(certificate),
    )
