"""Shows a located problem the way a person fixes it: ``file:line:column: message (hint)``, then the line
with a caret under the column.

Used by ``mfp-console check``/``play`` and by the pytest plugin. A problem located in another file (a fleet
file the scenario names) quotes that file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from mfp_console.errors import FileProblem

__all__ = ["SourceLines", "quote_lines", "render_problem", "render_problems"]


class SourceLines:
    """Reads and caches the lines of files problems point into."""

    def __init__(self, known: dict[str, Sequence[str]] | None = None) -> None:
        self._files: dict[str, Sequence[str]] = dict(known or {})

    def add(self, path: str, lines: Sequence[str]) -> None:
        """Registers the lines of a file already read."""
        self._files[path] = lines

    def __call__(self, path: str) -> Sequence[str]:
        if path not in self._files:
            try:
                self._files[path] = Path(path).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._files[path] = ()
        return self._files[path]


def _visible(line: str) -> str:
    # A tab would throw the caret off and hides the mistake it usually is: show it as an arrow.
    return line.replace("\t", "→")


def quote_lines(numbered: Iterable[tuple[int, str]], caret: tuple[int, int] | None = None) -> list[str]:
    """Formats ``(line number, text)`` pairs as a gutter listing, with a caret under ``(line, column)``."""
    pairs = list(numbered)
    width = max((len(str(n)) for n, _ in pairs), default=1)
    out = []
    for number, text in pairs:
        out.append(f"  {str(number).rjust(width)} | {_visible(text)}".rstrip())
        if caret is not None and caret[0] == number and caret[1] > 0:
            out.append(f"  {' ' * width} | {' ' * (caret[1] - 1)}^")
    return out


def render_problem(problem: FileProblem, lines_of: Callable[[str], Sequence[str]]) -> str:
    """One problem: its ``file:line:column`` message, then the offending line with a caret."""
    head = str(problem)
    lines = lines_of(problem.path)
    if not problem.line or problem.line > len(lines):
        return head
    quoted = quote_lines([(problem.line, lines[problem.line - 1])], (problem.line, problem.column))
    return "\n".join([head, *quoted])


def render_problems(problems: Iterable[FileProblem], lines_of: Callable[[str], Sequence[str]] | None = None) -> str:
    """Every problem, each followed by its quoted line, separated by blank lines."""
    reader = lines_of or SourceLines()
    return "\n\n".join(render_problem(p, reader) for p in problems)
