"""Turns the panel's SVG screenshots into PNG files with resvg, in a worker process, without a browser.

Why resvg (the ``resvg-py`` wheel) and not cairosvg: resvg honours the font fallback list Textual writes
(``font-family: Fira Code, monospace``), so the panel renders in a monospace font and its box-drawing
borders and columns line up as on the terminal; cairosvg took the list as one unknown family, fell back to a
proportional sans font and broke the alignment (footer keys drifted, border rules left gaps after titles).
resvg is also a self-contained wheel: nothing from the system (cairo) to install.

Why a process of its own: resvg holds the GIL while it renders (about half a second for a 120×40 panel),
so a thread would stall the app's event loop. The worker is ``python -m mfp_console.scenario.png``, fed one
JSON line per picture on its standard input; it answers one line per picture, in order. A plain subprocess
rather than multiprocessing: a spawned multiprocessing child re-imports the parent's main module (``python
-m mfp_console`` would run the command again), a forked one inherits the running event loop and threads,
and multiprocessing hands ``sys.stderr`` to its helper process, which a headless app has replaced. Where no
process can be started, the pictures are rendered here after the run. A screen that did not change between
steps (an ``expect`` looks, it does not touch) is rendered once and copied.

Textual's SVG names its web font with an ``https://`` source. :func:`offline_svg` drops those sources (the
local font name stays), so an evidence folder opened later fetches nothing, and gives the title a sans-serif
fallback.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from mfp_console.strict_json import loads_strict

__all__ = ["MAX_WIDTH", "PngRenderer", "PngResult", "offline_svg", "png_size", "render_png"]

MAX_WIDTH = 1600
"""PNGs wider than this are scaled down (a 120×40 panel is 1482 pixels wide and stays 1:1)."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_REMOTE_FONT = re.compile(r"src:\s*(local\([^)]*\))(?:\s*,\s*url\([^)]*\)\s*format\([^)]*\))+\s*;")
_TITLE_FONT = re.compile(r"font-family:\s*arial\s*;")
_VIEWBOX = re.compile(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*"')


def offline_svg(svg: str) -> str:
    """``svg`` without remote font sources (``local()`` kept) and with a generic fallback for the title."""
    svg = _REMOTE_FONT.sub(r"src: \1;", svg)
    return _TITLE_FONT.sub("font-family: arial, sans-serif;", svg)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header.

    Raises:
        ValueError: ``data`` is not a PNG.
    """
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _zoom(svg: str, max_width: int) -> float:
    found = _VIEWBOX.search(svg)
    width = float(found.group(1)) if found else 0.0
    return min(1.0, max_width / width) if width > 0 else 1.0


def render_png(svg_path: Path, png_path: Path, max_width: int = MAX_WIDTH) -> tuple[int, int]:
    """Renders one SVG file to a PNG file (in the calling process); returns the PNG's size.

    Raises:
        ImportError: ``resvg_py`` is not installed.
        ValueError: resvg could not render the file.
    """
    import resvg_py  # imported here: the worker process pays for it, the app never does

    svg = svg_path.read_text(encoding="utf-8")
    data = bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=_zoom(svg, max_width)))
    png_path.write_bytes(data)
    return png_size(data)


@dataclass(frozen=True)
class PngResult:
    """One conversion: the PNG written, or why not."""

    svg: Path
    png: Path | None
    size: tuple[int, int] = (0, 0)
    problem: str = ""


class PngRenderer:
    """Renders SVGs to PNGs in a worker process while the caller goes on; ``finish`` waits for all.

    Args:
        max_width: PNGs are scaled down to at most this many pixels wide.
    """

    def __init__(self, max_width: int = MAX_WIDTH) -> None:
        self.max_width = max_width
        self._worker: asyncio.subprocess.Process | None = None
        self._jobs: list[tuple[Path, Path, Path | None]] = []  # svg, png, the earlier identical png
        self._first_of: dict[str, Path] = {}
        self.note = ""
        """Why the pictures were rendered in this process after the run, when they were."""

    async def start(self) -> None:
        """Starts the worker process."""
        if self._worker is not None:
            return
        try:
            self._worker = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "mfp_console.scenario.png", stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        except (OSError, ValueError) as exc:
            self.note = f"no worker process ({exc}): the PNGs were rendered after the run"

    def submit(self, svg: Path, png: Path) -> None:
        """Queues ``svg`` → ``png``; a picture identical to an earlier one is copied, not rendered again."""
        digest = hashlib.sha256(svg.read_bytes()).hexdigest()
        earlier = self._first_of.get(digest)
        self._jobs.append((svg, png, earlier))
        if earlier is not None:
            return
        self._first_of[digest] = png
        if self._worker is not None and self._worker.stdin is not None:
            line = json.dumps({"svg": str(svg), "png": str(png), "max_width": self.max_width}, allow_nan=False)
            self._worker.stdin.write(line.encode() + b"\n")

    async def finish(self) -> list[PngResult]:
        """Waits for every queued picture (without blocking the event loop) and stops the worker."""
        worker, self._worker = self._worker, None
        if worker is not None and worker.stdin is not None:
            worker.stdin.close()
        results: list[PngResult] = []
        done: dict[Path, PngResult] = {}
        try:
            for svg, png, earlier in self._jobs:
                if earlier is not None:
                    first = done[earlier]
                    if first.png is not None:
                        shutil.copyfile(earlier, png)
                    results.append(PngResult(svg, png if first.png else None, first.size, first.problem))
                    continue
                result = await self._answer(worker, svg, png)
                done[png] = result
                results.append(result)
        finally:
            if worker is not None:
                if worker.returncode is None:
                    worker.kill()
                await worker.wait()
        return results

    async def close(self) -> None:
        """Stops the worker without waiting for its pictures."""
        self._jobs.clear()
        await self.finish()

    async def _answer(self, worker: asyncio.subprocess.Process | None, svg: Path, png: Path) -> PngResult:
        if worker is None:
            try:
                return PngResult(svg, png, render_png(svg, png, self.max_width))
            except Exception as exc:  # a missing picture is reported in the evidence, not raised
                return PngResult(svg, None, problem=f"{type(exc).__name__}: {exc}")
        assert worker.stdout is not None and worker.stderr is not None
        line = await worker.stdout.readline()
        if not line:
            why = (await worker.stderr.read()).decode(errors="replace").strip().splitlines()
            return PngResult(svg, None, problem=f"the PNG worker stopped: {why[-1] if why else 'no reason given'}")
        answer = loads_strict(line.decode())
        if answer.get("problem"):
            return PngResult(svg, None, problem=str(answer["problem"]))
        return PngResult(svg, png, (int(answer["size"][0]), int(answer["size"][1])))


def serve() -> None:
    """The worker: one JSON line in (``svg``, ``png``, ``max_width``), one line out (``size`` or ``problem``)."""
    for line in sys.stdin:
        job = loads_strict(line)
        try:
            size = render_png(Path(job["svg"]), Path(job["png"]), int(job["max_width"]))
            answer: dict[str, object] = {"size": list(size)}
        except Exception as exc:  # reported for this picture; the next one may render
            answer = {"problem": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer, allow_nan=False), flush=True)


if __name__ == "__main__":
    serve()
