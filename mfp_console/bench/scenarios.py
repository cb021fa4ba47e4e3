"""The scenario-library figure: every scenario file of ``scenarios/`` played headless, timed one by one.

Scenarios run through :func:`mfp_console.scenario.runner.run_scenario` in ``headless`` mode (through the
real panel app, under a pilot, no terminal) in one child process; the figure is the median time per
scenario (target: at most 1 s), with each file's time and outcome listed.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

__all__ = ["default_library", "runner_available", "run_library"]


def runner_available() -> str:
    """Returns "" when the scenario runner can be used, else why not."""
    try:
        from mfp_console.scenario.loader import load_scenario  # noqa: F401
        from mfp_console.scenario.runner import run_scenario  # noqa: F401
    except ImportError as exc:
        return f"the scenario runner (mfp_console.scenario.runner) has not landed yet ({exc})"
    return ""


def default_library() -> Path:
    """``scenarios/`` in the working directory, else beside the installed package's source tree."""
    here = Path.cwd() / "scenarios"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "scenarios"


def run_library(library: Path, limit: int = 0, mode: str = "headless") -> dict[str, Any]:
    """Plays every scenario file (the first ``limit`` when > 0); returns per-file times and outcomes."""
    from mfp_console.scenario.loader import load_scenario
    from mfp_console.scenario.runner import run_scenario

    files = sorted(p for p in library.glob("*.yaml") if p.is_file())
    if limit:
        files = files[:limit]
    rows = []
    for path in files:
        began = time.perf_counter()
        try:
            scenario = load_scenario(path)
            result = asyncio.run(run_scenario(scenario, mode=mode, save_svg=False, keep_open=False))
            outcome = "passed" if result.passed else f"failed: {result.error or 'a step failed'}"[:160]
        except Exception as exc:  # a broken file or runner must not stop the whole figure
            outcome = f"error: {type(exc).__name__}: {exc}"[:160]
        rows.append({"file": path.name, "seconds": time.perf_counter() - began, "outcome": outcome})
    times = [row["seconds"] for row in rows]
    return {
        "files": rows,
        "median_s": statistics.median(times) if times else None,
        "max_s": max(times) if times else None,
        "total_s": sum(times),
        "passed": sum(row["outcome"] == "passed" for row in rows),
    }
