"""Every module of the package says what it provides and postpones annotations (style habits 1 and 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import mfp_console

PACKAGE = Path(mfp_console.__file__).resolve().parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_docstring_and_future_annotations() -> None:
    problems = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(PACKAGE)
        if not ast.get_docstring(tree):
            problems.append(f"{where} lacks a module docstring")
        code = any(not isinstance(node, ast.Expr) for node in tree.body)
        if code and not any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in tree.body):
            problems.append(f"{where} lacks 'from __future__ import annotations'")
    assert not problems, "\n".join(problems)
