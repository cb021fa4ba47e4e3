"""Figures and the report: what a benchmark measured, against what, and whether it met its target."""

from __future__ import annotations

import enum
import json
import os
import platform
import sqlite3
import ssl
import statistics
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["Figure", "Report", "Status", "machine_facts"]


class Status(enum.Enum):
    """How a figure stands against its target."""

    MET = "met"
    MISSED = "missed"
    INFO = "info"
    """Measured, with no target of its own (context for another figure)."""
    PENDING = "pending"
    """Not measurable yet: the part it measures has not landed (the note says which)."""


@dataclass(frozen=True)
class Figure:
    """One measured figure.

    Attributes:
        key: A stable identifier (``fanout.1000.c8``) for ``--json`` readers.
        title: What was measured, in words.
        value: The product's measurement (seconds or MiB, see ``unit``); None when pending.
        baseline: The baseline's measurement in the same unit; None for absolute figures.
        unit: ``s``, ``ms`` or ``MiB``.
        target: The most the ratio (or, without a baseline, the value) may be; None when there is none.
        baseline_title: What the baseline is.
        note: Anything a reader needs (why pending, what stands in the way).
        extra: Further numbers (peak memory, per-item times …), printed under the figure.
        ratios: The ratio of each interleaved product/baseline pair (or round); when given, the figure's
            ratio is their median and their spread is reported.
        every: The target holds for every pair (the highest ratio), not only for the median.
    """

    key: str
    title: str
    value: float | None
    baseline: float | None = None
    unit: str = "s"
    target: float | None = None
    baseline_title: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    ratios: tuple[float, ...] = ()
    every: bool = False

    @classmethod
    def pending(cls, key: str, title: str, note: str, target: float | None = None) -> Figure:
        """A figure whose subject has not landed yet."""
        return cls(key, title, None, target=target, note=note)

    @property
    def ratio(self) -> float | None:
        """The median of the pairs' ratios when there are pairs, else the value divided by the baseline."""
        if self.value is None:
            return None
        if self.ratios:
            return statistics.median(self.ratios)
        if not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def spread(self) -> tuple[float, float] | None:
        """The lowest and highest ratio of the pairs (None without pairs)."""
        return (min(self.ratios), max(self.ratios)) if self.ratios else None

    @property
    def compared(self) -> float | None:
        """What the target is held against: the ratio (the highest pair's with ``every``), else the value."""
        if self.value is None:
            return None
        if self.baseline is None:
            return self.value
        if self.every and self.ratios:
            return max(self.ratios)
        return self.ratio

    @property
    def status(self) -> Status:
        """Met, missed, informational or pending."""
        if self.value is None:
            return Status.PENDING
        if self.target is None:
            return Status.INFO
        compared = self.compared
        assert compared is not None
        return Status.MET if compared <= self.target else Status.MISSED

    def to_json(self) -> dict[str, Any]:
        """The figure as JSON-ready data."""
        return {
            "key": self.key,
            "title": self.title,
            "value": self.value,
            "baseline": self.baseline,
            "baseline_title": self.baseline_title,
            "unit": self.unit,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "ratios": [round(r, 3) for r in self.ratios],
            "spread": None if self.spread is None else [round(r, 3) for r in self.spread],
            "every": self.every,
            "target": self.target,
            "status": self.status.value,
            "note": self.note,
            "extra": self.extra,
        }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.2f} {unit}"


@dataclass
class Report:
    """Every figure of one ``bench`` run, with the machine it ran on."""

    quick: bool
    figures: list[Figure] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=lambda: machine_facts())
    seconds: float = 0.0

    def add(self, figure: Figure) -> Figure:
        """Adds a figure and returns it."""
        self.figures.append(figure)
        return figure

    @property
    def missed(self) -> list[Figure]:
        """Figures that missed their target."""
        return [f for f in self.figures if f.status is Status.MISSED]

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "quick": self.quick,
            "machine": self.machine,
            "seconds": round(self.seconds, 1),
            "figures": [f.to_json() for f in self.figures],
        }

    def write_json(self, out: TextIO) -> None:
        """Writes the report as JSON."""
        json.dump(self.to_json(), out, indent=2)
        out.write("\n")

    def write_text(self, out: TextIO) -> None:
        """Writes the report as an aligned text table, one figure per block."""
        facts = self.machine
        print(f"mfp-console bench{' --quick' if self.quick else ''}: {facts['cpus']} CPU(s) {facts['cpu']}, "
              f"Python {facts['python']}, {facts['openssl']}, SQLite {facts['sqlite']}", file=out)
        for figure in self.figures:
            ratio = figure.ratio
            if figure.status is Status.PENDING:
                line = "PENDING"
            elif figure.baseline is not None:
                line = f"{_fmt(figure.value, figure.unit)} vs {_fmt(figure.baseline, figure.unit)}"
                line += f"  = {ratio:.2f}x" if ratio is not None else ""
                if figure.spread is not None:
                    low, high = figure.spread
                    line += f" (median of {len(figure.ratios)}: {low:.2f}x to {high:.2f}x)"
            else:
                line = _fmt(figure.value, figure.unit)
            if figure.target is not None and figure.status is not Status.PENDING:
                bound = f"{figure.target:g}x" if figure.baseline is not None else _fmt(figure.target, figure.unit)
                scope = " in every pair" if figure.every else ""
                line += f"  (target <= {bound}{scope}: {figure.status.value})"
            print(f"\n{figure.title}\n  {line}", file=out)
            if figure.baseline_title and figure.status is not Status.PENDING:
                print(f"  baseline: {figure.baseline_title}", file=out)
            for name, value in figure.extra.items():
                print(f"  {name}: {value}", file=out)
            if figure.note:
                print(f"  note: {figure.note}", file=out)
        print(f"\n{len(self.figures)} figures, {len(self.missed)} missed their target, "
              f"{sum(f.status is Status.PENDING for f in self.figures)} pending; {self.seconds:.1f} s", file=out)


def machine_facts() -> dict[str, str]:
    """The machine a run measured: CPUs, CPU model, Python, OpenSSL and SQLite versions, OS."""
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpus": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "openssl": ssl.OPENSSL_VERSION,
        "sqlite": sqlite3.sqlite_version,
        "os": f"{platform.system()} {platform.release()}",
        "executable": sys.executable,
    }
