"""The domain and protocol layers stay pure: no I/O, event loop, UI, scheduler or clock imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mfp_console

PACKAGE = Path(mfp_console.__file__).parent
PURE_LAYERS = ("domain", "protocol")
FORBIDDEN = frozenset(
    {"asyncio", "ssl", "socket", "sqlite3", "textual", "apscheduler", "subprocess", "threading"}
)
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


PURE_MODULES = [path for layer in PURE_LAYERS for path in _modules(layer)]


def test_pure_layers_exist() -> None:
    assert (PACKAGE / "domain" / "__init__.py").exists()
    assert len(_modules("domain")) >= 10


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_layer_imports_no_io_loop_ui_or_scheduler(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = _imported_roots(tree) & FORBIDDEN
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}; keep I/O out of the pure layers"


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_reads_no_clock_and_no_files(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = _imported_roots(tree)
    assert "time" not in roots, f"{path.name} imports time; take the time as an argument"
    bad = _called_names(tree) & (CLOCK_CALLS | FILE_CALLS)
    assert not bad, f"{path.name} calls {sorted(bad)}; the domain takes time and data as arguments"


def test_the_check_catches_a_forbidden_import() -> None:
    tree = ast.parse("import asyncio\nfrom textual.app import App\nfrom . import sibling\n")
    assert _imported_roots(tree) & FORBIDDEN == {"asyncio", "textual"}
    assert _called_names(ast.parse("datetime.now()\nopen('x')")) == {"now", "open"}
