"""The layers point down: domain and protocol do no I/O; engine and scenario never import Textual."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mfp_console"

FORBIDDEN = {
    "domain": {"asyncio", "ssl", "socket", "sqlite3", "textual", "apscheduler", "subprocess", "threading"},
    "protocol": {"asyncio", "ssl", "socket", "sqlite3", "textual", "apscheduler", "subprocess", "threading"},
    "engine": {"textual"},
    "scenario": set(),  # textual is checked separately: scenario drives the app only via tui.app.create_app
    "store": {"textual", "asyncio", "ssl"},
    "pki": {"textual", "sqlite3"},
    "smb": {"textual", "asyncio", "sqlite3"},  # blocking calls; the engine runs them in a worker thread
}
# The TUI reaches the engine only through the fleet facade and its bus/events/values.
TUI_ALLOWED_ENGINE = {
    "mfp_console.engine.fleet",
    "mfp_console.engine.bus",
    "mfp_console.engine.events",
    "mfp_console.fleet_file",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_forbidden(layer: str) -> None:
    """domain/protocol have no I/O; engine, store and pki never import Textual."""
    bad = []
    for path in _modules(layer):
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN[layer]:
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layer", ["domain", "protocol", "store", "pki", "smb", "engine"])
def test_lower_layers_never_import_upper_layers(layer: str) -> None:
    """Imports only point down: nothing below the TUI imports tui, scenario or cli."""
    upper = {"mfp_console.tui", "mfp_console.scenario", "mfp_console.cli"}
    if layer == "smb":  # below the engine, like store and pki
        upper.add("mfp_console.engine")
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if any(name == u or name.startswith(u + ".") for u in upper)
    ]
    assert not bad, "\n".join(bad)


def test_scenario_layer_never_imports_textual() -> None:
    """The scenario layer drives the app only through the app factory, never Textual directly."""
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("scenario")
        for name in _imports(path)
        if name.split(".")[0] == "textual"
    ]
    assert not bad, "\n".join(bad)


def test_tui_reaches_engine_only_through_the_facade() -> None:
    """The TUI imports the fleet facade, the bus and event/value modules, never engine internals."""
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("tui")
        for name in _imports(path)
        if name.startswith("mfp_console.engine") and name not in TUI_ALLOWED_ENGINE and name != "mfp_console.engine"
    ]
    assert not bad, "\n".join(bad)
