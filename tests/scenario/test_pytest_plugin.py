"""The pytest plugin collects scenario files as items and reports a failing step with its YAML lines.

The plugin is loaded through its entry point, so these tests run pytest in a subprocess on a small
project in a temporary directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PASSING = """\
name: Passes in the library
covers: [DID-04]
steps:
  - distribute: {categories: [Paper Information], to: [client-a]}
  - expect: {status: {client-a: OK}}
"""

FAILING = """\
name: Fails on purpose
steps:
  - world: {busy: client-a}
  - distribute: {categories: [Paper Information], to: [client-a]}
  - expect:
      status: {client-a: OK}
"""

INVALID = """\
name: Invalid on purpose
steps:
  - pres: Next
"""


def _project(root: Path) -> None:
    files = {
        "scenarios/passing.yaml": PASSING,
        "scenarios/failing.yaml": FAILING,
        "scenarios/invalid.yaml": INVALID,
        "tests/story.yml": PASSING.replace("Passes in the library", "A story under tests"),
        "tests/test_plain.py": "def test_plain():\n    assert True\n",
        "tests/fleets/fleet.yaml": "machines:\n  - {name: a, model: m, series: s}\n",
        "tests/scenario/broken/broken.yaml": "name: broken\nsteps:\n  - nonsense: 1\n",
        "elsewhere/ignored.yaml": PASSING,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "tests" / "not-text.yaml").write_bytes(b"steps:\n  - \xff\xfe\n")


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--rootdir", str(root), *args],
        cwd=root, capture_output=True, text=True, timeout=180,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugin-project")
    _project(root)
    return root


def test_scenario_files_are_collected_one_item_each_named_after_the_scenario(project: Path) -> None:
    done = _pytest(project, "--collect-only", "-q", "scenarios", "tests", "elsewhere")
    items = sorted(line for line in done.stdout.splitlines() if "::" in line)
    assert items == [
        "scenarios/failing.yaml::Fails on purpose",
        "scenarios/invalid.yaml::Invalid on purpose",
        "scenarios/passing.yaml::Passes in the library",
        "tests/not-text.yaml::not-text",
        "tests/story.yml::A story under tests",
        "tests/test_plain.py::test_plain",
    ], done.stdout + done.stderr


@pytest.mark.slow
def test_a_failing_step_shows_its_yaml_and_expected_versus_actual(project: Path) -> None:
    done = _pytest(project, "-q", "scenarios", "tests")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "3 failed, 3 passed" in out
    assert f"{project / 'scenarios' / 'failing.yaml'}:5: step 3 (expect status) failed at 2026-11-20 09:00:00" in out
    assert "  5 |   - expect:\n  6 |       status: {client-a: OK}\n" in out
    assert "  expected: client-a: OK\n  actual:   client-a: NG E-BUSY" in out
    assert "panel at that moment: " in out
    # an invalid scenario fails with its located problem; the other tests still ran
    assert f"{project / 'scenarios' / 'invalid.yaml'}:3:5: unknown step 'pres' (did you mean 'press'?)" in out
    assert "not UTF-8 text" in out
    assert "Traceback" not in out


def test_scenarios_can_be_left_out(project: Path) -> None:
    done = _pytest(project, "--collect-only", "-q", "--no-scenarios", "scenarios", "tests")
    items = [line for line in done.stdout.splitlines() if "::" in line]
    assert items == ["tests/test_plain.py::test_plain"]
