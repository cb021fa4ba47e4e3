"""``<User Management>``: ``<System Manager Information Settings>`` (M-08, M-02) and ``<Department ID Management>``
with each department's limits and counters (DID-14). Administrator only (M-03)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable

from mfp_console.domain.credentials import (
    department_password_hash,
    normalize_department_id,
)
from mfp_console.domain.device_info import DepartmentId, PageCounts, SystemManagerInfo
from mfp_console.errors import RuleRefusal
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import (
    DIALOG_CSS,
    MessageBox,
    YesNoDialog,
    refusal_box,
)
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

__all__ = ["DepartmentDialog", "DepartmentIdPage", "SystemManagerPage"]

_INFO_FIELDS = (("name", "System Manager"), ("contact", "Contact Information"), ("email", "E-Mail Address"),
                ("comment", "Comment"))


@register_page("system_manager")
class SystemManagerPage(PanelPage):
    """``<System Manager Information Settings>`` (M-08): ``<System Manager ID>``, ``<System Manager PIN>`` and
    ``<Confirm>`` (the PIN typed twice) beside name, contact, e-mail and comment; ``<OK>`` stores them,
    ``<Cancel>`` puts back what is stored.

    The ID and PIN go through :meth:`~mfp_console.engine.panel.PanelPart.change_system_manager`, which checks
    them as M-02 says (digits only, 1 to 7, not all zeros) and refuses a ``<Confirm>`` that differs; a refusal
    is shown with the machine's reason and changes nothing, the name and contact details included. The PIN
    is never shown: its fields start empty, and left empty the PIN (and the ID) stay as they are. A PIN
    changed here is the one the next distribution's check uses (DID-08), so a host with the old PIN then
    ends ``NG E-AUTH`` at this machine.
    """

    BAR = frozenset({"back", "ok", "cancel"})

    def compose(self) -> ComposeResult:
        yield Static(Content(f"{self.node.panel_label}"), classes="page-title")
        with Grid(id="manager-form"):
            yield PanelInput("System Manager ID", id="manager-id", restrict=r"[0-9]*")
            yield Static(id="manager-id-line", classes="page-note")
            yield PanelInput("System Manager PIN", id="manager-pin", restrict=r"[0-9]*", password=True)
            yield PanelInput("Confirm", id="manager-confirm", restrict=r"[0-9]*", password=True)
            for key, label in _INFO_FIELDS:
                yield PanelInput(label, id=f"info-{key}")

    DEFAULT_CSS = """
    SystemManagerPage #manager-form { grid-size: 2; grid-gutter: 0 1; height: auto; }
    SystemManagerPage #manager-id-line { padding: 1 0 0 1; }
    """

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        info = self.fleet.data.device_info(self.machine).department_ids.system_manager
        for key, _ in _INFO_FIELDS:
            self.query_one(f"#info-{key}", PanelInput).value = getattr(info, key)
        self.query_one("#manager-id", PanelInput).value = self.fleet.panel.system_manager_id(self.machine)
        for field in ("#manager-pin", "#manager-confirm"):
            self.query_one(field, PanelInput).value = ""
        self.query_one("#manager-id-line", Static).update(Content(
            "Enter the new PIN in <System Manager PIN> and again in <Confirm>; leave both empty to keep it."))

    def bar_pressed(self, action: str) -> bool:
        if action == "ok":
            return not self._store()
        if action == "cancel":
            self.refresh_data()
        return False

    def _store(self) -> bool:
        """The ID and PIN first (a refusal stops here: nothing changes), then the other details."""
        typed_id = self.query_one("#manager-id", PanelInput).value
        pin = self.query_one("#manager-pin", PanelInput).value
        confirm = self.query_one("#manager-confirm", PanelInput).value
        current_id = self.fleet.panel.system_manager_id(self.machine)
        id_changed = typed_id.strip().lstrip("0") != current_id.lstrip("0")
        if pin or confirm or id_changed:
            if not pin and not confirm:
                self.app.push_screen(MessageBox(
                    self.node.panel_label,
                    "To change the <System Manager ID>, enter the <System Manager PIN> and <Confirm> too."))
                return False
            if not self.attempt(self.fleet.panel.change_system_manager, self.machine, typed_id, pin, confirm):
                return False
        values = {key: self.query_one(f"#info-{key}", PanelInput).value.strip() for key, _ in _INFO_FIELDS}
        if not self.attempt(self.fleet.data.set_system_manager_info, self.machine, SystemManagerInfo(**values)):
            return False
        self.refresh_data()
        return True


@register_page("department_ids")
class DepartmentIdPage(PanelPage):
    """Department IDs with their page limits and counters; ``<Register>``, ``<Edit>``, ``<Delete>``."""

    BINDINGS: ClassVar = [Binding("delete", "delete", "Delete", show=False)]

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title", id="dept-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="dept-table")
        table.add_column("Department ID", key="id", width=13)
        table.add_column("Limits Total/Color/B&W", key="limits", width=22)
        table.add_column("Counters Total/Color/B&W", key="counters", width=24)
        yield table
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Register>", key="register", id="register-dept")
            yield TouchButton("<Edit>", key="edit", id="edit-dept")
            yield TouchButton("<Delete>", key="delete", id="delete-dept")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self.query_one("#dept-table", DataTable)
        keep = table.cursor_row
        table.clear()
        departments = self.fleet.data.device_info(self.machine).department_ids.departments
        for dept in departments:
            limits, counts = dept.limits, dept.counters
            table.add_row(
                dept.dept_id,
                " / ".join(_limit(v) for v in (limits.total, limits.color, limits.black)),
                " / ".join(str(v) for v in (counts.total, counts.color, counts.black)),
                key=dept.dept_id,
            )
        self.query_one("#dept-title", Static).update(
            Content(f"{self.node.panel_label} — {len(departments)} Department IDs")
        )
        if departments:
            table.move_cursor(row=min(keep, len(departments) - 1))

    def _selected(self) -> DepartmentId | None:
        table = self.query_one("#dept-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.fleet.data.device_info(self.machine).department_ids.by_id().get(key or "")

    @on(Button.Pressed, "#register-dept")
    def action_register(self) -> None:
        self.app.push_screen(DepartmentDialog(None), self._store)

    @on(Button.Pressed, "#edit-dept")
    @on(DataTable.RowSelected, "#dept-table")
    def action_edit(self) -> None:
        current = self._selected()
        if current is not None:
            self.app.push_screen(DepartmentDialog(current), self._store)

    def _store(self, dept: DepartmentId | None) -> None:
        if dept is not None and self.attempt(self.fleet.data.set_department, self.machine, dept):
            self.refresh_data()

    @on(Button.Pressed, "#delete-dept")
    def action_delete(self) -> None:
        current = self._selected()
        if current is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.attempt(self.fleet.data.delete_department, self.machine, current.dept_id):
                self.refresh_data()

        self.app.push_screen(YesNoDialog(f"Delete Department ID {current.dept_id}?"), answered)


def _limit(value: int) -> str:
    return str(value) if value else "none"


class DepartmentDialog(PanelDialog[DepartmentId | None]):
    """One Department ID: ID, password and page limits (0 = no limit); counters are kept on edit."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="DepartmentDialog") + """
    DepartmentDialog .limits { grid-size: 3; grid-gutter: 0 1; height: auto; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, dept: DepartmentId | None) -> None:
        super().__init__()
        self.dept = dept

    def compose(self) -> ComposeResult:
        dept = self.dept
        with Vertical():
            yield Static(Content("<Register>" if dept is None else f"<Edit> — {dept.dept_id}"), classes="dialog-title")
            yield PanelInput("Department ID", dept.dept_id if dept else "", id="dept-id", restrict=r"[0-9]*",
                             max_length=7, disabled=dept is not None)
            yield PanelInput("Password (blank: keep)" if dept else "Password", id="dept-password",
                             restrict=r"[0-9]*", max_length=7, password=True)
            with Grid(classes="limits"):
                limits = dept.limits if dept else PageCounts()
                for key, label in (("total", "Limit Total"), ("color", "Limit Color"), ("black", "Limit B&W")):
                    yield PanelInput(label, str(getattr(limits, key)), id=f"limit-{key}", restrict=r"[0-9]*")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="dept-ok")
                yield TouchButton("<Cancel>", key="cancel", id="dept-cancel")

    def on_mount(self) -> None:
        self.query_one("#dept-password" if self.dept else "#dept-id").focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#dept-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    @on(Button.Pressed, "#dept-ok")
    @on(PanelInput.Submitted)
    def _ok(self, event: Button.Pressed | PanelInput.Submitted) -> None:
        event.stop()
        try:
            dept_id = normalize_department_id(self.query_one("#dept-id", PanelInput).value)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
            return
        password = self.query_one("#dept-password", PanelInput).value
        if self.dept is not None and not password:
            password_hash = self.dept.password_hash
        else:
            password_hash = department_password_hash(dept_id, password)
        limits = PageCounts(*(int(self.query_one(f"#limit-{k}", PanelInput).value or 0) for k in ("total", "color", "black")))
        counters = self.dept.counters if self.dept else PageCounts()
        self.dismiss(DepartmentId(dept_id, password_hash, limits, counters))
