"""One machine's touch panel: header, ``Settings/Registration`` key, breadcrumb, page, action bar.

Each machine of the fleet gets its own :class:`MachinePanel`, kept while the operator walks to other
machines, so a panel stays where it was left (UI-02). Who is logged in is never kept here: it is asked
from the engine (``fleet.panel.is_admin``) each time the panel is painted. The curtain covers the page while the
machine is off, asleep, updating (DID-11) or in error (DID-12), and while the fleet starts (the panel's
first frame, before the engine is loaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.widgets import Button

from mfp_console.domain.machine import PowerState
from mfp_console.domain.menu import (
    MENU_TREE,
    FeatureStatus,
    MenuNode,
    breadcrumb,
    node_by_key,
    nodes_to,
)
from mfp_console.errors import RuleRefusal
from mfp_console.tui.pages import PanelPage, page_type_for
from mfp_console.tui.screens.dialogs import MessageBox, refusal_box
from mfp_console.tui.screens.login import LoginDialog
from mfp_console.tui.widgets.machine_keys import KeyStrip
from mfp_console.tui.widgets.panel_parts import (
    ActionBar,
    Curtain,
    HeaderFacts,
    KeyRow,
    PanelHeader,
    RoleLabel,
)
from mfp_console.tui.widgets.touch import TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet
    from mfp_console.tui.app import MfpConsoleApp

__all__ = ["MachinePanel"]


class MachinePanel(Vertical):
    """The touch panel of ``machine``.

    Args:
        machine: The machine's name.
    """

    DEFAULT_CSS = """
    MachinePanel { height: 1fr; border: round $primary; }
    MachinePanel #page-holder { height: 1fr; }
    MachinePanel.-covered #page-holder { display: none; }
    """

    def __init__(self, machine: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="machine-panel")
        self.machine = machine
        self.path: tuple[str, ...] = (MENU_TREE.key,)
        """Menu keys from ``Settings/Registration`` down to the node shown."""
        self._presented_from: tuple[str, ...] | None = None
        """Where the panel was before live scenario play showed a page on it (None: not showing one)."""

    # --- composition --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield PanelHeader()
        yield KeyRow()
        yield Curtain()
        yield Container(id="page-holder")
        yield KeyStrip()
        yield ActionBar()

    async def on_mount(self) -> None:
        self.border_title = f"{self.machine} — touch panel"
        if self._panel_app.started:
            await self.fleet_started()
        else:
            self._show_starting()

    async def fleet_started(self) -> None:
        """The fleet runs: the panel shows its page and the machine's state."""
        await self._show_page()
        self.refresh_state()

    def _show_starting(self) -> None:
        """The first frame, before the fleet runs: the machine starting up, every key greyed."""
        self.query_one(PanelHeader).show_starting(self._panel_app.machine_identity(self.machine))
        self.query_one(KeyRow).show(breadcrumb(self.node.key))
        self.query_one(Curtain).show_starting()
        self._enable_keys(PowerState.OFF, covered=True)

    def _enable_keys(self, power: PowerState, covered: bool) -> None:
        """Greys what a covered panel, or a machine without power, does not take."""
        self.set_class(covered, "-covered")
        self.query_one("#settings-key", TouchButton).disabled = covered
        self.query_one("#remote-ui-key", TouchButton).disabled = power is PowerState.OFF
        self.query_one(KeyStrip).enable_for(power, covered)
        self._paint_bar(covered)

    @property
    def _panel_app(self) -> MfpConsoleApp:
        return cast("MfpConsoleApp", self.app)

    @property
    def fleet(self) -> Fleet:
        """The fleet facade (the app's)."""
        return self._panel_app.fleet

    @property
    def node(self) -> MenuNode:
        """The node shown."""
        return node_by_key(self.path[-1])

    @property
    def page(self) -> PanelPage | None:
        """The page shown."""
        pages = self.query_one("#page-holder").query(PanelPage)
        return pages.first() if pages else None

    def path_labels(self) -> tuple[str, ...]:
        """Labels from ``Settings/Registration`` to the node shown (without angle brackets)."""
        return tuple(node_by_key(key).label for key in self.path)

    # --- state --------------------------------------------------------------------------------------

    def refresh_state(self) -> None:
        """Re-reads the machine's state and login from the engine and paints header, curtain and bar."""
        machine = self.fleet.view(self.machine)
        admin = machine.admin
        facts = HeaderFacts(machine.identity, machine.state, admin, machine.lock_seconds, machine.user)
        self.query_one(PanelHeader).show(facts)
        covered = self.query_one(Curtain).show(machine.state)
        self._enable_keys(machine.state.power, covered)
        if not admin and self._presented_from is None and any(node_by_key(k).needs_admin for k in self.path):
            # Logged out (or powered off) inside an Administrator menu: the panel returns to the top.
            self.path = (MENU_TREE.key,)
            self.call_next(self._show_page)

    def refresh_data(self) -> None:
        """Re-reads the page's data (the machine's data changed)."""
        page = self.page
        if page is not None:
            page.refresh_data()

    def repaint_bar(self) -> None:
        """Repaints the bar after the page changed the buttons it uses (:meth:`PanelPage.set_bar`)."""
        self._paint_bar(self.has_class("-covered"))

    def _paint_bar(self, covered: bool) -> None:
        page = self.page
        actions = set(page.BAR) if page is not None else {"back"}
        if len(self.path) == 1:
            actions.discard("back")
        self.query_one(ActionBar).enable(frozenset(actions), all_off=covered)

    # --- navigation ---------------------------------------------------------------------------------

    async def _show_page(self) -> None:
        node = self.node
        holder = self.query_one("#page-holder")
        await holder.remove_children()
        page_type = page_type_for(node.key, not node.is_screen, node.feature is FeatureStatus.PLANNED)
        page = page_type(self.fleet, self.machine, node)
        await holder.mount(page)
        self.query_one(KeyRow).show(breadcrumb(node.key))
        self._paint_bar(self.has_class("-covered"))
        focused = self.screen.focused
        if focused is None or self in focused.ancestors_with_self:
            first = [w for w in page.query("TouchButton, DataTable, Input") if w.focusable]
            if first:  # at once, not after a refresh: a key read next goes to this control
                self.screen.set_focus(first[0])

    async def go_to(self, key: str) -> bool:
        """Opens the node ``key`` from wherever the panel is, asking for a login first when needed (M-03).

        Returns:
            True when the node is shown now; False when a login dialog was opened first (the node opens
            once the login succeeds), the panel cannot be used, or the node is a greyed-out entry.
        """
        target = nodes_to(key)
        if self.has_class("-covered") or not target[-1].emulated:
            return False
        self._presented_from = None  # someone operates the panel now
        if any(n.needs_admin for n in target) and not self.fleet.panel.is_admin(self.machine):
            self._ask_login(key)
            return False
        self.path = tuple(n.key for n in target)
        await self._show_page()
        return True

    async def present(self, key: str, **details: object) -> None:
        """Shows the page of ``key`` to an audience during live scenario play: no login is asked (nobody
        operates; the step acts through the fleet) and the panel goes back with :meth:`end_presentation`."""
        wanted = tuple(n.key for n in nodes_to(key))
        if wanted == self.path and self.page is not None and not details and self._presented_from is None:
            return  # the panel shows it already, as the operator left it: leave it so
        if self._presented_from is None:
            self._presented_from = self.path
        if wanted != self.path or self.page is None:
            self.path = wanted
            await self._show_page()
        page = self.page
        if page is not None:
            page.present(**details)

    async def end_presentation(self) -> None:
        """Back to where the panel was before :meth:`present` (and the login rules hold again)."""
        if self._presented_from is None:
            return
        self.path, self._presented_from = self._presented_from, None
        await self._show_page()
        self.refresh_state()

    def _ask_login(self, then_key: str) -> None:
        async def logged_in(ok: bool | None) -> None:
            self.refresh_state()
            if ok:
                await self.go_to(then_key)

        self.app.push_screen(LoginDialog(self.fleet, self.machine), logged_in)

    async def back(self) -> None:
        """``<Back>``: one step back on a multi-step page, else one level up (nothing at the top)."""
        page = self.page
        if page is not None and page.step_back():
            return
        if len(self.path) > 1:
            self.path = self.path[:-1]
            await self._show_page()

    async def home(self) -> None:
        """The ``Settings/Registration`` key: the top of the menu."""
        await self.go_to(MENU_TREE.key)

    def log_in(self) -> None:
        """Opens the login dialog (the panel stays where it is)."""
        if not self.fleet.panel.is_admin(self.machine):
            self.app.push_screen(LoginDialog(self.fleet, self.machine), lambda _: self.refresh_state())

    def log_out(self) -> None:
        """Logs out whoever is logged in at this machine."""
        try:
            self.fleet.panel.logout(self.machine)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
        self.refresh_state()

    def user_key(self) -> None:
        """The user login key (F5, or touching who is logged in): log a user in, or open their personal
        settings when one is logged in already (SYNC-08)."""
        if self.has_class("-covered"):
            return
        from mfp_console.tui.pages.personal import PersonalDataScreen
        from mfp_console.tui.screens.user_login import UserLoginDialog

        def logged_in(ok: bool | None) -> None:
            self.refresh_state()
            if ok:
                self.app.push_screen(PersonalDataScreen(self.fleet, self.machine), lambda _: self.refresh_state())

        if self.fleet.users.logged_in_user(self.machine):
            self.app.push_screen(PersonalDataScreen(self.fleet, self.machine), lambda _: self.refresh_state())
        else:
            self.app.push_screen(UserLoginDialog(self.fleet, self.machine), logged_in)

    @on(RoleLabel.Touched)
    def _role_touched(self, event: RoleLabel.Touched) -> None:
        event.stop()
        self.user_key()

    # --- input --------------------------------------------------------------------------------------

    @on(PanelPage.OpenNode)
    async def _open_child(self, event: PanelPage.OpenNode) -> None:
        event.stop()
        await self.go_to(event.key)

    @on(ActionBar.Used)
    async def _bar(self, event: ActionBar.Used) -> None:
        event.stop()
        page = self.page
        if event.action != "back" and page is not None and page.bar_pressed(event.action):
            return
        await self.back()

    @on(Button.Pressed, "#settings-key")
    async def _settings_key(self, event: Button.Pressed) -> None:
        event.stop()
        await self.home()

    @on(Button.Pressed, "#login-key")
    def _login_key(self, event: Button.Pressed) -> None:
        event.stop()
        if self.fleet.panel.is_admin(self.machine):
            self.log_out()
        else:
            self.log_in()

    @on(Button.Pressed, "#remote-ui-key")
    def _remote_ui_key(self, event: Button.Pressed) -> None:
        event.stop()
        self.open_remote_ui()

    def open_remote_ui(self) -> None:
        """The ``Remote UI`` key: the machine's Remote UI window, on its portal page (UI-06)."""
        from mfp_console.tui.pages.remote_ui import RemotePortal

        self.app.push_screen(RemotePortal(self.fleet, self.machine), lambda _: self.refresh_data())

    @on(KeyStrip.Pressed)
    async def _hard_key(self, event: KeyStrip.Pressed) -> None:
        event.stop()
        await self.hard_key(event.key)

    async def hard_key(self, key: str) -> None:
        """A key beside the screen: ``home``, ``status``, ``energy``, ``counter`` or ``reset``."""
        from mfp_console.tui.screens.machine_info import (
            device_information_box,
            status_monitor_box,
        )

        if key == "home":
            await self.home()
        elif key == "status":
            self.app.push_screen(status_monitor_box(self.fleet, self.machine))
        elif key == "counter":
            self.app.push_screen(device_information_box(self.fleet, self.machine))
        elif key == "energy":
            self.energy_saver()
        elif key == "reset":
            await self.reset()

    def energy_saver(self) -> None:
        """The ``Energy Saver`` key (M-10): Sleep mode, or awake again; a rule that keeps the machine awake
        (SYNC-13) is said in a message, and nothing changes."""
        try:
            self.fleet.panel.energy_saver(self.machine)
        except RuleRefusal as exc:
            title = f"Energy Saver ({exc.rule_id})" if exc.rule_id else "Energy Saver"
            self.app.push_screen(MessageBox(title, _sleep_words(exc.reason)))
        self.refresh_state()

    async def reset(self) -> None:
        """The ``Reset`` key: ends the Administrator's and the user's login and returns to the top."""
        if self.fleet.panel.is_admin(self.machine) or self.fleet.users.logged_in_user(self.machine):
            self.log_out()
        self.path = (MENU_TREE.key,)
        await self._show_page()
        self.refresh_state()

    @on(Button.Pressed, "#wake-key")
    def _wake(self, event: Button.Pressed) -> None:
        event.stop()
        try:
            self.fleet.faults.power(self.machine, PowerState.ON)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))


def _sleep_words(reason: str) -> str:
    """The panel's sentence for a refused Sleep: ``The machine cannot enter Sleep mode now: …``."""
    _, sep, why = reason.partition("cannot enter Sleep mode now: ")
    if not sep:
        return reason
    return f"The machine cannot enter Sleep mode now: {why}."
