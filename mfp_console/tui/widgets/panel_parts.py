"""The fixed parts of a machine's panel: header, ``Settings/Registration`` key row, curtain, action bar."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button

from mfp_console.domain.machine import (
    Activity,
    MachineIdentity,
    MachineState,
    PowerState,
)
from mfp_console.domain.menu import PATH_SEPARATOR
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["ActionBar", "Curtain", "HeaderFacts", "KeyRow", "PanelHeader", "RoleLabel", "fit_breadcrumb"]

BAR_ACTIONS = ("back", "next", "ok", "cancel")
_BAR_LABELS = {"back": "<Back>", "next": "<Next>", "ok": "<OK>", "cancel": "<Cancel>"}
STARTING_UP = "Starting up…"
"""What the panel says while its machine starts (the fleet is being started)."""


@dataclass(frozen=True)
class HeaderFacts:
    """What the header shows, read from the facade in one go."""

    identity: MachineIdentity
    state: MachineState
    admin: bool
    lock_seconds: float
    user: str = ""
    """The login user at the panel (SYNC-08), empty when none."""

    @property
    def state_line(self) -> str:
        """``Power On · Idle · No error · Network OK · TLS OK``."""
        s = self.state
        return " · ".join((
            f"Power {s.power.value}",
            s.activity.value,
            f"Error {s.error_code}" if s.error_code else "No error",
            "Network cut" if s.network_cut else "Network OK",
            "TLS OK" if s.tls_configured else "No TLS key",
        ))

    @property
    def role(self) -> str:
        """``Administrator``, ``User alice`` (a login user, SYNC-08), ``Locked m:ss`` (logins, M-03) or
        ``Not logged in``."""
        if self.admin and self.user:
            return f"Admin + {self.user}"
        if self.admin:
            return "Administrator"
        if self.user:
            return f"User {self.user}"
        if self.lock_seconds > 0:
            return f"Locked {format_countdown(self.lock_seconds)}"
        return "Not logged in"


def format_countdown(seconds: float) -> str:
    """``4:59`` for 299 s (rounded up: a lock with 0.2 s left still shows 0:01)."""
    whole = int(-(-seconds // 1))
    return f"{whole // 60}:{whole % 60:02d}"


class RoleLabel(Static):
    """Who is logged in; touching it opens the user login, or the user's personal settings (SYNC-08)."""

    class Touched(Message):
        """The role label was touched (clicked)."""

    def on_click(self) -> None:
        self.post_message(self.Touched())


