r"""JSON read strictly: what Python would accept but another peer might not is refused.

Frames from other machines (:mod:`mfp_console.protocol.framing`) and the user documents a sync client
keeps as the server sent them (:mod:`mfp_console.store.user_data`, which reads them only when a user is
read) both come off the wire and are read by :func:`loads_strict`, so one set of rules decides what counts
as JSON: no ``NaN``/``Infinity``, no number too large for a float (``1e400`` would otherwise read as
``inf``, be stored as ``Infinity`` and poison every later read), no key repeated in an object, no lone
surrogate escape such as ``"\ud800"`` (so every value read can be written again as UTF-8), and every
failure — pathological nesting and over-long integers included — a :class:`JsonRefusal` with a message,
never another exception. :func:`raw_decode_strict` applies the same rules to one value inside a longer
text (the distribution receiver reads a bundle member by member).

Writing is the other half: every ``json.dumps`` of the project passes ``allow_nan=False``
(``tests/protocol/test_strict_json.py`` checks the source), so no frame, stored row, kept document or
exported file ever holds a non-finite number.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["JsonRefusal", "loads_strict", "raw_decode_strict"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JsonRefusal(ValueError):
    """Why a text is not acceptable JSON; the message reads after the text's name (``repeats the key 'a'``)."""


def loads_strict(text: str) -> Any:
    """Decodes ``text`` by the rules of the module.

    Raises:
        JsonRefusal: The text is not JSON, or breaks one of the rules.
    """
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JsonRefusal(f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise JsonRefusal("is nested too deeply") from None
    except JsonRefusal:
        raise
    except ValueError as exc:  # e.g. an integer longer than the interpreter's digit limit
        raise JsonRefusal(f"is not acceptable JSON ({exc})") from None
    # A lone surrogate can only come from a \uD800-\uDFFF escape in the text; skip the walk when there is
    # none (it would otherwise visit every string of every frame).
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(obj):
        raise JsonRefusal("contains a lone UTF-16 surrogate escape")
    return obj


def raw_decode_strict(text: str, position: int = 0) -> tuple[Any, int]:
    """Decodes the one JSON value that starts at ``position`` of ``text``; returns it and where it ends.

    The value is read by the rules of :func:`loads_strict` except the lone-surrogate check, which needs the
    value's text (the caller holds it: ``text[position:end]``).

    Raises:
        JsonRefusal: The value is not JSON or breaks a rule (``ValueError``, like ``json``'s own errors).
    """
    try:
        return _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as exc:
        raise JsonRefusal(f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise JsonRefusal("is nested too deeply") from None
    except JsonRefusal:
        raise
    except ValueError as exc:
        raise JsonRefusal(f"is not acceptable JSON ({exc})") from None


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 24 else text[:23] + "…"
        raise JsonRefusal(f"holds the number {shown}, which is too large for a float")
    return value


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonRefusal(f"repeats the key {key!r}")
            seen.add(key)
    return obj


def _refuse_constant(name: str) -> Any:
    raise JsonRefusal(f"uses {name}, which JSON does not allow")


_DECODER = json.JSONDecoder(
    parse_float=_finite_float, parse_constant=_refuse_constant, object_pairs_hook=_object_without_duplicates
)


def _has_lone_surrogate(obj: Any) -> bool:
    # Iterative so that a deeply nested (but parseable) value cannot exhaust the Python stack.
    pending = [obj]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
