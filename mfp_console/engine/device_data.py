"""``fleet.data``: a machine's device information as a person sees and edits it at the panel.

Each edit is written to the machine's store in one transaction and published as :class:`DataChanged`.
Address book, paper and printer settings are open to anyone at the panel; Department IDs, System Manager
information, settings/registration values and the Confidential Fax Inboxes' ``<URL Send Settings>``
(DID-17) need the Administrator (M-03).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mfp_console.domain.device_info import (
    AddressEntry,
    Category,
    DepartmentId,
    DeviceInformation,
    InboxUrlSend,
    PaperType,
    SettingValue,
    SystemManagerInfo,
)
from mfp_console.domain.device_info_json import category_from_json, category_to_json
from mfp_console.engine.events import DataChanged
from mfp_console.engine.machine import MachineRoster
from mfp_console.engine.panel import PanelPart
from mfp_console.engine.runtime import Runtime
from mfp_console.engine.views import CertificateInfo
from mfp_console.errors import RecordError, RuleRefusal

__all__ = ["DataPart"]


class DataPart:
    """Reading and editing device information.

    Args:
        runtime: The fleet's clock, bus and keys.
        machines: Finds a running machine by name.
        panel: Who is logged in (Administrator-only edits).
    """

    def __init__(self, runtime: Runtime, machines: MachineRoster, panel: PanelPart) -> None:
        self._runtime = runtime
        self._machines = machines
        self._panel = panel

    def device_info(self, name: str) -> DeviceInformation:
        """The machine's current device information."""
        return self._machines(name).device_info

    def certificate_info(self, name: str) -> CertificateInfo | None:
        """The machine's TLS certificate, or None when its key and certificate were removed."""
        identity = self._runtime.pki.identity(name)
        if identity is None:
            return None
        return CertificateInfo(
            subject=identity.subject,
            issuer=getattr(identity, "issuer", "mfp-console fleet CA"),
            serial=identity.serial,
            fingerprint=identity.fingerprint,
            not_before=identity.not_before,
            not_after=identity.not_after,
        )

    # --- editing ------------------------------------------------------------------------------------

    def _edit(self, name: str, category: Category, value: Any, detail: str, *, admin: bool) -> None:
        machine = self._machines(name)
        machine.require_operable("editing")
        if admin:
            self._panel.require_admin(name)
        try:  # what the panel stores must be readable here and receivable by every client (limits.py)
            category_from_json(category, category_to_json(category, value), bounded=True)
        except RecordError as exc:
            raise RuleRefusal(f"<{category.label}>: {exc}") from None
        machine.store.save_category(category, value)
        self._runtime.bus.publish(DataChanged(at=self._runtime.clock.now(), machine=name, what=category.value,
                                              detail=detail))

    def add_address_entry(self, name: str, entry: AddressEntry) -> AddressEntry:
        """Adds an address book entry; number 0 takes the next free number."""
        book = self.device_info(name).address_book
        numbers = {e.number for e in book.entries}
        if entry.number in numbers:
            raise RuleRefusal(f"address book entry {entry.number} already exists")
        if not entry.name.strip() or not entry.address.strip():
            raise RuleRefusal("an address book entry needs a name and an address")
        if entry.number <= 0:
            entry = replace(entry, number=max(numbers, default=0) + 1)
        new = replace(book, entries=tuple(sorted((*book.entries, entry), key=lambda e: e.number)))
        self._edit(name, Category.ADDRESS_BOOK, new, f"added entry {entry.number} {entry.name}", admin=False)
        return entry

    def update_address_entry(self, name: str, entry: AddressEntry) -> None:
        """Replaces the address book entry with the same number."""
        book = self.device_info(name).address_book
        if entry.number not in {e.number for e in book.entries}:
            raise RuleRefusal(f"no address book entry {entry.number}")
        entries = tuple(entry if e.number == entry.number else e for e in book.entries)
        self._edit(name, Category.ADDRESS_BOOK, replace(book, entries=entries), f"edited entry {entry.number}", admin=False)

    def delete_address_entry(self, name: str, number: int) -> None:
        """Deletes an address book entry."""
        book = self.device_info(name).address_book
        entries = tuple(e for e in book.entries if e.number != number)
        if len(entries) == len(book.entries):
            raise RuleRefusal(f"no address book entry {number}")
        self._edit(name, Category.ADDRESS_BOOK, replace(book, entries=entries), f"deleted entry {number}", admin=False)

    def set_department(self, name: str, department: DepartmentId) -> None:
        """Adds or replaces a Department ID (Administrator only)."""
        depts = self.device_info(name).department_ids
        others = tuple(d for d in depts.departments if d.dept_id != department.dept_id)
        new = replace(depts, departments=tuple(sorted((*others, department), key=lambda d: d.dept_id)))
        self._edit(name, Category.DEPARTMENT_ID, new, f"set Department ID {department.dept_id}", admin=True)

    def delete_department(self, name: str, dept_id: str) -> None:
        """Deletes a Department ID (Administrator only)."""
        depts = self.device_info(name).department_ids
        remaining = tuple(d for d in depts.departments if d.dept_id != dept_id)
        if len(remaining) == len(depts.departments):
            raise RuleRefusal(f"no Department ID {dept_id}")
        self._edit(name, Category.DEPARTMENT_ID, replace(depts, departments=remaining), f"deleted {dept_id}", admin=True)

    def set_system_manager_info(self, name: str, info: SystemManagerInfo) -> None:
        """Changes the System Manager information (Administrator only)."""
        depts = self.device_info(name).department_ids
        self._edit(name, Category.DEPARTMENT_ID, replace(depts, system_manager=info), "System Manager information", admin=True)

    def set_paper_types(self, name: str, paper_types: tuple[PaperType, ...]) -> None:
        """Replaces the user-defined paper types."""
        self._edit(name, Category.PAPER_INFORMATION, tuple(paper_types), f"{len(paper_types)} paper types", admin=False)

    def set_printer_setting(self, name: str, key: str, value: str) -> None:
        """Changes one printer setting."""
        settings = dict(self.device_info(name).printer_settings)
        if key not in settings:
            raise RuleRefusal(f"no printer setting {key!r}")
        settings[key] = value
        self._edit(name, Category.PRINTER_SETTINGS, tuple(settings.items()), f"{key} = {value}", admin=False)

    def set_setting_value(self, name: str, key: str, value: str) -> None:
        """Changes one settings/registration value (Administrator only)."""
        values = self.device_info(name).settings_values
        if key not in {s.key for s in values}:
            raise RuleRefusal(f"no settings/registration value {key!r}")
        new: tuple[SettingValue, ...] = tuple(replace(s, value=value) if s.key == key else s for s in values)
        self._edit(name, Category.SETTINGS_VALUES, new, f"{key} = {value}", admin=True)

    # --- <Set/Register Confidential Fax Inboxes> › <URL Send Settings> (DID-17) ---------------------

    def inbox_url_send(self, name: str) -> InboxUrlSend:
        """The Confidential Fax Inboxes' ``<URL Send Settings>``: on or off, and one (inbox, e-mail address)
        pair per inbox that sends a link to its documents. Cleared by DID-17 when ``<Address Book>`` and
        ``<Settings/Registration Value>`` are not sent (or restored) together."""
        return self._machines(name).device_info.inbox_url_send

    def set_inbox_url_send(self, name: str, settings: InboxUrlSend) -> None:
        """Stores the ``<URL Send Settings>`` (Administrator only).

        Raises:
            RuleRefusal: An inbox is not a Confidential Fax Inbox 01–50 or appears twice, or its address is
                not an e-mail address (nothing is stored).
        """
        machine = self._machines(name)
        machine.require_operable("editing")
        self._panel.require_admin(name)
        seen: set[str] = set()
        for inbox, address in settings.entries:
            number = inbox.removeprefix(_INBOX_PREFIX)
            if not (inbox.startswith(_INBOX_PREFIX) and number.isdigit() and len(number) == 2
                    and 1 <= int(number) <= _INBOXES):
                raise RuleRefusal(f"{inbox!r} is not a Confidential Fax Inbox (01 to {_INBOXES})")
            if inbox in seen:
                raise RuleRefusal(f"{inbox} is listed twice")
            seen.add(inbox)
            local, at, domain = address.strip().partition("@")
            if not (local and at and "." in domain) or " " in address.strip():
                raise RuleRefusal(f"{inbox}: {address!r} is not an e-mail address")
        value = InboxUrlSend(settings.enabled, tuple(sorted((i, a.strip()) for i, a in settings.entries)))
        machine.store.save_inbox(value)
        self._runtime.bus.publish(DataChanged(at=self._runtime.clock.now(), machine=name, what="inbox_url_send",
                                              detail=f"<URL Send Settings> {'On' if value.enabled else 'Off'}, "
                                                     f"{len(value.entries)} inboxes"))


_INBOX_PREFIX = "Confidential Fax Inbox "
_INBOXES = 50
"""Confidential Fax Inboxes a machine has (the seed numbers them 01-50)."""
