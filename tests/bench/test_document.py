"""docs/performance.md is generated from one run's JSON: every figure and number on it comes from the run."""

from __future__ import annotations

import json
from pathlib import Path

from mfp_console.bench.document import render_performance
from mfp_console.bench.figures import Figure, Report
from mfp_console.cli.main import main


def _report() -> Report:
    report = Report(quick=False)
    report.add(Figure("fanout.1000.c8", "Fan-out to 1,000 clients", 12.5, 10.0, "s", 1.3, "the floor", "",
                      {"per client": "12.5 ms"}, (1.21, 1.25, 1.31)))
    report.add(Figure("idle.1000.fds", "Descriptors of an idle machine", 1.02, None, "fds", 1.5))
    report.add(Figure("scenarios", "Scenario library", 1.4, None, "s", 1.0))
    report.seconds = 321.0
    return report


def test_the_page_shows_every_figure_with_the_runs_own_numbers() -> None:
    page = render_performance(_report().to_json())
    assert "| Fan-out to 1,000 clients | 12.50 s | 10.00 s | **1.25×** (3 rounds: 1.21–1.31×) | ≤ 1.3× | **met** |" in page
    assert "| Descriptors of an idle machine | 1.02 | - |  | ≤ 1.02 | **met** |" not in page  # target, not value
    assert "≤ 1.50 |" in page
    assert "| Scenario library | 1.40 s | - |  | ≤ 1.00 s | **missed** |" in page
    assert "took 321 s" in page and "1 missed their target: scenarios" in page
    assert "- per client: 12.5 ms" in page


def test_bench_from_a_saved_run_writes_the_page_and_strict_fails_on_a_miss(tmp_path: Path) -> None:
    saved = tmp_path / "run.json"
    saved.write_text(json.dumps(_report().to_json()))
    page = tmp_path / "performance.md"
    assert main(["bench", "--from-json", str(saved), "--markdown", str(page)]) == 0
    assert page.read_text() == render_performance(json.loads(saved.read_text()))
    assert main(["bench", "--from-json", str(saved), "--strict"]) == 1
