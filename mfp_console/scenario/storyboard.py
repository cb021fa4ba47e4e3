"""The HTML pages of an evidence pack: one scenario's storyboard, and the run's list of scenarios.

A page is self-contained: its style is inline, it runs no script and loads no font; images are relative
links to the PNG (and SVG) files beside it, so the folder can be zipped, archived and opened offline.
Every text from the scenario or the fleet is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from mfp_console.scenario.runner import (
    FAILED,
    PASSED,
    SKIPPED,
    Result,
    StepOutcome,
    describe_step,
)

__all__ = ["StepPicture", "render_run_index", "render_storyboard"]


@dataclass(frozen=True)
class StepPicture:
    """A step's pictures, as paths relative to the page.

    Attributes:
        svg: The panel after the step, as Textual exported it.
        png: The same rendered to PNG ('' when it could not be rendered).
        problem: Why there is no PNG.
    """

    svg: str
    png: str = ""
    problem: str = ""


_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
main { max-width: 1560px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.15rem; margin: 0; }
a { color: #1f5fb4; }
pre, code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #1d2330; color: #e8eaee; padding: .5rem .75rem; border-radius: 4px; overflow-x: auto; margin: .4rem 0; }
.summary, .step { background: #fff; border: 1px solid #d5d9e0; border-radius: 6px; padding: 1rem 1.2rem; margin: 0 0 1rem; }
.verdict { display: inline-block; font-weight: 700; padding: .1rem .6rem; border-radius: 4px; color: #fff; }
.passed { background: #1e7d3c; } .failed { background: #b3261e; } .skipped { background: #7b818c; } .error { background: #8a4b00; }
.step.failed-step { border: 2px solid #b3261e; }
.step.skipped-step { opacity: .6; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .6rem 0; }
.facts dt { color: #5b6272; } .facts dd { margin: 0; }
table.steps { border-collapse: collapse; width: 100%; margin-top: .6rem; }
table.steps td, table.steps th { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #e6e8ec; vertical-align: top; }
.diff { border-collapse: collapse; margin: .4rem 0; }
.diff th { text-align: left; color: #5b6272; padding-right: 1rem; vertical-align: top; }
.diff td { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; }
.diff tr.expected td { color: #1e7d3c; } .diff tr.actual td { color: #b3261e; }
.head { display: flex; gap: .8rem; align-items: baseline; flex-wrap: wrap; }
.meta { color: #5b6272; }
img.panel { display: block; max-width: 100%; height: auto; margin-top: .6rem; border: 1px solid #1d2330; border-radius: 4px; }
img.at-failure { max-width: min(100%, 900px); }
.note { color: #8a4b00; }
"""


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(title)}</title>\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _verdict(word: str) -> str:
    return f'<span class="verdict {word}">{escape(word)}</span>'


