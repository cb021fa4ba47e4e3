"""``fleet.panel``: who is logged in at each machine's panel, and the System Manager ID and PIN they log in
with (M-02, M-03, M-08).

The Administrator login (System Manager ID and PIN) opens ``<Management Settings>``; after too many wrong
PINs the panel locks logins for a while. Every other part asks :meth:`PanelPart.require_admin` before an
Administrator-only change. ``<System Manager Information Settings>`` changes the ID and PIN themselves
(:meth:`PanelPart.change_system_manager`).
"""

from __future__ import annotations

import hmac

from mfp_console.domain.credentials import normalize_system_manager_value
from mfp_console.domain.machine import PowerState
from mfp_console.engine.events import LoginEvent
from mfp_console.engine.machine import LOCKOUT_KEY, MachineRoster
from mfp_console.engine.runtime import Runtime
from mfp_console.errors import AuthError, LockedOut, RuleRefusal

__all__ = ["PanelPart"]


class PanelPart:
    """Logins at the machines' panels.

    Args:
        runtime: The fleet's clock and bus.
        machines: Finds a running machine by name.
    """

    def __init__(self, runtime: Runtime, machines: MachineRoster) -> None:
        self._runtime = runtime
        self._machines = machines

    def login_admin(self, name: str, manager_id: str, pin: str) -> None:
        """Logs the Administrator in at ``name``'s panel.

        Raises:
            AuthError: Wrong ID or PIN (counts towards the lockout).
            LockedOut: Too many wrong PINs; logins are locked for a while (M-03).
        """
        machine = self._machines(name)
        machine.require_operable("login")
        now = self._runtime.clock.now()
        bus = self._runtime.bus
        before = machine.panel.guard
        try:
            machine.panel.login_admin(machine.secret, manager_id, pin, now)
        except LockedOut as exc:
            bus.publish(LoginEvent(at=now, machine=name, kind="login locked", detail=exc.reason))
            raise
        except AuthError as exc:
            bus.publish(LoginEvent(at=now, machine=name, kind="wrong PIN", detail=exc.reason))
            raise
        finally:
            if machine.panel.guard != before:  # a restart must not reset the count or lift a lock (M-03)
                machine.store.set_config(LOCKOUT_KEY, machine.panel.guard.to_json())
        bus.publish(LoginEvent(at=now, machine=name, kind="Administrator logged in"))

    def logout(self, name: str) -> None:
        """Logs out whoever is logged in at ``name``'s panel."""
        machine = self._machines(name)
        if machine.panel.admin or machine.panel.user:
            machine.panel.logout()
            self._runtime.bus.publish(LoginEvent(at=self._runtime.clock.now(), machine=name, kind="logged out"))

    def logout_admin(self, name: str) -> None:
        """Ends the Administrator session at ``name``'s panel; a logged-in user stays logged in."""
        machine = self._machines(name)
        if machine.panel.admin:
            machine.panel.admin = False
            self._runtime.bus.publish(LoginEvent(at=self._runtime.clock.now(), machine=name,
                                                 kind="Administrator logged out"))

    def energy_saver(self, name: str) -> PowerState:
        """The ``Energy Saver`` key (M-10): a machine that is On enters Sleep, a sleeping one wakes up.

        Returns:
            The machine's power state afterwards.

        Raises:
            RuleRefusal: A feature rule keeps the machine awake (e.g. SYNC-13); the reason says why.
            MachineUnavailable: The machine is off.
        """
        machine = self._machines(name)
        if machine.state.power is PowerState.SLEEP:
            machine.set_power(PowerState.ON)
        else:
            machine.enter_sleep()
        return machine.state.power

    def is_admin(self, name: str) -> bool:
        """True when an Administrator is logged in at ``name``'s panel."""
        return self._machines(name).panel.admin

    def lock_seconds_left(self, name: str) -> float:
        """Seconds until logins unlock at ``name`` (0 when not locked)."""
        return self._machines(name).panel.lock_seconds_left(self._runtime.clock.now())

    def system_manager_id(self, name: str) -> str:
        """The machine's System Manager ID as stored (seven digits); the PIN is never shown (M-08)."""
        return self._machines(name).secret.manager_id

    def change_system_manager(self, name: str, manager_id: str, pin: str, confirm: str) -> str:
        """``<System Manager Information Settings>`` › ``<System Manager ID>``, ``<System Manager PIN>`` and
        ``<Confirm>`` › ``<OK>`` (M-08; Administrator only, M-03).

        Both values are checked as M-02 says (digits only, 1 to 7, not all zeros; stored padded to seven
        digits) and the PIN must be typed the same twice. A refusal changes nothing. **(D)** The
        Administrator stays logged in; the next login, and every distribution from or to this machine
        (DID-08), uses the new values.

        Args:
            name: The machine.
            manager_id: ``<System Manager ID>`` as typed.
            pin: ``<System Manager PIN>`` as typed.
            confirm: The PIN typed again (``<Confirm>``).

        Returns:
            The stored System Manager ID (padded, e.g. ``0000321``).

        Raises:
            AuthError: (M-03) no Administrator is logged in at that panel.
            RuleRefusal: (M-02) a value is empty, not digits, too long or all zeros; (M-08) the PIN and its
                confirmation differ.
        """
        self.require_admin(name, "M-03")
        machine = self._machines(name)
        machine.require_operable("changing the System Manager ID and PIN")
        new_id = normalize_system_manager_value(manager_id, "<System Manager ID>")
        new_pin = normalize_system_manager_value(pin, "<System Manager PIN>")
        typed_again = normalize_system_manager_value(confirm, "<Confirm>") if confirm.strip() else ""
        if not hmac.compare_digest(new_pin.encode(), typed_again.encode()):
            raise RuleRefusal("<System Manager PIN> and <Confirm> differ: type the same PIN twice; "
                              "nothing was changed", "M-08")
        machine.change_system_manager(new_id, new_pin)
        self._runtime.bus.publish(LoginEvent(at=self._runtime.clock.now(), machine=name,
                                             kind="System Manager ID/PIN changed"))
        return new_id

    def require_admin(self, name: str, rule_id: str = "M-03") -> None:
        """Raises unless an Administrator is logged in at ``name``."""
        if not self.is_admin(name):
            raise AuthError("log in as Administrator (System Manager ID and PIN) first", rule_id)
