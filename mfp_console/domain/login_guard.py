"""The Administrator login lockout of a machine's panel (M-03), as pure values over injected time.

A :class:`LoginGuard` is the whole lockout state of one panel: the number of wrong PINs in a row and,
once they reach the policy's threshold, the machine time until which logins are refused. Every
method takes ``now`` as an argument and returns a new guard, so the engine keeps one value per machine
in its store and the clock stays outside. A lock ends exactly ``period_minutes`` after it began; the
first login after that starts counting from zero again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mfp_console.errors import ConfigError, LockedOut

__all__ = [
    "DEFAULT_LOCKOUT_PERIOD_MINUTES",
    "DEFAULT_LOCKOUT_THRESHOLD",
    "LockoutPolicy",
    "LoginGuard",
    "format_seconds_left",
]

DEFAULT_LOCKOUT_THRESHOLD = 5
"""Wrong PINs in a row that lock the panel's logins (M-03, D)."""

DEFAULT_LOCKOUT_PERIOD_MINUTES = 5
"""Minutes of machine time a lock lasts (M-03, D)."""

THRESHOLD_RANGE = range(1, 11)
PERIOD_RANGE = range(1, 61)


@dataclass(frozen=True)
class LockoutPolicy:
    """How many wrong PINs lock the panel, and for how long (M-03).

    Attributes:
        threshold: Wrong PINs in a row that lock logins, 1 to 10.
        period_minutes: Length of a lock in minutes of machine time, 1 to 60.

    Raises:
        ConfigError: when a value is out of range (the message names the range).
    """

    threshold: int = DEFAULT_LOCKOUT_THRESHOLD
    period_minutes: int = DEFAULT_LOCKOUT_PERIOD_MINUTES

    def __post_init__(self) -> None:
        if type(self.threshold) is not int or self.threshold not in THRESHOLD_RANGE:
            raise ConfigError(
                f"M-03: the lockout threshold must be a whole number from 1 to 10; got {self.threshold!r}"
            )
        if type(self.period_minutes) is not int or self.period_minutes not in PERIOD_RANGE:
            raise ConfigError(
                "M-03: the lockout period must be a whole number of minutes from 1 to 60; "
                f"got {self.period_minutes!r}"
            )

    @property
    def period(self) -> timedelta:
        """The lock's length as a :class:`~datetime.timedelta`."""
        return timedelta(minutes=self.period_minutes)

    def to_json(self) -> dict[str, int]:
        """Encodes the policy."""
        return {"threshold": self.threshold, "period_minutes": self.period_minutes}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LockoutPolicy:
        """Decodes a policy; raises ``ConfigError`` on out-of-range values, ``KeyError`` when missing."""
        return cls(threshold=data["threshold"], period_minutes=data["period_minutes"])


@dataclass(frozen=True)
class LoginGuard:
    """The login lockout state of one machine's panel (M-03).

    Attributes:
        consecutive_failures: Wrong PINs in a row since the last success or the last lock's end.
        locked_until: Machine time at which the current lock ends, or None when never locked. A time in
            the past means the lock has ended.
    """

    consecutive_failures: int = 0
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        """True while logins are refused at machine time ``now``."""
        return self.locked_until is not None and now < self.locked_until

    def seconds_left(self, now: datetime) -> float:
        """Seconds until the lock ends at ``now``; 0.0 when not locked."""
        if not self.is_locked(now):
            return 0.0
        assert self.locked_until is not None
        return (self.locked_until - now).total_seconds()

    def current(self, now: datetime) -> LoginGuard:
        """Returns the guard as it stands at ``now``: a lock that has ended is forgotten."""
        if self.locked_until is not None and now >= self.locked_until:
            return LoginGuard()
        return self

    def check(self, now: datetime) -> None:
        """Refuses a login attempt while locked (M-03).

        Raises:
            LockedOut: while locked, with ``seconds_left`` and a message saying when to try again.
        """
        if self.is_locked(now):
            left = self.seconds_left(now)
            raise LockedOut(
                f"Logins are locked after {self.consecutive_failures} wrong PINs in a row; "
                f"try again in {format_seconds_left(left)}",
                seconds_left=left,
            )

    def after_failure(self, now: datetime, policy: LockoutPolicy) -> LoginGuard:
        """Returns the guard after a wrong ID or PIN at ``now`` (M-03).

        The failure that reaches ``policy.threshold`` locks logins until ``now + policy.period``.
        A failure while already locked changes nothing (the attempt should have been refused by
        :meth:`check`); a failure after a lock ended counts as the first of a new run.
        """
        if self.is_locked(now):
            return self
        failures = self.current(now).consecutive_failures + 1
        if failures >= policy.threshold:
            return LoginGuard(failures, now + policy.period)
        return LoginGuard(failures, None)

    def after_success(self) -> LoginGuard:
        """Returns the guard after a correct login: the count starts again from zero."""
        return LoginGuard()

    def to_json(self) -> dict[str, Any]:
        """Encodes the guard (``locked_until`` as ISO 8601)."""
        return {
            "consecutive_failures": self.consecutive_failures,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LoginGuard:
        """Decodes a guard; raises ``KeyError``/``ValueError`` on bad data."""
        until = data["locked_until"]
        failures = int(data["consecutive_failures"])
        if failures < 0:
            raise ValueError(f"consecutive_failures cannot be negative: {failures}")
        return cls(failures, datetime.fromisoformat(until) if until else None)


def format_seconds_left(seconds: float) -> str:
    """Formats a lock's remaining time for the panel, e.g. ``"4 min 05 s"`` or ``"12 s"``.

    Partial seconds round up, so the panel never says "0 s" while still locked.
    """
    whole = int(-(-seconds // 1))  # ceiling without importing math
    minutes, secs = divmod(max(whole, 0), 60)
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
