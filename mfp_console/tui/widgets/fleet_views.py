"""Views of the whole fleet: the machine switcher (UI-02), the fleet view and its links (UI-03), the event log."""

from __future__ import annotations

import textwrap
from collections import deque
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, DataTable, RichLog, Static

from mfp_console.domain.machine import Activity, Function, PowerState
from mfp_console.engine.events import (
    DestinationStatusChanged,
    DistributionFinished,
    EngineEvent,
)
from mfp_console.tui.widgets.event_words import event_stamp, event_text
from mfp_console.tui.widgets.touch import TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["EventLog", "FleetView", "LinkTracker", "MachineSwitcher", "log_line", "wrap_entry"]


class LinkTracker:
    """Which machines talk to which right now, from distribution status events (the fleet view's links)."""

    def __init__(self) -> None:
        self._active: set[tuple[str, str]] = set()

    def note(self, event: EngineEvent) -> None:
        """Updates the links from one engine event."""
        if isinstance(event, DestinationStatusChanged):
            link = (event.machine, event.destination)
            if event.status == "Distributing":
                self._active.add(link)
            else:
                self._active.discard(link)
        elif isinstance(event, DistributionFinished):
            self._active = {link for link in self._active if link[0] != event.machine}

    def links_of(self, name: str) -> str:
        """``→client-a`` for a sender, ``←host`` for a receiver; empty when idle."""
        out = [f"→{dest}" for src, dest in sorted(self._active) if src == name]
        out += [f"←{src}" for src, dest in sorted(self._active) if dest == name]
        return " ".join(out)


MAX_SWITCH_KEYS = 24
"""Above this many machines the switcher gives way to the fleet view (a virtualised table)."""


