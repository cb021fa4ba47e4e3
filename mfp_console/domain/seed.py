"""Deterministic, realistic device information for a new machine, by profile.

``host`` is a well-kept machine with a full address book, Department IDs, printer settings, paper types
and about three hundred settings values; ``client`` is a smaller, different set (some Department IDs
shared with the host, some its own) so that a distribution visibly changes it; ``empty`` has nothing;
``bench`` is the host scaled until the five categories weigh more than 1.1 MiB of JSON. The same
``(profile, machine_name, seed)`` always gives the same data: every choice comes from one
``random.Random`` seeded with those three, never from the global generator.
"""

from __future__ import annotations

import difflib
import json
import random
from dataclasses import dataclass

from mfp_console.domain.credentials import department_password_hash
from mfp_console.domain.device_info import (
    AddressBook,
    AddressEntry,
    Category,
    DepartmentId,
    DepartmentIds,
    DeviceInformation,
    FavoriteSetting,
    ForwardingRule,
    InboxUrlSend,
    PageCounts,
    PaperType,
    SettingValue,
    SystemManagerInfo,
)
from mfp_console.domain.device_info_json import category_to_json
from mfp_console.domain.seed_catalogue import (
    COMPANIES,
    FIRST_NAMES,
    LAST_NAMES,
    PAPER_BASE_TYPES,
    PRINTER_SETTINGS,
    SETTING_ITEMS,
)
from mfp_console.domain.series_catalogue import series_has_setting
from mfp_console.errors import ConfigError

__all__ = ["BENCH_MIN_BYTES", "PROFILES", "bundle_size_bytes", "seed_device_information"]

BENCH_MIN_BYTES = int(1.1 * 1024 * 1024)
"""The ``bench`` profile's five categories encode to at least this many bytes of JSON."""


@dataclass(frozen=True)
class _Profile:
    entries: int
    forwarding: int
    favourites: int
    department_ids: tuple[str, ...]
    extra_departments: int
    printer_share: float
    papers: int
    settings_share: float
    changed_share: float
    inbox_entries: int


_HOST_DEPARTMENTS = ("0000101", "0000102", "0000201", "0000202", "0000301", "0001000")
_CLIENT_DEPARTMENTS = ("0000101", "0000201", "0000301", "0000450", "0000777")

_PROFILES = {
    "host": _Profile(60, 5, 8, _HOST_DEPARTMENTS, 0, 1.0, 12, 1.0, 0.35, 2),
    "client": _Profile(16, 2, 3, _CLIENT_DEPARTMENTS, 0, 0.6, 5, 0.9, 0.5, 1),
    "bench": _Profile(7500, 40, 60, _HOST_DEPARTMENTS, 994, 1.0, 120, 1.0, 0.35, 10),
}
PROFILES: tuple[str, ...] = ("host", "client", "empty", "bench")
"""The profiles :func:`seed_device_information` knows."""


def seed_device_information(profile: str, machine_name: str, seed: int = 0, series: str = "") -> DeviceInformation:
    """Builds a machine's device information for a profile.

    Args:
        profile: ``"host"``, ``"client"``, ``"empty"`` or ``"bench"``.
        machine_name: The machine's name; it appears in its own settings (device name, host name …).
        seed: Varies the data while keeping it reproducible.
        series: The machine's series: settings items it does not have are left out (DID-26, see
            :mod:`~mfp_console.domain.series_catalogue`); the other data do not depend on it.

    Returns:
        The device information; equal inputs give equal results.

    Raises:
        ConfigError: when the profile is unknown (names the nearest one).
    """
    if profile == "empty":
        return DeviceInformation()
    shape = _PROFILES.get(profile)
    if shape is None:
        close = difflib.get_close_matches(profile, PROFILES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown seed profile {profile!r}{hint} (valid: {', '.join(PROFILES)})")
    rng = random.Random(f"{profile}/{machine_name}/{seed}")
    book = _address_book(rng, shape)
    return DeviceInformation(
        address_book=book,
        department_ids=_department_ids(rng, shape, profile),
        printer_settings=_printer_settings(rng, shape),
        paper_types=_paper_types(rng, shape.papers),
        settings_values=tuple(s for s in _settings_values(rng, shape, machine_name)
                              if series_has_setting(series, s.key)),
        inbox_url_send=_inbox(rng, shape.inbox_entries),
    )


def bundle_size_bytes(info: DeviceInformation) -> int:
    """The size in bytes of the five categories encoded as compact UTF-8 JSON."""
    data = {c.value: category_to_json(c, info.category(c)) for c in Category}
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode())


