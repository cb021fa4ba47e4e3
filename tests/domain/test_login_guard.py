"""The panel's login lockout (M-03): threshold, period and exact expiry on injected time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mfp_console.domain.login_guard import (
    LockoutPolicy,
    LoginGuard,
    format_seconds_left,
)
from mfp_console.errors import ConfigError, LockedOut

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=timezone.utc)


def _fail(guard: LoginGuard, times: int, now: datetime, policy: LockoutPolicy) -> LoginGuard:
    for _ in range(times):
        guard.check(now)
        guard = guard.after_failure(now, policy)
    return guard


@pytest.mark.rules("M-03")
def test_m03_five_wrong_pins_lock_for_five_minutes_by_default() -> None:
    policy = LockoutPolicy()
    guard = _fail(LoginGuard(), 4, T0, policy)
    assert not guard.is_locked(T0)
    guard = guard.after_failure(T0, policy)
    assert guard.is_locked(T0)
    assert guard.seconds_left(T0) == 300.0
    with pytest.raises(LockedOut) as caught:
        guard.check(T0 + timedelta(seconds=60))
    assert caught.value.rule_id == "M-03"
    assert caught.value.seconds_left == 240.0
    assert "5 wrong PINs" in caught.value.reason and "4 min 00 s" in caught.value.reason


@pytest.mark.rules("M-03")
def test_m03_lock_expires_exactly_after_the_period() -> None:
    policy = LockoutPolicy(threshold=2, period_minutes=1)
    guard = _fail(LoginGuard(), 2, T0, policy)
    end = T0 + timedelta(minutes=1)
    assert guard.is_locked(end - timedelta(microseconds=1))
    assert not guard.is_locked(end)
    guard.check(end)  # no exception
    assert guard.seconds_left(end) == 0.0


@pytest.mark.rules("M-03")
def test_m03_after_the_lock_the_count_starts_again() -> None:
    policy = LockoutPolicy(threshold=3, period_minutes=5)
    guard = _fail(LoginGuard(), 3, T0, policy)
    later = T0 + timedelta(minutes=5)
    guard = guard.after_failure(later, policy)
    assert guard.consecutive_failures == 1 and not guard.is_locked(later)
    assert guard.current(later) == guard


@pytest.mark.rules("M-03")
def test_m03_a_success_resets_the_count() -> None:
    policy = LockoutPolicy()
    guard = _fail(LoginGuard(), 4, T0, policy).after_success()
    assert guard == LoginGuard()
    guard = _fail(guard, 4, T0, policy)
    assert not guard.is_locked(T0)


@pytest.mark.rules("M-03")
def test_m03_failures_while_locked_do_not_extend_the_lock() -> None:
    policy = LockoutPolicy(threshold=1, period_minutes=2)
    guard = LoginGuard().after_failure(T0, policy)
    assert guard.after_failure(T0 + timedelta(minutes=1), policy) == guard


@pytest.mark.rules("M-03")
@pytest.mark.parametrize(("threshold", "period"), [(0, 5), (11, 5), (5, 0), (5, 61), (True, 5), (5, 2.5)])
def test_m03_policy_ranges_are_enforced(threshold: object, period: object) -> None:
    with pytest.raises(ConfigError, match="M-03"):
        LockoutPolicy(threshold=threshold, period_minutes=period)  # type: ignore[arg-type]


@pytest.mark.rules("M-03")
def test_m03_policy_bounds_are_allowed() -> None:
    assert LockoutPolicy(1, 1).period == timedelta(minutes=1)
    assert LockoutPolicy(10, 60).period == timedelta(hours=1)


@pytest.mark.rules("M-03")
def test_m03_guard_and_policy_round_trip_json() -> None:
    policy = LockoutPolicy(3, 10)
    guard = _fail(LoginGuard(), 3, T0, policy)
    assert LoginGuard.from_json(guard.to_json()) == guard
    assert LoginGuard.from_json(LoginGuard().to_json()) == LoginGuard()
    assert LockoutPolicy.from_json(policy.to_json()) == policy


@pytest.mark.rules("M-03")
def test_m03_seconds_left_wording() -> None:
    assert format_seconds_left(299.2) == "5 min 00 s"
    assert format_seconds_left(12) == "12 s"
    assert format_seconds_left(0.1) == "1 s"
