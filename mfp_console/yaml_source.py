"""YAML loading that keeps line and column numbers, so every problem in a file can name ``file:line:column``.

PyYAML's C loader composes the node tree (fast), then :func:`load_located` turns nodes into plain Python
values whose mappings and sequences remember where each key and item stood. Validators report problems
with :class:`Problems`, which collects them all so a user sees every mistake at once.

Fleet and scenario files are read with three rules beyond YAML's own:

* **No anchors or aliases** (``&name``/``*name``). An alias makes the composed tree a graph: converting it
  to values visits a shared node once per path to it, so a few lines of nested aliases (an "alias bomb")
  expand to billions of values, and a node that contains an alias to itself never ends. Bounding the
  expansion would still leave a reader guessing what a file means; none of our files needs them, so they
  are refused outright with the line of each one (:func:`anchor_problems`).
* **No key twice in one mapping** (:func:`duplicate_key_problems`): YAML silently keeps the last one.
* **At most** :data:`~mfp_console.limits.YAML_NESTING` **levels of nesting**, so a deep file is
  a located problem rather than a ``RecursionError``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mfp_console.errors import FileProblem, FileProblemsError
from mfp_console.limits import YAML_NESTING

try:  # the C loader is ~5x faster; fall back when PyYAML was built without libyaml
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

__all__ = [
    "LocatedList",
    "LocatedMap",
    "Mark",
    "Problems",
    "anchor_problems",
    "duplicate_key_problems",
    "load_located",
    "nearest",
]


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a file."""

    line: int
    column: int


class LocatedMap(dict):  # type: ignore[type-arg]
    """A dict that remembers where it, each key and each value stood."""

    mark: Mark
    key_marks: dict[Any, Mark]
    value_marks: dict[Any, Mark]


