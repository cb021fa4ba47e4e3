"""The mfp-console Textual app and :func:`create_app`, the one factory the CLI, the pilot tests, the snapshot
tests and the scenario runner build it with.

The app owns no machine state. Its first frame is the operator's machine starting up; right after that
frame it builds the fleet (the engine's modules load then, :mod:`mfp_console.tui.fleet_opening`), starts it
in its own event loop (and stops it when it ends), then mounts the side column, the fleet view and the
event log. It shows one :class:`~mfp_console.tui.widgets.machine_panel.MachinePanel` per machine the
operator has walked to, and routes the messages the :class:`~mfp_console.tui.bridge.EventBridge` posts
down to its views ("attributes down, messages up").
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.actions import SkipAction
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen, SystemModalScreen
from textual.widgets import ContentSwitcher

from mfp_console.clock import Clock, RealClock
from mfp_console.engine.events import (
    DataChanged,
    DestinationStatusChanged,
    DistributionFinished,
    SyncEvent,
)
from mfp_console.errors import ConfigError, MfpError
from mfp_console.tui.bridge import EventBridge
from mfp_console.tui.commands import PaletteCommand, PanelCommands, palette_commands
from mfp_console.tui.fleet_opening import FleetToOpen
from mfp_console.tui.focus_moves import Arrow, arrow_target, uses_arrow
from mfp_console.tui.headless import render_frames_on_demand
from mfp_console.tui.keys import footer_keys, help_keys
from mfp_console.tui.messages import EngineEventPosted, MachineChanged
from mfp_console.tui.pages import load_pages
from mfp_console.tui.recorder import PanelRecorder, install_message_hook
from mfp_console.tui.screens.base import PanelDialog, PanelScreen
from mfp_console.tui.screens.help import HelpScreen
from mfp_console.tui.screens.login import LoginDialog
from mfp_console.tui.speech import PanelText, machine_words
from mfp_console.tui.stylesheet import SharedStylesheet
from mfp_console.tui.themes import DARK_THEME, LIGHT_THEME, THEMES, theme_name
from mfp_console.tui.widgets.clock_face import ClockFace
from mfp_console.tui.widgets.fault_panel import FaultPanel
from mfp_console.tui.widgets.fleet_views import (
    EventLog,
    FleetView,
    LinkTracker,
    MachineSwitcher,
)
from mfp_console.tui.widgets.footer import FooterKey, KeysFooter, footer_lines
from mfp_console.tui.widgets.machine_panel import MachinePanel
from mfp_console.tui.widgets.stop_notice import StopNotice, in_use_text

if TYPE_CHECKING:
    from mfp_console.domain.machine import MachineIdentity
    from mfp_console.engine.fleet import Fleet

__all__ = ["MfpConsoleApp", "create_app"]

NARROW_WIDTH = 110
NARROW_HEIGHT = 34
BOTTOM_HEIGHT = 12
"""Rows of the fleet view and event log (``#bottom`` in ``panel.tcss``)."""


class MfpConsoleApp(App[int]):
    """The touch panel in front of the fleet.

    Args:
        fleet: The fleet (started after the first frame unless it is running already), or what to build it
            from after the first frame.
        machine: The machine the operator stands at first.
        theme: ``dark``, ``light`` or a Textual theme name.
        still: Freeze what moves on its own (cursor blink, press highlight, animations) for snapshots.
        screenshot_dir: Where ``F12`` saves SVG screenshots (the working directory by default).
        instructor: Start in instructor mode (UI-06; F10 switches it).
    """

    TITLE = "mfp-console"
    CSS_PATH = "panel.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {PanelCommands}
    BINDINGS: ClassVar = [
        # The panel's own keys work when the panel is in front; over a dialog, the dialog's keys do. The
        # keys marked priority work over dialogs too (a presenter saves a screenshot of any screen).
        Binding("f1", "help", "Help", tooltip="Keys and how the screen is laid out", priority=True),
        Binding("escape", "back", "Back", tooltip="<Back>: one menu level up"),
        Binding("f2", "home", "Settings", tooltip="The Settings/Registration key"),
        Binding("f3", "next_machine", "Machine", tooltip="Walk to the next machine of the fleet"),
        Binding("f4", "login_toggle", "Login", tooltip="Log in (System Manager ID and PIN) or out"),
        Binding("f5", "user_login", "User", tooltip="Log in as a user, or open the user's personal settings"),
        Binding("f6", "toggle_side", "Side", tooltip="Show/hide clock, machines and faults", priority=True),
        Binding("f7", "toggle_bottom", "Log", tooltip="Show/hide the fleet view and the event log", priority=True),
        Binding("f8", "toggle_theme", "Theme", tooltip="Light or dark theme", priority=True),
        Binding("f9", "next_event", "Next", tooltip="Virtual clock: jump to the next scheduled event", priority=True),
        Binding("f10", "toggle_instructor", "Instr",
                tooltip="Instructor mode: rule IDs and the emulator's codes on the panel too (UI-06)", priority=True),
        Binding("f12", "save_svg", "SVG", tooltip="Save a screenshot as SVG", priority=True),
        Binding("ctrl+r", "record", "Record", show=False, priority=True,
                tooltip="Record what you do as a scenario (again: stop and save)"),
        Binding("ctrl+q", "quit", "Quit", tooltip="Quit (the fleet stops with the panel)", priority=True),
        # Priority: the focus moves while the key is read, before the next key of a burst (UI-07).
        Binding("up", "arrow('UP')", "Up", show=False, priority=True),
        Binding("down", "arrow('DOWN')", "Down", show=False, priority=True),
        Binding("left", "arrow('LEFT')", "Left", show=False, priority=True),
        Binding("right", "arrow('RIGHT')", "Right", show=False, priority=True),
        Binding("tab", "tab(1)", "Next control", show=False, priority=True),
        Binding("shift+tab", "tab(-1)", "Previous control", show=False, priority=True),
    ]

    def __init__(
        self,
        fleet: Fleet | FleetToOpen,
        *,
        machine: str,
        theme: str | None = None,
        still: bool = False,
        screenshot_dir: Path | None = None,
        instructor: bool = False,
    ) -> None:
        super().__init__()
        self.stylesheet = SharedStylesheet(variables=self.get_css_variables())
        self.instructor = instructor
        """Instructor mode (UI-06): the panel's texts name their rules and the emulator's codes
        (:mod:`mfp_console.tui.speech`); off, the machine speaks like a machine."""
        self._fleet: Fleet | None = None if isinstance(fleet, FleetToOpen) else fleet
        self._to_open = fleet if isinstance(fleet, FleetToOpen) else None
        self._spec = fleet.spec
        self.clock = fleet.clock
        """The fleet's clock (known before the fleet is built)."""
        self.machine = machine
        """The machine the operator stands at."""
        self.still = still
        self.frames_on_demand = True
        """Headless, compose the screen only when something reads it (:mod:`mfp_console.tui.headless`)."""
        render_frames_on_demand()
        self.screenshot_dir = screenshot_dir
        self.links = LinkTracker()
        self.bridge: EventBridge | None = None
        self._owns_fleet = False
        self._narrow: bool | None = None
        self._wanted_theme = theme_name(theme)
        self.started = False
        """True once the fleet runs and the panels are shown."""
        self.first_frame_at: float | None = None
        """When (``time.time()``) the first frame, the operator's machine starting up, was shown (None while
        it was not, and when the app was handed a fleet built already: then the fleet starts before it)."""
        self.stop_reason = ""
        """Why the panel could not open (shown on screen until closed); empty while all is well."""
        self.recorder = PanelRecorder(self)
        """Records the operator's actions as a scenario (``ctrl+r``; ``mfp-console record`` from the start)."""
        self.record_from_start = False
        self.message_task: asyncio.Task[Any] | None = None
        """The task handling the app's own messages (:mod:`mfp_console.tui.quiet` reads it to know the app is
        idle when ``App.run`` leaves Textual's own ``_task`` unset)."""
        if still:
            self.animation_level = "none"
        for theme in THEMES:
            self.register_theme(theme)
        # Before the stylesheet is first read: the first frame is styled once, in the panel's own colours.
        self.theme = self._wanted_theme

    # --- life cycle ---------------------------------------------------------------------------------

    def get_default_screen(self) -> PanelScreen:
        return PanelScreen(id="_default")

    @property
    def fleet(self) -> Fleet:
        """The fleet facade (built right after the first frame).

        Raises:
            RuntimeError: Asked before the fleet was built (a key is not handled before :attr:`started`).
        """
        if self._fleet is None:
            raise RuntimeError("the fleet is built after the panel's first frame")
        return self._fleet

    def machine_identity(self, name: str) -> MachineIdentity:
        """Who ``name`` is (known from the fleet file before the fleet is built)."""
        return self._spec.machine(name).identity

    def compose(self) -> ComposeResult:
        # The first frame: the operator's machine starting up. The side column, the fleet view and the event
        # log follow once the fleet runs (_open_fleet).
        with Horizontal(id="top"):
            yield ContentSwitcher(MachinePanel(self.machine, id=f"panel-{self.machine}"), id="panels",
                                  initial=f"panel-{self.machine}")
        yield KeysFooter()

    async def _process_messages(self, *args: Any, **kwargs: Any) -> None:
        # The recorder's one hook: every message of the app's widgets passes it (tasks inherit the hook).
        install_message_hook(self.recorder.observe)
        self.message_task = asyncio.current_task()
        await super()._process_messages(*args, **kwargs)

    async def on_mount(self) -> None:
        self.set_class(self.instructor, "-instructor")
        if self._to_open is None:
            await self._open_fleet()  # built by the caller (a test, a scenario): its engine is loaded already
        else:
            self.call_after_refresh(self._open_fleet)

    async def _open_fleet(self) -> None:
        """After the first frame: builds and starts the fleet, then shows the machine's panel working and the
        side column, fleet view and event log."""
        if self._fleet is None:
            self.first_frame_at = time.time()
            assert self._to_open is not None
            try:
                self._fleet = self._to_open.open()
            except MfpError as exc:
                await self._stop_with("The fleet could not start", str(exc))
                return
        self.bridge = EventBridge(self.fleet.bus, self)
        self.bridge.open()
        if not self.fleet.running:
            self._owns_fleet = True  # set first: a start that fails half-way is still stopped on exit
            try:
                await self.fleet.start()
            except MfpError as exc:
                await self._stop_with("The fleet could not start", str(exc))
                return
        if not self.fleet.running:
            # A second panel (e.g. a second browser tab of `mfp-console serve`) on the same state folder.
            await self._stop_with("State folder in use",
                                  in_use_text(str(self.fleet.state_dir), self.fleet.running_elsewhere()))
            return
        await self.query_one("#top").mount(self._side_column())
        await self.mount(self._bottom_views(), before=self.query_one(KeysFooter))
        first = self.panel(self.machine)
        if not self.fleet.is_running(self.machine):
            await first.remove()  # the wanted one runs in another process: its panel is there
            self.machine = self.fleet.running[0]
        else:
            await first.fleet_started()
        await self.switch_machine(self.machine)
        self._fit_layout()
        self.set_interval(1.0, self._tick, name="lockout countdown")
        load_pages()  # now, not at the first touch of a page
        self.started = True
        self.refresh_bindings()
        if self.record_from_start:
            await self.fleet.settle()  # as a replay does before its first step (the default fleet synchronizes)
            self.recorder.start()

    async def _stop_with(self, title: str, text: str) -> None:
        """Shows why the panel cannot open, on the panel (a browser shows nothing else); <Close> ends the app."""
        self.stop_reason = text
        await self.query_one("#top").remove()
        await self.mount(Vertical(StopNotice(title, text), id="stop-holder"), before=self.query_one(KeysFooter))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the fleet starts, and while the panel says why it cannot open, only help and quit work (the
        other keys need machines)."""
        if (self.stop_reason or not self.started) and action not in ("quit", "help"):
            return False
        return super().check_action(action, parameters)

    async def action_quit(self) -> None:
        if self.stop_reason:
            self.query_one(StopNotice).action_close()  # keep the reason as the exit message
            return
        await super().action_quit()

    async def on_unmount(self) -> None:
        self.recorder.stop()  # ``mfp-console record``: quitting saves the scenario
        if self.bridge is not None:
            self.bridge.close()
        if self._owns_fleet:
            self.fleet.save_machine_time()  # the next ``--clock virtual`` session resumes here
            await self.fleet.stop()

    def _side_column(self) -> VerticalScroll:
        return VerticalScroll(
            ClockFace(self.fleet.clock, id="clock"),
            MachineSwitcher(self.fleet, self.machine, id="switcher"),
            FaultPanel(self.fleet, self.machine, id="faults"),
            id="side",
        )

    def _bottom_views(self) -> Horizontal:
        return Horizontal(FleetView(self.fleet, self.links, id="fleet-view"), EventLog(id="event-log"), id="bottom")

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        """Restyles ``node`` and its descendants, but only once it is in the DOM.

        Textual styles every widget in full when it is mounted; before that a restyle is work thrown away,
        and a Button asks for three while it is constructed (its variant and style classes): 0.62 ms of CPU
        per button built on a running panel before, 0.08 ms after.
        """
        if node is self or node in self._registry:
            super().update_styles(node, animate)

    def on_resize(self) -> None:
        self._fit_layout()

    def _fit_layout(self) -> None:
        """Below about 110×34 the side column and the bottom views give way to the panel (F6/F7 show them)."""
        if not self.query("#side"):
            return
        narrow = self.size.width < NARROW_WIDTH or self.size.height < NARROW_HEIGHT
        if narrow != self._narrow:
            self._narrow = narrow
            self.screen.set_class(narrow, "-narrow")
            self.set_class(narrow, "-narrow")  # dialogs lay out for a small terminal too (``App.-narrow …``)
            for widget_id in ("#side", "#bottom"):
                self.query_one(widget_id).display = not narrow
        self._mark_bottom()

    def _mark_bottom(self) -> None:
        """On a small terminal the bottom views sit just above the footer (docked at the same edge), and with
        both overlays shown the side column ends where the bottom views begin (docked widgets ignore
        margins, so offset and height are set here)."""
        bottom = self.query_one("#bottom")
        side = self.query_one("#side")
        footer = len(footer_lines(self.footer_keys(self.screen_stack[0]), self.size.width))
        if self._narrow:
            bottom.styles.offset = (0, -footer)
        if self._narrow and bottom.display:
            side.styles.max_height = max(3, self.size.height - footer - BOTTOM_HEIGHT - 1)
        else:
            side.styles.max_height = None

    # --- machines -----------------------------------------------------------------------------------

    def panel(self, machine: str) -> MachinePanel:
        """The panel of ``machine`` (it must have been shown once)."""
        return self.query_one(f"#panel-{machine}", MachinePanel)

    @property
    def current_panel(self) -> MachinePanel:
        """The panel of the machine the operator stands at."""
        return self.panel(self.machine)

    async def switch_machine(self, machine: str) -> None:
        """Walks to ``machine``: shows its own panel, in its own state (UI-02)."""
        self.fleet.spec.machine(machine)
        if not self.fleet.is_running(machine):
            self.notify(f"{machine} runs in another process: its panel is there.", severity="warning")
            return
        switcher = self.query_one("#panels", ContentSwitcher)
        if not self.query(f"#panel-{machine}"):
            await switcher.add_content(MachinePanel(machine, id=f"panel-{machine}"))
        self.machine = machine
        switcher.current = f"panel-{machine}"
        self.sub_title = machine
        self.query_one(MachineSwitcher).choose(machine)
        self.query_one(FleetView).follow(machine)
        self.query_one(FaultPanel).follow(machine)
        panel = self.current_panel
        panel.refresh_state()
        panel.refresh_data()
        focusable = [w for w in panel.query("#page-holder TouchButton, #page-holder DataTable") if w.focusable]
        if focusable:
            focusable[0].focus()

    async def present(self, machine: str, key: str | None = None, **details: object) -> bool:
        """Live scenario play: walks to ``machine`` and shows its page of menu node ``key`` (the distribution
        status list, a client's <Restore Data> …) to the audience. Returns False when it cannot be shown
        (the machine runs elsewhere, a dialog is open)."""
        if not self.fleet.is_running(machine) or self.screen is not self.screen_stack[0]:
            return False
        await self.switch_machine(machine)
        if key is not None:
            await self.current_panel.present(key, **details)
        return True

    async def end_presentation(self, machine: str) -> None:
        """Puts every panel back where :meth:`present` found it and walks back to ``machine``."""
        for panel in self.query(MachinePanel):
            await panel.end_presentation()
        if machine != self.machine and self.fleet.is_running(machine):
            await self.switch_machine(machine)

    # --- engine messages ----------------------------------------------------------------------------

    def on_engine_event_posted(self, message: EngineEventPosted) -> None:
        event = message.event
        self.links.note(event)
        for log in self.query(EventLog):
            log.add(event)
        for view in self.query(FleetView):  # the Links column of both ends of a transfer
            for name in _linked(event):
                view.show_machine(name)
        for clock in self.query(ClockFace):  # a saved schedule, a run that ended: the next event changed
            clock.tick()
        if isinstance(event, (DataChanged, SyncEvent)) and self.query(f"#panel-{event.machine}"):
            self.panel(event.machine).refresh_data()
        if isinstance(event, (DataChanged, SyncEvent)):
            refresh = getattr(self.screen, "refresh_data", None)  # an open Remote UI or personal screen
            if callable(refresh):
                refresh()
        for name in _pages_to_tell(event):
            if self.query(f"#panel-{name}"):
                page = self.panel(name).page  # e.g. live <Status> cells (DID-04), a client's log (DID-23)
                if page is not None:
                    page.engine_event(event)

    def on_machine_changed(self, message: MachineChanged) -> None:
        name = message.machine
        if self.bridge is not None:
            self.bridge.refreshed(name)
        if not self.started or not self.fleet.is_running(name):
            return
        self.query_one(FleetView).show_machine(name)
        self.query_one(MachineSwitcher).show_machine(name)
        self.query_one(FaultPanel).show_machine(name)
        if self.query(f"#panel-{name}"):
            self.panel(name).refresh_state()

    @on(MachineSwitcher.Chosen)
    @on(FleetView.Chosen)
    async def _walk(self, message: MachineSwitcher.Chosen | FleetView.Chosen) -> None:
        await self.switch_machine(message.machine)

    @on(ClockFace.Advance)
    async def _advance(self, message: ClockFace.Advance) -> None:
        await self.advance_clock(message.seconds)

    async def advance_clock(self, seconds: float | None = None) -> None:
        """Under a virtual clock: to the next scheduled event (``None``) or ``seconds`` on (UI-05)."""
        if not self.fleet.clock.is_virtual:
            self.notify("The clock is real: it cannot be moved.", severity="warning")
            return
        try:
            if seconds is None:
                if await self.fleet.advance_to_next() is None:
                    self.notify("Nothing is scheduled.", title="Clock")
            else:
                await self.fleet.advance(seconds)
        except MfpError as exc:
            self.notify(str(exc), severity="error")
        self.clock_moved()

    def clock_moved(self) -> None:
        """Repaints what depends on machine time (clock, lockout countdowns)."""
        for clock in self.query(ClockFace):
            clock.tick()
        for panel in self.query(MachinePanel):
            panel.refresh_state()
            page = panel.page
            if page is not None:
                page.time_moved()
        if isinstance(self.screen, LoginDialog):
            self.screen.refresh_lock()

    def _tick(self) -> None:
        if self.started and self.fleet.panel.lock_seconds_left(self.machine) > 0:
            self.current_panel.refresh_state()

    # --- actions ------------------------------------------------------------------------------------

    @property
    def _panel_in_front(self) -> bool:
        """True when the panel itself (not a dialog over it) takes the operator's keys."""
        return self.started and self.screen is self.screen_stack[0]

    async def action_back(self) -> None:
        if self._panel_in_front:
            await self.current_panel.back()

    async def action_home(self) -> None:
        if self._panel_in_front:
            await self.current_panel.home()

    async def action_next_machine(self) -> None:
        if not self._panel_in_front:
            return
        names = list(self.fleet.running)
        await self.switch_machine(names[(names.index(self.machine) + 1) % len(names)])

    def action_login_toggle(self) -> None:
        if not self._panel_in_front:
            return
        panel = self.current_panel
        if self.fleet.panel.is_admin(self.machine):
            panel.log_out()
        else:
            panel.log_in()

    def action_user_login(self) -> None:
        """F5: a login user logs in (SYNC-08), or, when one is logged in, opens their personal settings."""
        if self._panel_in_front:
            self.current_panel.user_key()

    def user_log_out(self) -> None:
        """Logs out whoever is logged in at the current machine (the user, and the Administrator too)."""
        self.current_panel.log_out()

    @property
    def _own_screen(self) -> bool:
        """True when the screen shown is the panel or one of its dialogs (not Textual's command palette)."""
        return not isinstance(self.screen, SystemModalScreen)

    def action_arrow(self, name: str) -> None:
        """An arrow key: the focus moves to the nearest control that way (UI-07), unless the focused
        control uses the arrow itself (a field's cursor, a list's rows), or nothing lies that way (then a
        scrolling page scrolls)."""
        arrow = Arrow[name]
        focused = self.screen.focused
        if not self._own_screen or (focused is not None and uses_arrow(focused, arrow)):
            raise SkipAction()
        target = arrow_target(self.screen, focused, arrow)
        if target is None:
            raise SkipAction()
        self.screen.set_focus(target)

    def action_tab(self, step: int) -> None:
        """Tab / Shift+Tab, moved at once (like the arrows) so a burst such as ``Tab Enter`` stays in order."""
        if not self._own_screen:
            raise SkipAction()
        if step > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def action_toggle_side(self) -> None:
        side = self.query_one("#side")
        side.display = not side.display

    def action_toggle_bottom(self) -> None:
        bottom = self.query_one("#bottom")
        bottom.display = not bottom.display
        self._mark_bottom()

    def action_toggle_instructor(self) -> None:
        """F10: instructor mode on or off (UI-06); every text of every screen is shown anew."""
        self.set_instructor(not self.instructor)

    def set_instructor(self, on: bool) -> None:
        """Switches instructor mode (UI-06): rule IDs and the emulator's own codes on the panel, or not."""
        self.instructor = on
        self.set_class(on, "-instructor")
        for screen in self.screen_stack:
            for widget in screen.query(PanelText):
                widget.refresh(layout=True)
        self.notify("Instructor mode on: the panel names rules and the emulator's codes." if on
                    else "Instructor mode off: the panel speaks like the machine.", title="Instructor mode")

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        """A notification speaks like the machine too (UI-06), unless instructor mode is on."""
        title = kwargs.get("title")
        if isinstance(title, str):
            kwargs["title"] = machine_words(title, instructor=self.instructor)
        super().notify(machine_words(message, instructor=self.instructor), *args, **kwargs)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME.name if self.theme == DARK_THEME.name else DARK_THEME.name

    async def action_next_event(self) -> None:
        await self.advance_clock(None)

    def action_save_svg(self) -> None:
        now = self.fleet.clock.now()
        folder = Path(self.screenshot_dir or Path.cwd())
        stem = f"mfp-console-{self.machine}-{now:%Y%m%dT%H%M%S}"
        name, number = f"{stem}.svg", 1
        while (folder / name).exists():  # a virtual clock stands still: several shots in one machine second
            number += 1
            name = f"{stem}-{number}.svg"
        path = self.save_screenshot(name, str(folder))
        self.notify(path, title="Screenshot saved")

    def action_record(self) -> None:
        """``ctrl+r``: starts recording, or stops and saves the scenario (docs/recording.md)."""
        if not self.started:
            return
        if not self.recorder.active:
            self.recorder.start()
            self.notify("Recording what you do. ctrl+r again (or the palette) stops and saves it.",
                        title="Recording")
            return
        path = self.recorder.stop()
        if path is None:
            self.notify(self.recorder.error, title="Recording not saved", severity="error")
        else:
            self.notify(str(path), title="Recording saved")

    def expect_this(self) -> None:
        """The palette's "Expect this": the current machine's key facts become an ``expect`` step."""
        if not self.recorder.active:
            self.notify("Start recording first (ctrl+r).", severity="warning")
            return
        self.recorder.expect_this()
        self.notify(f"{self.machine}'s state, statuses and data will be checked here.", title="Expect this")

    def action_help(self) -> None:
        """F1: the help screen (over whatever is shown; F1 again closes it)."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(help_keys(self.BINDINGS)))

    def footer_keys(self, screen: Screen[Any]) -> list[FooterKey]:
        """The keys that work on ``screen``, for its footer (``keys.footer_keys``)."""
        dialog = screen is not self.screen_stack[0] and isinstance(screen, PanelDialog)
        return footer_keys(screen.BINDINGS if dialog else None, virtual_clock=self.clock.is_virtual)

    # --- command palette ----------------------------------------------------------------------------

    def palette_commands(self) -> list[PaletteCommand]:
        """Commands for the palette: machines, menu nodes, faults, clock, theme, screenshot."""
        return palette_commands(self)


def _pages_to_tell(event: Any) -> tuple[str, ...]:
    """The machines whose open page hears of an engine event: its machine, and a destination's own."""
    names = [event.machine] if event.machine else []
    destination = getattr(event, "destination", "")
    if isinstance(event, DestinationStatusChanged) and destination and destination != event.machine:
        names.append(destination)
    return tuple(names)


def _linked(event: Any) -> tuple[str, ...]:
    """The machines whose Links cell an event changes: a transfer's two ends, a finished run's all."""
    if isinstance(event, DestinationStatusChanged):
        return (event.machine, event.destination)
    if isinstance(event, DistributionFinished):
        return (event.machine, *(name for name, _ in event.results))
    return ()


def create_app(
    fleet_file: Path | str | None = None,
    state_dir: Path | str | None = None,
    clock: Clock | None = None,
    *,
    machine: str = "host",
    fleet: Fleet | None = None,
    theme: str | None = None,
    for_tests: bool = False,
    screenshot_dir: Path | None = None,
    instructor: bool = False,
) -> MfpConsoleApp:
    """Builds the panel app; the CLI, the tests, the snapshot tests and the scenario runner all call this.

    Args:
        fleet_file: Fleet file (YAML); the built-in default fleet when None. Ignored when ``fleet`` is given.
        state_dir: Where machine data and the PKI live; the user data directory's per-fleet folder when None.
        clock: The fleet's clock; a real clock in the fleet's time zone when None.
        machine: The machine the operator stands at first (the fleet's first distribution host when the
            fleet has no machine of that name and the default was kept).
        fleet: An existing fleet to show instead of loading ``fleet_file`` (started on mount if not running;
            the app stops only a fleet it started).
        theme: ``dark`` (default), ``light`` or a Textual theme name.
        for_tests: Freeze cursor blink, press highlight and animations (deterministic snapshots).
        screenshot_dir: Where the screenshot action writes SVG files.
        instructor: Start in instructor mode (UI-06): rule IDs and the emulator's codes on the panel too.

    Raises:
        ConfigError: The fleet file is invalid or names no such machine.
    """
    source: Fleet | FleetToOpen
    if fleet is None:
        from mfp_console.fleet_file import load_fleet_file

        spec = load_fleet_file(fleet_file)
        if clock is None:
            clock = RealClock(_zone(spec.settings.timezone))
        source = FleetToOpen(spec, Path(state_dir) if state_dir is not None else None, clock, fleet_file)
    else:
        source = fleet
    if machine not in source.spec.names:
        if machine != "host":
            try:
                source.spec.machine(machine)
            except KeyError as exc:
                raise ConfigError(str(exc.args[0])) from None
        machine = source.spec.default_host()
    app = MfpConsoleApp(source, machine=machine, theme=theme, still=for_tests, screenshot_dir=screenshot_dir,
                        instructor=instructor)
    if fleet_file is not None:
        app.recorder.fleet_file = Path(fleet_file)  # a recording names the fleet it was made on
    return app


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r} in the fleet file") from None


