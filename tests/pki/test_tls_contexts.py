"""Mutual TLS 1.3 contexts (M-05) and the refusal classifier's pure parts."""

from __future__ import annotations

import os
import ssl
import stat
import tempfile
from datetime import datetime, timezone

import pytest

from mfp_console.pki import tls
from mfp_console.pki.ca import FleetCA, MachineIdentityCert, issue_identity
from mfp_console.pki.refusal import (
    RefusalReason,
    classify_listen_error,
    offered_tls_version,
    tls_version_label,
)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def ca() -> FleetCA:
    return FleetCA.create("fleet", NOW)


@pytest.fixture(scope="module")
def identity(ca: FleetCA) -> MachineIdentityCert:
    return issue_identity(ca, "client-a", NOW)


@pytest.mark.rules("M-05")
def test_server_context_is_tls13_only_mutual_and_ticketless(ca: FleetCA, identity: MachineIdentityCert) -> None:
    """M-05: TLS 1.3 only, the client must present a certificate; no session tickets (cost)."""
    context = tls.server_context(identity, ca.cert_pem)
    assert context.minimum_version == context.maximum_version == ssl.TLSVersion.TLSv1_3
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.num_tickets == 0
    assert context.cert_store_stats()["x509_ca"] == 1


@pytest.mark.rules("M-05")
def test_client_context_is_tls13_only_mutual_without_hostname_matching(
    ca: FleetCA, identity: MachineIdentityCert
) -> None:
    """M-05: the dialer verifies the peer against the fleet CA; the name is checked after the handshake."""
    context = tls.client_context(identity, ca.cert_pem)
    assert context.minimum_version == context.maximum_version == ssl.TLSVersion.TLSv1_3
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is False


def test_contexts_are_cached_per_identity(ca: FleetCA, identity: MachineIdentityCert) -> None:
    assert tls.server_context(identity, ca.cert_pem) is tls.server_context(identity, ca.cert_pem)
    assert tls.client_context(identity, ca.cert_pem) is not tls.server_context(identity, ca.cert_pem)
    other = issue_identity(ca, "client-a", NOW)
    assert tls.server_context(other, ca.cert_pem) is not tls.server_context(identity, ca.cert_pem)
    tls.clear_context_cache()
    assert tls.server_context(identity, ca.cert_pem).num_tickets == 0


def test_pem_goes_through_a_private_temporary_file_that_is_deleted(
    ca: FleetCA, identity: MachineIdentityCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_cert_chain reads files only: the key lives on disk 0600 for the moment it takes."""
    seen: list[tuple[str, int]] = []
    real_unlink = os.unlink

    def spying_unlink(path: str) -> None:
        seen.append((path, stat.S_IMODE(os.stat(path).st_mode)))
        real_unlink(path)

    monkeypatch.setattr(tls.os, "unlink", spying_unlink)
    context = tls.base_context(tls.TlsRole.SERVER, ca.cert_pem)
    tls.load_identity(context, identity.cert_pem, identity.key_pem)
    assert len(seen) == 1
    path, mode = seen[0]
    assert mode == 0o600
    assert not os.path.exists(path)


def test_temporary_file_is_deleted_even_when_loading_fails(ca: FleetCA, monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[str] = []
    real_mkstemp = tempfile.mkstemp

    def recording_mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        fd, path = real_mkstemp(*args, **kwargs)  # type: ignore[call-overload]
        created.append(path)
        return fd, path

    monkeypatch.setattr(tls.tempfile, "mkstemp", recording_mkstemp)
    with pytest.raises(ssl.SSLError):
        tls.load_identity(tls.base_context(tls.TlsRole.CLIENT, ca.cert_pem), b"garbage", b"garbage")
    assert created and not os.path.exists(created[0])


def _client_hello(maximum: ssl.TLSVersion) -> bytes:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = maximum
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sslobj = context.wrap_bio(incoming, outgoing)
    with pytest.raises(ssl.SSLWantReadError):
        sslobj.do_handshake()
    return outgoing.read()


@pytest.mark.rules("M-05")
def test_the_offered_version_is_read_from_the_client_hello() -> None:
    """M-05: the log names the version an old peer offered."""
    assert offered_tls_version(_client_hello(ssl.TLSVersion.TLSv1_3)) == 0x0304
    hello12 = _client_hello(ssl.TLSVersion.TLSv1_2)
    assert offered_tls_version(hello12) == 0x0303
    assert offered_tls_version(hello12[:11]) == 0x0303  # cut short: the legacy field still tells
    assert offered_tls_version(b"GET / HTTP/1.1\r\n") is None
    assert tls_version_label(0x0303) == "TLS 1.2"
    assert tls_version_label(0x0301) == "TLS 1.0"


@pytest.mark.rules("M-05")
def test_listen_errors_are_named() -> None:
    """M-05: each kind of failed handshake gets its own reason."""
    hello12 = _client_hello(ssl.TLSVersion.TLSv1_2)
    old = ssl.SSLError(1, "unsupported protocol")
    old.reason = "UNSUPPORTED_PROTOCOL"  # type: ignore[misc]
    assert classify_listen_error(old, hello12) == (
        RefusalReason.OLD_TLS,
        "peer offered TLS 1.2; TLS 1.3 is required (M-05)",
    )
    assert classify_listen_error(ConnectionResetError(), b"\x16\x03")[0] is RefusalReason.HUNG_UP


@pytest.mark.rules("DID-05")
def test_reason_codes_are_unique_and_map_to_did05_codes() -> None:
    codes = [reason.code for reason in RefusalReason]
    assert len(codes) == len(set(codes))
    assert {reason.error_code for reason in RefusalReason} == {"E-TLS", "E-UNREACH"}
    assert RefusalReason.from_code("revoked") is RefusalReason.REVOKED
    assert RefusalReason.from_code("nonsense") is None
    assert RefusalReason.NO_IDENTITY.rule_id == "DID-09"
