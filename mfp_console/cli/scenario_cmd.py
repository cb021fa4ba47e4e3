"""``mfp-console check FILE...`` and ``mfp-console play FILE... [--headless] [--speed X] [--json]``.

``check`` validates scenario files without running them and prints every problem of every file, each
with ``file:line:column``, the offending line and the nearest valid word (exit 0 or 2). ``play`` runs
them: in the terminal at a watchable pace, or ``--headless`` through the app's pilot as fast as it goes
(exit 0 when every expectation held, 1 when one failed, 2 when a file is invalid; nothing is played
while any file is invalid).

Both take the common ``--fleet`` and ``--state-dir``: ``--fleet`` is the fleet of every scenario that names
none (``fleet: default`` or no ``fleet`` key); ``play --state-dir D`` plays each file in its own fresh
folder ``D/<file name>`` and keeps it, so the fleet a scenario left can be looked at afterwards.

``play --evidence DIR`` keeps an evidence pack per scenario (the panel after each step as SVG and PNG, the
transcript, the expectations, a storyboard ``index.html``; ``scenario/evidence.py``); ``--junit FILE`` writes
the run as JUnit XML (``scenario/junit.py``). Both work with ``--jobs``: the workers write their scenarios'
folders and hand back plain data; this process writes the run's index and the one XML file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mfp_console.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, run_async
from mfp_console.errors import ConfigError, FileProblem, FileProblemsError

__all__ = ["add_scenario_commands", "cmd_check", "cmd_play"]


_FLEET_HELP = "fleet file (YAML) for the scenarios that name no fleet of their own (default: the built-in fleet)"


def add_scenario_commands(sub: argparse._SubParsersAction, add_options: Any) -> None:  # type: ignore[type-arg]
    """Adds ``check`` and ``play``."""
    check = sub.add_parser("check", help="validate scenario files without running them")
    check.add_argument("files", nargs="+", metavar="FILE", type=Path, help="scenario files (YAML)")
    add_options(check, fleet_help=_FLEET_HELP, state_dir_help="not used: check runs nothing and writes nothing")
    check.set_defaults(func=cmd_check)
    play = sub.add_parser("play", help="play scenario files on the panel (or headless) and check their expectations")
    play.add_argument("files", nargs="+", metavar="FILE", type=Path, help="scenario files (YAML)")
    play.add_argument("--headless", action="store_true", help="drive the app through its pilot, as fast as possible")
    play.add_argument("--speed", type=_speed, default=1.0, metavar="X",
                      help="live pace multiplier (2 = twice as fast; default 1)")
    play.add_argument("--json", action="store_true", help="print the results as JSON")
    play.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N",
                      help="with --headless: play N files at once, each in its own process (default 1)")
    play.add_argument("--svg-dir", type=Path, default=Path("scenario-failures"), metavar="DIR",
                      help="where the panel's SVG is saved when an expectation fails (default: ./scenario-failures)")
    play.add_argument("--evidence", type=Path, default=None, metavar="DIR",
                      help="keep an evidence pack per scenario in DIR/<file name>: the panel after each step (SVG "
                           "and PNG), the event transcript, the expectations and a storyboard index.html")
    play.add_argument("--junit", type=Path, default=None, metavar="FILE",
                      help="write the results as JUnit XML (one test case per scenario) for a QA pipeline")
    add_options(play, fleet_help=_FLEET_HELP, state_dir_help=(
        "play each FILE in its own fresh folder DIR/<file name> and keep it afterwards "
        "(default: a temporary folder per scenario, removed)"))
    play.set_defaults(func=cmd_play)


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number from 1 to 64, not {text!r}")
    return int(text)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--speed needs a number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("--speed must be more than 0")
    return value


def _default_fleet(args: argparse.Namespace) -> Path | None:
    """``--fleet``, checked once here so that a bad fleet file is reported once, not once per scenario.

    Raises:
        FileProblemsError: The fleet file is invalid (reported as ``file:line:column``, exit 2).
    """
    from mfp_console.fleet_file import load_fleet_file

    fleet = getattr(args, "fleet", None)
    if fleet is None:
        return None
    load_fleet_file(fleet)
    return Path(fleet)


def _load_all(files: list[Path], default_fleet: Path | None = None) -> tuple[list[Any], list[FileProblem]]:
    from mfp_console.scenario.loader import load_scenario

    scenarios, problems = [], []
    for path in files:
        try:
            scenarios.append(load_scenario(path, default_fleet))
        except FileProblemsError as exc:
            problems.extend(exc.problems)
    return scenarios, problems


def _state_dirs(args: argparse.Namespace, files: list[Path]) -> list[Path | None]:
    """With ``--state-dir D``: a fresh folder ``D/<file name>`` per file (numbered when names repeat).

    Raises:
        ConfigError: One of them already holds something (a scenario starts from a fresh fleet).
    """
    root = getattr(args, "state_dir", None)
    if root is None:
        return [None] * len(files)
    out: list[Path | None] = []
    taken: set[str] = set()
    for index, path in enumerate(files, start=1):
        name = path.stem if path.stem not in taken else f"{path.stem}-{index}"
        taken.add(name)
        folder = Path(root) / name
        if folder.exists() and any(folder.iterdir()):
            raise ConfigError(f"--state-dir: {folder} is not empty; a scenario plays on a fresh fleet: "
                              "remove the folder or choose another --state-dir")
        out.append(folder)
    return out


def _print_problems(problems: list[FileProblem], files: list[Path], out: Any) -> None:
    from mfp_console.scenario.excerpt import render_problems

    print(render_problems(problems), file=out)
    bad = len({p.path for p in problems})
    print(f"\n{len(problems)} problem(s) in {bad} of {len(files)} file(s)", file=out)


def _quiet_engine_log() -> None:
    """The engine logs refusals (a removed TLS key, a cut link) as warnings; while a scenario plays they are
    expected, they reach the result through the bus, and on a live terminal they would tear the panel."""
    logger = logging.getLogger("mfp_console")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def cmd_check(args: argparse.Namespace) -> int:
    """Validates every file; prints all problems; exit 0 (all valid) or 2."""
    scenarios, problems = _load_all(list(args.files), _default_fleet(args))
    if problems:
        _print_problems(problems, list(args.files), sys.stdout)
        return EXIT_INVALID
    for scenario in scenarios:
        covers = f", covers {', '.join(scenario.covers)}" if scenario.covers else ""
        print(f"ok    {scenario.path}: {scenario.name!r} ({len(scenario.steps)} steps{covers})")
    return EXIT_OK


def cmd_play(args: argparse.Namespace) -> int:
    """Plays every file; exit 0 (all held), 1 (an expectation failed) or 2 (a file is invalid)."""
    files = list(args.files)
    default_fleet = _default_fleet(args)
    scenarios, problems = _load_all(files, default_fleet)
    if problems:
        _print_problems(problems, files, sys.stderr)
        return EXIT_INVALID
    try:
        state_dirs = _state_dirs(args, files)
        evidence_dirs = _evidence_dirs(args, files)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    _quiet_engine_log()
    mode = "auto" if args.headless else "live"  # auto: engine-only unless the scenario has panel steps
    if mode == "live" and not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("not a terminal: playing headless", file=sys.stderr)
        mode = "headless"
    began = datetime.now().astimezone()  # the JUnit report's timestamp: when the run began, for people
    if mode != "live" and args.jobs > 1 and len(scenarios) > 1:
        outcomes = _play_in_processes(files, mode, args, default_fleet, state_dirs, evidence_dirs)
    else:
        outcomes = []
        for index, scenario in enumerate(scenarios):
            keep_open = index == len(scenarios) - 1
            result = run_async(lambda s=scenario, k=keep_open, d=state_dirs[index], e=evidence_dirs[index]: _play(
                s, mode=mode, speed=args.speed, artifacts=args.svg_dir, keep_open=k, state_dir=d, evidence=e,
                all_events=args.junit is not None))
            outcomes.append(_Outcome.of(result, state_dirs[index], evidence_dirs[index]))
    for outcome in outcomes:
        if not args.json:
            print(outcome.summary)
            if outcome.state_dir:
                print(f"      fleet state kept in {outcome.state_dir}")
            if outcome.evidence:
                print(f"      evidence: {outcome.evidence}")
            if outcome.report:
                print(outcome.report)
    _write_reports(args, outcomes, began)
    passed = all(o.passed for o in outcomes)
    if args.json:
        print(json.dumps({"passed": passed, "scenarios": [o.data for o in outcomes]}, indent=2, allow_nan=False))
    elif len(outcomes) > 1:
        failed = sum(not o.passed for o in outcomes)
        print(f"\n{len(outcomes) - failed} passed, {failed} failed")
    return EXIT_OK if passed else EXIT_FAILED


def _evidence_dirs(args: argparse.Namespace, files: list[Path]) -> list[Path | None]:
    """With ``--evidence DIR``: a folder ``DIR/<file name>`` per file.

    Raises:
        ConfigError: One of them holds something other than an earlier evidence pack.
    """
    if args.evidence is None:
        return [None] * len(files)
    from mfp_console.scenario.evidence import evidence_folders

    return list(evidence_folders(args.evidence, files))


async def _play(scenario: Any, *, evidence: Path | None, **run: Any) -> Any:
    """One run: with an evidence pack when ``evidence`` names its folder."""
    if evidence is None:
        from mfp_console.scenario.runner import run_scenario

        return await run_scenario(scenario, **run)
    from mfp_console.scenario.evidence import play_with_evidence

    run.pop("all_events", None)  # an evidence run always keeps every event
    return await play_with_evidence(scenario, evidence, **run)


def _write_reports(args: argparse.Namespace, outcomes: list[_Outcome], began: datetime) -> None:
    """The run's evidence index and JUnit XML, when asked for; says where they went (stderr under ``--json``)."""
    out = sys.stderr if args.json else sys.stdout
    if args.evidence is not None:
        from mfp_console.scenario.evidence import write_run_index

        rows = [{"name": o.case.name, "file": o.case.file, "passed": o.passed, "error": o.case.outcome == "error",
                 "steps": len(o.data["steps"]), "seconds": o.case.seconds, "index": o.evidence} for o in outcomes]
        print(f"evidence: {write_run_index(args.evidence, rows)}", file=out)
    if args.junit is not None:
        from mfp_console.scenario.junit import write_junit

        print(f"JUnit XML: {write_junit(args.junit, [o.case for o in outcomes], timestamp=began)}", file=out)


