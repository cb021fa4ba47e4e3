"""The validator's reading helpers: typed access to located YAML values that records a problem instead of
raising, so that one pass finds every mistake of a file.

A :class:`Reader` knows the file's lines (to read a value the way it was written, since YAML turns
``0300`` into 192 and ``21:00`` into 1260), the fleet's machine names (when the fleet could be loaded) and
the :class:`~mfp_console.yaml_source.Problems` collector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from mfp_console.domain.device_info import Category
from mfp_console.scenario.vocabulary import category_labels
from mfp_console.yaml_source import Mark, Problems, mark_of, nearest

__all__ = ["MISSING", "Reader"]

MISSING = object()
"""Returned when a value could not be read (a problem was recorded)."""

_TOKEN_END = re.compile(r"\s+#|[,}\]]|\s*$")


class Reader:
    """Reads located values and records problems.

    Args:
        problems: Where problems go.
        lines: The file's lines.
        machines: The fleet's machine names, or None when the fleet could not be read (machine names are
            then not checked).
    """

    def __init__(self, problems: Problems, lines: Sequence[str], machines: Sequence[str] | None) -> None:
        self.problems = problems
        self.lines = lines
        self.machines = tuple(machines) if machines is not None else None
        self.registered: set[str] = set()
        """Destination names the scenario registers itself (they may differ from machine names)."""

    # --- where things are ---------------------------------------------------------------------------

    @staticmethod
    def key_mark(mapping: Any, key: Any) -> Mark | None:
        """Where ``key`` stands in ``mapping``."""
        return getattr(mapping, "key_marks", {}).get(key) or mark_of(mapping)

    @staticmethod
    def value_mark(mapping: Any, key: Any) -> Mark | None:
        """Where the value of ``key`` stands in ``mapping``."""
        return getattr(mapping, "value_marks", {}).get(key) or Reader.key_mark(mapping, key)

    @staticmethod
    def item_mark(items: Any, index: int) -> Mark | None:
        """Where item ``index`` of a located list stands."""
        marks = getattr(items, "item_marks", None)
        return marks[index] if marks and index < len(marks) else mark_of(items)

    def written(self, value: Any, mark: Mark | None) -> str:
        """The scalar as it stands in the file (``0300`` stays ``0300``)."""
        if isinstance(value, str) or mark is None or not 0 < mark.line <= len(self.lines):
            return str(value)
        rest = self.lines[mark.line - 1][mark.column - 1:]
        if rest[:1] in ("'", '"'):
            return str(value)
        end = _TOKEN_END.search(rest)
        token = rest[: end.start()] if end else rest
        return token.strip() or str(value)

    # --- problems -----------------------------------------------------------------------------------

    def add(self, mark: Mark | None, message: str, hint: str = "") -> None:
        """Records a problem."""
        self.problems.add(mark, message, hint)

    def unknown_keys(self, mapping: Any, allowed: Iterable[str], where: str) -> None:
        """Records every key not in ``allowed`` with the nearest valid key."""
        self.problems.unknown_keys(mapping, allowed, where)

    # --- typed values -------------------------------------------------------------------------------

    def mapping(self, value: Any, mark: Mark | None, what: str, example: str) -> dict[str, Any] | None:
        """Returns ``value`` if it is a mapping, else records ``what must be a mapping like …``."""
        if isinstance(value, dict):
            return value
        self.add(mark, f"{what} must be a mapping like {example}, got {_shown(value)}")
        return None

    def require(self, mapping: Any, keys: Iterable[str], what: str) -> bool:
        """Records every missing required key; True when all are there."""
        ok = True
        for key in keys:
            if key not in mapping or mapping[key] is None:
                self.add(mark_of(mapping), f"{what} needs '{key}'")
                ok = False
        return ok

    def text(self, mapping: Any, key: str, what: str, *, required: bool = True) -> str | object:
        """A non-empty text value; numbers are read as written."""
        if key not in mapping:
            if required:
                self.add(mark_of(mapping), f"{what} needs '{key}'")
            return MISSING
        value = mapping[key]
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            self.add(self.value_mark(mapping, key), f"'{key}' of {what} must be text, got {_shown(value)}")
            return MISSING
        text = self.written(value, self.value_mark(mapping, key)) if not isinstance(value, str) else value
        if not text.strip():
            self.add(self.value_mark(mapping, key), f"'{key}' of {what} is empty")
            return MISSING
        return text

    def quoted_digits(self, mapping: Any, key: str, what: str) -> str | object:
        """An ID or PIN: must be written in quotes so leading zeros survive (M-02)."""
        if key not in mapping:
            self.add(mark_of(mapping), f"{what} needs '{key}'")
            return MISSING
        value = mapping[key]
        mark = self.value_mark(mapping, key)
        if isinstance(value, int) and not isinstance(value, bool):
            written = self.written(value, mark)
            self.add(mark, f"write the {key} in quotes so leading zeros are kept",
                     f"e.g. {key}: \"{written}\"")
            return MISSING
        if not isinstance(value, str):
            self.add(mark, f"'{key}' of {what} must be digits in quotes, got {_shown(value)}")
            return MISSING
        return value

    def boolean(self, mapping: Any, key: str, what: str, default: bool) -> bool:
        """``true``/``false`` (``On``/``Off`` too, which YAML reads as booleans)."""
        value = mapping.get(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("on", "off", "include", "exclude"):
            return value.strip().lower() in ("on", "include")
        self.add(self.value_mark(mapping, key), f"'{key}' of {what} must be On or Off (true/false), got {_shown(value)}")
        return default

    def whole_number(self, mapping: Any, key: str, what: str, low: int = 0) -> int | object:
        """A whole number ≥ ``low``."""
        value = mapping.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.add(self.value_mark(mapping, key), f"'{key}' of {what} must be a whole number ≥ {low}, got {_shown(value)}")
            return MISSING
        return value

    def machine(self, value: Any, mark: Mark | None, what: str) -> str | object:
        """A machine name of the fleet."""
        if not isinstance(value, str) or not value.strip():
            self.add(mark, f"{what} must be a machine name, got {_shown(value)}")
            return MISSING
        if self.machines is not None and value not in self.machines:
            self.add(mark, f"no machine named {value!r} in the fleet", nearest(value, self.machines))
            return MISSING
        return value

    def destination(self, value: Any, mark: Mark | None, what: str) -> str | object:
        """A destination name: a machine of the fleet (registered by default) or one the scenario registers."""
        if isinstance(value, str) and value in self.registered:
            return value
        return self.machine(value, mark, what)

    def machine_at(self, mapping: Any, key: str, what: str, default: str | None = None) -> str | object:
        """The machine named by ``mapping[key]`` (or ``default`` when absent and a default exists)."""
        if key not in mapping:
            if default is not None:
                return default
            self.add(mark_of(mapping), f"{what} needs '{key}' (a machine name)")
            return MISSING
        return self.machine(mapping[key], self.value_mark(mapping, key), f"'{key}' of {what}")

    def machines_list(self, mapping: Any, key: str, what: str) -> tuple[str, ...] | object:
        """A list of destination names (a single name is a list of one)."""
        value = mapping.get(key)
        items = value if isinstance(value, list) else [value]
        if value is None or (isinstance(value, list) and not value):
            self.add(self.value_mark(mapping, key) if key in mapping else mark_of(mapping),
                     f"{what} needs '{key}': one machine name or a list of them")
            return MISSING
        out = []
        for index, item in enumerate(items):
            mark = self.item_mark(value, index) if isinstance(value, list) else self.value_mark(mapping, key)
            name = self.destination(item, mark, f"'{key}' of {what}")
            if name is not MISSING:
                out.append(name)
        return tuple(out) if len(out) == len(items) else MISSING

    def category(self, value: Any, mark: Mark | None, what: str) -> Category | object:
        """A category by its panel label (``Address Book``) or value (``address_book``)."""
        try:
            return Category.from_label(str(value))
        except ValueError:
            choices = [*category_labels(), *(c.value for c in Category)]
            self.add(mark, f"unknown category {value!r} in {what}", nearest(str(value), choices))
            return MISSING

    def categories(self, mapping: Any, key: str, what: str, *, allow_all: bool = True) -> tuple[Category, ...] | object:
        """A list of categories, or ``all``."""
        value = mapping.get(key)
        mark = self.value_mark(mapping, key) if key in mapping else mark_of(mapping)
        if value is None:
            self.add(mark, f"{what} needs '{key}': a list of categories" + (" or 'all'" if allow_all else ""))
            return MISSING
        if allow_all and isinstance(value, str) and value.strip().lower() == "all":
            return tuple(Category)
        items = value if isinstance(value, list) else [value]
        out = []
        for index, item in enumerate(items):
            item_mark = self.item_mark(value, index) if isinstance(value, list) else mark
            category = self.category(item, item_mark, what)
            if category is not MISSING:
                out.append(category)
        if not items:
            self.add(mark, f"'{key}' of {what} is empty")
            return MISSING
        return tuple(out) if len(out) == len(items) else MISSING


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)
