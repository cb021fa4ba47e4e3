"""A small driver of the panel for scenarios and tests: walk to a machine, log in, touch buttons by label.

It works through the Textual pilot the way a person would: it clicks (a click is a touch) the button
whose label is on screen, types into fields, and reads the screen's text back. It never edits widget
state directly; the one shortcut is typing, which is delivered as a paste into the focused field (one
event instead of one key press per character, ~0.1–0.2 s each under the pilot).

Labels match with or without angle brackets, case-insensitively: ``press("management settings")``
touches ``<Management Settings>``. A label not on screen raises :class:`PanelDriverError` listing the
labels that are.

Every action ends with :meth:`PanelDriver.settle`, which waits for *state*, not time: until every message
pump of the app (the app, every screen of the stack and all their widgets) has handled all it was sent,
no callback is pending, the screen is laid out and no worker runs (:func:`app_is_quiet`). Textual's own
pilot pause ends when the process *looks* idle (CPU time against wall time); on a loaded machine a starved
process looks idle while a chain of messages (a touch → ``Pressed`` → ``Chosen`` → mounting a panel) is
still under way, which is how a scenario once read the panel before it had walked (issue 14).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from textual import events
from textual.app import App
from textual.geometry import Offset
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioButton, SelectionList

from mfp_console.errors import MfpError
from mfp_console.tui.quiet import (
    Pending,
    app_is_quiet,
    pending,
    screens_behind_to_lay_out,
)
from mfp_console.tui.screens.login import LoginDialog
from mfp_console.tui.widgets.did_parts import TickTable
from mfp_console.tui.widgets.touch import (
    OnOffToggle,
    PanelInput,
    TouchButton,
    same_label,
)

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from mfp_console.tui.app import MfpConsoleApp

__all__ = ["PanelDriver", "PanelDriverError", "app_is_quiet", "screen_text", "touch"]

_QUICK_TURNS = 200
"""Loop turns :meth:`PanelDriver.settle` looks at the app before it pauses between looks."""

SETTLE_ROUNDS = 2000
"""Pilot pauses before :meth:`PanelDriver.settle` gives up. Each round lets every pending handler finish,
so only a real hang (a handler that never returns, a message loop) uses them up."""


class PanelDriverError(MfpError):
    """The driver could not do what it was asked (a label not on screen, a login refused …)."""


def screen_text(app: MfpConsoleApp) -> str:
    """The plain text of what the terminal shows now (modal dialogs over the screen below them)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False, color_system=None)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def _label_of(widget: Widget) -> str:
    if isinstance(widget, TouchButton):
        return widget.plain_label
    if isinstance(widget, (Button, RadioButton, Checkbox)):
        return widget.label.plain
    return ""


def _lay_out(app: App[object]) -> None:
    """Runs now what the frame timers of the screens shown would do next: a screen seen behind a dialog
    when it needs a layout (its repaint reaches the terminal through the top screen's), then the top one. A
    waiting driver never reads a screen before it is laid out."""
    for behind in screens_behind_to_lay_out(app):
        behind._on_timer_update()
    app.screen._on_timer_update()


async def touch(app: App[object], widget: Widget, settle: Callable[[], Awaitable[None]]) -> None:
    """A finger on the top-left cell of ``widget``: mouse down, up and click, each handled in full
    (``settle``) before the next, as the terminal sends them.

    Textual's ``Pilot.click`` does the same but waits between the events until the process looks idle
    (at least 20 ms each, longer while the fleet works beside the panel) and asks every widget of the screen
    for a callback each time; waiting for the app's state instead keeps a touch as fast as the app is
    and independent of the machine's load.

    Raises:
        PanelDriverError: The cell is off screen or another widget covers it.
    """
    screen = app.screen
    x, y = widget.region.offset
    if not widget.region.area or Offset(x, y) not in screen.size.region:
        raise PanelDriverError(f"{_label_of(widget) or widget!r} is not on screen")
    under, _ = app.get_widget_at(x, y)
    if under is not widget:
        raise PanelDriverError(f"{_label_of(widget) or widget!r} is covered by something else")
    for kind in (events.MouseDown, events.MouseUp, events.Click):
        arguments: dict[str, Any] = {"widget": widget, "x": x, "y": y, "delta_x": 0, "delta_y": 0, "button": 1,
                                     "shift": False, "meta": False, "ctrl": False, "screen_x": x, "screen_y": y}
        if kind is events.Click:
            arguments["chain"] = 1
        app.mouse_position = Offset(x, y)  # as the app's own event handling would set it (tooltips read it)
        screen._forward_event(kind(**arguments))
        await settle()