class PanelHeader(Grid):
    """The machine you stand at, its model, its state and who is logged in, with ``<Log In>``/``<Log Out>``."""

    DEFAULT_CSS = """
    PanelHeader { height: 2; background: $primary-muted; color: $text; padding: 0 1;
        grid-size: 2; grid-columns: 1fr 16; }
    PanelHeader > Static { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    PanelHeader #machine-line { text-style: bold; }
    PanelHeader #state-line { color: $text-muted; }
    PanelHeader #role { content-align: right middle; }
    PanelHeader #login-key { width: 16; }
    PanelHeader.-admin #role { color: $text-success; text-style: bold; }
    PanelHeader.-user #role { color: $text-accent; text-style: bold; }
    PanelHeader.-fault #state-line { color: $text-error; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="machine-line")
        yield RoleLabel(id="role")
        yield Static(id="state-line")
        yield TouchButton("<Log In>", key="login", id="login-key", compact=True)

    def show(self, facts: HeaderFacts) -> None:
        """Paints the header from ``facts``."""
        self._show_identity(facts.identity)
        self.query_one("#state-line", Static).update(Content(facts.state_line))
        self.query_one("#role", Static).update(Content(facts.role))
        key = self.query_one("#login-key", TouchButton)
        key.key = "logout" if facts.admin else "login"
        key.plain_label = "<Log Out>" if facts.admin else "<Log In>"
        key.label = Content(key.plain_label)
        key.disabled = facts.state.power is PowerState.OFF
        self.set_class(facts.admin, "-admin")
        self.set_class(bool(facts.user) and not facts.admin, "-user")
        s = facts.state
        self.set_class(bool(s.error_code) or s.power is PowerState.OFF or s.network_cut, "-fault")

    def show_starting(self, identity: MachineIdentity) -> None:
        """Paints the header of a machine that is starting up (its state is not known yet)."""
        self._show_identity(identity)
        self.query_one("#state-line", Static).update(Content(STARTING_UP))
        self.query_one("#role", Static).update(Content(""))
        self.query_one("#login-key", TouchButton).disabled = True

    def _show_identity(self, ident: MachineIdentity) -> None:
        self.query_one("#machine-line", Static).update(
            Content(f"{ident.name} · {ident.model} ({ident.series}) · {ident.location}")
        )


class KeyRow(Horizontal):
    """The ``Settings/Registration`` key and the breadcrumb of the menu path, on one line: when the path is
    longer than the line, its first levels give way to ``…`` (the last levels say where you are). At its
    end the ``Remote UI`` key opens the machine's Remote UI window (UI-06: a browser on the machine's web
    pages, not a key of the machine)."""

    DEFAULT_CSS = """
    KeyRow { height: auto; padding: 0 0 0 1; margin: 1 0 0 0; }
    KeyRow #settings-key { width: 23; }
    KeyRow #breadcrumb { width: 1fr; padding: 0 0 0 1; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    KeyRow #remote-ui-key { width: 11; }
    """

    breadcrumb = ""
    """The whole path, e.g. ``Settings/Registration › <Management Settings>`` (what is shown may be shorter)."""

    def compose(self) -> ComposeResult:
        yield TouchButton("Settings/Registration", key="settings", id="settings-key", variant="primary",
                          compact=True)
        yield Static(id="breadcrumb")
        yield TouchButton("Remote UI", key="remote", id="remote-ui-key", compact=True,
                          tooltip="The machine's Remote UI, as a web browser shows it")

    def show(self, breadcrumb: str) -> None:
        """Shows the path, e.g. ``Settings/Registration › <Management Settings>``."""
        self.breadcrumb = breadcrumb
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        crumb = self.query_one("#breadcrumb", Static)
        crumb.update(Content(fit_breadcrumb(self.breadcrumb, crumb.content_region.width)))


def fit_breadcrumb(path: str, width: int) -> str:
    """``path`` (levels joined by `` › ``) in ``width`` cells: whole when it fits, else its last levels after
    ``…`` (``… › <Receiving Settings> › <Restore Data>``), else the end of the last level."""
    if width <= 0 or cell_len(path) <= width:
        return path
    levels = path.split(PATH_SEPARATOR)
    for start in range(1, len(levels)):
        shorter = PATH_SEPARATOR.join(["…", *levels[start:]])
        if cell_len(shorter) <= width:
            return shorter
    return "…" + levels[-1][-(width - 1):] if width > 1 else "…"


class Curtain(Vertical):
    """What covers the panel when it cannot be used: power off, sleep, the setting-update screen (DID-11),
    or an error such as ``E-UPDATE`` (DID-12)."""

    DEFAULT_CSS = """
    Curtain { height: 1fr; align: center middle; display: none; }
    Curtain.-shown { display: block; }
    Curtain > Static { width: 100%; content-align: center middle; text-align: center; height: auto; padding: 1 2; }
    Curtain #curtain-title { text-style: bold; }
    Curtain.-updating #curtain-title { color: $text-warning; }
    Curtain.-error #curtain-title { color: $text-error; }
    Curtain > TouchButton { margin: 1 0 0 0; }
    Curtain > Horizontal { height: auto; align: center middle; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="curtain-title")
        yield Static(id="curtain-text")
        with Horizontal():
            yield TouchButton("<Wake Up>", key="wake", id="wake-key")

    def show(self, state: MachineState) -> bool:
        """Covers the panel when ``state`` needs it; returns True when covered."""
        return self._cover(*_curtain_for(state))

    def show_starting(self) -> None:
        """Covers the panel while the machine starts up."""
        self._cover(STARTING_UP, "Please wait.", "starting")

    def _cover(self, title: str, text: str, kind: str) -> bool:
        """Shows ``title`` and ``text`` over the panel as ``kind`` (none: uncovered); True when covered."""
        for name in ("-off", "-sleep", "-updating", "-error", "-starting"):
            self.remove_class(name)
        self.set_class(bool(kind), "-shown")
        if kind:
            self.add_class(f"-{kind}")
            self.query_one("#curtain-title", Static).update(Content(title))
            self.query_one("#curtain-text", Static).update(Content(text))
        self.query_one("#wake-key").display = kind == "sleep"
        return bool(kind)


def _curtain_for(state: MachineState) -> tuple[str, str, str]:
    if state.power is PowerState.OFF:
        return ("Main power is off", "The panel is dark. Turn the machine on from the fault panel.", "off")
    if state.activity is Activity.UPDATING:
        return (
            "Updating settings…",
            "The machine is applying device information it received. Every operation waits until the "
            "update ends. Do not turn off the main power. (DID-11)",
            "updating",
        )
    if state.error_code:
        return (
            f"Error {state.error_code}",
            "Call your service representative. (Clear the error from the fault panel.) (DID-12)",
            "error",
        )
    if state.power is PowerState.SLEEP:
        return ("Sleep mode", "Touch the panel to wake the machine up.", "sleep")
    return ("", "", "")


class ActionBar(Horizontal):
    """The ``<Back>``/``<Next>``/``<OK>``/``<Cancel>`` bar; each page says which of them it uses."""

    DEFAULT_CSS = """
    ActionBar { height: 3; dock: bottom; padding: 0 1; background: $panel; }
    ActionBar > TouchButton { width: 1fr; margin: 0 1; }
    """

    class Used(Message):
        """A bar button was pressed."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def compose(self) -> ComposeResult:
        for action in BAR_ACTIONS:
            variant = "primary" if action == "ok" else "default"
            yield TouchButton(_BAR_LABELS[action], key=action, id=f"bar-{action}", variant=variant)

    def enable(self, actions: frozenset[str], *, all_off: bool = False) -> None:
        """Enables the bar buttons in ``actions`` (none when ``all_off``)."""
        for button in self.query(TouchButton):
            button.disabled = all_off or button.key not in actions

    @on(Button.Pressed)
    def _used(self, event: Button.Pressed) -> None:
        event.stop()
        if isinstance(event.button, TouchButton):
            self.post_message(self.Used(event.button.key))