@dataclass(frozen=True)
class _Outcome:
    """What ``play`` prints and reports of one result (plain data, so it can come back from a worker process)."""

    passed: bool
    summary: str
    report: str
    data: dict[str, Any]
    case: Any  # JUnitCase: the scenario as a JUnit test case
    state_dir: str = ""
    evidence: str = ""

    @classmethod
    def of(cls, result: Any, state_dir: Path | None = None, evidence: Path | None = None) -> _Outcome:
        from mfp_console.scenario.junit import JUnitCase
        from mfp_console.scenario.report import failure_report, summary_line

        data = result.to_json()
        if state_dir is not None:
            data["state_dir"] = str(state_dir)
        index = str(evidence / "index.html") if evidence is not None else ""
        if index:
            data["evidence"] = index
        return cls(result.passed, summary_line(result), failure_report(result), data,
                   JUnitCase.of(result, Path(index) if index else None),
                   str(state_dir) if state_dir is not None else "", index)


def _play_file(path: Path, mode: str, speed: float, svg_dir: Path, default_fleet: Path | None,
               state_dir: Path | None, evidence: Path | None = None, all_events: bool = False) -> _Outcome:
    """Plays one file in a worker process (``--jobs``)."""
    from mfp_console.scenario.loader import load_scenario

    _quiet_engine_log()
    scenario = load_scenario(path, default_fleet)
    result = run_async(lambda: _play(scenario, mode=mode, speed=speed, artifacts=svg_dir, keep_open=False,
                                     state_dir=state_dir, evidence=evidence, all_events=all_events))
    return _Outcome.of(result, state_dir, evidence)


def _play_in_processes(files: list[Path], mode: str, args: argparse.Namespace, default_fleet: Path | None,
                       state_dirs: list[Path | None], evidence_dirs: list[Path | None]) -> list[_Outcome]:
    """Plays the files ``args.jobs`` at a time in worker processes; results come back in file order."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(_play_file, path, mode, args.speed, args.svg_dir, default_fleet, state, evidence,
                               args.junit is not None)
                   for path, state, evidence in zip(files, state_dirs, evidence_dirs)]
        return [future.result() for future in futures]
