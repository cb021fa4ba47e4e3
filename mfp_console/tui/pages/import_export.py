"""``<Data Management>`` › ``<Import/Export>``: the machine's device information to and from a file (the format
is in ``docs/import-export.md``), and its login users' personalized data (SYNC-21, ``docs/sync.md``). An
import first shows what it will overwrite and asks ``<Yes>``/``<No>``.
Import/export and distribution exclude each other (DID-24), and a client synchronizing personalized data
refuses it too (SYNC-12): the refusal is shown with its rule and reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button

from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.dialogs import (
    DIALOG_CSS,
    MessageBox,
    YesNoDialog,
    refusal_box,
)
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.did_parts import report_path
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

__all__ = ["ImportExportPage", "ImportPreviewDialog"]


@register_page("import_export")
class ImportExportPage(PanelPage):
    """``<Export>`` writes the five categories to the file; ``<Import>`` previews, asks, then applies."""

    DEFAULT_CSS = """
    ImportExportPage #io-state { height: auto; padding: 1 0 0 0; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        yield Static(Content(
            "The device information of this machine (<Address Book>, <Department ID/System Manager>, "
            "<Printer Settings>, <Paper Information>, <Settings/Registration Value>) as a file. A relative "
            "file name is in the report folder (the working directory)."
        ), classes="page-note")
        yield PanelInput("File", self._default_name(), id="io-file")
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Export>", key="export", variant="primary", id="io-export")
            yield TouchButton("<Import>", key="import", id="io-import")
        yield Static(Content(
            "The login users' personalized data (export it before this machine starts synchronizing):"
        ), classes="page-note")
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Export Personal Data>", key="export-personal", id="io-export-personal")
            yield TouchButton("<Import Personal Data>", key="import-personal", id="io-import-personal")
        yield Static(id="io-state", classes="page-note")

    def _default_name(self) -> str:
        return report_path(self.app, f"{self.machine}-device-information", ".json").name

    def _path(self) -> Path:
        text = self.query_one("#io-file", PanelInput).value.strip() or self._default_name()
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = report_path(self.app, "x").parent / path
        return path

    def _shown(self, path: Path) -> str:
        """The path as the operator typed it: relative to the report folder when it is inside it."""
        folder = report_path(self.app, "x").parent
        try:
            return str(path.relative_to(folder))
        except ValueError:
            return str(path)

    def _say(self, text: str) -> None:
        self.query_one("#io-state", Static).update(Content(text))

    @on(Button.Pressed, "#io-export")
    def _export(self) -> None:
        path = self._path()

        async def export() -> None:
            written = await self.fleet.import_export.export_device_info(self.machine, path)
            self._say(f"Exported to {self._shown(written)}")
            self.app.push_screen(MessageBox("<Export>", f"The device information was exported to\n{written}"))

        self._run("Exporting", export)

    def _personal_path(self) -> Path:
        typed = self.query_one("#io-file", PanelInput).value.strip()
        if not typed or typed == self._default_name():
            return report_path(self.app, f"{self.machine}-personal-data", ".json")
        return self._path()

    @on(Button.Pressed, "#io-export-personal")
    def _export_personal(self) -> None:
        path = self._personal_path()

        async def export() -> None:
            users = await self.fleet.import_export.export_personal_data(self.machine, path)
            self._say(f"Exported the personalized data of {users} users to {self._shown(path)}")
            self.app.push_screen(MessageBox("<Export Personal Data>",
                                            f"The personalized data of {users} users was exported to\n{path}"))

        self._run("Exporting", export)

    @on(Button.Pressed, "#io-import-personal")
    def _import_personal(self) -> None:
        path = self._personal_path()

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            async def do_import() -> None:
                users = await self.fleet.import_export.import_personal_data(self.machine, path)
                self._say(f"Imported the personalized data of {users} users from {self._shown(path)}")

            self._run("Importing", do_import)

        self.app.push_screen(YesNoDialog("<Import Personal Data>", [f"File: {self._shown(path)}"],
                                         "The users in the file get its personalized data. Import now?"), answered)

    @on(Button.Pressed, "#io-import")
    def _import(self) -> None:
        path = self._path()
        try:
            preview = self.fleet.import_export.preview_import(self.machine, path)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
            return
        except MfpError as exc:
            self.app.push_screen(MessageBox("<Import> — cannot read the file", str(exc)))
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            async def do_import() -> None:
                done = await self.fleet.import_export.import_device_info(self.machine, path)
                names = ", ".join(f"<{c.label}>" for c in done)
                self._say(f"Imported {names} from {self._shown(path)}")
                self.app.push_screen(MessageBox("<Import>", f"Imported {names}. <Restore Data> can bring back "
                                                            "the data from before the import."))

            self._run("Importing", do_import)

        self.app.push_screen(ImportPreviewDialog(preview.lines()), answered)

    @work(exclusive=True, group="import-export")
    async def _run(self, what: str, job: Callable[[], Awaitable[None]]) -> None:
        """Runs an import or export as a worker: it takes machine time (the machine shows Import/Export)."""
        self._say(f"{what}… (the machine is busy: distribution waits, DID-24)")
        try:
            await job()
        except RuleRefusal as exc:
            self._say("")
            self.app.push_screen(refusal_box(exc))
        except (MfpError, OSError) as exc:
            self._say("")
            self.app.push_screen(MessageBox("Error", str(exc)))


class ImportPreviewDialog(YesNoDialog):
    """What an import will overwrite, category by category, and ``<Yes>``/``<No>``."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="ImportPreviewDialog") + """
    ImportPreviewDialog > Vertical { width: 90; }
    """

    def __init__(self, lines: list[str]) -> None:
        super().__init__("<Import> — this machine's data will be overwritten", lines, "Import these categories now?")
