"""Reads a scenario file into a validated :class:`~mfp_console.scenario.model.Scenario`.

Reading happens in two passes over the text. PyYAML's C loader first composes the node tree, which this
module walks for what the located values cannot tell any more: keys written twice in one mapping (YAML
keeps the last one silently) and the last line of every step (for quoting a step in a failure). Then
:func:`mfp_console.yaml_source.load_located` builds the located values the validator reads. Tabs used for
indentation are reported on every line they occur, before YAML's own, vaguer, complaint. Anchors and
aliases are refused before anything is composed (see :mod:`mfp_console.yaml_source`).

Every problem of a file is collected and raised together as one
:class:`~mfp_console.errors.FileProblemsError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from mfp_console.errors import FileProblem, FileProblemsError
from mfp_console.yaml_source import (
    anchor_problems,
    duplicate_key_problems,
    load_located,
    read_text,
)

__all__ = ["load_scenario", "load_scenario_text", "looks_like_scenario"]

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


def looks_like_scenario(text: str) -> bool:
    """True when a YAML text has a top-level ``steps:`` key (a cheap test used to pick files to collect)."""
    return any(line.startswith("steps:") or line.startswith("steps :") for line in text.splitlines())


def load_scenario(path: Path | str, default_fleet: Path | None = None):  # noqa: ANN201 - Scenario (lazy import)
    """Reads, parses and validates a scenario file.

    Args:
        default_fleet: The fleet file for a scenario that names no fleet (the command line's ``--fleet``);
            the built-in default fleet when None.

    Raises:
        FileProblemsError: Every problem found, each with ``file:line:column``.
    """
    path = Path(path)
    return load_scenario_text(read_text(path), str(path), default_fleet)


def load_scenario_text(text: str, path: str, default_fleet: Path | None = None):  # noqa: ANN201 - Scenario
    """Parses and validates scenario text; ``path`` names it in messages and anchors relative fleet files."""
    from mfp_console.scenario.validate import build_scenario

    lines = tuple(text.splitlines())
    problems = _tab_problems(lines, path)
    anchors = anchor_problems(text, path)
    if anchors:  # before composing: walking the node graph of an alias bomb would never end
        raise FileProblemsError(sorted([*problems, *anchors], key=lambda p: (p.line, p.column)))
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        problems.extend(_syntax_problem(exc, path, problems, lines))
        raise FileProblemsError(problems) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML always marks its errors
        raise FileProblemsError([*problems, FileProblem(path, 0, 0, f"YAML error: {exc}")]) from None
    if node is None:
        raise FileProblemsError([*problems, FileProblem(path, 1, 1, "the file is empty; a scenario needs 'name' and 'steps'")])
    problems.extend(duplicate_key_problems(node, path, "remove one, or make it a separate step"))
    doc = load_located(text, path, refuse_duplicate_keys=False)  # reported above, with the rest
    return build_scenario(doc, path, lines, _step_end_lines(node, lines), problems, default_fleet)


def _tab_problems(lines: Sequence[str], path: str) -> list[FileProblem]:
    out = []
    for number, line in enumerate(lines, start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            out.append(FileProblem(path, number, indent.index("\t") + 1,
                                   "a tab is used for indentation; YAML needs spaces"))
    return out


def _syntax_problem(exc: yaml.MarkedYAMLError, path: str, known: list[FileProblem],
                    lines: Sequence[str]) -> list[FileProblem]:
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    mark = problem_mark or context_mark
    last = max((n for n, text in enumerate(lines, start=1) if text.strip()), default=1)
    if mark is not None and context_mark is not None and mark.line + 1 > last:
        mark = context_mark  # the file ended first: point at what was left open
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    if any(p.line == line for p in known):
        return []  # the tab already explains this line
    problem = exc.problem or exc.context or "invalid YAML"
    message = f"YAML syntax error: {problem}"
    if exc.context and context_mark is not None and exc.problem:
        message += f" ({exc.context} that starts on line {context_mark.line + 1}, column {context_mark.column + 1})"
    hint = ""
    if "mapping values are not allowed" in problem:
        hint = "a value containing ': ' must be quoted, or a key is indented wrongly"
    elif "expected <block end>" in problem or "expected <block end>" in str(exc.context or ""):
        hint = "check the indentation of this line against the lines above"
    elif "could not find expected ':'" in problem:
        hint = "a key needs ':' after it"
    elif "expected ',' or '}'" in problem:
        hint = "close the '{' or separate items with ','"
    elif "expected ',' or ']'" in problem:
        hint = "close the '[' or separate items with ','"
    return [FileProblem(path, line, column, message, hint)]


def _step_end_lines(node: yaml.Node, lines: Sequence[str]) -> list[int]:
    """The last line (1-based) of each item of the top-level ``steps`` list, trailing blanks/comments cut."""
    if not isinstance(node, yaml.MappingNode):
        return []
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "steps":
            if not isinstance(value_node, yaml.SequenceNode):
                return []
            ends = []
            for item in value_node.value:
                end = _last_end(item)
                last = end.line if end.column == 0 else end.line + 1
                first = item.start_mark.line + 1
                while last > first and (not lines[last - 1].strip() or lines[last - 1].lstrip().startswith("#")):
                    last -= 1
                ends.append(max(first, last))
            return ends
    return []


def _last_end(node: yaml.Node) -> yaml.Mark:
    """Where a node's own text ends: a block collection "ends" at the next token, so descend to its last
    value, whose end is exact."""
    while not getattr(node, "flow_style", True) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node.end_mark
