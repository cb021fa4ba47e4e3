"""The processes that run the panel, the fleet or a measurement set the collector's thresholds
(``mfp_console.collector``): a fresh Python process starts with CPython's defaults, so each is checked in one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mfp_console.collector import THRESHOLDS

AFTER = "import gc, sys; print(tuple(gc.get_threshold()))"


def _thresholds_after(code: str) -> tuple[int, ...]:
    done = subprocess.run([sys.executable, "-c", f"{code}\n{AFTER}"], capture_output=True, text=True,
                          timeout=60, check=True)
    return tuple(int(n) for n in done.stdout.strip().splitlines()[-1].strip("()").split(","))


def test_a_fresh_process_starts_with_the_defaults() -> None:
    assert _thresholds_after("") != THRESHOLDS  # else the checks below would prove nothing


@pytest.mark.parametrize("code", [
    "from mfp_console.cli.main import main; main(['rules', '--json'])",
    "import runpy, sys; sys.argv = ['child', 'nothing']\n"
    "try:\n    runpy.run_module('mfp_console.bench.child', run_name='__main__')\nexcept BaseException:\n    pass",
], ids=["mfp-console", "bench child"])
def test_the_command_line_and_the_bench_child_set_the_thresholds(code: str) -> None:
    assert _thresholds_after(code) == THRESHOLDS