class PanelDriver:
    """Drives ``app`` through ``pilot``.

    Args:
        app: An app from :func:`~mfp_console.tui.app.create_app`, running under ``pilot``.
        pilot: The pilot of ``app.run_test()``.
    """

    def __init__(self, app: MfpConsoleApp, pilot: Pilot[int]) -> None:
        self.app = app
        self.pilot = pilot

    # --- waiting ------------------------------------------------------------------------------------

    async def settle(self) -> None:
        """Waits until the app has handled everything it was sent (:func:`app_is_quiet`).

        Raises:
            PanelDriverError: The app never settled (a handler hangs or messages loop).
        """
        app = self.app
        for _ in range(_QUICK_TURNS):  # the common case: a few turns of the loop handle what is pending
            state = pending(app)
            if state is Pending.NOTHING:
                return
            if state is Pending.LAYOUT:
                _lay_out(app)  # now rather than at the screens' next frames
                continue
            await asyncio.sleep(0)
        for _ in range(SETTLE_ROUNDS):  # something takes longer (mounting a panel, a worker): the pilot's
            await self.pilot.pause()  # pause lets the loop breathe between looks
            if app.animator._animations or app.animator._scheduled:
                await app.animator.wait_until_complete()
            _lay_out(app)
            if app_is_quiet(app):
                return
        raise PanelDriverError(f"the panel did not settle after {SETTLE_ROUNDS} rounds (a handler hangs?)")

    async def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        """Settles, then again while ``condition`` does not hold and the app still has work; raises
        :class:`PanelDriverError` saying ``what`` when the app is quiet and ``condition`` still false."""
        for _ in range(SETTLE_ROUNDS):
            if condition() and app_is_quiet(self.app):
                return
            await self.settle()
            if condition():
                return
            if app_is_quiet(self.app):
                raise PanelDriverError(what)
        raise PanelDriverError(what)

    # --- reading ------------------------------------------------------------------------------------

    def visible_text(self) -> str:
        """Everything the screen shows, as plain text."""
        return screen_text(self.app)

    def current_path(self) -> tuple[str, ...]:
        """The current machine's menu path, e.g. ``("Settings/Registration", "Management Settings")``."""
        return self.app.current_panel.path_labels()

    async def save_svg(self, path: Path | str) -> Path:
        """Saves what the screen shows as an SVG file; returns its path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        await self.settle()
        target.write_text(self.app.export_screenshot(), encoding="utf-8")
        return target

    # --- finding controls ---------------------------------------------------------------------------

    def _visible(self, kinds: tuple[type[Widget], ...]) -> list[Widget]:
        screen = self.app.screen
        return [w for w in screen.query("*") if isinstance(w, kinds) and w.display and _shown(w)]

    def visible_labels(self) -> list[str]:
        """Labels of the buttons the operator can see and touch now."""
        return [_label_of(w) for w in self._visible((Button, RadioButton, Checkbox)) if not w.disabled]

    def _find_button(self, label: str) -> Widget:
        matches = [w for w in self._visible((Button, RadioButton, Checkbox)) if same_label(_label_of(w), label)]
        enabled = [w for w in matches if not w.disabled]
        if enabled:
            return enabled[0]
        if matches:
            raise PanelDriverError(f"{label!r} is on screen but disabled now")
        raise PanelDriverError(
            f"no button {label!r} on screen; visible: {', '.join(repr(t) for t in self.visible_labels())}"
        )

    async def _touch(self, widget: Widget) -> None:
        if not widget.screen.region.contains_region(widget.region) or not widget.region.area:
            widget.scroll_visible(animate=False, immediate=True)
            await self.settle()
        await touch(self.app, widget, self.settle)

    # --- acting -------------------------------------------------------------------------------------

    async def press(self, label: str) -> None:
        """Touches the visible button labelled ``label`` (angle brackets optional, case ignored)."""
        await self.settle()  # a page just switched to is laid out first
        await self._touch(self._find_button(label))

    async def press_path(self, labels: Sequence[str]) -> None:
        """Touches ``Settings/Registration`` and then each label in turn.

        Raises:
            PanelDriverError: A label is not on screen (e.g. a login is needed first: log in, then retry).
        """
        if len(self.app.current_panel.path) > 1:
            await self.press("Settings/Registration")
        items = list(labels)
        if items and same_label(items[0], "Settings/Registration"):
            items = items[1:]
        for label in items:
            await self.press(label)
            if isinstance(self.app.screen, LoginDialog):
                raise PanelDriverError(f"{label!r} asks for an Administrator login (M-03): call login() first")

    async def at(self, machine: str) -> None:
        """Walks to ``machine`` (its switcher button; the F3 key when the side column is hidden)."""
        if machine == self.app.machine:
            return
        self.app.fleet.spec.machine(machine)
        if self.app.screen is not self.app.screen_stack[0]:
            raise PanelDriverError(f"a dialog is open ({type(self.app.screen).__name__}): close it first")
        buttons = [b for b in self._visible((TouchButton,)) if isinstance(b, TouchButton) and b.id == f"switch-{machine}"]
        if buttons:
            await self._touch(buttons[0])
        else:
            for _ in self.app.fleet.spec.names:
                if self.app.machine == machine:
                    break
                await self.key("f3")
        await self.wait_until(lambda: self.app.machine == machine, f"could not walk to {machine}")

    async def login(self, manager_id: str, pin: str) -> bool:
        """Logs the Administrator in at the current machine with the keypad dialog.

        Returns:
            True when logged in; False when the panel refused (wrong PIN, locked): the dialog stays
            open showing why (read it with :meth:`visible_text`).
        """
        if not isinstance(self.app.screen, LoginDialog):
            if self.app.fleet.panel.is_admin(self.app.machine):
                return True
            await self.press("Log In")
        await self.wait_until(lambda: isinstance(self.app.screen, LoginDialog), "the login dialog did not open")
        if self.app.screen.query_one("#login-ok", TouchButton).disabled:
            return False  # logins are locked (M-03)
        if self.app.screen.query_one("#manager-id", Input).value != manager_id:
            await self.type_into("System Manager ID", manager_id)
        await self.type_into("System Manager PIN", pin)
        await self.key("enter")  # Enter in the PIN field is <Log In>
        return self.app.fleet.panel.is_admin(self.app.machine)

    async def user_login(self, user: str, password: str = "") -> bool:
        """Logs a login user in at the current machine (F5, the user login dialog, SYNC-08).

        Returns:
            True when ``user`` is logged in; the personal settings screen is open then.
        """
        from mfp_console.tui.screens.user_login import UserLoginDialog

        if not isinstance(self.app.screen, UserLoginDialog):
            if self.app.fleet.users.logged_in_user(self.app.machine) == user:
                return True
            await self.key("f5")
        if not isinstance(self.app.screen, UserLoginDialog):
            raise PanelDriverError("the user login dialog did not open (a user is logged in already?)")
        await self.type_into("User Name", user)
        if password:
            await self.type_into("Password", password)
        await self.press("Log In")
        return self.app.fleet.users.logged_in_user(self.app.machine) == user

    async def logout(self) -> None:
        """Logs out at the current machine (``<Log Out>`` in the header)."""
        if self.app.fleet.panel.is_admin(self.app.machine):
            await self.press("Log Out")

    async def set_toggle(self, label: str, on: bool) -> None:
        """Sets the ``<On>``/``<Off>`` toggle called ``label``."""
        toggles = [t for t in self._visible((OnOffToggle,)) if isinstance(t, OnOffToggle) and same_label(t.label, label)]
        if not toggles:
            names = [t.label for t in self._visible((OnOffToggle,)) if isinstance(t, OnOffToggle)]
            raise PanelDriverError(f"no toggle {label!r} on screen; visible toggles: {names}")
        toggle = toggles[0]
        if toggle.value != on:
            await self._touch(toggle.query_one(".toggle-on" if on else ".toggle-off"))

    async def tick(self, items: Iterable[str]) -> None:
        """Ticks the check boxes (or selection-list options, or rows of a list with ticks) labelled ``items``;
        others are left alone."""
        for item in items:
            boxes = [b for b in self._visible((Checkbox,)) if same_label(_label_of(b), item)]
            if boxes:
                box = boxes[0]
                assert isinstance(box, Checkbox)
                if not box.value:
                    await self._touch(box)
                continue
            if await self._tick_row(item):
                continue
            for selection in self._visible((SelectionList,)):
                assert isinstance(selection, SelectionList)
                for index in range(selection.option_count):
                    option = selection.get_option_at_index(index)
                    if same_label(str(option.prompt), item):
                        selection.focus()
                        selection.highlighted = index
                        await self.settle()
                        if option.value not in selection.selected:
                            await self.key("space")
                        break
                else:
                    continue
                break
            else:
                raise PanelDriverError(f"nothing to tick called {item!r} on screen")

    async def _tick_row(self, item: str) -> bool:
        """Ticks the row ``item`` of a visible list with ticks (``TickTable``): highlight it, press space."""
        for table in self._visible((TickTable,)):
            assert isinstance(table, TickTable)
            index = table.row_index(item)
            if index is None:
                continue
            key = table.keys[index]
            if not table.is_ticked(key):
                table.focus()
                table.move_cursor(row=index, animate=False)
                await self.settle()
                await self.key("space")
            return True
        return False

    async def paste(self, text: str) -> None:
        """Pastes ``text`` into whatever has the focus (e.g. the command palette's search field)."""
        self.app.post_message(events.Paste(text))
        await self.settle()

    async def key(self, *keys: str) -> None:
        """Presses ``keys`` one after another, each handled in full before the next."""
        if keys:
            await self.settle()  # what came before (a page being shown) is handled first
        for name in keys:
            await self.pilot.press(name)
            await self.settle()

    async def type_into(self, field_label: str, text: str) -> None:
        """Replaces the text of the field labelled ``field_label`` (its border title or placeholder)."""
        await self.settle()  # a dialog just pushed is laid out first
        fields = [f for f in self._visible((Input,)) if isinstance(f, Input) and _field_matches(f, field_label)]
        if not fields:
            names = [getattr(f, "field_label", "") or f.placeholder for f in self._visible((Input,))
                     if isinstance(f, Input)]
            raise PanelDriverError(f"no field {field_label!r} on screen; visible fields: {names}")
        field = fields[0]
        if not field.has_focus:
            await self._touch(field)
        if field.value:
            await self.key("home", "ctrl+k")  # to the start, delete to the end
        if text:
            self.app.post_message(events.Paste(text))
            await self.settle()
        if field.value != text and not field.restrict:
            raise PanelDriverError(f"field {field_label!r} holds {field.value!r}, not {text!r}")


def _field_matches(field: Input, label: str) -> bool:
    names = [field.placeholder, str(field.border_title or "")]
    if isinstance(field, PanelInput):
        names.append(field.field_label)
    return any(name and same_label(name, label) for name in names)


def _shown(widget: Widget) -> bool:
    """True when the widget and all its ancestors are displayed (not hidden by ``display: none``)."""
    node: object = widget
    while isinstance(node, Widget):
        if not node.display or not node.visible:
            return False
        node = node.parent
    return widget.region.area > 0 or widget.virtual_region.area > 0

