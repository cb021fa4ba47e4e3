"""DID-08: the System Manager ID/PIN check is a challenge–response; the PIN never crosses the wire."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from mfp_console.protocol import (
    CHALLENGE_BYTES,
    Auth,
    check_proof,
    derive_auth_key,
    encode_message,
    make_proof,
)

CHALLENGE = "3c" * CHALLENGE_BYTES
KEY = derive_auth_key("7654321", "0000321")


@pytest.mark.rules("DID-08")
def test_matching_id_and_pin_pass() -> None:
    """DID-08: host and client with the same ID and PIN agree."""
    proof = make_proof(derive_auth_key("7654321", "0000321"), CHALLENGE, "host", "client-a")
    assert check_proof(KEY, CHALLENGE, "host", "client-a", proof)


@pytest.mark.rules("DID-08")
@pytest.mark.parametrize(("manager_id", "pin"), [("7654321", "0000322"), ("7654320", "0000321")])
def test_a_different_id_or_pin_fails(manager_id: str, pin: str) -> None:
    """DID-08: a client whose System Manager ID or PIN differs refuses the proof (E-AUTH)."""
    proof = make_proof(derive_auth_key(manager_id, pin), CHALLENGE, "host", "client-a")
    assert not check_proof(KEY, CHALLENGE, "host", "client-a", proof)


@pytest.mark.rules("DID-08")
def test_the_proof_is_bound_to_the_challenge_and_both_names() -> None:
    """DID-08: a recorded proof cannot be replayed with another challenge or between other machines."""
    proof = make_proof(KEY, CHALLENGE, "host", "client-a")
    assert not check_proof(KEY, "3d" * 32, "host", "client-a", proof)
    assert not check_proof(KEY, CHALLENGE, "host", "client-b", proof)
    assert not check_proof(KEY, CHALLENGE, "client-a", "host", proof)
    assert not check_proof(KEY, CHALLENGE, "hostc", "lient-a", make_proof(KEY, CHALLENGE, "host", "client-a"))


@pytest.mark.rules("DID-08")
def test_the_pin_never_appears_on_the_wire() -> None:
    """DID-08: the Auth frame carries only an HMAC, never the PIN or the ID, in any encoding."""
    key = derive_auth_key("1234567", "7654321")
    frame = encode_message(Auth(make_proof(key, CHALLENGE, "host", "client-a")))
    for secret in ("7654321", "1234567"):
        assert secret.encode() not in frame
        assert secret.encode().hex().encode() not in frame
    assert hashlib.sha256(b"7654321").hexdigest().encode() not in frame


def test_proof_is_hex_hmac_sha256_and_deterministic() -> None:
    proof = make_proof(KEY, CHALLENGE, "host", "client-a")
    assert len(proof) == 64 and int(proof, 16) >= 0
    assert proof == make_proof(KEY, CHALLENGE, "host", "client-a")
    assert len(KEY) == hashlib.sha256().digest_size


def test_key_derivation_is_domain_separated() -> None:
    """Swapping ID and PIN, or shifting digits between them, gives another key."""
    assert derive_auth_key("1111111", "2222222") != derive_auth_key("2222222", "1111111")
    assert derive_auth_key("7654321", "7654321") != hashlib.sha256(b"76543217654321").digest()


@pytest.mark.parametrize("proof", ["", "ab" * 31, "AB" * 32, "zz" * 32, "é" * 64, None])
def test_malformed_proofs_are_just_wrong(proof: object) -> None:
    """A peer's malformed proof is a refusal (False), never an exception."""
    assert check_proof(KEY, CHALLENGE, "host", "client-a", proof) is False  # type: ignore[arg-type]


@pytest.mark.rules("M-02")
@pytest.mark.parametrize(
    ("manager_id", "pin"), [("321", "7654321"), ("7654321", "765432a"), ("76543210", "1")]
)
def test_key_derivation_wants_normalised_values(manager_id: str, pin: str) -> None:
    """M-02 normalisation (left-padding to 7 digits) happens before; unnormalised input is a bug."""
    with pytest.raises(ValueError, match="must be 7 digits"):
        derive_auth_key(manager_id, pin)


def test_own_challenge_must_be_hex() -> None:
    with pytest.raises(ValueError, match="challenge is not hex"):
        make_proof(KEY, "not hex", "host", "client-a")


@pytest.mark.rules("DID-08")
def test_check_uses_constant_time_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    """DID-08: the comparison goes through hmac.compare_digest."""
    calls = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    proof = make_proof(KEY, CHALLENGE, "host", "client-a")
    assert check_proof(KEY, CHALLENGE, "host", "client-a", proof)
    assert calls == [(proof, proof)]
