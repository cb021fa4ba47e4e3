"""JUnit XML for ``mfp-console play --junit FILE``: a QA pipeline shows each scenario as a test case.

The shape is the one pytest writes and Jenkins, GitLab, Azure DevOps and the GitHub report actions read:
``<testsuites>`` holding one ``<testsuite>`` per run of ``play`` (``name``, ``tests``, ``failures``,
``errors``, ``skipped``, ``time``, ``timestamp``), one ``<testcase>`` per scenario (``classname`` from the
file, ``name`` from the scenario, ``file``, ``line``, ``time``). A failed expectation is a ``<failure>``
(``message`` with the step's ``file:line``; the text quotes the step's YAML with expected versus actual);
a run that could not start (fleet, panel) is an ``<error>``. ``<system-out>`` holds the event transcript.

A case is plain data (:class:`JUnitCase`), so ``--jobs`` workers hand it back to the parent, which writes
the one file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from mfp_console.scenario.report import failure_report
from mfp_console.scenario.runner import Result, describe_step

__all__ = ["JUnitCase", "junit_xml", "write_junit"]

# XML 1.0 has no way to write most control characters, even escaped; a transcript line must not break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _classname(path: Path) -> str:
    """``scenarios/distribution-other-pin.yaml`` → ``scenarios.distribution-other-pin`` (pytest's habit of
    dotted paths relative to where the run started; a file elsewhere keeps its folder's name)."""
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError):
        relative = Path(path.parent.name) / path.name
    return ".".join(relative.with_suffix("").parts)


@dataclass(frozen=True)
class JUnitCase:
    """One scenario as a test case.

    Attributes:
        name: The scenario's name.
        classname: From the file (see :func:`_classname`).
        file: The scenario file.
        line: The failed step's line (1 when nothing failed), where a pipeline puts its annotation.
        seconds: Real seconds the run took.
        outcome: ``passed``, ``failed`` or ``error``.
        message: The failure's one line: ``file:line: step N (what) failed: message``.
        details: The failure's text: the step's YAML, expected versus actual, the panel's picture.
        transcript: The event transcript.
        evidence: The storyboard of an evidence run ('' without one).
    """

    name: str
    classname: str
    file: str
    line: int
    seconds: float
    outcome: str
    message: str = ""
    details: str = ""
    transcript: tuple[str, ...] = ()
    evidence: str = ""

    @classmethod
    def of(cls, result: Result, evidence: Path | None = None) -> JUnitCase:
        """The case of one run."""
        scenario = result.scenario
        outcome, message = "passed", ""
        failure = result.failure
        if result.error:
            outcome, message = "error", f"{scenario.path}: {result.error}"
        elif failure is not None:
            outcome = "failed"
            message = (f"{result.where(failure)}: step {failure.step.index} ({describe_step(failure.step)}) "
                       f"failed: {failure.message}")
        line = failure.step.line if failure is not None else 1
        return cls(scenario.name, _classname(scenario.path), str(scenario.path), line, result.seconds, outcome,
                   message, failure_report(result), tuple(result.transcript), str(evidence) if evidence else "")


def junit_xml(cases: Sequence[JUnitCase], *, suite: str = "mfp-console play",
              timestamp: datetime | None = None) -> ET.ElementTree:
    """The JUnit document of one run."""
    failures = sum(c.outcome == "failed" for c in cases)
    errors = sum(c.outcome == "error" for c in cases)
    total = f"{sum(c.seconds for c in cases):.3f}"
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": str(errors), "skipped": "0",
              "time": total}
    root = ET.Element("testsuites", {"name": suite, **counts})
    attributes = {"name": suite, **counts}
    if timestamp is not None:
        attributes["timestamp"] = timestamp.isoformat(timespec="seconds")
    testsuite = ET.SubElement(root, "testsuite", attributes)
    for case in cases:
        testcase = ET.SubElement(testsuite, "testcase", {
            "classname": case.classname, "name": _text(case.name), "file": case.file, "line": str(case.line),
            "time": f"{case.seconds:.3f}",
        })
        if case.outcome in ("failed", "error"):
            tag, kind = ("failure", "ExpectationFailed") if case.outcome == "failed" else ("error", "RunError")
            element = ET.SubElement(testcase, tag, {"message": _text(case.message), "type": kind})
            element.text = _text(case.details or case.message)
        out = list(case.transcript)
        if case.evidence:
            out.append(f"evidence: {case.evidence}")
        ET.SubElement(testcase, "system-out").text = _text("\n".join(out))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: Path, cases: Sequence[JUnitCase], *, timestamp: datetime | None = None) -> Path:
    """Writes the JUnit XML of one run to ``path`` (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(cases, timestamp=timestamp).write(path, encoding="utf-8", xml_declaration=True)
    return path
