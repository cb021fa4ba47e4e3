"""The domain reads neither the clock nor files: time and data are passed in (architecture promise 4).

Which modules the domain may import is one of the import-linter contracts (tests/test_layering.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mfp_console

PACKAGE = Path(mfp_console.__file__).parent
# The domain reads neither files nor the clock: time is passed in (architecture promise 4).
CLOCK_CALLS = frozenset({"now", "utcnow", "today", "time", "monotonic", "perf_counter"})
FILE_CALLS = frozenset({"open", "read_text", "read_bytes", "write_text", "write_bytes"})


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _called_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_reads_no_clock_and_no_files(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = _imported_roots(tree)
    assert "time" not in roots, f"{path.name} imports time; take the time as an argument"
    bad = _called_names(tree) & (CLOCK_CALLS | FILE_CALLS)
    assert not bad, f"{path.name} calls {sorted(bad)}; the domain takes time and data as arguments"


def test_the_check_catches_a_clock_read_and_a_file_read() -> None:
    assert _called_names(ast.parse("datetime.now()\nopen('x')")) == {"now", "open"}
