"""``fleet.faults``: what the fault panel injects (UI-04): power, busy, network cut, TLS key, PIN, errors."""

from __future__ import annotations

from mfp_console.domain.machine import Activity, PowerState
from mfp_console.engine.machine import MachineRoster
from mfp_console.engine.runtime import Runtime

__all__ = ["FaultsPart"]


class FaultsPart:
    """Faults injected into the fleet's machines.

    Args:
        runtime: The fleet's keys and clock.
        machines: Finds a running machine by name.
    """

    def __init__(self, runtime: Runtime, machines: MachineRoster) -> None:
        self._runtime = runtime
        self._machines = machines

    def power(self, name: str, power: PowerState) -> None:
        """Powers a machine On or Off, or lets its sleep timer run out (Sleep).

        Raises:
            RuleRefusal: Sleep, while a feature rule keeps the machine awake (M-10, SYNC-13).
        """
        machine = self._machines(name)
        if power is PowerState.SLEEP:
            machine.enter_sleep()
        else:
            machine.set_power(power)

    def restart(self, name: str) -> None:
        """Turns the machine off and on again (connection settings take effect, SYNC-20)."""
        machine = self._machines(name)
        machine.set_power(PowerState.OFF)
        machine.set_power(PowerState.ON)

    def set_activity(self, name: str, activity: Activity) -> None:
        """Makes a machine busy (Printing, Sending…) or Idle."""
        self._machines(name).set_activity(activity)

    def cut_network(self, name: str, cut: bool = True) -> None:
        """Cuts (or restores) a machine's network link."""
        self._machines(name).set_network_cut(cut)

    def remove_tls_key(self, name: str) -> None:
        """Removes a machine's TLS key and certificate (it can no longer complete a handshake)."""
        machine = self._machines(name)
        self._runtime.pki.pki.remove_identity(name)
        machine.set_tls_configured(False)

    def regenerate_tls_key(self, name: str) -> None:
        """Issues a new TLS key and certificate for a machine."""
        machine = self._machines(name)
        self._runtime.pki.pki.regenerate_identity(name, self._runtime.pki_now())
        machine.set_tls_configured(True)

    def change_pin(self, name: str, pin: str, manager_id: str | None = None) -> None:
        """Changes a machine's System Manager PIN (and optionally ID) without walking to its screen."""
        machine = self._machines(name)
        machine.change_system_manager(manager_id or machine.secret.manager_id, pin)

    def set_error(self, name: str, code: str) -> None:
        """Shows an error code on a machine's panel (an empty code clears it)."""
        self._machines(name).set_error(code)

    def clear_error(self, name: str) -> None:
        """Clears the error shown on a machine's panel."""
        self._machines(name).set_error("")
