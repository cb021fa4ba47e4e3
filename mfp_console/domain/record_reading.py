"""Reading decoded JSON records by type and bound: one clear :class:`~mfp_console.errors.RecordError`, never
a ``TypeError``, ``KeyError`` or ``AttributeError`` from deep inside a constructor.

Data from another machine or a file arrives as plain JSON values. Building frozen domain values straight
from them (``AddressEntry(**entry)``) let a mapping become a name, an unhashable list become a Department
ID key, or a 200,000-entry list be stored, and the failures surfaced late as the wrong exception. Each
function here checks one value and names where it stood (``address book entry 3: 'number' must be a whole
number, got a string``), so the decoders in :mod:`mfp_console.domain.device_info` read like the format
they accept. Bounds come from :mod:`mfp_console.limits`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mfp_console.errors import RecordError
from mfp_console.limits import INTEGER, TEXT_CHARS

__all__ = ["RecordError", "flag", "items", "kind_of", "record", "text", "text_pair", "whole"]


def kind_of(value: Any) -> str:
    """Names a decoded JSON value as a person reading JSON would (``an array``, ``a string`` …)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def record(value: Any, where: str, required: Iterable[str], optional: Iterable[str] = ()) -> Mapping[str, Any]:
    """Checks that ``value`` is a JSON object holding every ``required`` key and no key beyond ``optional``.

    Raises:
        RecordError: It is not an object, lacks a key, or has one the format does not know.
    """
    if not isinstance(value, dict):
        raise RecordError(f"{where} must be an object, got {kind_of(value)}")
    required = tuple(required)
    missing = [key for key in required if key not in value]
    if missing:
        raise RecordError(f"{where} lacks {', '.join(repr(k) for k in missing)}")
    known = set(required) | set(optional)
    if known.issuperset(value):
        return value
    extra = sorted(str(key) for key in value if key not in known)
    if extra:
        shown = ", ".join(repr(k[:40]) for k in extra[:5])
        raise RecordError(f"{where} has unknown key(s) {shown}")
    return value


def items(value: Any, where: str, limit: int | None) -> list[Any]:
    """Checks that ``value`` is a JSON array of at most ``limit`` items (no bound when None).

    Raises:
        RecordError: It is not an array, or is longer than the limit.
    """
    if not isinstance(value, list):
        raise RecordError(f"{where} must be an array, got {kind_of(value)}")
    if limit is not None and len(value) > limit:
        raise RecordError(f"{where} holds {len(value):,} items, more than the {limit:,} a machine accepts")
    return value


def text(value: Any, where: str, bounded: bool = True) -> str:
    """Checks that ``value`` is a string of at most :data:`TEXT_CHARS` characters (any length unbounded).

    Raises:
        RecordError: It is not a string, or is too long.
    """
    if not isinstance(value, str):
        raise RecordError(f"{where} must be text, got {kind_of(value)}")
    if bounded and len(value) > TEXT_CHARS:
        raise RecordError(f"{where} is {len(value):,} characters long, more than {TEXT_CHARS:,}")
    return value


def whole(value: Any, where: str, low: int = 0, high: int = INTEGER) -> int:
    """Checks that ``value`` is a whole number from ``low`` to ``high`` (``true``/``false`` are not numbers).

    Raises:
        RecordError: It is not a whole number, or is out of range.
    """
    if type(value) is not int:
        raise RecordError(f"{where} must be a whole number, got {kind_of(value)}")
    if not low <= value <= high:
        raise RecordError(f"{where} must be from {low} to {high}, got {value}")
    return value


def flag(value: Any, where: str) -> bool:
    """Checks that ``value`` is ``true`` or ``false``.

    Raises:
        RecordError: It is anything else (``0``, ``"yes"`` …).
    """
    if not isinstance(value, bool):
        raise RecordError(f"{where} must be true or false, got {kind_of(value)}")
    return value


def text_pair(value: Any, where: str, bounded: bool = True) -> tuple[str, str]:
    """Checks that ``value`` is ``[text, text]`` (a setting and its value) and returns it as a tuple.

    Raises:
        RecordError: It is not an array of exactly two strings.
    """
    if not isinstance(value, list) or len(value) != 2:
        raise RecordError(f"{where} must be a pair [name, value], got {kind_of(value)}"
                          + (f" of {len(value)} items" if isinstance(value, list) else ""))
    return text(value[0], f"{where} name", bounded), text(value[1], f"{where} value", bounded)
