"""The protocol package is sans-IO: no sockets, TLS, event loop, database, UI, clock or randomness.

TLS 1.3 with mutual certificates (M-05) belongs to the engine's transport, which pumps bytes through
this package; keeping the package free of I/O is what lets every wire failure be tested without a socket.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mfp_console.protocol

PACKAGE = Path(mfp_console.protocol.__file__).resolve().parent
FORBIDDEN = {
    "asyncio", "ssl", "socket", "sqlite3", "textual", "time", "datetime", "random", "secrets", "os",
    "io", "pathlib", "threading", "subprocess", "selectors", "apscheduler", "logging",
}  # fmt: skip
ALLOWED_PROJECT_MODULES = (
    "mfp_console.errors", "mfp_console.domain.device_info", "mfp_console.domain.limits", "mfp_console.protocol",
)


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names.add(node.module or "")
    return names


def test_protocol_modules_import_nothing_that_does_io() -> None:
    """M-05: TLS and sockets stay in the transport; this package only sees bytes."""
    bad = [
        f"{path.name} imports {name}"
        for path in sorted(PACKAGE.glob("*.py"))
        for name in imported_names(path)
        if name.split(".")[0] in FORBIDDEN
        or (name.startswith("mfp_console") and not name.startswith(ALLOWED_PROJECT_MODULES))
    ]
    assert not bad, "\n".join(bad)


def test_importing_the_package_loads_no_io_modules() -> None:
    """Transitively too: importing the package loads no asyncio, ssl, socket, sqlite3 or textual."""
    code = (
        "import sys, mfp_console.protocol\n"
        "io_modules = {'asyncio', 'ssl', 'socket', 'sqlite3', 'textual', 'random', 'secrets'}\n"
        "bad = sorted(io_modules & set(sys.modules))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_module_has_a_docstring_and_future_annotations() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.name} lacks a module docstring"
        futures = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
        assert futures, f"{path.name} lacks 'from __future__ import annotations'"
