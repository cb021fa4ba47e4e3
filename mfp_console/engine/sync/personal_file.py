"""The personalized data of a machine's login users as a file: the backup taken before synchronizing (SYNC-21).

Before a machine starts synchronizing, its Administrator exports the users' personalized data (Step 1 of
the manual's setup); once its client synchronizes, that export and its import are refused (SYNC-12).
The file is UTF-8 JSON, written atomically by the caller::

    {"format": "mfp-console/personal-data", "version": 1, "machine": "client-a",
     "exported_at": "2026-11-20T09:00:00+00:00",
     "users": [{"user": "alice", "last_login": "…" | null,
                "items": {"display_language": {"value": {…}, "range": "shared"}, …}}]}

Reading checks the whole file first — format, user names, known items, each value by its item's rules
and bounds — so an import either writes every user (in one transaction) or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from mfp_console.domain.sync_items import PersonalItem, SharingRange, check_item_value
from mfp_console.domain.sync_records import check_user_name, check_value_shape
from mfp_console.domain.sync_settings import MAX_SYNC_USERS
from mfp_console.errors import ConfigError
from mfp_console.store import MachineStore
from mfp_console.store.user_data import UserItem
from mfp_console.strict_json import JsonRefusal, loads_strict

__all__ = ["PERSONAL_FORMAT", "PersonalFile", "personal_document", "read_personal_file"]

PERSONAL_FORMAT = "mfp-console/personal-data"
_VERSION = 1
_ITEMS = {i.value: i for i in PersonalItem}


def personal_document(store: MachineStore, machine: str, now: datetime) -> dict[str, Any]:
    """Every user of the machine and their items, as the file holds them."""
    users = []
    for record in store.list_users():
        items = {name: {"value": it.value, "range": it.sharing.value}
                 for name, it in store.user_items(record.user).items() if name in _ITEMS}
        users.append({"user": record.user, "last_login": record.last_login.isoformat() if record.last_login else None,
                      "items": items})
    return {"format": PERSONAL_FORMAT, "version": _VERSION, "machine": machine, "exported_at": now.isoformat(),
            "users": users}


class PersonalFile:
    """A checked personalized-data file: users with their items and last login."""

    def __init__(self, machine: str, users: Mapping[str, tuple[dict[str, tuple[Any, SharingRange]], datetime | None]]):
        self.machine = machine
        self.users = dict(users)

    def replacements(self, now: datetime) -> tuple[dict[str, dict[str, UserItem]], dict[str, datetime]]:
        """The users' items as the store writes them (version 1, as new here) and their logins."""
        items = {user: {name: UserItem(value, 1, sharing, now) for name, (value, sharing) in data.items()}
                 for user, (data, _) in self.users.items()}
        logins = {user: when for user, (_, when) in self.users.items() if when is not None}
        return items, logins


def read_personal_file(path: Path) -> PersonalFile:
    """Reads and checks a personalized-data file whole.

    Raises:
        ConfigError: The file cannot be read, is not such a file, or a part of it is not sound (the message
            names the user and item).
    """
    try:
        doc = loads_strict(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, JsonRefusal) as exc:
        raise ConfigError(f"{path}: cannot be read as personalized data: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != PERSONAL_FORMAT or doc.get("version") != _VERSION:
        raise ConfigError(f"{path}: not a personalized-data export of mfp-console (version {_VERSION})")
    raw_users = doc.get("users")
    if not isinstance(raw_users, list) or len(raw_users) > MAX_SYNC_USERS:
        raise ConfigError(f"{path}: 'users' must be a list of at most {MAX_SYNC_USERS} users")
    users: dict[str, tuple[dict[str, tuple[Any, SharingRange]], datetime | None]] = {}
    for index, entry in enumerate(raw_users):
        try:
            users.update([_user(entry, users)])
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{path}: user #{index + 1}: {exc}") from None
    return PersonalFile(str(doc.get("machine", "")), users)


def _user(entry: Any, seen: Mapping[str, Any]) -> tuple[str, tuple[dict[str, tuple[Any, SharingRange]], datetime | None]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("items"), dict):
        raise ValueError("a user is an object with 'user', 'last_login' and 'items'")
    user = check_user_name(entry.get("user"))
    if user in seen:
        raise ValueError(f"{user!r} is listed twice")
    items: dict[str, tuple[Any, SharingRange]] = {}
    for name, data in entry["items"].items():
        item = _ITEMS.get(name)
        if item is None or not isinstance(data, dict) or set(data) != {"value", "range"}:
            raise ValueError(f"{str(name)[:40]!r} is not a personalized item with a value and a range")
        check_value_shape(data["value"])
        check_item_value(item, data["value"])
        items[name] = (data["value"], SharingRange(data["range"]))
    last = entry.get("last_login")
    when = None
    if last is not None:
        when = datetime.fromisoformat(str(last))
        if when.tzinfo is None:
            raise ValueError("the last login has no time zone")
    return user, (items, when)


def write_text(document: Mapping[str, Any]) -> str:
    """The file's text."""
    return json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False)


__all__ += ["write_text"]
