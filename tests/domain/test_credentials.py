"""System Manager ID/PIN rules (M-02) and their constant-time comparison (M-03, DID-08)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mfp_console.domain.credentials import (
    DEFAULT_SYSTEM_MANAGER_ID,
    DEFAULT_SYSTEM_MANAGER_PIN,
    credentials_match,
    department_password_hash,
    is_valid_system_manager_value,
    normalize_department_id,
    normalize_system_manager_value,
)
from mfp_console.errors import RuleRefusal


@pytest.mark.rules("M-02")
def test_m02_defaults_are_7654321() -> None:
    assert DEFAULT_SYSTEM_MANAGER_ID == DEFAULT_SYSTEM_MANAGER_PIN == "7654321"


@pytest.mark.rules("M-02")
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("321", "0000321"), ("1", "0000001"), ("7654321", "7654321"), (" 02 ", "0000002"),
     ("0000321", "0000321")],
)
def test_m02_pads_to_seven_digits(typed: str, stored: str) -> None:
    assert normalize_system_manager_value(typed) == stored


@pytest.mark.rules("M-02")
@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("12345678", "System Manager PIN must be 1 to 7 digits; got 8"),
        ("", "got nothing"),
        ("12a4", "digits only"),
        ("-12", "digits only"),
        ("0", "cannot be all zeros"),
        ("0000000", "cannot be all zeros"),
        ("１２３", "digits only"),  # full-width digits are not the panel's keys
    ],
)
def test_m02_refuses_bad_values_with_an_actionable_message(typed: str, words: str) -> None:
    with pytest.raises(RuleRefusal) as caught:
        normalize_system_manager_value(typed, "System Manager PIN")
    assert caught.value.rule_id == "M-02"
    assert words in caught.value.reason
    assert not is_valid_system_manager_value(typed)


@pytest.mark.rules("M-02")
def test_m02_typed_value_without_leading_zeros_matches() -> None:
    for typed in ("2", "02", "002", "0000002"):
        assert credentials_match("0000002", "7654321", typed, "7654321")


@pytest.mark.rules("M-02")
def test_m02_credentials_must_match_both_id_and_pin() -> None:
    assert credentials_match("7654321", "7654321", "7654321", "7654321")
    assert not credentials_match("7654321", "7654321", "7654321", "7654320")
    assert not credentials_match("7654321", "7654321", "1234567", "7654321")


@pytest.mark.rules("M-02")
def test_m02_malformed_typed_values_never_match() -> None:
    assert not credentials_match("7654321", "7654321", "7654321x", "7654321")
    assert not credentials_match("0000001", "0000001", "", "")
    assert not credentials_match("0000000", "0000000", "0", "0")  # invalid stored values match nothing


@pytest.mark.rules("M-02")
@given(st.integers(min_value=1, max_value=9_999_999))
def test_m02_padding_round_trips(number: int) -> None:
    stored = normalize_system_manager_value(str(number))
    assert len(stored) == 7 and int(stored) == number
    assert credentials_match(stored, stored, str(number), str(number))


def test_department_id_uses_the_same_format() -> None:
    assert normalize_department_id("101") == "0000101"
    with pytest.raises(RuleRefusal, match="Department ID"):
        normalize_department_id("00")


@pytest.mark.rules("DID-14")
def test_did14_department_password_hash_is_salted_by_id_and_hides_the_password() -> None:
    one = department_password_hash("101", "1234")
    assert one == department_password_hash("0000101", "1234")
    assert one != department_password_hash("0000102", "1234")
    digest = one.removeprefix("sha256:")
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
