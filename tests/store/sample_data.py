"""Device information whose every entry carries a generation number, for the store tests.

``make_info(n)`` builds a complete :class:`DeviceInformation` in which every string that identifies an entry
ends in ``gen=n``; :func:`generations` reads those numbers back from any category's JSON. A category whose
entries came from two different updates therefore shows two generations. The crash-test child process
imports this module too (it runs with this directory on ``sys.path``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

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
from mfp_console.domain.device_info_json import category_to_json, inbox_to_json

__all__ = ["BASE_TIME", "info_generations", "generations", "make_info", "machine_time"]

BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
"""The machine time generation 0 happens at; generation n happens n minutes later."""

_GEN = re.compile(r"gen=(\d+)")


def machine_time(generation: int, seconds: int = 0) -> datetime:
    """Returns the (fixed, injected) machine time of ``generation``."""
    return BASE_TIME + timedelta(minutes=generation, seconds=seconds)


def make_info(generation: int, entries: int = 12) -> DeviceInformation:
    """Returns complete device information tagged ``gen=<generation>`` throughout."""
    tag = f"gen={generation}"
    book = AddressBook(
        entries=tuple(
            AddressEntry(n, f"Entry {n} {tag}", "e-mail", f"user{n}@example.com", favourite=n % 3 == 0)
            for n in range(1, entries + 1)
        ),
        forwarding=(ForwardingRule(f"Forward {tag}", "from:fax", 1),),
        favourites=(FavoriteSetting(1, f"Favourite {tag}", (("resolution", "300dpi"),)),),
    )
    departments = DepartmentIds(
        system_manager=SystemManagerInfo(name=f"Manager {tag}", contact="ext. 42"),
        departments=tuple(
            DepartmentId(f"{n:07d}", f"hash-{n}-{tag}", PageCounts(1000, 200, 800), PageCounts(n, 0, n))
            for n in range(1, 4)
        ),
    )
    return DeviceInformation(
        address_book=book,
        department_ids=departments,
        printer_settings=(("Copies", f"1 {tag}"), ("Duplex", f"On {tag}")),
        paper_types=tuple(PaperType(f"Paper {n} {tag}", "Plain", 80 + n) for n in range(1, 3)),
        settings_values=tuple(
            SettingValue(f"Preferences/Item {n}", f"value {tag}", network=n == 4) for n in range(1, 5)
        ),
        inbox_url_send=InboxUrlSend(True, (("Box 1", f"https://box.example/1 {tag}"),)),
    )


def generations(data: Any) -> set[int]:
    """Returns every generation number found in the strings of ``data`` (nested JSON)."""
    if isinstance(data, str):
        return {int(m) for m in _GEN.findall(data)}
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, (list, tuple)):
        found: set[int] = set()
        for item in data:
            found |= generations(item)
        return found
    return set()


def info_generations(info: DeviceInformation) -> dict[str, set[int]]:
    """Returns the generations found in each category of ``info`` and in its inbox settings."""
    found = {c.value: generations(category_to_json(c, info.category(c))) for c in Category}
    found["inbox_url_send"] = generations(inbox_to_json(info.inbox_url_send))
    return found
