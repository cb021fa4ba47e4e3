"""What a person does at a machine's panel, as fleet-facade methods: log in, look at and edit data.

:class:`PanelOperations` is mixed into :class:`~mfp_console.engine.fleet.Fleet`, so the panel, scenarios and
tests all call ``fleet.login_admin("host", …)``, ``fleet.add_address_entry("host", …)`` and so on. Each edit
is written to the machine's store in one transaction and published as :class:`DataChanged`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfp_console.domain.device_info import (
    AddressEntry,
    Category,
    DepartmentId,
    DeviceInformation,
    PaperType,
    SettingValue,
    SystemManagerInfo,
)
from mfp_console.engine.events import DataChanged, LoginEvent
from mfp_console.engine.facade_base import FacadeBase
from mfp_console.errors import AuthError, LockedOut, RuleRefusal

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = ["CertificateInfo", "PanelOperations"]


@dataclass(frozen=True)
class CertificateInfo:
    """What ``<Key and Certificate Settings>`` shows about a machine's TLS certificate."""

    subject: str
    issuer: str
    serial: int
    fingerprint: str
    not_before: datetime
    not_after: datetime


class PanelOperations(FacadeBase):
    """Panel actions of the fleet facade (mixed into ``Fleet``)."""

    # --- login (M-02, M-03) -------------------------------------------------------------------------

    def login_admin(self, name: str, manager_id: str, pin: str) -> None:
        """Logs the Administrator in at ``name``'s panel.

        Raises:
            AuthError: Wrong ID or PIN (counts towards the lockout).
            LockedOut: Too many wrong PINs; logins are locked for a while (M-03).
        """
        machine = self.machine(name)
        machine.require_operable("login")
        now = self.clock.now()
        try:
            machine.panel.login_admin(machine.secret, manager_id, pin, now)
        except LockedOut as exc:
            self.bus.publish(LoginEvent(at=now, machine=name, kind="login locked", detail=exc.reason))
            raise
        except AuthError as exc:
            self.bus.publish(LoginEvent(at=now, machine=name, kind="wrong PIN", detail=exc.reason))
            raise
        self.bus.publish(LoginEvent(at=now, machine=name, kind="Administrator logged in"))

    def logout(self, name: str) -> None:
        """Logs out whoever is logged in at ``name``'s panel."""
        machine = self.machine(name)
        if machine.panel.admin or machine.panel.user:
            machine.panel.logout()
            self.bus.publish(LoginEvent(at=self.clock.now(), machine=name, kind="logged out"))

    def is_admin(self, name: str) -> bool:
        """True when an Administrator is logged in at ``name``'s panel."""
        return self.machine(name).panel.admin

    def lock_seconds_left(self, name: str) -> float:
        """Seconds until logins unlock at ``name`` (0 when not locked)."""
        return self.machine(name).panel.lock_seconds_left(self.clock.now())

    def require_admin(self, name: str, rule_id: str = "M-03") -> None:
        """Raises unless an Administrator is logged in at ``name``."""
        if not self.is_admin(name):
            raise AuthError("log in as Administrator (System Manager ID and PIN) first", rule_id)

    # --- reading ------------------------------------------------------------------------------------

    def device_info(self, name: str) -> DeviceInformation:
        """The machine's current device information."""
        return self.machine(name).device_info

    def certificate_info(self, name: str) -> CertificateInfo | None:
        """The machine's TLS certificate, or None when its key and certificate were removed."""
        identity = self.pki.identity(name) if self.pki else None
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
        machine = self.machine(name)
        machine.require_operable("editing")
        if admin:
            self.require_admin(name)
        machine.store.save_category(category, value)
        self.bus.publish(DataChanged(at=self.clock.now(), machine=name, what=category.value, detail=detail))

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
