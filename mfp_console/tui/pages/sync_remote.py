"""The Remote UI screens of Personalized Data Synchronization, opened over the machine's panel.

On the machine these are web pages of the Remote UI, not panel screens, so the emulator shows them as a
window titled ``Remote UI — <machine> — …`` over the panel: the client's connection settings (SYNC-01,
SYNC-20), the server's device list (SYNC-15, SYNC-16, SYNC-17), data sharing details (SYNC-10), delete user
data (SYNC-07), backup and restore (SYNC-18), the sync log (SYNC-14) and the server change procedure
(SYNC-19). Everything they show is read from the fleet facade; everything they change goes through it, and
a refusal is shown with its rule and reason. ``[Close]`` (Escape) returns to the panel.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, Input, SelectionList

from mfp_console.domain.sync_items import PersonalItem, SharingRange
from mfp_console.domain.sync_procedure import ChangeStep
from mfp_console.domain.sync_settings import (
    WEEKDAYS,
    BackupMode,
    BackupSchedule,
)
from mfp_console.errors import ConfigError, MfpError, RuleRefusal
from mfp_console.smb import ShareCredentials
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import MessageBox, YesNoDialog, refusal_box
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = [
    "REMOTE_SCREENS",
    "BackupRestoreScreen",
    "ConnectionSettingsScreen",
    "DataSharingScreen",
    "DeleteUserDataScreen",
    "DeviceListScreen",
    "RemoteScreen",
    "ServerChangeScreen",
    "SyncLogScreen",
]


def _time(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value is not None else "—"


def _ip(address: str) -> str:
    """The IP address of ``host:port`` (the loopback port is the emulator's, not the machine's)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") if host and port.isdigit() else address


def _row_key(table: DataTable[Any]) -> str | None:
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


