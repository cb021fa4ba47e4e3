"""``fleet.import_export``: ``<Data Management>`` › ``<Import/Export>`` of a machine's device information and of
its users' personalized data (SYNC-21).

The file format is documented in ``docs/import-export.md``: a versioned JSON document holding the five
distribution categories and the inbox URL Send settings, with the machine, model and series it came from.
An import first shows what it will overwrite (:meth:`ImportExportPart.preview_import`), then writes
the picked categories in one transaction together with a log entry.

Import/export and distribution exclude each other on the same machine (DID-24); while a client
synchronizes personalized data, import/export is refused too (SYNC-12).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.device_info import Category, DeviceInformation
from mfp_console.domain.device_info_json import (
    category_from_json,
    category_to_json,
    inbox_from_json,
    inbox_to_json,
)
from mfp_console.domain.machine import Activity
from mfp_console.engine.events import DataChanged
from mfp_console.engine.machine import Machine, MachineRoster
from mfp_console.engine.panel import PanelPart
from mfp_console.engine.runtime import Runtime
from mfp_console.engine.sync.personal_file import (
    personal_document,
    read_personal_file,
    write_text,
)
from mfp_console.errors import ConfigError, MachineBusy
from mfp_console.strict_json import JsonRefusal, loads_strict

__all__ = ["EXPORT_FORMAT", "EXPORT_VERSION", "ImportExportGuard", "ImportExportPart", "ImportPreview",
           "read_export_file"]

ImportExportGuard = Callable[[str], None]
"""Raises when another feature keeps a machine from importing or exporting now (DID-24, SYNC-12)."""

EXPORT_FORMAT = "mfp-console/device-information"
EXPORT_VERSION = 1


@dataclass(frozen=True)
class CategoryChange:
    """One line of an import preview: what a category holds now and what the file would put there."""

    category: Category
    current_items: int
    file_items: int
    identical: bool


@dataclass(frozen=True)
class ImportPreview:
    """What an import will overwrite, shown before the operator confirms."""

    path: str
    source_machine: str
    source_model: str
    source_series: str
    exported_at: str
    changes: tuple[CategoryChange, ...]

    def lines(self) -> list[str]:
        """Human-readable lines for the confirmation dialog."""
        out = [f"File from {self.source_machine} ({self.source_model}), exported {self.exported_at}"]
        for change in self.changes:
            verdict = "no change" if change.identical else "will be overwritten"
            out.append(
                f"<{change.category.label}>: {change.current_items} item(s) now, "
                f"{change.file_items} in the file — {verdict}"
            )
        return out


@dataclass(frozen=True)
class ExportFile:
    """A parsed export file."""

    machine: str
    model: str
    series: str
    exported_at: str
    categories: dict[Category, Any]
    inbox: Any


def _count(category: Category, value: Any) -> int:
    if category is Category.ADDRESS_BOOK:
        return len(value.entries)
    if category is Category.DEPARTMENT_ID:
        return len(value.departments)
    return len(value)


def read_export_file(path: Path) -> ExportFile:
    """Reads and validates an export file.

    Raises:
        ConfigError: The file cannot be read, is not an mfp-console export, or has another version.
    """
    try:
        data = loads_strict(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not an export file (not UTF-8 text: {exc.reason})") from None
    except JsonRefusal as exc:
        raise ConfigError(f"{path}: not an export file (its text {exc})") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ConfigError(f"{path}: not an mfp-console device information export")
    if data.get("version") != EXPORT_VERSION:
        raise ConfigError(
            f"{path}: export format version {data.get('version')!r} is not supported (this version reads {EXPORT_VERSION})"
        )
    try:
        categories = {Category(key): category_from_json(Category(key), value)
                      for key, value in data["categories"].items()}
        inbox = inbox_from_json(data["inbox_url_send"]) if data.get("inbox_url_send") else None
        return ExportFile(str(data["machine"]), str(data["model"]), str(data["series"]), str(data["exported_at"]),
                          categories, inbox)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:  # RecordError is a ValueError
        raise ConfigError(f"{path}: the export file is damaged ({exc})") from None


class ImportExportPart:
    """Import and export of device information.

    Args:
        runtime: The fleet's clock, bus and settings.
        machines: Finds a running machine by name.
        panel: Who is logged in (Administrator only, M-03).
        guards: What other features say about importing or exporting now (distribution, sync).
    """

    def __init__(self, runtime: Runtime, machines: MachineRoster, panel: PanelPart,
                 guards: Sequence[ImportExportGuard]) -> None:
        self._runtime = runtime
        self._machines = machines
        self._panel = panel
        self._guards = tuple(guards)

    def _check_import_export_allowed(self, name: str) -> Machine:
        """DID-24 (and SYNC-12): refuses import/export while a distribution or sync runs on the machine."""
        self._panel.require_admin(name, "M-03")
        machine = self._machines(name)
        machine.require_operable("import/export")
        for guard in self._guards:
            guard(name)
        if machine.state.activity is Activity.IMPORT_EXPORT:
            raise MachineBusy("an import/export is already running on this machine", "DID-24")
        return machine

    async def export_device_info(self, name: str, path: Path,
                                 categories: Collection[Category] | None = None) -> Path:
        """Exports the machine's device information to ``path`` (written atomically)."""
        machine = self._check_import_export_allowed(name)
        picked = [c for c in Category if categories is None or c in set(categories)]
        info = machine.device_info
        document = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "machine": name,
            "model": machine.identity.model,
            "series": machine.identity.series,
            "exported_at": self._runtime.clock.now().isoformat(),
            "categories": {c.value: category_to_json(c, info.category(c)) for c in picked},
            "inbox_url_send": inbox_to_json(info.inbox_url_send),
        }
        text = json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False)
        await self._busy_for(machine, len(text))
        _write_atomically(Path(path), text)
        now = self._runtime.clock.now()
        machine.store.append_log(LogEntry(now, now, "Export", str(path), tuple(c.label for c in picked)))
        return Path(path)

    def preview_import(self, name: str, path: Path) -> ImportPreview:
        """Shows what importing ``path`` would overwrite on the machine (nothing is written).

        Raises:
            MachineBusy: (DID-24, SYNC-12) an import could not run now, so the preview says so first.
        """
        self._check_import_export_allowed(name)
        export = read_export_file(Path(path))
        info = self._machines(name).device_info
        changes = tuple(
            CategoryChange(c, _count(c, info.category(c)), _count(c, value), info.category(c) == value)
            for c, value in sorted(export.categories.items(), key=lambda kv: list(Category).index(kv[0]))
        )
        return ImportPreview(str(path), export.machine, export.model, export.series, export.exported_at, changes)

    async def import_device_info(self, name: str, path: Path,
                                 categories: Collection[Category] | None = None) -> list[Category]:
        """Imports the picked categories of ``path`` (all in the file by default) after confirmation.

        The new data and a log entry are written in one transaction; an import makes no restore point and
        keeps the one there is (DID-20).
        """
        machine = self._check_import_export_allowed(name)
        export = read_export_file(Path(path))
        picked = [c for c in Category if c in export.categories and (categories is None or c in set(categories))]
        if not picked:
            raise ConfigError(f"{path}: holds none of the picked categories")
        await self._busy_for(machine, Path(path).stat().st_size)
        info: DeviceInformation = machine.device_info
        for category in picked:
            info = info.with_category(category, export.categories[category])
        now = self._runtime.clock.now()
        entry = LogEntry(now, now, "Import", export.machine, tuple(c.label for c in picked), "OK", "",
                         f"imported from {Path(path).name}")
        machine.store.apply_import(info, picked, entry)
        self._runtime.bus.publish(DataChanged(at=now, machine=name, what="device_information",
                                              detail="imported " + ", ".join(f"<{c.label}>" for c in picked)))
        return picked

    # --- the users' personalized data (SYNC-21) ------------------------------------------------------

    async def export_personal_data(self, name: str, path: Path) -> int:
        """Exports the personalized data of the machine's users to ``path`` (Step 1 before synchronizing,
        SYNC-21); returns the users written. Refused while the machine's client synchronizes (SYNC-12)."""
        machine = self._check_import_export_allowed(name)
        document = personal_document(machine.store, name, self._runtime.clock.now())
        text = write_text(document)
        await self._busy_for(machine, len(text))
        _write_atomically(Path(path), text)
        now = self._runtime.clock.now()
        machine.store.append_log(LogEntry(now, now, "Export", str(path), ("Personalized Data",)))
        return len(document["users"])

    async def import_personal_data(self, name: str, path: Path) -> int:
        """Imports a personalized-data file: each user in it gets the file's items, all users in one
        transaction (SYNC-21); returns the users written. Refused while the client synchronizes (SYNC-12)."""
        machine = self._check_import_export_allowed(name)
        checked = read_personal_file(Path(path))
        await self._busy_for(machine, Path(path).stat().st_size)
        now = self._runtime.clock.now()
        items, logins = checked.replacements(now)
        machine.store.write_users(now, items, logins)
        machine.store.append_log(LogEntry(now, now, "Import", checked.machine or str(path), ("Personalized Data",),
                                          "OK", "", f"imported from {Path(path).name}"))
        self._runtime.bus.publish(DataChanged(at=now, machine=name, what="personal_data",
                                              detail=f"imported {len(items)} users from {Path(path).name}"))
        return len(items)

    async def _busy_for(self, machine: Machine, size: int) -> None:
        """Import/Export takes machine time like an update (DID-11 rate); the machine is busy meanwhile."""
        machine.set_activity(Activity.IMPORT_EXPORT)
        try:
            await self._runtime.clock.sleep(self._runtime.settings.update_seconds_per_mib * size / (1024 * 1024))
        finally:
            if machine.state.activity is Activity.IMPORT_EXPORT:
                machine.set_activity(Activity.IDLE)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
