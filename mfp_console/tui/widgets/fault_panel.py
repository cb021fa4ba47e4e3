"""The fault panel (UI-04): power off/on, start/stop printing, cut/restore network, remove/regenerate the
TLS key, change the PIN, clear an error, on any machine of the fleet (the machine you stand at by default)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Select, Static

from mfp_console.domain.machine import Activity, PowerState
from mfp_console.errors import RuleRefusal
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import DIALOG_CSS, refusal_box
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["FAULTS", "ChangePinDialog", "FaultPanel", "inject_fault", "world_action"]

FAULTS = ("power", "printing", "network", "tls", "pin", "error")
"""Fault keys, in the panel's order."""


def fault_label(fleet: Fleet, machine: str, fault: str) -> str:
    """The button label for ``fault`` on ``machine`` in its current state (what the button will do)."""
    state = fleet.view(machine).state
    return {
        "power": "Power On" if state.power is PowerState.OFF else "Power Off",
        "printing": "Stop Printing" if state.activity is Activity.PRINTING else "Start Printing",
        "network": "Restore Network" if state.network_cut else "Cut Network",
        "tls": "Remove TLS Key" if state.tls_configured else "Regenerate TLS Key",
        "pin": "Change PIN…",
        "error": "Clear Error",
    }[fault]


def world_action(fleet: Fleet, machine: str, fault: str) -> str:
    """What injecting ``fault`` into ``machine`` now would do, as a scenario's ``world`` action names it."""
    state = fleet.view(machine).state
    return {
        "power": "power_on" if state.power is PowerState.OFF else "power_off",
        "printing": "idle" if state.activity is Activity.PRINTING else "busy",
        "network": "restore_network" if state.network_cut else "cut_network",
        "tls": "remove_tls_key" if state.tls_configured else "regenerate_tls_key",
        "pin": "change_pin",
        "error": "clear_error",
    }[fault]


def inject_fault(fleet: Fleet, machine: str, fault: str, *, pin: str = "") -> str:
    """Applies ``fault`` to ``machine`` through the facade; returns what was done.

    Raises:
        RuleRefusal: The engine refused (e.g. a PIN that is not 1–7 digits, M-02).
    """
    label = fault_label(fleet, machine, fault)
    state = fleet.view(machine).state
    if fault == "power":
        fleet.faults.power(machine, PowerState.ON if state.power is PowerState.OFF else PowerState.OFF)
    elif fault == "printing":
        fleet.faults.set_activity(machine, Activity.IDLE if state.activity is Activity.PRINTING else Activity.PRINTING)
    elif fault == "network":
        fleet.faults.cut_network(machine, not state.network_cut)
    elif fault == "tls":
        if state.tls_configured:
            fleet.faults.remove_tls_key(machine)
        else:
            fleet.faults.regenerate_tls_key(machine)
    elif fault == "pin":
        fleet.faults.change_pin(machine, pin)
    elif fault == "error":
        fleet.faults.clear_error(machine)
    else:
        raise ValueError(f"unknown fault {fault!r}")
    return f"{machine}: {label.rstrip('…')}"


class FaultPanel(Vertical):
    """Buttons that inject faults into the chosen machine."""

    DEFAULT_CSS = """
    FaultPanel { height: auto; padding: 0 1; }
    FaultPanel > Select { width: 100%; }
    FaultPanel > Grid { grid-size: 2; grid-gutter: 0 1; height: auto; }
    FaultPanel > Grid > TouchButton { width: 100%; }
    """

    def __init__(self, fleet: Fleet, machine: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fleet = fleet
        self.target = machine
        self.border_title = "Faults"

    def compose(self) -> ComposeResult:
        yield Select(
            [(name, name) for name in self.fleet.spec.names], value=self.target, allow_blank=False,
            id="fault-target", compact=True,
        )
        with Grid():
            for fault in FAULTS:
                yield TouchButton(fault, key=fault, id=f"fault-{fault}", compact=True, classes="fault-key")

    def on_mount(self) -> None:
        self.show_machine(self.target)

    def follow(self, machine: str) -> None:
        """Points the fault panel at ``machine`` (the operator walked there)."""
        self.target = machine
        self.query_one("#fault-target", Select).value = machine
        self.show_machine(machine)

    def show_machine(self, machine: str) -> None:
        """Relabels the buttons for ``machine``'s state (when it is the target)."""
        if machine != self.target or not self.fleet.is_running(machine):
            return
        for button in self.query(".fault-key").results(TouchButton):
            button.plain_label = fault_label(self.fleet, machine, button.key)
            button.label = Content(button.plain_label)
        self.query_one("#fault-error", TouchButton).disabled = not self.fleet.view(machine).state.error_code

    @on(Select.Changed, "#fault-target")
    def _target(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.target = event.value
            self.show_machine(event.value)

    @on(Button.Pressed, ".fault-key")
    def _fault(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        fault, machine = event.button.key, self.target
        if fault == "pin":
            def chosen(pin: str | None) -> None:
                if pin is not None:
                    self.inject(machine, fault, pin)

            self.app.push_screen(ChangePinDialog(machine), chosen)
        else:
            self.inject(machine, fault)

    class Injected(Message):
        """A fault was injected (the recorder writes it as a ``world`` step).

        Attributes:
            machine: The machine.
            action: The scenario's word for what was done (``power_off``, ``cut_network`` …).
            pin: The new PIN of a ``change_pin``.
        """

        def __init__(self, machine: str, action: str, pin: str = "") -> None:
            super().__init__()
            self.machine = machine
            self.action = action
            self.pin = pin

    def inject(self, machine: str, fault: str, pin: str = "") -> None:
        """Injects ``fault`` into ``machine``; a refusal shows as a message box."""
        action = world_action(self.fleet, machine, fault)  # read before the fault changes the state
        try:
            done = inject_fault(self.fleet, machine, fault, pin=pin)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
            return
        self.post_message(self.Injected(machine, action, pin))
        self.notify(done, title="Fault injected", timeout=3)
        self.show_machine(machine)


class ChangePinDialog(PanelDialog[str | None]):
    """Asks for a new System Manager PIN (1–7 digits, M-02)."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="ChangePinDialog")
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, machine: str) -> None:
        super().__init__()
        self.machine = machine

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Change PIN — {self.machine}"), classes="dialog-title")
            yield Static(Content("The System Manager PIN is 1 to 7 digits, not all zeros (M-02)."),
                         classes="dialog-text")
            yield PanelInput("New System Manager PIN", id="new-pin", restrict=r"[0-9]*", max_length=7)
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="pin-ok")
                yield TouchButton("<Cancel>", key="cancel", id="pin-cancel")

    def on_mount(self) -> None:
        self.query_one("#new-pin").focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#pin-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    @on(Button.Pressed, "#pin-ok")
    @on(PanelInput.Submitted)
    def _ok(self, event: Button.Pressed | PanelInput.Submitted) -> None:
        event.stop()
        self.dismiss(self.query_one("#new-pin", PanelInput).value)