class MachineSwitcher(Grid):
    """One button per machine; touching one walks to that machine's panel (UI-02)."""

    DEFAULT_CSS = """
    MachineSwitcher { grid-size: 3; grid-gutter: 0 1; height: auto; padding: 0 1; }
    MachineSwitcher > TouchButton { width: 100%; }
    MachineSwitcher > TouchButton.-off { text-style: dim; }
    MachineSwitcher > TouchButton.-fault { color: $text-error; }
    MachineSwitcher > TouchButton.-busy { color: $text-warning; }
    """

    class Chosen(Message):
        """The operator walked to ``machine``."""

        def __init__(self, machine: str) -> None:
            super().__init__()
            self.machine = machine

    def __init__(self, fleet: Fleet, current: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fleet = fleet
        self.current = current
        self.border_title = "Machines"

    def compose(self) -> ComposeResult:
        names = self.fleet.spec.names
        if len(names) > MAX_SWITCH_KEYS:
            yield Static(Content(f"{len(names)} machines: select one in the fleet view (Enter) or with Ctrl+P."))
            return
        for name in names:
            yield TouchButton(name, key=name, id=f"switch-{name}", compact=True, classes="switch-key")

    def on_mount(self) -> None:
        for name in self.fleet.spec.names:
            self.show_machine(name)

    def choose(self, machine: str) -> None:
        """Marks ``machine`` as the one the operator stands at."""
        self.current = machine
        for button in self.query(".switch-key").results(TouchButton):
            button.variant = "primary" if button.key == machine else "default"

    def show_machine(self, name: str) -> None:
        """Colours ``name``'s button by its state."""
        buttons = self.query(f"#switch-{name}")
        if not buttons or not self.fleet.is_running(name):
            return
        button = buttons.first(TouchButton)
        state = self.fleet.view(name).state
        button.variant = "primary" if name == self.current else "default"
        button.set_class(state.power is not PowerState.ON, "-off")
        button.set_class(bool(state.error_code) or state.network_cut, "-fault")
        button.set_class(state.activity is not Activity.IDLE, "-busy")

    @on(Button.Pressed, ".switch-key")
    def _chosen(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        self.post_message(self.Chosen(event.button.key))


_COLUMNS = (
    ("machine", "Machine"), ("power", "Power"), ("activity", "Activity"), ("error", "Error"), ("network", "Net"),
    ("tls", "TLS"), ("links", "Links"), ("functions", "Functions"),
)


def functions_text(functions: frozenset[Function]) -> str:
    """``DID send+recv, Sync srv``: a machine's functions, short enough for the fleet view."""
    did = [word for f, word in ((Function.DISTRIBUTION_SENDER, "send"), (Function.DISTRIBUTION_RECEIVER, "recv"))
           if f in functions]
    sync = [word for f, word in ((Function.SYNC_SERVER, "srv"), (Function.SYNC_CLIENT, "cli")) if f in functions]
    parts = ([f"DID {'+'.join(did)}"] if did else []) + ([f"Sync {'+'.join(sync)}"] if sync else [])
    return ", ".join(parts) or "-"


class FleetView(DataTable[str]):
    """Every machine, its functions, power/activity/error, network, TLS and links in use, live (UI-03).

    Selecting a row walks to that machine.
    """

    DEFAULT_CSS = """
    FleetView { height: 1fr; }
    """

    def __init__(self, fleet: Fleet, links: LinkTracker, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.fleet = fleet
        self.links = links
        self.border_title = "Fleet"

    def on_mount(self) -> None:
        for key, title in _COLUMNS:
            self.add_column(title, key=key)
        for name in self.fleet.spec.names:
            self.add_row(*self._cells(name), key=name)

    def _cells(self, name: str) -> list[str | Content]:
        spec = self.fleet.spec.machine(name)
        functions = functions_text(spec.identity.functions)
        if not self.fleet.is_running(name):
            return [name, "?", "?", "", "?", "?", "", functions]
        s = self.fleet.view(name).state
        return [
            name,
            s.power.value,
            s.activity.value,
            Content.styled(s.error_code, "bold $text-error") if s.error_code else "",
            Content.styled("cut", "bold $text-error") if s.network_cut else "ok",
            "ok" if s.tls_configured else Content.styled("none", "bold $text-error"),
            self.links.links_of(name),
            functions,
        ]

    def follow(self, name: str) -> None:
        """Highlights the row of the machine the operator stands at (it follows every walk, UI-02)."""
        if name in self.fleet.spec.names and self.row_count:
            self.move_cursor(row=self.get_row_index(name), animate=False)

    def show_machine(self, name: str) -> None:
        """Re-reads one machine's row."""
        if name not in self.fleet.spec.names or not self.row_count:
            return
        for (key, _), cell in zip(_COLUMNS, self._cells(name)):
            self.update_cell(name, key, cell, update_width=True)

    class Chosen(Message):
        """A fleet row was selected."""

        def __init__(self, machine: str) -> None:
            super().__init__()
            self.machine = machine

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.Chosen(event.row_key.value))


def log_line(event: EngineEvent) -> str:
    """The event log's line for ``event``: machine time and what happened, in the operator's words."""
    return f"{event_stamp(event)}  {event_text(event)}"


STAMP_WIDTH = len("09:00:00  ")
MAX_LOG_LINES = 2000


def wrap_entry(stamp: str, text: str, width: int) -> list[str]:
    """One entry in lines of ``width`` cells: the time, then the text; longer text goes on under the text
    (never cut, never run under the time)."""
    room = width - STAMP_WIDTH
    if room < 12:  # too narrow for a hanging indent: plain wrapping
        return textwrap.wrap(f"{stamp}  {text}", max(width, 1), break_on_hyphens=False) or [stamp]
    lines = textwrap.wrap(text, room, break_on_hyphens=False) or [""]
    return [f"{stamp}  {lines[0]}", *(" " * STAMP_WIDTH + line for line in lines[1:])]


class EventLog(RichLog):
    """What happens in the fleet, as it happens (UI-03): each entry wrapped to the log's width, wrapped
    again when the width changes (the side column or the terminal size changed)."""

    DEFAULT_CSS = """
    EventLog { height: 1fr; scrollbar-gutter: stable; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=MAX_LOG_LINES, wrap=False, markup=False, highlight=False, min_width=1)
        self.border_title = "Event log"
        self.entries: deque[tuple[str, str]] = deque(maxlen=MAX_LOG_LINES)
        """``(time, text)`` of every entry kept."""
        self._wrapped_at = 0

    def add(self, event: EngineEvent) -> None:
        """Appends one event."""
        entry = (event_stamp(event), event_text(event))
        self.entries.append(entry)
        width = self.scrollable_content_region.width
        if width > 0 and width == self._wrapped_at:
            for line in wrap_entry(*entry, width):
                self.write(line)
        else:
            self._rewrap()

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._wrapped_at:
            self._rewrap()

    def _rewrap(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not laid out (hidden on a small terminal): wrapped when shown
        self._wrapped_at = width
        self.clear()
        for entry in self.entries:
            for line in wrap_entry(*entry, width):
                self.write(line, scroll_end=False)
        self.scroll_end(animate=False, immediate=True)
