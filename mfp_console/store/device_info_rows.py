"""How device information maps to rows of ``device_info``: one JSON document per key.

The keys are the category values of :class:`~mfp_console.domain.device_info.Category` plus
:data:`~mfp_console.store.schema.INBOX_KEY`; the documents are the domain's own JSON encoding, so the store
and the wire agree on one format. Decoding raises ``ValueError``/``TypeError``/``KeyError`` on bad data;
the store turns that into a :class:`~mfp_console.errors.StoreError` naming its file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mfp_console.domain.device_info import Category, DeviceInformation
from mfp_console.domain.device_info_json import (
    category_from_json,
    category_to_json,
    compact_json,
    inbox_from_json,
    inbox_to_json,
)
from mfp_console.store.schema import INBOX_KEY
from mfp_console.strict_json import loads_strict

__all__ = ["ALL_KEYS", "decode_device_info", "decode_payload", "device_rows", "dumps", "key_label"]

ALL_KEYS: tuple[str, ...] = (*(c.value for c in Category), INBOX_KEY)
"""Every row key a complete device information has."""


def dumps(value: Any) -> str:
    """Encodes a JSON document compactly (non-ASCII kept as is); a NaN or infinity is a ``ValueError``."""
    return compact_json(value)


def key_label(key: str) -> str:
    """Returns a key's name for messages: the panel label of a category, or "inbox URL Send settings"."""
    return "inbox URL Send settings" if key == INBOX_KEY else Category(key).label


def device_rows(
    info: DeviceInformation,
    categories: Iterable[Category],
    with_inbox: bool,
    encoded: Mapping[Category, str] | None = None,
) -> list[tuple[str, str]]:
    """Returns ``(key, payload)`` rows for ``categories`` of ``info`` (and its inbox settings when asked).

    Args:
        encoded: Payloads already at hand for some categories (JSON text that decodes to exactly that
            category's value in ``info``); they are used as they are instead of being encoded again.
    """
    known = encoded or {}
    rows = [
        (c.value, known[c] if c in known else dumps(category_to_json(c, info.category(c))))
        for c in categories
    ]
    if with_inbox:
        rows.append((INBOX_KEY, dumps(inbox_to_json(info.inbox_url_send))))
    return rows


def decode_payload(key: str, payload: str) -> Any:
    """Decodes one row: a category's value, or :class:`InboxUrlSend` for the inbox key.

    Every field's type is checked; the size limits are not (``bounded=False``): they guard what arrives
    from other machines and files, and a row the store wrote itself may hold, say, a long name typed on
    the panel.
    """
    data = loads_strict(payload)
    if key == INBOX_KEY:
        return inbox_from_json(data, bounded=False)
    return category_from_json(Category(key), data, bounded=False)


def decode_device_info(rows: Mapping[str, str]) -> DeviceInformation:
    """Builds the whole device information from its rows.

    Raises:
        KeyError: A key is missing (the message lists every missing key).
        ValueError: A payload cannot be decoded.
    """
    missing = [key for key in ALL_KEYS if key not in rows]
    if missing:
        raise KeyError(f"missing {', '.join(missing)}")
    values: dict[str, Any] = {}
    for key in ALL_KEYS:
        try:
            values[key] = decode_payload(key, rows[key])
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{key_label(key)}: {exc!r}") from exc
    info = DeviceInformation(inbox_url_send=values[INBOX_KEY])
    for category in Category:
        info = info.with_category(category, values[category.value])
    return info
