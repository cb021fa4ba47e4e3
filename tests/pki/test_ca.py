"""Issuing the fleet CA and machine identities (M-05): subject, SAN, validity, extensions, fingerprint."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mfp_console.errors import ConfigError
from mfp_console.pki.ca import (
    FleetCA,
    MachineIdentityCert,
    issue_identity,
    validate_machine_name,
)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
FINGERPRINT = re.compile(r"^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$")


@pytest.fixture(scope="module")
def ca() -> FleetCA:
    return FleetCA.create("mfp-console fleet CA", NOW)


@pytest.mark.rules("M-05")
def test_ca_is_a_self_signed_p256_authority_valid_ten_years(ca: FleetCA) -> None:
    """M-05: the fleet has its own CA, ECDSA P-256, with the validity it was asked for."""
    cert = ca.certificate
    assert cert.subject == cert.issuer
    assert ca.common_name == "mfp-console fleet CA"
    assert isinstance(ca.private_key, ec.EllipticCurvePrivateKey)
    assert isinstance(ca.private_key.curve, ec.SECP256R1)
    assert cert.not_valid_before_utc == NOW
    assert cert.not_valid_after_utc == NOW + timedelta(days=3650)
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert ca.signed(cert)


def test_ca_pem_round_trip_keeps_certificate_and_key(ca: FleetCA) -> None:
    cert_pem, key_pem = ca.to_pem()
    assert b"BEGIN CERTIFICATE" in cert_pem and b"PRIVATE KEY" in key_pem
    again = FleetCA.from_pem(cert_pem, key_pem)
    assert again.fingerprint == ca.fingerprint
    identity = issue_identity(again, "client-a", NOW)
    assert ca.signed(identity.certificate())


def test_ca_from_pem_refuses_a_key_of_another_ca(ca: FleetCA) -> None:
    other = FleetCA.create("other", NOW)
    with pytest.raises(ConfigError, match="does not belong"):
        FleetCA.from_pem(ca.cert_pem, other.to_pem()[1])
    with pytest.raises(ConfigError):
        FleetCA.from_pem(b"not a pem", b"nor this")


def test_identity_names_the_machine_in_cn_and_san_with_loopback_ip(ca: FleetCA) -> None:
    identity = issue_identity(ca, "client-a", NOW)
    cert = identity.certificate()
    assert identity.machine_name == "client-a"
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "client-a"
    assert identity.subject == "CN=client-a,O=mfp-console fleet"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["client-a"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.IPv4Address("127.0.0.1")]
    assert cert.issuer == ca.certificate.subject
    assert ca.signed(cert)


def test_identity_validity_comes_from_the_time_passed_in(ca: FleetCA) -> None:
    identity = issue_identity(ca, "host", NOW)
    assert identity.not_before == NOW
    assert identity.not_after == NOW + timedelta(days=825)
    assert identity.is_valid_at(NOW + timedelta(days=1))
    assert not identity.is_valid_at(NOW + timedelta(days=826))
    short = issue_identity(ca, "host", NOW, valid_days=1)
    assert short.not_after == NOW + timedelta(days=1)
    expired = issue_identity(
        ca, "host", NOW, not_before=NOW - timedelta(days=10), not_after=NOW - timedelta(days=1)
    )
    assert (expired.not_before, expired.not_after) == (NOW - timedelta(days=10), NOW - timedelta(days=1))
    naive = issue_identity(ca, "host", NOW.replace(tzinfo=None, microsecond=123))
    assert naive.not_before == NOW


def test_identity_extensions_allow_both_ends_of_a_link(ca: FleetCA) -> None:
    """Every machine listens and dials, so its certificate is for serverAuth and clientAuth."""
    cert = issue_identity(ca, "host", NOW).certificate()
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert isinstance(cert.public_key().curve, ec.SECP256R1)
    cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)


def test_identity_fingerprint_serial_and_repr(ca: FleetCA) -> None:
    identity = issue_identity(ca, "client-b", NOW)
    cert = identity.certificate()
    assert FINGERPRINT.match(identity.fingerprint)
    assert identity.fingerprint.replace(":", "").lower() == cert.fingerprint(hashes.SHA256()).hex()
    assert identity.serial == cert.serial_number
    assert "PRIVATE" not in repr(identity)  # the key never shows in logs
    assert issue_identity(ca, "client-b", NOW).serial != identity.serial


def test_identity_from_pem_reads_back_the_same_value(ca: FleetCA) -> None:
    identity = issue_identity(ca, "client-c", NOW)
    assert MachineIdentityCert.from_pem(identity.cert_pem, identity.key_pem) == identity
    other = issue_identity(ca, "client-c", NOW)
    with pytest.raises(ConfigError, match="does not belong"):
        MachineIdentityCert.from_pem(identity.cert_pem, other.key_pem)


def test_a_certificate_of_another_ca_is_not_signed_by_the_fleet(ca: FleetCA) -> None:
    other = FleetCA.create("rogue CA", NOW)
    assert not ca.signed(issue_identity(other, "client-a", NOW).certificate())


@pytest.mark.parametrize("name", ["", "-a", "a-", "a b", "a/b", "ü", "x" * 64, "a.b"])
def test_names_that_cannot_go_in_a_certificate_are_refused(ca: FleetCA, name: str) -> None:
    with pytest.raises(ConfigError, match="cannot be used in a certificate"):
        issue_identity(ca, name, NOW)


@pytest.mark.parametrize("name", ["host", "client-a", "sync_server", "A1", "x" * 63])
def test_fleet_style_names_are_accepted(name: str) -> None:
    assert validate_machine_name(name) == name


def test_an_empty_validity_period_is_refused(ca: FleetCA) -> None:
    with pytest.raises(ConfigError, match="end before it starts"):
        issue_identity(ca, "host", NOW, not_after=NOW - timedelta(seconds=1))
