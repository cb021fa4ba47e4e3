"""The layers point down, checked by import-linter with the contracts in pyproject.toml.

The first test runs the contracts on the package. The others prove each contract can fail: they build a
small package with the project's shape and one bad import, and run the project's own contracts on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"

# Every module a contract names, so the contracts find them in the small package.
SKELETON = (
    "__init__", "__main__", "errors", "clock", "strict_json", "yaml_source", "fleet_file",
    "cli/__init__", "bench/__init__", "scenario/__init__", "scenario/runner",
    "tui/__init__", "tui/app_factory", "tui/app",
    "engine/__init__", "engine/fleet", "engine/views", "engine/events", "engine/bus", "engine/machine",
    "engine/net/__init__", "engine/net/transport", "engine/sync/__init__", "engine/sync/server",
    "engine/sync/client", "engine/distribution/__init__", "limits",
    "pki/__init__", "store/__init__", "store/paths", "smb/__init__", "protocol/__init__", "domain/__init__",
    "domain/rules",
)  # fmt: skip


def _run_contracts(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    code = "import sys; from importlinter.cli import lint_imports; " \
           f"sys.exit(lint_imports(config_filename={str(PYPROJECT)!r}, no_cache=True, no_logo=True))"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_package_keeps_every_import_contract() -> None:
    result = _run_contracts(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _small_package(tmp_path: Path, bad_module: str, bad_import: str) -> Path:
    package = tmp_path / "mfp_console"
    for module in SKELETON:
        path = package / f"{module}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('"""A stand-in module."""\n')
    # The allowed paths, so the graph looks like the project's.
    (package / "tui/app.py").write_text("import textual\nfrom mfp_console.engine import fleet, views, events\n")
    (package / "scenario/runner.py").write_text("from mfp_console.tui import app_factory\n"
                                                "from mfp_console.engine import fleet\n")
    (package / "engine/fleet.py").write_text("from mfp_console.engine import machine\n"
                                             "from mfp_console.engine.sync import server\n")
    (package / "engine/sync/server.py").write_text("from mfp_console.engine.net import transport\n")
    target = package / f"{bad_module}.py"
    target.write_text(target.read_text() + bad_import + "\n")
    return tmp_path


BAD_IMPORTS = {
    "domain does I/O": ("domain/rules", "import sqlite3", "domain and protocol do no I/O"),
    "protocol does I/O": ("protocol/__init__", "import socket", "domain and protocol do no I/O"),
    "store imports protocol": ("store/__init__", "import mfp_console.protocol", "store does not import protocol"),
    "engine imports the panel": ("engine/machine", "import mfp_console.tui.app",
                                 "the engine (and all below it) never imports Textual"),
    "engine imports Textual": ("engine/sync/client", "import textual", "the engine (and all below it)"),
    "scenario imports Textual": ("scenario/runner", "import textual", "scenario never imports Textual itself"),
    "tui reaches an engine internal": ("tui/app", "from mfp_console.engine.sync import client",
                                       "reach the engine only through the facade"),
    "scenario reaches an engine internal": ("scenario/runner", "import mfp_console.engine.machine",
                                            "reach the engine only through the facade"),
    "tui opens a store": ("tui/app", "import mfp_console.store.paths", "reach the engine only through the facade"),
    "an engine part imports the facade": ("engine/sync/client", "import mfp_console.engine.fleet",
                                          "no engine module but the facade imports the facade"),
    "a circle across engine parts": ("engine/net/transport", "from mfp_console.engine.sync import client",
                                     "no import circle spans more than one part of the engine"),
    "a lower layer imports a higher one": ("pki/__init__", "import mfp_console.bench", "Layers point down"),
}


@pytest.mark.parametrize("case", sorted(BAD_IMPORTS))
def test_each_contract_fails_on_a_bad_import(tmp_path: Path, case: str) -> None:
    module, statement, contract = BAD_IMPORTS[case]
    where = _small_package(tmp_path, module, statement)
    result = _run_contracts(where, pythonpath=where)
    assert result.returncode != 0, f"{case!r} was not caught:\n{result.stdout}{result.stderr}"
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in " ".join(broken.split()), result.stdout


def test_the_small_package_keeps_the_contracts_without_a_bad_import(tmp_path: Path) -> None:
    """The cases above fail for their bad import, not for the small package's shape."""
    where = _small_package(tmp_path, "domain/rules", "")
    result = _run_contracts(where, pythonpath=where)
    assert result.returncode == 0, result.stdout + result.stderr