class LocatedList(list):  # type: ignore[type-arg]
    """A list that remembers where it and each item stood."""

    mark: Mark
    item_marks: list[Mark]


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, loader: Any, depth: int = 0) -> Any:
    if depth > YAML_NESTING and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        raise _ScalarError(_mark(node), f"the file nests lists and mappings more than {YAML_NESTING} levels deep")
    if isinstance(node, yaml.MappingNode):
        out = LocatedMap()
        out.mark, out.key_marks, out.value_marks = _mark(node), {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # merge keys are not part of our formats
            key = _convert(key_node, loader, depth + 1)
            if isinstance(key, (dict, list)):
                key = str(key)
            out[key] = _convert(value_node, loader, depth + 1)
            out.key_marks[key] = _mark(key_node)
            out.value_marks[key] = _mark(value_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(_convert(item, loader, depth + 1) for item in node.value)
        items.mark, items.item_marks = _mark(node), [_mark(item) for item in node.value]
        return items
    try:
        return loader.construct_object(node, deep=True)
    except ValueError as exc:  # e.g. an integer longer than the interpreter's digit limit
        mark = _mark(node)
        raise _ScalarError(mark, f"cannot read this value: {exc}") from None


class _ScalarError(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        self.mark = mark
        self.message = message
        super().__init__(message)


def load_located(text: str, path: str, *, refuse_duplicate_keys: bool = True) -> Any:
    """Parses YAML text into located values.

    Args:
        text: The file's contents.
        path: The file's name, used in error messages.
        refuse_duplicate_keys: Report a key written twice in one mapping (a caller that reports them itself,
            among other problems, passes False).

    Raises:
        FileProblemsError: The text is not valid YAML, uses anchors or aliases, repeats a key, or nests too
            deeply (each problem names line and column).
    """
    problems = anchor_problems(text, path)
    if problems:
        raise FileProblemsError(problems)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if refuse_duplicate_keys:
            problems = duplicate_key_problems(node, path)
            if problems:
                raise FileProblemsError(problems)
        return _convert(node, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        raise FileProblemsError([FileProblem(path, line, column, f"YAML syntax error: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise FileProblemsError([FileProblem(path, 0, 0, f"YAML error: {exc}")]) from None
    except _ScalarError as exc:
        raise FileProblemsError([FileProblem(path, exc.mark.line, exc.mark.column, exc.message)]) from None
    finally:
        loader.dispose()


def anchor_problems(text: str, path: str) -> list[FileProblem]:
    """Every YAML anchor (``&name``) and alias (``*name``) in ``text``, as problems (see the module docstring).

    Only the parser's events are read, so even an alias bomb costs one pass over the text. A text that is
    not valid YAML gives no problems here: composing it reports the syntax error.
    """
    if "&" not in text and "*" not in text:  # neither can occur without its sign
        return []
    problems: list[FileProblem] = []
    lines_seen: set[int] = set()  # one problem per line is enough to find them all (a bomb has dozens a line)
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            mark = event.start_mark
            if mark.line in lines_seen:
                continue
            if isinstance(event, yaml.AliasEvent):
                lines_seen.add(mark.line)
                problems.append(FileProblem(
                    path, mark.line + 1, mark.column + 1,
                    f"YAML alias '*{event.anchor}' is not allowed in this file", "write the value out in full"))
            elif getattr(event, "anchor", None):
                lines_seen.add(mark.line)
                problems.append(FileProblem(
                    path, mark.line + 1, mark.column + 1,
                    f"YAML anchor '&{event.anchor}' is not allowed in this file",
                    "anchors and aliases are not used in fleet or scenario files; write each value out"))
    except yaml.YAMLError:
        return []
    finally:
        loader.dispose()
    return problems


def duplicate_key_problems(node: yaml.Node, path: str, hint: str = "remove one of them") -> list[FileProblem]:
    """Every key written twice in one mapping of a composed document (YAML itself keeps the last one)."""
    out: list[FileProblem] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = key_node.value
                    if key in seen:
                        out.append(FileProblem(
                            path, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                            f"key {key!r} is written twice in this mapping (first on line {seen[key]}); "
                            "YAML would keep only the last one",
                            hint,
                        ))
                    else:
                        seen[key] = key_node.start_mark.line + 1
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return sorted(out, key=lambda p: (p.line, p.column))


def read_text(path: Path) -> str:
    """Reads a UTF-8 text file; a missing, unreadable or non-UTF-8 file is a :class:`FileProblemsError`."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileProblemsError([FileProblem(str(path), 0, 0, f"cannot read file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise FileProblemsError([FileProblem(str(path), 0, 0, f"not UTF-8 text: {exc.reason}")]) from None


def read_located(path: Path) -> Any:
    """Reads and parses a YAML file; a missing or unreadable file is a :class:`FileProblemsError`."""
    return load_located(read_text(path), str(path))


def nearest(word: str, choices: Iterable[str]) -> str:
    """Returns a ``did you mean …?`` hint for ``word`` among ``choices``, or an empty string."""
    options = [str(c) for c in choices]
    found = difflib.get_close_matches(str(word), options, n=1, cutoff=0.5)
    return f"did you mean {found[0]!r}?" if found else ""


class Problems:
    """Collects :class:`FileProblem` entries for one file; :meth:`raise_if_any` raises them together."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[FileProblem] = []

    def add(self, mark: Mark | None, message: str, hint: str = "") -> None:
        """Records a problem at ``mark`` (or at the top of the file)."""
        line, column = (mark.line, mark.column) if mark else (0, 0)
        self.items.append(FileProblem(self.path, line, column, message, hint))

    def at_key(self, mapping: Any, key: Any, message: str, hint: str = "") -> None:
        """Records a problem at a mapping's key."""
        self.add(_key_mark(mapping, key), message, hint)

    def at_value(self, mapping: Any, key: Any, message: str, hint: str = "") -> None:
        """Records a problem at a mapping's value."""
        marks = getattr(mapping, "value_marks", {})
        self.add(marks.get(key) or _key_mark(mapping, key), message, hint)

    def unknown_keys(self, mapping: Any, allowed: Iterable[str], where: str) -> None:
        """Records every key of ``mapping`` not in ``allowed``, with the nearest valid key."""
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                self.at_key(mapping, key, f"unknown key {key!r} in {where}", nearest(key, allowed))

    def raise_if_any(self) -> None:
        """Raises :class:`FileProblemsError` with every recorded problem, sorted by position."""
        if self.items:
            raise FileProblemsError(sorted(self.items, key=lambda p: (p.line, p.column)))


def _key_mark(mapping: Any, key: Any) -> Mark | None:
    marks = getattr(mapping, "key_marks", {})
    return marks.get(key) or getattr(mapping, "mark", None)


def mark_of(value: Any) -> Mark | None:
    """Returns where a located mapping or list started, if known."""
    return getattr(value, "mark", None)