def _time(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment is not None else "—"


def _diff(expected: str, actual: str) -> str:
    return (
        '<table class="diff">'
        f'<tr class="expected"><th>expected</th><td>{escape(expected)}</td></tr>'
        f'<tr class="actual"><th>actual</th><td>{escape(actual)}</td></tr>'
        "</table>"
    )


def _yaml(result: Result, outcome: StepOutcome) -> str:
    lines = result.scenario.step_text(outcome.step)
    width = max((len(str(n)) for n, _ in lines), default=1)
    text = "\n".join(f"{str(n).rjust(width)} | {line}" for n, line in lines)
    return f"<pre>{escape(text)}</pre>"


def _picture(outcome: StepOutcome, picture: StepPicture | None) -> str:
    if picture is None:
        return "" if outcome.status == SKIPPED else '<p class="note">No picture of the panel for this step.</p>'
    alt = escape(f"The panel after step {outcome.step.index}: {describe_step(outcome.step)}", quote=True)
    svg = escape(picture.svg, quote=True)
    if picture.png:
        image = f'<img class="panel" src="{escape(picture.png, quote=True)}" alt="{alt}" loading="lazy">'
        return f'<a href="{svg}">{image}</a>'
    # Without a PNG the browser draws the SVG itself (as an image it fetches nothing either).
    note = f'<p class="note">No PNG: {escape(picture.problem)}</p>' if picture.problem else ""
    return f'{note}<a href="{svg}"><img class="panel" src="{svg}" alt="{alt}" loading="lazy"></a>'


def _step_card(result: Result, outcome: StepOutcome, picture: StepPicture | None) -> str:
    step = outcome.step
    css = {FAILED: " failed-step", SKIPPED: " skipped-step"}.get(outcome.status, "")
    timing = "" if outcome.status == SKIPPED else (
        f'<span class="meta">machine time {_time(outcome.clock)} · {outcome.seconds:.2f} s real</span>')
    parts = [
        f'<section class="step{css}" id="step-{step.index}">',
        f'<div class="head"><h2>Step {step.index}</h2>'
        f'<span class="meta mono">{escape(str(result.scenario.path))}:{step.line}</span>'
        f"{_verdict(outcome.status)}{timing}</div>",
        f"<p>{escape(describe_step(step))}</p>",
        _yaml(result, outcome),
    ]
    if outcome.message:
        parts.append(f"<p>{escape(outcome.message)}</p>")
    if outcome.status == FAILED and (outcome.expected or outcome.actual):
        parts.append(_diff(outcome.expected, outcome.actual))
    parts.append(_picture(outcome, picture))
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def _summary(result: Result, links: Sequence[tuple[str, str]], pictures: Mapping[int, StepPicture]) -> str:
    scenario = result.scenario
    counts = {word: sum(o.status == word for o in result.outcomes) for word in (PASSED, FAILED, SKIPPED)}
    word = "error" if result.error else (PASSED if result.passed else FAILED)
    end = next((o.clock for o in reversed(result.outcomes) if o.clock is not None), None)
    facts = [
        ("file", f'<span class="mono">{escape(str(scenario.path))}</span>'),
        ("covers", escape(", ".join(scenario.covers)) or "—"),
        ("steps", f"{len(result.outcomes)}: {counts[PASSED]} passed, {counts[FAILED]} failed, "
                  f"{counts[SKIPPED]} skipped"),
        ("machine time", f"{_time(scenario.clock)} → {_time(end)}"),
        ("played", f"{escape(result.mode)}, {result.seconds:.2f} s real"),
        ("files", " · ".join(f'<a href="{escape(href, quote=True)}">{escape(text)}</a>' for href, text in links)),
    ]
    parts = [
        '<section class="summary">',
        f'<div class="head"><h1>{escape(scenario.name)}</h1>{_verdict(word)}</div>',
    ]
    if scenario.description:
        parts.append(f"<p>{escape(scenario.description)}</p>")
    parts.append('<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    if result.error:
        parts.append(f'<p class="note">{escape(result.error)}</p>')
    failure = result.failure
    if failure is not None:
        parts.append(f'<p><strong><a href="#step-{failure.step.index}">Step {failure.step.index}</a> failed</strong> '
                     f'at <span class="mono">{escape(result.where(failure))}</span>: {escape(failure.message)}</p>')
        if failure.expected or failure.actual:
            parts.append(_diff(failure.expected, failure.actual))
        picture = pictures.get(failure.step.index)
        if picture is not None and picture.png:  # the moment it failed, first thing on the page
            parts.append(f'<a href="#step-{failure.step.index}"><img class="panel at-failure" '
                         f'src="{escape(picture.png, quote=True)}" alt="The panel when step {failure.step.index} '
                         'failed"></a>')
    rows = "".join(
        f'<tr><td><a href="#step-{o.step.index}">{o.step.index}</a></td><td class="mono">{o.step.line}</td>'
        f"<td>{escape(describe_step(o.step))}</td><td>{_verdict(o.status)}</td></tr>"
        for o in result.outcomes
    )
    parts.append(f'<table class="steps"><tr><th>Step</th><th>Line</th><th>What</th><th>Outcome</th></tr>{rows}</table>')
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def render_storyboard(result: Result, pictures: Mapping[int, StepPicture], transcript: Sequence[str],
                      links: Sequence[tuple[str, str]] = ()) -> str:
    """One scenario's run as a page: the summary, then each step with its YAML, outcome and picture.

    Args:
        result: The run.
        pictures: Each step's pictures by step index.
        transcript: The event transcript, shown at the end.
        links: ``(relative path, text)`` of the other files in the folder.
    """
    cards = "".join(_step_card(result, o, pictures.get(o.step.index)) for o in result.outcomes)
    lines = escape("\n".join(transcript)) or "(empty)"
    tail = (f'<section class="summary"><details><summary>Event transcript ({len(transcript)} lines)</summary>'
            f"<pre>{lines}</pre></details></section>\n")
    return _page(f"{result.scenario.name} — evidence", _summary(result, links, pictures) + cards + tail)


def render_run_index(scenarios: Sequence[Mapping[str, Any]], title: str = "mfp-console play") -> str:
    """The run's page: one row per scenario with its verdict and a link to its storyboard.

    Each mapping has ``name``, ``file``, ``passed``, ``error``, ``steps``, ``seconds`` and ``index`` (the
    storyboard's path relative to this page).
    """
    failed = sum(not s["passed"] for s in scenarios)
    rows = "".join(
        f'<tr><td><a href="{escape(str(s["index"]), quote=True)}">{escape(str(s["name"]))}</a></td>'
        f'<td class="mono">{escape(str(s["file"]))}</td><td>{s["steps"]}</td><td>{float(s["seconds"]):.2f} s</td>'
        f'<td>{_verdict("error" if s.get("error") else (PASSED if s["passed"] else FAILED))}</td></tr>'
        for s in scenarios
    )
    body = (
        '<section class="summary">'
        f'<div class="head"><h1>{escape(title)}</h1>{_verdict(FAILED if failed else PASSED)}</div>'
        f"<p>{len(scenarios) - failed} passed, {failed} failed</p>"
        '<table class="steps"><tr><th>Scenario</th><th>File</th><th>Steps</th><th>Real time</th><th>Outcome</th></tr>'
        f"{rows}</table></section>\n"
    )
    return _page(f"{title} — evidence", body)
