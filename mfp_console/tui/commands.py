"""Command palette provider: walk to a machine, open any menu node, inject a fault, move the clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mfp_console.domain.menu import iter_nodes, path_of
from mfp_console.tui.speech import machine_words
from mfp_console.tui.widgets.fault_panel import FAULTS, FaultPanel, fault_label
from mfp_console.tui.widgets.machine_keys import MACHINE_KEYS

if TYPE_CHECKING:
    from mfp_console.tui.app import MfpConsoleApp

__all__ = ["PaletteCommand", "PanelCommands", "palette_commands"]

PaletteCommand = tuple[str, Callable[[], Any], str]
"""``(title, what it does, help line)``."""


def palette_commands(app: MfpConsoleApp) -> list[PaletteCommand]:
    """Commands for the palette: machines, menu nodes, faults, clock, theme, screenshot."""
    fleet = app.fleet
    commands: list[PaletteCommand] = []
    for name in fleet.spec.names:
        commands.append((f"Go to machine {name}", _call(app.switch_machine, name), "Walk to its panel (UI-02)"))
    for node in iter_nodes():
        if not node.emulated:
            continue
        labels = " › ".join(path_of(node.key)[1:]) or node.label
        commands.append((f"Open {labels}", _call(_open_node, app, node.key), f"on {app.machine}'s panel"))
    for name in fleet.running:
        for fault in FAULTS:
            if fault == "pin":
                continue
            label = fault_label(fleet, name, fault)
            commands.append((f"Fault: {label} on {name}",
                             _call(lambda m, f: app.query_one(FaultPanel).inject(m, f), name, fault), "as the panel shows it (UI-04)"))
    if app.started:
        commands.append(("Remote UI", app.current_panel.open_remote_ui,
                         f"{app.machine}'s Remote UI in a window of its own (UI-06)"))
        for key, label in MACHINE_KEYS:
            commands.append((f"Key: {label}", _call(app.current_panel.hard_key, key), f"beside {app.machine}'s screen"))
    commands.append(("User: log in, or open personal settings", app.action_user_login,
                     f"a login user at {app.machine} (SYNC-08)"))
    commands.append(("User: log out", app.user_log_out, f"at {app.machine}"))
    if fleet.clock.is_virtual:
        commands.append(("Clock: jump to the next scheduled event", app.action_next_event, "the virtual clock (UI-05)"))
        commands.append(("Clock: advance 1 minute", _call(app.advance_clock, 60.0), "the virtual clock (UI-05)"))
    commands.append((f"Instructor mode: {'off' if app.instructor else 'on'}", app.action_toggle_instructor,
                     "rule IDs and the emulator's codes on the panel, F10 (UI-06)"))
    if app.recorder.active:
        commands.append(("Recording: stop and save", app.action_record, "ctrl+r"))
        commands.append(("Recording: Expect this", app.expect_this, f"check {app.machine}'s facts when replayed"))
    else:
        commands.append(("Recording: start", app.action_record, "record what you do as a scenario (ctrl+r)"))
    commands.append(("Toggle light/dark theme", app.action_toggle_theme, ""))
    commands.append(("Save screenshot (SVG)", app.action_save_svg, ""))
    # The palette speaks like the panel: rule IDs only in instructor mode (UI-06).
    return [(title, run, machine_words(help_line, instructor=app.instructor)) for title, run, help_line in commands]


async def _open_node(app: MfpConsoleApp, key: str) -> None:
    await app.current_panel.go_to(key)


def _call(func: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    def call() -> Any:
        return func(*args)

    return call


class PanelCommands(Provider):
    """The panel's commands, built fresh at each search so fault labels follow machine state."""

    @property
    def _app(self) -> MfpConsoleApp:
        return self.app  # type: ignore[return-value]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._app.palette_commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)

    async def discover(self) -> Hits:
        for title, callback, help_text in self._app.palette_commands():
            if title.startswith("Go to machine"):
                yield DiscoveryHit(title, callback, text=title, help=help_text)
