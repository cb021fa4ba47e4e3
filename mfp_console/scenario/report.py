"""Text reports of a run: one line per scenario, and for a failure the YAML of the failing step with
expected versus actual (used by ``mfp-console play`` and the pytest plugin)."""

from __future__ import annotations

from mfp_console.scenario.excerpt import quote_lines
from mfp_console.scenario.runner import FAILED, Result, describe_step

__all__ = ["failure_report", "summary_line"]


def summary_line(result: Result) -> str:
    """``PASS  name  (file, 12 steps, 0.41 s)`` or ``FAIL …``."""
    word = "PASS" if result.passed else ("ERROR" if result.error else "FAIL")
    return (f"{word:5} {result.scenario.name}  ({result.scenario.path}, {len(result.outcomes)} steps, "
            f"{result.mode}, {result.seconds:.2f} s)")


def failure_report(result: Result) -> str:
    """What went wrong, where, and what the panel looked like; empty when the run passed."""
    if result.error:
        return f"{result.scenario.path}: {result.error}"
    failure = next((o for o in result.outcomes if o.status == FAILED), None)
    if failure is None:
        return ""
    step = failure.step
    clock = f" at {failure.clock:%Y-%m-%d %H:%M:%S}" if failure.clock else ""
    lines = [
        f"{result.scenario.path}:{step.line}: step {step.index} ({describe_step(step)}) failed{clock}",
        *quote_lines(result.scenario.step_text(step)),
        f"  {failure.message}",
    ]
    if failure.expected or failure.actual:
        lines.append(f"  expected: {failure.expected}")
        lines.append(f"  actual:   {failure.actual}")
    if result.svg is not None:
        lines.append(f"  panel at that moment: {result.svg}")
    return "\n".join(lines)
