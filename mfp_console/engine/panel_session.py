"""Who is logged in at one machine's panel: the Administrator login of M-03 with its PIN lockout."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from mfp_console.domain.credentials import normalize_system_manager_value
from mfp_console.domain.login_guard import LockoutPolicy, LoginGuard
from mfp_console.errors import AuthError, LockedOut, RuleRefusal
from mfp_console.protocol.auth import derive_auth_key

__all__ = ["LoginOutcome", "PanelSession", "SystemManagerSecret"]


class LoginOutcome(enum.Enum):
    """What a login attempt did."""

    LOGGED_IN = "logged in"
    WRONG = "wrong ID or PIN"
    LOCKED = "locked"


@dataclass(frozen=True)
class SystemManagerSecret:
    """The stored form of a machine's System Manager ID and PIN: the ID and a derived key, never the PIN.

    The same derived key proves the ID/PIN to a distribution client by challenge–response (DID-08).
    """

    manager_id: str
    auth_key: bytes

    @classmethod
    def from_id_pin(cls, manager_id: str, pin: str) -> SystemManagerSecret:
        """Normalises (M-02) and derives; raises :class:`RuleRefusal` for an invalid value."""
        norm_id = normalize_system_manager_value(manager_id, "System Manager ID")
        norm_pin = normalize_system_manager_value(pin, "System Manager PIN")
        return cls(norm_id, derive_auth_key(norm_id, norm_pin))

    def to_json(self) -> dict[str, str]:
        """Encodes for the machine's store."""
        return {"id": self.manager_id, "auth_key": self.auth_key.hex()}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> SystemManagerSecret:
        """Decodes from the machine's store."""
        return cls(data["id"], bytes.fromhex(data["auth_key"]))

    def matches(self, typed_id: str, typed_pin: str) -> bool:
        """True when the typed ID and PIN are this machine's (leading zeros optional, M-02)."""
        import hmac

        try:
            other = SystemManagerSecret.from_id_pin(typed_id, typed_pin)
        except RuleRefusal:
            return False
        same_id = hmac.compare_digest(other.manager_id, self.manager_id)
        return hmac.compare_digest(other.auth_key, self.auth_key) and same_id


class PanelSession:
    """The login state of one machine's panel.

    Args:
        policy: The lockout threshold and period (M-03).
        guard: The lockout state the machine kept (a lock survives a restart of the program).
    """

    def __init__(self, policy: LockoutPolicy, guard: LoginGuard | None = None) -> None:
        self.policy = policy
        self.guard = guard or LoginGuard()
        self.admin = False
        self.user: str = ""

    def login_admin(self, secret: SystemManagerSecret, typed_id: str, typed_pin: str, now: datetime) -> None:
        """Logs the Administrator in.

        Raises:
            LockedOut: Logins are locked (M-03); ``seconds_left`` says for how long.
            AuthError: The ID or PIN is wrong (M-02); the failure counts towards the lockout.
        """
        self.guard.check(now)
        if secret.matches(typed_id, typed_pin):
            self.guard = self.guard.after_success()
            self.admin = True
            return
        self.guard = self.guard.after_failure(now, self.policy)
        left = self.policy.threshold - self.guard.consecutive_failures
        if self.guard.locked_until is not None and self.guard.seconds_left(now) > 0:
            raise LockedOut(
                f"too many wrong PINs: logins are locked for {self.policy.period_minutes} min",
                self.guard.seconds_left(now),
            )
        raise AuthError(f"the System Manager ID or PIN is wrong ({left} tries left before lockout)", "M-02")

    def logout(self) -> None:
        """Ends the Administrator and user sessions."""
        self.admin = False
        self.user = ""

    def lock_seconds_left(self, now: datetime) -> float:
        """Seconds until logins unlock (0 when not locked)."""
        return self.guard.seconds_left(now)
