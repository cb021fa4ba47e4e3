"""The join preview: before a client's ``<Start>`` takes effect, what it will do to each user of the machine.

A real Canon panel has no such screen: it is the emulator's aid for rehearsals (like the pre-flight check of a
distribution), so it is labelled plainly and may name rules and the emulator's codes (UI-06). It asks the
engine (``fleet.sync.preview_join``), which asks the sync server over a read-only sync conversation; nothing
changes until ``<Start>`` is touched here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mfp_console.domain.sync_preview import JoinPreview, UserFate
from mfp_console.errors import MfpError
from mfp_console.tui.screens.base import FocusShownAfterLayout, report_css
from mfp_console.tui.widgets.touch import TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["JoinPreviewScreen", "preview_lines"]

_WHY = {
    UserFate.REPLACED: "its data here is replaced by the server's (SYNC-05)",
    UserFate.REGISTERED: "its data here becomes the server's copy (SYNC-06/07)",
    UserFate.KEPT: "stays on this machine only (no personal data to register)",
}


def preview_lines(preview: JoinPreview) -> list[str]:
    """The screen's text: the server, each user's fate, the server's count and whom SYNC-03 deletes."""
    if preview.refusal:
        return [f"The join would not go through: {preview.refusal}",
                "", "<Start> now logs that on this machine and leaves its data as it is."]
    lines = [f"Server: {preview.server}. It holds {preview.server_users_before} user(s) now and would hold "
             f"{preview.server_users_after} (at most {preview.user_limit}).", ""]
    if not preview.users:
        lines.append("No user has logged in on this machine: nothing here changes.")
    width = max((len(u.user) for u in preview.users), default=0)
    for user in preview.users:
        line = f"  {user.user.ljust(width)}  {_WHY[user.fate]}"
        if user.evicted:
            line += ", then deleted: the server is full and it logged in least recently (SYNC-03)"
        lines.append(line)
    lines.append("")
    if preview.evicted:
        lines.append("Deleted from the server, least recently logged in first (SYNC-03): " + ", ".join(preview.evicted))
    if preview.from_server:
        lines.append(f"{preview.from_server} user(s) only the server holds come to this machine.")
    if preview.device_specific:
        lines.append("Device-specific items (each machine keeps its own copy, SYNC-10): "
                     + ", ".join(preview.device_specific))
    return lines


class JoinPreviewScreen(FocusShownAfterLayout, ModalScreen[bool]):
    """What ``<Start>`` of ``machine``'s client function will do; ``<Start>`` confirms (True), ``<Cancel>``
    (Escape) does nothing (False)."""

    DEFAULT_CSS = report_css("JoinPreviewScreen", "join", "80%")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, fleet: Fleet, machine: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.machine = machine
        self.preview: JoinPreview | None = None
        """The preview shown (None until the server answered)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Join preview (emulator aid, not a screen of the machine)"), id="join-title")
            yield Static(Content(f"<Start> on {self.machine} joins the sync server. Asked from the server over "
                                 "its real connection; nothing has changed yet."), id="join-what")
            with VerticalScroll(id="join-scroll"):
                yield Static(Content("Asking the server…"), id="join-body")
            with Horizontal(id="join-keys"):
                yield TouchButton("<Start>", key="start", variant="primary", id="join-start")
                yield TouchButton("<Cancel>", key="cancel", id="join-cancel")

    def on_mount(self) -> None:
        self.query_one("#join-cancel").focus()
        self._ask()

    @work(exclusive=True, group="join-preview")
    async def _ask(self) -> None:
        body = self.query_one("#join-body", Static)
        try:
            self.preview = await self.fleet.sync.preview_join(self.machine)
        except MfpError as exc:
            body.update(Content(f"The server could not be asked: {exc}"))
            return
        body.update(Content("\n".join(preview_lines(self.preview))))

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#join-start, #join-cancel")
    def _answer(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "join-start")
