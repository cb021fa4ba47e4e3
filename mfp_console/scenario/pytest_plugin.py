"""pytest plugin (entry point ``mfp_console_scenarios``): scenario files become test items.

Every ``*.yaml``/``*.yml`` file under a ``scenarios`` or ``tests`` folder whose top level has ``steps:`` is
collected as one item named after the scenario. Deliberately broken files (under a ``broken`` folder) and
fleet files (no ``steps:``) are left alone. An invalid scenario fails with its located problems; a failing
step shows the YAML of that step with expected versus actual, and the SVG of the panel.

The plugin must never break the collection of other tests: anything unexpected while looking at a file
becomes a failing item for that file, not a collection error for the session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ScenarioFile", "ScenarioItem"]

_SUFFIXES = (".yaml", ".yml")
_FOLDERS = ("scenarios", "tests")
_SKIPPED_FOLDERS = ("broken",)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mfp-console scenarios")
    group.addoption("--scenario-mode", default="auto", choices=("auto", "headless"),
                    help="auto: engine-only for scenarios without panel steps (default); headless: always the app")
    group.addoption("--no-scenarios", action="store_true", help="do not collect scenario files")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario: a scenario file played as a test (select with -m scenario)")


def _wanted(path: Path, root: Path) -> bool:
    if path.suffix not in _SUFFIXES:
        return False
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        parts = path.parts
    folders = parts[:-1]
    if any(part in _SKIPPED_FOLDERS for part in folders):
        return False
    return any(part in _FOLDERS for part in folders)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    try:
        if parent.config.getoption("--no-scenarios"):
            return None
        if not _wanted(file_path, Path(str(parent.config.rootpath))):
            return None
        from mfp_console.scenario.loader import looks_like_scenario

        if not looks_like_scenario(file_path.read_text(encoding="utf-8", errors="replace")):
            return None
    except Exception:  # never let a scenario file break the collection of other tests
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):
    """A scenario file: one item, named after the scenario (or the file when it cannot be read)."""

    def collect(self) -> Iterator[ScenarioItem]:
        from mfp_console.errors import FileProblemsError
        from mfp_console.scenario.loader import load_scenario

        scenario: Any = None
        problems: Any = None
        try:
            scenario = load_scenario(self.path)
        except FileProblemsError as exc:
            problems = exc.problems
        except Exception as exc:  # a plugin bug must not break collection: report it on this item
            problems = exc
        name = scenario.name if scenario is not None else _written_name(self.path)
        yield ScenarioItem.from_parent(self, name=name, scenario=scenario, problems=problems)


def _written_name(path: Path) -> str:
    """The ``name:`` of a file that did not validate, when it can still be read; else the file's stem."""
    try:
        import yaml

        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = doc.get("name") if isinstance(doc, dict) else None
    except Exception:  # the file's problems are reported by the item itself
        name = None
    return name.strip() if isinstance(name, str) and name.strip() else path.stem


class ScenarioFailed(Exception):
    """A scenario's step did not hold (the report is the message)."""


class ScenarioInvalid(Exception):
    """A scenario file has problems (the rendered problems are the message)."""


class ScenarioItem(pytest.Item):
    """One scenario played headless (engine-only when it has no panel steps)."""

    def __init__(self, *, scenario: Any, problems: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.problems = problems
        self.add_marker("scenario")
        self.user_properties.append(("covers", ",".join(scenario.covers) if scenario is not None else ""))

    def runtest(self) -> None:
        if self.problems is not None:
            if isinstance(self.problems, Exception):
                raise self.problems
            from mfp_console.scenario.excerpt import render_problems

            raise ScenarioInvalid(render_problems(self.problems))
        from mfp_console.scenario.panel import panel_available
        from mfp_console.scenario.report import failure_report
        from mfp_console.scenario.runner import run_scenario

        if self.scenario.needs_panel and not panel_available():
            pytest.skip("the scenario has panel steps and the touch panel is not in this build")
        mode = self.config.getoption("--scenario-mode")
        result = asyncio.run(run_scenario(self.scenario, mode=mode))  # an SVG goes to a temporary folder
        if not result.passed:
            raise ScenarioFailed(failure_report(result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (ScenarioFailed, ScenarioInvalid)):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = None
        if self.scenario is not None and self.scenario.steps:
            line = self.scenario.steps[0].line - 1
        return self.path, line, f"scenario: {self.name}"
