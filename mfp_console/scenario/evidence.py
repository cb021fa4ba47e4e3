"""The evidence pack of ``mfp-console play --evidence DIR``: what a run showed, kept for a trainer or an auditor.

Per scenario, a folder ``DIR/<file name>``::

    index.html          the storyboard: summary, then every step with its YAML, outcome and picture
    steps/step-01-line-7.svg, .png   the panel after each step that ran
    transcript.txt      the event transcript (every engine event and every step, in machine time)
    expectations.txt    every ``expect`` step: held, failed with expected vs actual, or skipped
    evidence.json       all of it as data

and ``DIR/index.html`` lists the scenarios of the run. An evidence run goes through the panel (headless
unless live) so that every step has a picture; the PNGs are rendered in a worker process while the run
plays on (``png.py``). A folder is only ever replaced when it holds an earlier evidence pack (its
``evidence.json``); any other content is refused before anything plays, never deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mfp_console.errors import ConfigError
from mfp_console.scenario import model as m
from mfp_console.scenario.png import PngRenderer, PngResult, offline_svg
from mfp_console.scenario.runner import (
    FAILED,
    PASSED,
    Result,
    StepOutcome,
    describe_step,
    run_scenario,
)
from mfp_console.scenario.storyboard import (
    StepPicture,
    render_run_index,
    render_storyboard,
)

__all__ = ["EVIDENCE_FILE", "evidence_folders", "play_with_evidence", "write_evidence", "write_run_index"]

EVIDENCE_FILE = "evidence.json"
STEPS_FOLDER = "steps"
_LINKS = (("transcript.txt", "event transcript"), ("expectations.txt", "expectations"), (EVIDENCE_FILE, "data (JSON)"))


def evidence_folders(root: Path, files: Sequence[Path]) -> list[Path]:
    """A folder ``root/<file name>`` per scenario file (numbered when names repeat), made ready.

    Raises:
        ConfigError: A folder holds something other than an earlier evidence pack.
    """
    out: list[Path] = []
    taken: set[str] = set()
    for index, path in enumerate(files, start=1):
        name = path.stem if path.stem not in taken else f"{path.stem}-{index}"
        taken.add(name)
        folder = Path(root) / name
        if folder.is_file() or (folder.exists() and any(folder.iterdir())
                                and not (folder / EVIDENCE_FILE).is_file()):
            raise ConfigError(f"--evidence: {folder} already holds other files; an evidence pack only replaces "
                              "an earlier evidence pack: remove the folder or choose another --evidence")
        out.append(folder)
    return out


def _fresh(folder: Path) -> None:
    """Empties an earlier evidence pack (checked by :func:`evidence_folders`) so no stale picture survives."""
    if (folder / EVIDENCE_FILE).is_file():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


async def play_with_evidence(scenario: m.Scenario, folder: Path, *,
                             on_step: Callable[[StepOutcome], None] | None = None, **run: Any) -> Result:
    """Plays ``scenario`` (``run`` goes to :func:`run_scenario`) and writes its evidence pack into ``folder``."""
    _fresh(folder)
    renderer = PngRenderer()
    await renderer.start()

    def picture_taken(outcome: StepOutcome) -> None:
        if outcome.svg is not None:
            outcome.svg.write_text(offline_svg(outcome.svg.read_text(encoding="utf-8")), encoding="utf-8")
            renderer.submit(outcome.svg, outcome.svg.with_suffix(".png"))
        if on_step is not None:
            on_step(outcome)

    try:
        result = await run_scenario(scenario, pictures=folder / STEPS_FOLDER, all_events=True,
                                    on_step=picture_taken, **run)
    except BaseException:
        await renderer.close()
        raise
    write_evidence(folder, result, await renderer.finish())
    return result


def _pictures(folder: Path, result: Result, pngs: Sequence[PngResult]) -> dict[int, StepPicture]:
    rendered = {png.svg: png for png in pngs}
    out: dict[int, StepPicture] = {}
    for outcome in result.outcomes:
        if outcome.svg is None:
            continue
        png = rendered.get(outcome.svg)
        out[outcome.step.index] = StepPicture(
            svg=_relative(outcome.svg, folder),
            png=_relative(png.png, folder) if png is not None and png.png is not None else "",
            problem=png.problem if png is not None else "not rendered",
        )
    return out


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def _expectations(result: Result) -> str:
    lines = [f"{result.scenario.name} ({result.scenario.path})", ""]
    for outcome in result.outcomes:
        if not isinstance(outcome.step.action, m.Expect):
            continue
        yaml = " ".join(text.strip() for _, text in result.scenario.step_text(outcome.step))
        word = {PASSED: "held", FAILED: "FAILED"}.get(outcome.status, outcome.status)
        lines.append(f"line {outcome.step.line:<4} {word:7} {yaml}")
        if outcome.status == FAILED:
            lines.append(f"          {outcome.message}")
            lines.append(f"          expected: {outcome.expected}")
            lines.append(f"          actual:   {outcome.actual}")
    if len(lines) == 2:
        lines.append("(no expect steps)")
    return "\n".join(lines) + "\n"


def _data(result: Result, pictures: Mapping[int, StepPicture]) -> dict[str, Any]:
    data = result.to_json()
    failure = result.failure
    picture_at_failure = pictures.get(failure.step.index) if failure is not None else None
    data["svg"] = picture_at_failure.svg if picture_at_failure is not None else None  # relative, like the steps'
    for outcome, step in zip(result.outcomes, data["steps"]):
        picture = pictures.get(outcome.step.index)
        step["description"] = describe_step(outcome.step)
        step["yaml"] = [text for _, text in result.scenario.step_text(outcome.step)]
        step["svg"] = picture.svg if picture else None
        step["png"] = (picture.png or None) if picture else None
        if picture is not None and picture.problem:
            step["png_problem"] = picture.problem
    data["transcript"] = list(result.transcript)
    return data


def write_evidence(folder: Path, result: Result, pngs: Sequence[PngResult] = ()) -> Path:
    """Writes the storyboard, transcript, expectations and data of ``result`` into ``folder``; returns the
    storyboard's path."""
    folder.mkdir(parents=True, exist_ok=True)
    pictures = _pictures(folder, result, pngs)
    (folder / "transcript.txt").write_text("\n".join(result.transcript) + "\n", encoding="utf-8")
    (folder / "expectations.txt").write_text(_expectations(result), encoding="utf-8")
    (folder / EVIDENCE_FILE).write_text(json.dumps(_data(result, pictures), indent=2, allow_nan=False) + "\n",
                                        encoding="utf-8")
    index = folder / "index.html"
    index.write_text(render_storyboard(result, pictures, result.transcript, _LINKS), encoding="utf-8")
    return index


def write_run_index(root: Path, scenarios: Sequence[Mapping[str, Any]]) -> Path:
    """Writes ``root/index.html`` listing the run's scenarios (see :func:`render_run_index`)."""
    root.mkdir(parents=True, exist_ok=True)
    rows = [{**s, "index": _relative(Path(s["index"]), root)} for s in scenarios]
    index = root / "index.html"
    index.write_text(render_run_index(rows), encoding="utf-8")
    return index
