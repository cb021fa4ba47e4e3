"""The panel and the scenarios hold no live engine object: they use views, never the test hooks."""

from __future__ import annotations

import re
from pathlib import Path

import mfp_console

PACKAGE = Path(mfp_console.__file__).resolve().parent
# Fleet.live_machine and Fleet.runtime exist for engine tests, benchmarks and tools only.
HOOKS = re.compile(r"\.live_machine\(|\.runtime\b")


def test_tui_scenario_and_cli_use_no_engine_test_hook() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for layer in ("tui", "scenario", "cli")
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HOOKS.search(line)
    ]
    assert not found, "\n".join(found)