# --- address book (DID-13) -----------------------------------------------------------------------


def _slug(company: str) -> str:
    return "".join(ch for ch in company.lower() if ch.isalnum() or ch == " ").replace(" ", "-")


def _domain(rng: random.Random, company: str) -> str:
    return f"{_slug(company)}.{rng.choice(('example.com', 'example.net', 'example.org'))}"


def _fax_number(rng: random.Random) -> str:
    return f"+1-{rng.choice((212, 312, 415, 617, 206))}-555-{rng.randrange(100, 200):04d}"


_KINDS = ("e-mail",) * 10 + ("fax",) * 5 + ("i-fax",) * 2 + ("file",) * 2 + ("group",)


def _address_entry(rng: random.Random, number: int) -> AddressEntry:
    kind = rng.choice(_KINDS) if number > 1 else "e-mail"
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company = rng.choice(COMPANIES)
    if kind == "e-mail":
        name = f"{first} {last} ({company})"
        address = f"{first}.{last}@{_domain(rng, company)}".lower()
    elif kind == "fax":
        name = f"{company} {rng.choice(('Sales', 'Orders', 'Accounts', 'Legal'))} Fax"
        address = _fax_number(rng)
    elif kind == "i-fax":
        name, address = f"{company} I-Fax", f"ifax@{_domain(rng, company)}"
    elif kind == "file":
        team = rng.choice(("Accounting", "Scans", "Contracts", "Design", "HR"))
        name = f"File Server {team}"
        address = f"smb://fs{rng.randrange(1, 5):02d}.example.com/{team.lower()}"
    else:  # a group lists earlier entries by number
        members = sorted(rng.sample(range(1, number), k=min(number - 1, rng.randrange(2, 6))))
        name = f"Group {rng.choice(('Management', 'Project Team', 'Night Shift', 'Finance'))} {number}"
        address = ",".join(str(m) for m in members)
    return AddressEntry(number, name, kind, address, favourite=rng.random() < 0.15)


def _address_book(rng: random.Random, shape: _Profile) -> AddressBook:
    entries = tuple(_address_entry(rng, number) for number in range(1, shape.entries + 1))
    targets = [e.number for e in entries if e.kind in ("e-mail", "file")] or [1]
    forwarding = []
    for index in range(1, shape.forwarding + 1):
        what, condition = _forwarding_condition(rng)
        forwarding.append(
            ForwardingRule(f"Forward {index}: {what}", condition, rng.choice(targets), rng.random() < 0.85)
        )
    favourites = tuple(
        FavoriteSetting(
            number,
            f"{rng.choice(('Scan to', 'Send to', 'Fax to'))} {rng.choice(COMPANIES)}",
            (
                ("File Format", rng.choice(("PDF (Compact)", "PDF", "TIFF", "JPEG"))),
                ("Resolution", rng.choice(("200x200 dpi", "300x300 dpi", "600x600 dpi"))),
                ("Color Mode", rng.choice(("Auto (Color/Gray)", "Black & White", "Full Color"))),
                ("Destination", str(rng.choice(targets))),
            ),
        )
        for number in range(1, shape.favourites + 1)
    )
    return AddressBook(entries, tuple(forwarding), favourites)


def _forwarding_condition(rng: random.Random) -> tuple[str, str]:
    choice = rng.randrange(4)
    if choice == 0:
        number = _fax_number(rng)
        return f"fax from {number}", f"Receive Type: Fax; Sender: {number}"
    if choice == 1:
        company = rng.choice(COMPANIES)
        return f"I-Fax from {company}", f"Receive Type: I-Fax; Sender: *@{_slug(company)}.example.net"
    if choice == 2:
        line = rng.randrange(1, 5)
        return f"faxes on Line {line}", f"Receive Type: Fax; Line: Line {line}"
    sub = rng.randrange(10, 99)
    return f"subaddress {sub}", f"Receive Type: Fax; Subaddress: {sub}"


