"""The message base class, its field kinds and the strict validation every wire message goes through.

A message class is a frozen dataclass with a class-level ``TYPE`` whose field annotations are one of
a few *field kinds* (``str``, ``int``, ``bool``, ``tuple[str, ...]``, ``dict[str, str]`` and
``tuple[dict[str, Any], ...]`` for sync records, ``tuple[ChangeRecord, ...]`` for the changes of a
pre-flight forecast). The annotations are the schema: :func:`register`
reads them once, so the wire format and the Python class cannot drift apart.

The same checks run in both directions. :func:`parse_message` turns every problem in a received body
into one :class:`~mfp_console.errors.RemoteProtocolError` that names the message type and each field
at fault; :func:`check_message` turns the same problems in a message about to be sent into a
:class:`~mfp_console.errors.LocalProtocolError`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from mfp_console.domain.device_info import Category
from mfp_console.domain.distribution_forecast import ChangeKind
from mfp_console.errors import LocalProtocolError, RemoteProtocolError
from mfp_console.limits import FORECAST_NAMES, INTEGER, TEXT_CHARS
from mfp_console.protocol.framing import encode_frame, json_kind

__all__ = [
    "CHANGE_RECORD_KEYS",
    "PROTOCOL_VERSION",
    "RECORD_KEYS",
    "ChangeRecord",
    "Message",
    "category_problems",
    "check_message",
    "encode_message",
    "hex_256_problems",
    "message_problems",
    "message_types",
    "parse_message",
    "register",
    "reply_code_problems",
]

PROTOCOL_VERSION = 1
"""The protocol version every body carries as ``"v"``; a body with any other version is refused."""

RECORD_KEYS = ("user", "item", "value", "version", "range")
"""Keys every personalised-data record of a sync message must carry (more are allowed). ``user``, ``item``
and ``range`` are strings of at most :data:`~mfp_console.limits.TEXT_CHARS` characters."""

CHANGE_RECORD_KEYS = ("category", "kind", "count", "names")
"""Keys every change record of a pre-flight answer carries, and no others: a category's wire name, a
:class:`~mfp_console.domain.distribution_forecast.ChangeKind` text, a count of at least 1 and at most
:data:`~mfp_console.limits.FORECAST_NAMES` names (never more than the count, none for a count-only kind),
each at most :data:`~mfp_console.limits.TEXT_CHARS` characters."""

ChangeRecord = dict[str, Any]
"""One change record of a pre-flight answer (see :data:`CHANGE_RECORD_KEYS`)."""

_MAX_INT = INTEGER  # counts and ids end up in SQLite INTEGER columns
_ENVELOPE = ("v", "type")
_CATEGORY_VALUES = frozenset(category.value for category in Category)
_HEX_256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Message:
    """Base of every wire message: a frozen value whose fields are the body's fields.

    Sequence fields accept any list or tuple and are stored as tuples; mapping fields are stored as a
    private copy, so a sent or received message never changes under its holder's feet.
    """

    TYPE: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for name, kind in _schema(type(self)).items():
            value = getattr(self, name)
            if kind in _RECORD_LISTS and isinstance(value, list):
                value = tuple(dict(v) if isinstance(v, dict) else v for v in value)
            elif kind == "dict[str, str]" and isinstance(value, dict):
                value = dict(value)
            object.__setattr__(self, name, value)

    def to_wire(self) -> dict[str, Any]:
        """Returns the JSON body: ``{"v": 1, "type": TYPE, <fields in declaration order>}``."""
        body: dict[str, Any] = {"v": PROTOCOL_VERSION, "type": self.TYPE}
        for name in _schema(type(self)):
            body[name] = _to_json(getattr(self, name))
        return body

    def semantic_problems(self) -> list[str]:
        """Returns problems beyond field types (allowed values, consistency); none by default.

        Only called once every field has its declared kind.
        """
        return []


_MessageT = TypeVar("_MessageT", bound=type[Message])
_REGISTRY: dict[str, type[Message]] = {}
_SCHEMAS: dict[type[Message], dict[str, str]] = {}


def register(cls: _MessageT) -> _MessageT:
    """Class decorator adding a message class to the registry :func:`parse_message` consults.

    Raises:
        TypeError: The class has no ``TYPE``, reuses one, or declares a field of an unknown kind.
    """
    if not cls.TYPE or cls.TYPE in _REGISTRY:
        raise TypeError(f"{cls.__name__} needs a unique TYPE, got {cls.TYPE!r}")
    schema = {f.name: str(f.type) for f in fields(cls)}
    for name, kind in schema.items():
        if kind not in _KIND_CHECKS:
            raise TypeError(f"{cls.__name__}.{name} has unsupported field kind {kind!r}")
        if name in _ENVELOPE:
            raise TypeError(f"{cls.__name__}.{name} clashes with the envelope key {name!r}")
    _SCHEMAS[cls] = schema
    _REGISTRY[cls.TYPE] = cls
    return cls


def message_types() -> dict[str, type[Message]]:
    """Returns every registered message class keyed by its wire type."""
    return dict(_REGISTRY)


def parse_message(obj: Mapping[str, Any]) -> Message:
    """Validates a decoded body strictly and builds its message.

    Args:
        obj: A decoded frame body.

    Returns:
        The message the body describes.

    Raises:
        RemoteProtocolError: The version is missing or not :data:`PROTOCOL_VERSION`, the type is
            missing or unknown, or a field is missing, extra, of the wrong kind or has a value the
            message does not allow. All problems of one body are reported in one message.
    """
    if not isinstance(obj, Mapping):
        raise RemoteProtocolError(f"a message must be a JSON object, got {json_kind(obj)}")
    if "v" not in obj:
        raise RemoteProtocolError('message has no protocol version ("v")')
    version = obj["v"]
    if isinstance(version, bool) or version != PROTOCOL_VERSION:
        raise RemoteProtocolError(
            f"unsupported protocol version {version!r}; this machine speaks version {PROTOCOL_VERSION}"
        )
    type_name = obj.get("type")
    if not isinstance(type_name, str):
        got = "no type" if "type" not in obj else f"type {json_kind(type_name)}"
        raise RemoteProtocolError(f'message has {got}; "type" must be a string')
    cls = _REGISTRY.get(type_name)
    if cls is None:
        nearest = difflib.get_close_matches(type_name, _REGISTRY, n=1)
        hint = f" (did you mean {nearest[0]!r}?)" if nearest else ""
        raise RemoteProtocolError(f"unknown message type {type_name!r}{hint}")
    schema = _SCHEMAS[cls]
    problems = [f"missing field {name!r}" for name in schema if name not in obj]
    problems += [f"unexpected field {key!r}" for key in obj if key not in schema and key not in _ENVELOPE]
    for name, kind in schema.items():
        if name in obj:
            problem = _KIND_CHECKS[kind](obj[name])
            if problem:
                problems.append(f"field {name!r} {problem}")
    if not problems:
        message = cls(**{name: obj[name] for name in schema})
        problems = message.semantic_problems()
        if not problems:
            return message
    raise RemoteProtocolError(f"invalid {cls.__name__} message ({type_name!r}): {'; '.join(problems)}")


def message_problems(message: Message) -> list[str]:
    """Returns everything wrong with a message built locally (empty when it may be sent)."""
    schema = _SCHEMAS.get(type(message))
    if schema is None:
        return [f"{type(message).__name__} is not a registered message class"]
    problems = []
    for name, kind in schema.items():
        problem = _KIND_CHECKS[kind](getattr(message, name))
        if problem:
            problems.append(f"field {name!r} {problem}")
    return problems or message.semantic_problems()


def check_message(message: Message) -> None:
    """Raises LocalProtocolError naming every problem of a message this side is about to send."""
    problems = message_problems(message)
    if problems:
        raise LocalProtocolError(f"cannot send invalid {type(message).__name__}: {'; '.join(problems)}")


def encode_message(message: Message) -> bytes:
    """Checks a message and encodes it as one frame (for sending the same bytes to many peers).

    Raises:
        LocalProtocolError: The message is invalid or cannot be encoded.
    """
    check_message(message)
    return encode_frame(message.to_wire())


def hex_256_problems(name: str, value: str) -> list[str]:
    """Problems of a field that must hold 32 bytes as 64 lower-case hex digits (a digest or challenge)."""
    if _HEX_256.fullmatch(value):
        return []
    got = f"{len(value)} characters" if len(value) != 64 else "other characters"
    return [f"field {name!r} must be 64 lower-case hex digits, got {got}"]


def category_problems(name: str, values: Sequence[str]) -> list[str]:
    """Problems of a field naming distribution categories: each a known value, none twice (DID-03)."""
    unknown = sorted(v for v in values if v not in _CATEGORY_VALUES)
    if unknown:
        return [f"field {name!r} names unknown categories {unknown} (known: {sorted(_CATEGORY_VALUES)})"]
    if len(set(values)) != len(values):
        return [f"field {name!r} repeats a category"]
    return []


def reply_code_problems(succeeded: bool, code: str, success: str) -> list[str]:
    """Problems of a reply's ``code``: empty exactly when the reply grants what was asked.

    Args:
        succeeded: Whether the reply grants the request.
        code: The reply's code.
        success: The condition in words, for the message, e.g. ``"ok is true"``.
    """
    if succeeded and code:
        return [f"field 'code' must be empty when {success}, got {code!r}"]
    if not succeeded and not code:
        return [f"field 'code' must name the refusal unless {success}"]
    return []


def _schema(cls: type[Message]) -> dict[str, str]:
    schema = _SCHEMAS.get(cls)
    if schema is None:  # an unregistered subclass: fall back to its annotations
        schema = {f.name: str(f.type) for f in fields(cls)}
    return schema


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    if isinstance(value, dict):
        return dict(value)
    return value


def _check_str(value: Any) -> str | None:
    return None if isinstance(value, str) else f"must be a string, got {json_kind(value)}"


def _check_int(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be an integer, got {json_kind(value)}"
    if not 0 <= value <= _MAX_INT:
        return f"must be between 0 and {_MAX_INT}, got {value}"
    return None


def _check_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {json_kind(value)}"


def _check_str_list(value: Any) -> str | None:
    if not isinstance(value, (list, tuple)):
        return f"must be an array of strings, got {json_kind(value)}"
    for index, item in enumerate(value):
        if not isinstance(item, str):
            return f"item {index} must be a string, got {json_kind(item)}"
    return None


def _check_str_map(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"must be an object of strings, got {json_kind(value)}"
    for key, item in value.items():
        if not isinstance(key, str):
            return f"key {key!r} must be a string"
        if not isinstance(item, str):
            return f"value of {key!r} must be a string, got {json_kind(item)}"
    return None


def _check_records(value: Any) -> str | None:
    if not isinstance(value, (list, tuple)):
        return f"must be an array of records, got {json_kind(value)}"
    # The common case, all records sound, checked with as little work per record as possible; the first
    # record that is not plainly sound is looked at again below, which names what is wrong with it.
    start = 0
    for record in value:
        if type(record) is not dict or "value" not in record:  # a subclass could answer lookups its own way
            break
        try:
            user, item, sharing, version = record["user"], record["item"], record["range"], record["version"]
        except KeyError:
            break
        if not (type(user) is str and type(item) is str and type(sharing) is str
                and len(user) <= TEXT_CHARS and len(item) <= TEXT_CHARS and len(sharing) <= TEXT_CHARS
                and type(version) is int and 0 <= version <= _MAX_INT):
            break
        start += 1
    else:
        return None
    for index, record in enumerate(value[start:], start):
        if not isinstance(record, dict):
            return f"record {index} must be an object, got {json_kind(record)}"
        missing = [key for key in RECORD_KEYS if key not in record]
        if missing:
            return f"record {index} lacks {', '.join(repr(k) for k in missing)}"
        for key in ("user", "item", "range"):
            if not isinstance(record[key], str):
                return f"record {index} key {key!r} must be a string, got {json_kind(record[key])}"
            if len(record[key]) > TEXT_CHARS:
                return f"record {index} key {key!r} is {len(record[key]):,} characters, more than {TEXT_CHARS:,}"
        problem = _check_int(record["version"])
        if problem:
            return f"record {index} key 'version' {problem}"
    return None


def _check_change_records(value: Any) -> str | None:
    if not isinstance(value, (list, tuple)):
        return f"must be an array of change records, got {json_kind(value)}"
    for index, record in enumerate(value):
        if not isinstance(record, dict):
            return f"record {index} must be an object, got {json_kind(record)}"
        if set(record) != set(CHANGE_RECORD_KEYS):
            return f"record {index} must have exactly the keys {list(CHANGE_RECORD_KEYS)}, got {sorted(map(str, record))}"
        category, kind, count, names = (record[key] for key in CHANGE_RECORD_KEYS)
        if not isinstance(category, str) or category not in _CATEGORY_VALUES:
            return f"record {index} names unknown category {category!r}"[:200]
        if not isinstance(kind, str) or kind not in _CHANGE_KINDS:
            return f"record {index} names an unknown kind of change {kind!r}"[:200]
        problem = _check_int(count)
        if problem or count < 1:
            return f"record {index} key 'count' {problem or 'must be at least 1'}"
        problem = _check_str_list(names)
        if problem:
            return f"record {index} key 'names' {problem}"
        if len(names) > min(count, FORECAST_NAMES):
            return f"record {index} lists {len(names)} names for a count of {count} (at most {FORECAST_NAMES})"
        if names and not ChangeKind(kind).names:
            return f"record {index}: {kind!r} is a count and lists no names"
        if any(len(name) > TEXT_CHARS for name in names):
            return f"record {index} has a name longer than {TEXT_CHARS:,} characters"
    return None


_CHANGE_KINDS = frozenset(kind.value for kind in ChangeKind)
_RECORD_LISTS = frozenset({"tuple[str, ...]", "tuple[dict[str, Any], ...]", "tuple[ChangeRecord, ...]"})

_KIND_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "str": _check_str,
    "int": _check_int,
    "bool": _check_bool,
    "tuple[str, ...]": _check_str_list,
    "dict[str, str]": _check_str_map,
    "tuple[dict[str, Any], ...]": _check_records,
    "tuple[ChangeRecord, ...]": _check_change_records,
}
