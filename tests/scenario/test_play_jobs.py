"""``mfp-console play --headless --jobs N``: files play in worker processes, results in file order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.scenario.test_cli import FAILING, PASSING


def _play(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mfp_console", "play", "--headless", *args],
                          capture_output=True, text=True, timeout=120, cwd=cwd, env={**os.environ})


def test_jobs_play_in_parallel_and_report_in_file_order(tmp_path: Path) -> None:
    for name, text in (("a-pass", PASSING), ("b-fail", FAILING), ("c-pass", PASSING)):
        (tmp_path / f"{name}.yaml").write_text(text.replace("name: Passing", f"name: {name}"), encoding="utf-8")
    files = [str(tmp_path / f"{n}.yaml") for n in ("a-pass", "b-fail", "c-pass")]
    result = _play("--jobs", "2", "--json", "--svg-dir", str(tmp_path / "svg"), *files, cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # one expectation failed
    report = json.loads(result.stdout)
    assert [Path(s["file"]).stem for s in report["scenarios"]] == ["a-pass", "b-fail", "c-pass"]
    assert [s["passed"] for s in report["scenarios"]] == [True, False, True]
    assert "Traceback" not in result.stderr


def test_jobs_must_be_a_sensible_number(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(PASSING, encoding="utf-8")
    result = _play("--jobs", "zero", str(tmp_path / "a.yaml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "--jobs takes a whole number" in result.stderr