class RemoteScreen(PanelDialog[None]):
    """A Remote UI page of ``machine``: a title, the page's body and ``[Close]``.

    Args:
        fleet: The fleet facade.
        machine: The machine whose Remote UI this is.
    """

    TITLE_TEXT: ClassVar[str] = ""
    RULES: ClassVar[str] = ""

    DEFAULT_CSS = """
    RemoteScreen { align: center middle; }
    RemoteScreen > #remote-window {
        width: 112; max-width: 98%; height: 36; max-height: 98%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    RemoteScreen #remote-head { text-style: bold; height: auto; }
    RemoteScreen #remote-rules { color: $text-muted; height: auto; padding: 0 0 1 0; }
    RemoteScreen .remote-note { color: $text-muted; height: auto; }
    RemoteScreen .remote-warning { color: $text-warning; height: auto; }
    RemoteScreen .remote-keys { height: auto; }
    RemoteScreen .remote-keys > TouchButton { margin: 0 1 0 0; }
    RemoteScreen #remote-body { height: 1fr; overflow-y: auto; }
    RemoteScreen DataTable { height: 1fr; }
    RemoteScreen #remote-close-row { height: auto; dock: bottom; align: right middle; }
    """
    BINDINGS: ClassVar = [Binding("escape", "close", "Close")]

    def __init__(self, fleet: Fleet, machine: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.machine = machine

    def compose(self) -> ComposeResult:
        with Vertical(id="remote-window"):
            yield Static(Content(f"Remote UI — {self.machine} — {self.TITLE_TEXT}"), id="remote-head")
            yield Static(Content(self.RULES), id="remote-rules", classes="instructor-only")
            with Vertical(id="remote-body"):
                yield from self.body()
            with Horizontal(id="remote-close-row"):
                yield TouchButton("[Close]", key="close", id="remote-close", compact=True)

    def body(self) -> ComposeResult:
        """The page's own widgets."""
        yield from ()

    def on_mount(self) -> None:
        self.refresh_data()
        focusable = self.query("#remote-body TouchButton, #remote-body DataTable, #remote-body Input")
        if focusable:
            focusable.first().focus()

    def refresh_data(self) -> None:
        """Re-reads what the page shows (the app calls it when sync data changes)."""

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#remote-close")
    def _close(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def attempt(self, call: Callable[..., Any], *args: Any) -> Any:
        """Runs a facade call; a refusal shows a message box with its rule. Returns the result, or None."""
        try:
            return call(*args)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
        except MfpError as exc:
            self.app.push_screen(MessageBox("Error", str(exc)))
        return None

    async def attempt_async(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """:meth:`attempt` for a facade call that may be a coroutine (backup, restore, the backups on a share)."""
        try:
            result = call(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
        except MfpError as exc:
            self.app.push_screen(MessageBox("Error", str(exc)))
        return None

    def done(self, title: str, text: str) -> None:
        """Tells the operator what was done."""
        self.app.notify(text, title=title)


# --- the client ---------------------------------------------------------------------------------------


class ConnectionSettingsScreen(RemoteScreen):
    """``Synchronize Custom Settings (Client)``: ``[Destination Server Address:]`` and ``[Search Depth (Router):]``."""

    TITLE_TEXT = "Synchronize Custom Settings (Client) › Connection Settings"
    RULES = "SYNC-01 address and port 8443 · SYNC-20 settings take effect after a restart"

    def body(self) -> ComposeResult:
        yield PanelInput("Destination Server Address", id="server-address", max_length=80)
        yield PanelInput("Search Depth (Router) 1–8", id="search-depth", restrict=r"[0-9]*", max_length=1)
        yield Static(Content(
            "Blank: the client searches for the server, across at most the search depth of routers.\n"
            "A port is optional; when given it must be 8443 (e.g. host:8443). On the server machine\n"
            "localhost:8443 makes its own client synchronize its own settings (SYNC-01)."), classes="remote-note")
        yield Static(id="pending-line", classes="remote-warning")
        with Horizontal(classes="remote-keys"):
            yield TouchButton("[OK]", key="ok", id="settings-ok", variant="primary", compact=True)
            yield TouchButton("[Restart Machine]", key="restart", id="settings-restart", compact=True)

    def on_mount(self) -> None:
        settings = self.fleet.sync.client_settings(self.machine)
        self.query_one("#server-address", PanelInput).value = settings.address
        self.query_one("#search-depth", PanelInput).value = str(settings.search_depth)
        super().on_mount()

    def refresh_data(self) -> None:
        status = self.fleet.sync.status(self.machine)
        if status.settings_pending:
            text = ("Saved. The running client still uses its old settings: they take effect when the machine "
                    "restarts (SYNC-20).")
        elif status.client_running:
            text = f"The client function runs with these settings ({status.client_state})."
        else:
            text = "The client function is stopped: <Start> on the panel uses the saved settings (SYNC-20)."
        self.query_one("#pending-line", Static).update(Content(text))

    @on(Button.Pressed, "#settings-ok")
    @on(PanelInput.Submitted)
    def _save(self, event: Button.Pressed | PanelInput.Submitted) -> None:
        event.stop()
        address = self.query_one("#server-address", PanelInput).value.strip()
        depth_text = self.query_one("#search-depth", PanelInput).value.strip() or "4"
        if self.attempt(self.fleet.sync.set_client_settings, self.machine, address, int(depth_text)) is not None:
            self.done("Connection Settings", f"Saved: {address or '(search)'}, search depth {depth_text}")
        self.refresh_data()

    @on(Button.Pressed, "#settings-restart")
    def _restart(self, event: Button.Pressed) -> None:
        event.stop()
        self.attempt(self.fleet.faults.restart, self.machine)
        self.refresh_data()


# --- the server ---------------------------------------------------------------------------------------


class DeviceListScreen(RemoteScreen):
    """``[Check Device Information]``: the devices that synchronize with this server (SYNC-15)."""

    TITLE_TEXT = "Synchronize Custom Settings (Server) › Check Device Information"
    RULES = "SYNC-15 connected devices · SYNC-16 keychain destination order · SYNC-02 stop a broken client"

    def body(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="device-table")
        for label, width in (("Device Name", 10), ("Product Name", 12), ("Location", 13), ("IP Address", 10),
                             ("Role", 7), ("State", 12), ("Last Synchronization", 19), ("Firmware", 8)):
            table.add_column(label, width=width)
        yield table
        yield Static(id="device-notes", classes="remote-warning")
        with Horizontal(classes="remote-keys"):
            yield TouchButton("[Stop Synchronization]", key="stop", id="stop-device", compact=True)

    def refresh_data(self) -> None:
        table = self.query_one("#device-table", DataTable)
        table.clear()
        rows = self.attempt(self.fleet.sync_server.device_list, self.machine) or []
        notes = []
        for row in rows:
            table.add_row(Content(row.device_name), Content(row.product_name), Content(row.location),
                          Content(_ip(row.address)), row.role, row.state.value, _time(row.last_sync),
                          Content(row.firmware), key=row.device_name)
            notes += [f"⚠ {row.device_name}: {note}" for note in row.notes]
        status = self.fleet.sync.status(self.machine)
        head = f"{len(rows)} device(s) registered · server function {'running' if status.server_running else 'stopped'}"
        self.query_one("#device-notes", Static).update(Content("\n".join([head, *notes])))

    @on(Button.Pressed, "#stop-device")
    def _stop(self, event: Button.Pressed) -> None:
        event.stop()
        client = _row_key(self.query_one("#device-table", DataTable))
        if not client:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.attempt(self.fleet.sync_server.stop_client, self.machine, client)
                self.refresh_data()

        self.app.push_screen(YesNoDialog(f"Stop the synchronization of {client} from the server? It no longer "
                                         "counts towards the ten machines (SYNC-02)."), answered)


class DataSharingScreen(RemoteScreen):
    """``[Data Sharing Details]``: each item's sharing range (SYNC-10)."""

    TITLE_TEXT = "Synchronize Custom Settings (Server) › Data Sharing Details"
    RULES = "SYNC-10 a range changes only while every client is stopped"

    def body(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="sharing-table")
        table.add_column("Item", width=30)
        table.add_column("Sharing Range", width=34)
        yield table
        yield Static(Content("Shared → device-specific first copies the shared value to every device; "
                             "device-specific → shared keeps the most recent device copy."), classes="remote-note")
        with Horizontal(classes="remote-keys"):
            yield TouchButton(SharingRange.SHARED.label, key=SharingRange.SHARED.value, classes="range-key",
                              compact=True)
            yield TouchButton(SharingRange.DEVICE_SPECIFIC.label, key=SharingRange.DEVICE_SPECIFIC.value,
                              classes="range-key", compact=True)

    def refresh_data(self) -> None:
        table = self.query_one("#sharing-table", DataTable)
        keep = table.cursor_row
        table.clear()
        ranges = self.attempt(self.fleet.sync_server.sharing_ranges, self.machine) or {}
        for item in PersonalItem:
            table.add_row(item.label, Content(ranges.get(item, SharingRange.SHARED).label), key=item.value)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    @on(Button.Pressed, ".range-key")
    def _range(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        item = _row_key(self.query_one("#sharing-table", DataTable))
        if item:
            self.attempt(self.fleet.sync_server.set_sharing_range, self.machine, item, SharingRange(event.button.key))
            self.refresh_data()


class DeleteUserDataScreen(RemoteScreen):
    """``[Delete User Data]``: the users whose data the server keeps, oldest login first (SYNC-07)."""

    TITLE_TEXT = "Synchronize Custom Settings (Server) › User Data › Delete User Data"
    RULES = "SYNC-07 deleting a user before a client starts lets that client's data become the server's copy"

    def body(self) -> ComposeResult:
        yield Static(id="users-head", classes="remote-note")
        yield SelectionList[str](id="user-list")
        with Horizontal(classes="remote-keys"):
            yield TouchButton("[Delete]", key="delete", id="delete-users", compact=True)

    def refresh_data(self) -> None:
        users = self.attempt(self.fleet.sync_server.users, self.machine) or []
        selection = self.query_one("#user-list", SelectionList)
        chosen = set(selection.selected)
        selection.clear_options()
        selection.add_options([(user, user, user in chosen) for user in users])
        self.query_one("#users-head", Static).update(Content(
            f"{len(users)} user(s) on the server, least recently logged in first. Tick users, then [Delete]."))

    @on(Button.Pressed, "#delete-users")
    def _delete(self, event: Button.Pressed) -> None:
        event.stop()
        users = list(self.query_one("#user-list", SelectionList).selected)
        if not users:
            self.app.push_screen(MessageBox("Delete User Data", "Tick the users to delete first."))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                deleted = self.attempt(self.fleet.sync_server.delete_user_data, self.machine, users)
                if deleted is not None:
                    self.done("Delete User Data", f"Deleted on the server: {', '.join(deleted) or 'nobody'}")
                self.refresh_data()

        self.app.push_screen(YesNoDialog(f"Delete the data of {', '.join(users)} on the server?"), answered)


class BackupRestoreScreen(RemoteScreen):
    """Backup to the server's storage or an SMB share, by hand or on a schedule; restore; replication (SYNC-18).

    An ``smb://`` destination shows ``User Name`` and ``Password`` (masked) for the SMB server; left blank,
    the ones saved with the schedule for that share are used. ``[Save Schedule]`` saves them, encrypted.
    """

    TITLE_TEXT = "Synchronize Custom Settings (Server) › Backup/Restore"
    RULES = "SYNC-18 backup (device or smb://host/share), schedule, replication · restore only with every client stopped"

    DEFAULT_CSS = """
    BackupRestoreScreen #backup-columns { height: 1fr; }
    BackupRestoreScreen #backup-left { width: 3fr; padding: 0 1 0 0; }
    BackupRestoreScreen #backup-right { width: 2fr; }
    BackupRestoreScreen #schedule-mode { height: auto; }
    BackupRestoreScreen #schedule-mode > TouchButton { margin: 0 1 0 0; }
    BackupRestoreScreen #smb-account { height: auto; }
    BackupRestoreScreen #smb-account > PanelInput { width: 1fr; }
    """

    def body(self) -> ComposeResult:
        with Horizontal(id="backup-columns"):
            with Vertical(id="backup-left"):
                yield PanelInput("Backup Destination (device or smb://host/share/folder)", "device",
                                 id="backup-target")
                with Horizontal(id="smb-account"):
                    yield PanelInput("User Name", id="smb-user", max_length=128)
                    yield PanelInput("Password", id="smb-password", password=True, max_length=128)
                with Horizontal(classes="remote-keys"):
                    yield TouchButton("[Back Up Now]", key="backup", id="backup-now", variant="primary",
                                      compact=True)
                    yield TouchButton("[Restore]", key="restore", id="restore-backup", compact=True)
                table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="backup-table")
                table.add_column("Backup File", width=40)
                table.add_column("Size", width=9)
                yield table
            with Vertical(id="backup-right"):
                yield Static(Content("Scheduled backup:"), classes="remote-note")
                with Horizontal(id="schedule-mode"):
                    for mode in BackupMode:
                        yield TouchButton(f"[{mode.value}]", key=mode.value, classes="mode-key", compact=True)
                yield PanelInput("Start Time (HHMM)", id="schedule-start", restrict=r"[0-9]*", max_length=4)
                yield PanelInput(f"Day of Week ({'/'.join(WEEKDAYS)})", id="schedule-day", max_length=3)
                with Horizontal(classes="remote-keys"):
                    yield TouchButton("[Save Schedule]", key="schedule", id="save-schedule", compact=True)
                yield Static(id="schedule-line", classes="remote-note")
                yield PanelInput("Replicate to (machine)", id="replica-machine", max_length=40)
                with Horizontal(classes="remote-keys"):
                    yield TouchButton("[Set Replica]", key="replica", id="set-replica", compact=True)
                    yield TouchButton("[Replicate Now]", key="replicate", id="replicate-now", compact=True)
                with Horizontal(classes="remote-keys"):
                    yield TouchButton("[Take Replicas From]", key="replica-source", id="set-replica-source",
                                      compact=True)

    def on_mount(self) -> None:
        schedule = self.fleet.sync_server.backup_schedule(self.machine)
        self._mode = schedule.mode
        self.query_one("#schedule-start", PanelInput).value = schedule.start
        self.query_one("#schedule-day", PanelInput).value = schedule.weekday
        self._show_account()
        super().on_mount()

    def _target(self) -> str:
        return self.query_one("#backup-target", PanelInput).value.strip() or "device"

    def _is_smb(self) -> bool:
        return self._target().lower().startswith("smb://")

    def _show_account(self) -> None:
        """The SMB server's user name and password only where the destination is an SMB address."""
        self.query_one("#smb-account").display = self._is_smb()

    def _credentials(self) -> ShareCredentials | None:
        """What was typed for the SMB server (None: use the saved ones).

        Raises:
            ConfigError: A password without a user name.
        """
        user = self.query_one("#smb-user", PanelInput).value
        password = self.query_one("#smb-password", PanelInput).value
        if not self._is_smb() or not (user.strip() or password):
            return None
        return ShareCredentials.parse(user, password)

    def _typed_account(self) -> tuple[bool, ShareCredentials | None]:
        """(False, None) after telling the operator what is missing; else (True, the typed account or None)."""
        try:
            return True, self._credentials()
        except ConfigError as exc:
            self.app.push_screen(MessageBox("Error", str(exc)))
            return False, None

    @on(Input.Changed, "#backup-target")
    def _target_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_account()
        self.query_one("#backup-table", DataTable).clear()  # those rows were of another destination

    @on(Input.Submitted, "#backup-target, #smb-password")
    def _list_requested(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_worker(partial(self._fill_backups, quiet=False), group="backup-list", exclusive=True)

    def refresh_data(self) -> None:
        for button in self.query(".mode-key").results(TouchButton):
            button.variant = "primary" if button.key == self._mode.value else "default"
        schedule = self.fleet.sync_server.backup_schedule(self.machine)
        line = f"Saved: {schedule.mode.value}"
        if schedule.mode is not BackupMode.OFF:
            line += f" at {schedule.start}" + (f" on {schedule.weekday}" if schedule.mode is BackupMode.WEEKLY else "")
            line += f" to {schedule.target}"
        self.query_one("#schedule-line", Static).update(Content(line))
        if not self._is_smb():  # a share is listed when asked (Enter, a backup): not on every data change
            self.run_worker(self._fill_backups, group="backup-list", exclusive=True)

    async def _fill_backups(self, quiet: bool = True) -> None:
        """Lists the backups at the destination. ``quiet``: a failure to list leaves the list empty (after a
        backup, whose own failure was just shown; a share's failure is also an ``Error`` in the sync log);
        otherwise (Enter in the destination or password) a message says why."""
        try:
            files = await self.fleet.sync_server.backups(self.machine, self._target(), credentials=self._credentials())
        except MfpError as exc:
            files = []
            if not quiet:
                self.app.push_screen(refusal_box(exc) if isinstance(exc, RuleRefusal) else MessageBox("Error", str(exc)))
        table = self.query_one("#backup-table", DataTable)
        table.clear()
        for file in files:
            table.add_row(Content(file.name), f"{file.size / 1024:.1f} KiB", key=file.location)

    @on(Button.Pressed, "#backup-now")
    async def _backup(self, event: Button.Pressed) -> None:
        event.stop()
        typed, credentials = self._typed_account()
        if not typed:
            return
        file = await self.attempt_async(self.fleet.sync_server.backup, self.machine, self._target(),
                                        credentials=credentials)
        if file is not None:
            self.done("Backup", f"Backed up to {file.name}")
        await self._fill_backups()

    @on(Button.Pressed, "#restore-backup")
    def _restore(self, event: Button.Pressed) -> None:
        event.stop()
        chosen = _row_key(self.query_one("#backup-table", DataTable))

        async def answered(yes: bool | None) -> None:
            typed, credentials = self._typed_account()
            if yes and typed:
                count = await self.attempt_async(self.fleet.sync_server.restore, self.machine, chosen,
                                                 credentials=credentials)
                if count is not None:
                    self.done("Restore", f"Restored {count} user(s)")
                self.refresh_data()

        name = Path(chosen).name if chosen else "the latest backup"
        self.app.push_screen(YesNoDialog(f"Restore {name}? The server's data is replaced."), answered)

    @on(Button.Pressed, ".mode-key")
    def _mode_chosen(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        self._mode = BackupMode(event.button.key)
        self.refresh_data()

    @on(Button.Pressed, "#save-schedule")
    def _schedule(self, event: Button.Pressed) -> None:
        event.stop()
        start = self.query_one("#schedule-start", PanelInput).value.strip()
        day = self.query_one("#schedule-day", PanelInput).value.strip().title()

        def save() -> None:
            schedule = BackupSchedule(self._mode, start, day, self._target())
            self.fleet.sync_server.set_backup_schedule(self.machine, schedule, credentials=self._credentials())

        self.attempt(save)  # a missing user name is a ConfigError: an "Error" box
        self.refresh_data()

    @on(Button.Pressed, "#set-replica")
    def _replica(self, event: Button.Pressed) -> None:
        event.stop()
        replica = self.query_one("#replica-machine", PanelInput).value.strip()
        self.attempt(self.fleet.sync_server.set_replica, self.machine, replica)

    @on(Button.Pressed, "#set-replica-source")
    def _replica_source(self, event: Button.Pressed) -> None:
        """On a spare server: take replicas only from the server typed above (empty: from none), SYNC-18."""
        event.stop()
        source = self.query_one("#replica-machine", PanelInput).value.strip()

        def take() -> bool:
            self.fleet.sync_server.set_replica_source(self.machine, source)
            return True

        if self.attempt(take):
            self.done("Replication", f"Takes replicas from {source}" if source else "Takes no replicas")

    @on(Button.Pressed, "#replicate-now")
    async def _replicate(self, event: Button.Pressed) -> None:
        event.stop()
        replica = self.query_one("#replica-machine", PanelInput).value.strip() or None
        try:
            count = await self.fleet.sync_server.replicate(self.machine, replica)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
        except MfpError as exc:
            self.app.push_screen(MessageBox("Error", str(exc)))
        else:
            self.done("Replication", f"Replicated {count} user(s)")


class SyncLogScreen(RemoteScreen):
    """The machine's synchronization log, newest first, filtered by level (SYNC-14)."""

    TITLE_TEXT = "Synchronize Custom Settings › Log"
    RULES = "SYNC-14 Warning: the server is unreachable (cached data kept, retried) · Error: a refused connection"

    def body(self) -> ComposeResult:
        with Horizontal(classes="remote-keys"):
            for level in ("All", "Info", "Warning", "Error"):
                yield TouchButton(f"[{level}]", key=level, classes="level-key", compact=True)
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="log-table")
        table.add_column("Time", width=19)
        table.add_column("Level", width=7)
        table.add_column("Peer", width=9)
        table.add_column("Message", width=64)
        yield table

    def on_mount(self) -> None:
        self._level = "All"
        super().on_mount()

    def refresh_data(self) -> None:
        level = None if self._level == "All" else self._level
        table = self.query_one("#log-table", DataTable)
        table.clear()
        for entry in self.fleet.sync.log_entries(self.machine, level):
            table.add_row(_time(entry.at), entry.level, Content(entry.peer), Content(entry.message))
        for button in self.query(".level-key").results(TouchButton):
            button.variant = "primary" if button.key == self._level else "default"

    @on(Button.Pressed, ".level-key")
    def _level_chosen(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        self._level = event.button.key
        self.refresh_data()


class ServerChangeScreen(RemoteScreen):
    """The server change procedure, step by step (SYNC-19): each step is done at the machine it names."""

    TITLE_TEXT = "Synchronize Custom Settings (Server) › Change Server"
    RULES = "SYNC-19 stop every client → back up → stop the server → start the new server → restore → start the clients"

    DEFAULT_CSS = """
    ServerChangeScreen #change-steps { height: auto; padding: 1 0; }
    ServerChangeScreen .step-keys { height: auto; grid-size: 3; grid-gutter: 0 1; grid-rows: 1; }
    ServerChangeScreen .step-keys > TouchButton { width: 100%; }
    """

    def body(self) -> ComposeResult:
        yield PanelInput("New Server (machine)", id="new-server", max_length=40)
        with Horizontal(classes="remote-keys"):
            yield TouchButton("[Begin Server Change]", key="begin", id="begin-change", compact=True)
        yield Static(id="change-steps")
        yield Static(Content(f"Steps done at {self.machine}:"), classes="remote-note")
        with Grid(classes="step-keys"):
            yield TouchButton("[Back Up]", key="backup", id="step-backup", compact=True)
            yield TouchButton("[Stop Server Function]", key="stop_server", id="step-stop-server", compact=True)
            yield TouchButton("[Start Server Function]", key="start_server", id="step-start-server", compact=True)
            yield TouchButton("[Restore Backup]", key="restore", id="step-restore", compact=True)
            yield TouchButton("[Stop Client Function]", key="stop_client", id="step-stop-client", compact=True)
            yield TouchButton("[Start Client Function]", key="start_client", id="step-start-client", compact=True)

    def refresh_data(self) -> None:
        change = self.fleet.sync_server.server_change()
        if change is None:
            text = ("No server change in progress. Type the machine that becomes the server and touch "
                    "[Begin Server Change] (here, on the current server).")
        else:
            lines = [f"Changing the server from {change.old} to {change.new}:"]
            for step in ChangeStep:
                mark = "✓" if step in change.done else ("→" if step is change.next_step else " ")
                lines.append(f" {mark} {step.value}. {step.text(change.old, change.new)}")
            if change.backup:
                lines.append(f"   backup: {Path(change.backup).name}")
            text = "\n".join(lines)
        self.query_one("#change-steps", Static).update(Content(text))

    @on(Button.Pressed, "#begin-change")
    def _begin(self, event: Button.Pressed) -> None:
        event.stop()
        new = self.query_one("#new-server", PanelInput).value.strip()
        self.attempt(self.fleet.sync_server.begin_server_change, self.machine, new)
        self.refresh_data()

    @on(Button.Pressed, ".step-keys TouchButton")
    async def _step(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        fleet, name = self.fleet, self.machine
        calls: dict[str, Callable[[], Any]] = {
            "backup": lambda: fleet.sync_server.backup(name),
            "stop_server": lambda: fleet.sync.stop_server(name),
            "start_server": lambda: fleet.sync.start_server(name),
            "restore": lambda: fleet.sync_server.restore(name),
            "stop_client": lambda: fleet.sync.stop_client(name),
            "start_client": lambda: fleet.sync.start_client(name),
        }
        await self.attempt_async(calls[event.button.key])
        self.refresh_data()


REMOTE_SCREENS: dict[str, type[RemoteScreen]] = {
    "connection": ConnectionSettingsScreen,
    "devices": DeviceListScreen,
    "sharing": DataSharingScreen,
    "delete_users": DeleteUserDataScreen,
    "backup": BackupRestoreScreen,
    "log": SyncLogScreen,
    "change_server": ServerChangeScreen,
}
"""The Remote UI screens by the key of their button on ``<Synchronize Custom Settings>``."""