# --- Department ID / System Manager (DID-14) ------------------------------------------------------


def _department_ids(rng: random.Random, shape: _Profile, profile: str) -> DepartmentIds:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    manager = SystemManagerInfo(
        name=f"{first} {last}",
        contact=f"ext. {rng.randrange(1000, 9999)}",
        email=f"{first}.{last}@example.com".lower(),
        comment=f"{profile.capitalize()} fleet administrator",
    )
    ids = list(shape.department_ids)
    ids += [f"{2000 + n:07d}" for n in range(shape.extra_departments)]
    departments = []
    for dept_id in ids:
        password = "".join(rng.choice("0123456789") for _ in range(rng.randrange(4, 8)))
        # A limit of 0 means no limit; counters stay below their limits and total = color + black.
        limits = PageCounts(*(rng.choice((0, 1000, 2000, 5000, 10000)) for _ in range(3)))
        color = rng.randrange(0, (limits.color or 4000) // 2 + 1)
        black = rng.randrange(0, (limits.black or 8000) // 2 + 1)
        if limits.total:
            black = min(black, max(limits.total - color, 0) // 2)
            color = min(color, limits.total - black)
        counters = PageCounts(color + black, color, black)
        password_hash = department_password_hash(dept_id, password)
        departments.append(DepartmentId(dept_id, password_hash, limits, counters))
    return DepartmentIds(manager, tuple(departments))


# --- Printer Settings, Paper Information (DID-15) -------------------------------------------------


def _printer_settings(rng: random.Random, shape: _Profile) -> tuple[tuple[str, str], ...]:
    chosen = [item for item in PRINTER_SETTINGS if rng.random() < shape.printer_share]
    return tuple((name, values[0] if rng.random() < 0.5 else rng.choice(values)) for name, values in chosen)


def _paper_types(rng: random.Random, count: int) -> tuple[PaperType, ...]:
    papers: list[PaperType] = []
    brands = ("Office", "Premium", "Eco", "Colour Laser", "Presentation", "Letterhead", "Brochure")
    for index in range(1, count + 1):
        base, low, high = rng.choice(PAPER_BASE_TYPES)
        weight = rng.randrange(low, high + 1)
        papers.append(
            PaperType(
                name=f"{rng.choice(brands)} {weight} gsm #{index:02d}",
                base_type=base,
                weight_gsm=weight,
                finish=rng.choice(("Uncoated", "Uncoated", "Gloss", "Matte", "Silk")),
                color=rng.choice(("White", "White", "White", "Ivory", "Blue", "Yellow")),
            )
        )
    return tuple(papers)


# --- Settings/Registration Value (DID-16) and inbox URL Send (DID-17) -------------------------------


_LOCATIONS = ("Floor 2, Copy Room", "Floor 3, East Wing", "Reception", "Floor 5, Finance")


def _settings_values(rng: random.Random, shape: _Profile, machine_name: str) -> tuple[SettingValue, ...]:
    fill = {
        "{name}": machine_name,
        "{octet}": str(10 + sum(map(ord, machine_name)) % 200),
        "{location}": rng.choice(_LOCATIONS),
    }
    result: list[SettingValue] = []
    for item in SETTING_ITEMS:
        # Items that identify the machine exist on every machine; others may be missing on a client.
        if item.deliverable and rng.random() >= shape.settings_share:
            continue
        value = item.values[0]
        if len(item.values) > 1 and rng.random() < shape.changed_share:
            value = rng.choice(item.values[1:])
        for marker, text in fill.items():
            value = value.replace(marker, text)
        result.append(SettingValue(item.key, value, item.deliverable, item.network))
    return tuple(result)


_TEAMS = ("finance", "legal", "hr", "orders")


def _inbox(rng: random.Random, count: int) -> InboxUrlSend:
    entries = tuple(
        (f"Confidential Fax Inbox {box:02d}", f"{rng.choice(_TEAMS)}-fax@example.com")
        for box in sorted(rng.sample(range(1, 51), k=count))
    )
    return InboxUrlSend(enabled=bool(entries), entries=entries)
