"""The whole benchmark run: sizes for ``--quick`` and full runs, and the figures each measurement gives.

Each measurement runs in its own child process (:mod:`mfp_console.bench.child`), one after another, never
two at once: the box has two cores and the ratios compare like with like only when nothing else of ours runs.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mfp_console.bench.child import ChildFailed, run_child
from mfp_console.bench.figures import Figure, Report
from mfp_console.bench.recipe import fresh_copy

__all__ = ["PARTS", "Sizes", "fanout_figures", "run_suite"]

PARTS = ("fanout", "idle", "startup", "walk", "scenarios", "sync", "large")

FANOUT_TARGET = 1.3
"""Fan-out may take at most 1.3 times the floor baseline (issue 18), at 100 and at 1,000 clients."""
FANOUT_TARGET_FROM = 100
"""The smallest fan-out the target applies to (a quick run's 20 clients are context only)."""
STARTUP_TARGET = 1.5
"""Start-up to the first rendered panel: at most 1.5 times a minimal Textual app's."""
WALK_TARGET = 1.2
IDLE_TARGET_MIB = 0.1
"""An idle machine costs at most 0.1 MiB of memory."""
IDLE_TARGET_FDS = 1.5
"""An idle machine holds at most 1.5 file descriptors."""
SCENARIO_TARGET_S = 1.0
"""The scenario library through the panel app: a median of at most 1 s per scenario."""


@dataclass(frozen=True)
class Sizes:
    """How big each measurement is."""

    fanout: tuple[int, ...]
    concurrency: int
    idle: int
    startup_runs: int
    walk_screens: int
    scenario_limit: int
    child_timeout: float
    traced_run: bool
    pairs: int = 3
    large: int = 10_000
    """The machines of the one-process large fleet (``large`` part)."""
    workers: int = 2
    """Worker processes of the multi-core fan-out (at the largest fan-out size)."""

    @classmethod
    def for_run(cls, quick: bool) -> Sizes:
        """Sizes of a ``--quick`` or a full run."""
        if quick:
            return cls((20, 100), 8, 100, 1, 3, 4, 120.0, False, large=1_000)
        return cls((100, 1000), 8, 1000, 3, 10, 0, 600.0, True)


def run_suite(quick: bool, parts: Collection[str] = PARTS, work_dir: Path | None = None,
              progress: Callable[[str], None] | None = None) -> Report:
    """Runs the chosen parts and returns the report (a part that fails gives a figure saying why)."""
    say = progress or (lambda _: None)
    sizes = Sizes.for_run(quick)
    report = Report(quick=quick)
    began = time.perf_counter()
    own_dir = work_dir is None
    root = Path(tempfile.mkdtemp(prefix="mfp-bench-")) if work_dir is None else work_dir
    root.mkdir(parents=True, exist_ok=True)
    try:
        if "fanout" in parts:
            for clients in sizes.fanout:
                _fanout(report, root, clients, sizes, say)
        if "idle" in parts:
            _idle(report, root, sizes.idle, sizes, say)
        if "large" in parts:
            _idle(report, root, sizes.large, sizes, say, large=True)
        if "startup" in parts:
            _startup(report, root, sizes, say)
        if "walk" in parts:
            _walk(report, root, sizes, say)
        if "scenarios" in parts:
            _scenarios(report, sizes, say)
        if "sync" in parts:
            from mfp_console.bench.sync import measure_sync

            measure_sync(report, root, 200 if quick else 1000, sizes.child_timeout, say, 3 if quick else 7)
    finally:
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)
    report.seconds = time.perf_counter() - began
    return report


_prepared_s: dict[int, float] = {}
"""How long preparing each template took (certificates and stores), by size."""


def _template(root: Path, clients: int, sizes: Sizes, say: Callable[[str], None], timeout: float = 0.0) -> Path:
    say(f"preparing a fleet of {clients} clients (certificates and stores, not timed)")
    began = time.perf_counter()
    template = Path(run_child("prepare", timeout or sizes.child_timeout, root=str(root), clients=clients)["template"])
    _prepared_s.setdefault(clients, time.perf_counter() - began)
    return template


def _fanout(report: Report, root: Path, clients: int, sizes: Sizes, say: Callable[[str], None]) -> None:
    try:
        template = _template(root, clients, sizes, say)
    except ChildFailed as exc:
        report.add(Figure(f"fanout.{clients}", f"Distribution fan-out to {clients} clients", None,
                          note=f"failed: {exc}"))
        return
    modes = [sizes.concurrency] + ([1] if clients == min(sizes.fanout) else [])
    for concurrency in modes:
        mode = "sequential" if concurrency == 1 else f"concurrency {concurrency}"
        key = f"fanout.{clients}.c{concurrency}"
        title = f"Distribution fan-out: 5 categories to {clients} clients, {mode}"
        try:
            say(f"fan-out to {clients} clients, {mode}: {sizes.pairs} interleaved rounds of the fleet, the floor "
                "and the bare baseline in one process")
            run = run_child("fanout-pairs", sizes.child_timeout * sizes.pairs, template=str(template),
                            work=str(root / "pairs"), clients=clients, concurrency=concurrency, pairs=sizes.pairs)
        except ChildFailed as exc:
            report.add(Figure(key, title, None, note=f"failed: {exc}"))
            continue
        finally:
            shutil.rmtree(root / "pairs", ignore_errors=True)
        target = FANOUT_TARGET if concurrency > 1 and clients >= FANOUT_TARGET_FROM else None
        for figure in fanout_figures(run, key, title, mode, target):
            report.add(figure)
    if sizes.workers > 1 and clients == max(sizes.fanout):
        _fanout_workers(report, root, template, clients, sizes, say)


def _fanout_workers(report: Report, root: Path, template: Path, clients: int, sizes: Sizes,
                    say: Callable[[str], None]) -> None:
    """Fan-out with the clients in worker processes, against the floor run the same way (issue 18)."""
    n, concurrency = sizes.workers, sizes.concurrency
    key = f"fanout.{clients}.c{concurrency}.w{n}"
    mode = f"concurrency {concurrency}, clients in {n} worker processes"
    title = f"Distribution fan-out: 5 categories to {clients} clients, {mode}"
    try:
        say(f"fan-out to {clients} clients in {n} worker processes: {sizes.pairs} interleaved rounds of the fleet "
            "and the floor run the same way")
        run = run_child("fanout-pairs", sizes.child_timeout * sizes.pairs, template=str(template),
                        work=str(root / "pairs"), clients=clients, concurrency=concurrency, pairs=sizes.pairs,
                        workers=n)
    except ChildFailed as exc:
        report.add(Figure(key, title, None, note=f"failed: {exc}"))
        return
    finally:
        shutil.rmtree(root / "pairs", ignore_errors=True)
    for figure in fanout_figures(run, key, title, mode, None):
        report.add(figure)


def fanout_figures(run: dict[str, Any], key: str, title: str, mode: str, target: float | None) -> list[Figure]:
    """The two figures of one fan-out measurement: against the floor (with the target) and against bare TLS."""
    rounds = run["rounds"]
    clients = run["clients"]
    fleet = run["product"]
    product = statistics.median(r["product"] for r in rounds)
    ok = fleet["outcomes"].get("OK", 0)
    note = "" if ok == clients else f"only {ok} of {clients} destinations ended OK"
    if run.get("baseline_failures"):
        note = "; ".join(filter(None, [note, f"{run['baseline_failures']} baseline transfers failed"]))
    extra: dict[str, Any] = {
        "per client": f"{product / clients * 1000:.1f} ms",
        "bundle": f"{fleet['bundle_bytes'] / 2**20:.2f} MiB of JSON, {fleet['wire_bytes'] / 2**20:.2f} MiB "
                  f"of frames per client",
        "outcomes": ", ".join(f"{n} {k}" for k, n in sorted(fleet["outcomes"].items())),
        "peak RSS": f"{run['peak_rss_mib']:.0f} MiB (fleet started: {fleet['rss_started_mib']:.0f} MiB)",
    }
    sides = [side for side in ("product", "floor", "bare") if side in rounds[0]]
    extra[f"rounds ({' / '.join(sides)})"] = "; ".join(" / ".join(f"{r[side]:.2f}" for side in sides) + " s"
                                                      for r in rounds)
    extra[f"CPU time of this process, median ({' / '.join(sides)})"] = " / ".join(
        f"{statistics.median(r[side + '_cpu'] for r in rounds):.2f} s" for side in sides)
    figures = []
    for side, side_title, side_target in (
        ("floor", f"the floor: {clients} mutual-TLS 1.3 handshakes moving the same frames over bare asyncio "
                  f"streams, each receiver opening its own resting SQLite database (as an idle machine's rests) "
                  f"and committing them to it (WAL, the product's pragmas), {mode}", target),
        ("bare", f"bare TLS: the same handshakes and frames, dropped on arrival, {mode}", None),
    ):
        if side not in rounds[0]:
            continue
        ratios = tuple(r["product"] / r[side] for r in rounds)
        baseline = statistics.median(r[side] for r in rounds)
        figures.append(Figure(key if side == "floor" else f"{key}.bare",
                              title if side == "floor" else f"{title}, against bare TLS",
                              product, baseline, "s", side_target, side_title, note,
                              extra if side == "floor" else {}, ratios))
    return figures


def _idle(report: Report, root: Path, clients: int, sizes: Sizes, say: Callable[[str], None],
          large: bool = False) -> None:
    """Memory and descriptors of an idle machine; for the large fleet also its start time (issue 18)."""
    machines = clients + 1
    key = f"{'large' if large else 'idle'}.{clients}"
    title = f"Memory of an idle machine in a {machines:,}-machine fleet (one process)"
    fds_title = f"Open file descriptors of an idle machine in a {machines:,}-machine fleet (one process)"
    timeout = sizes.child_timeout * (4 if large else 1)
    try:
        template = _template(root, clients, sizes, say, timeout)
        say(f"idle memory, {machines} machines")
        plain = run_child("idle", timeout, state_dir=str(fresh_copy(template, root / "run")), clients=clients)
        traced = None if large else run_child("idle", timeout, state_dir=str(fresh_copy(template, root / "run")),
                                              clients=clients, trace=True)
    except ChildFailed as exc:
        report.add(Figure(key, title, None, unit="MiB", target=IDLE_TARGET_MIB, note=f"failed: {exc}"))
        report.add(Figure(f"{key}.fds", fds_title, None, unit="fds", target=IDLE_TARGET_FDS, note=f"failed: {exc}"))
        return
    finally:
        shutil.rmtree(root / "run", ignore_errors=True)
        if large:
            shutil.rmtree(root / f"template-{clients}", ignore_errors=True)
    extra = {
        "RSS": f"{plain['rss_before_mib']:.0f} MiB before start, {plain['rss_after_mib']:.0f} MiB with "
               f"{plain['machines']} machines listening",
        "start-up of the whole fleet": f"{plain['start_s']:.2f} s ({plain['start_s'] / machines * 1000:.2f} ms "
                                       "per machine)",
        "preparing certificates and stores (not timed above)": f"{_prepared_s.get(clients, 0):.1f} s",
    }
    if traced is not None:
        extra["Python heap per machine (tracemalloc)"] = f"{traced['traced_per_machine_mib'] * 1024:.1f} KiB"
    note = "" if clients >= 999 else "quick run: the target is for a 1,000-machine fleet"
    report.add(Figure(key, title, plain["per_machine_mib"], None, "MiB", IDLE_TARGET_MIB, "", note, extra))
    fds = plain.get("fds_per_machine")
    report.add(Figure(f"{key}.fds", fds_title, fds, None, "fds", IDLE_TARGET_FDS, "",
                      "" if fds is not None else "no /proc/self/fd on this system",
                      {"open descriptors": str(plain.get("open_fds")),
                       "held by an idle machine": "its listener; its database rests (engine/idle_stores.py) and "
                                                  "its lock is a byte of one shared lock file"}))


def _startup(report: Report, root: Path, sizes: Sizes, say: Callable[[str], None]) -> None:
    from mfp_console.bench.panel import panel_available

    key, title = "startup", "Start-up: mfp-console to the first rendered panel (default fleet, headless)"
    missing = panel_available()
    if missing:
        report.add(Figure.pending(key, title, missing, STARTUP_TARGET))
        return
    state = root / "panel-state"
    _compile_package()
    try:
        say("start-up: preparing the default fleet (an untimed first launch)")
        run_child("startup-app", sizes.child_timeout, state_dir=str(state), spawned_at=time.time())
        app_runs, minimal_times = [], []
        for n in range(sizes.startup_runs):
            say(f"start-up: run {n + 1} of {sizes.startup_runs}")
            app_runs.append(run_child("startup-app", sizes.child_timeout, state_dir=str(state),
                                      spawned_at=time.time()))
            minimal_times.append(run_child("startup-minimal", sizes.child_timeout,
                                           spawned_at=time.time())["seconds"])
    except ChildFailed as exc:
        report.add(Figure(key, title, None, target=STARTUP_TARGET, note=f"failed: {exc}"))
        return
    baseline_title = "a minimal Textual app (header, button grid, footer) to its first idle frame, from process spawn"
    first = [run["seconds"] for run in app_runs]
    ready = [run["ready_seconds"] for run in app_runs]
    minimal = statistics.median(minimal_times)
    runs = f"{sizes.startup_runs} interleaved pairs, median of the pairs' ratios"
    report.add(Figure(key, title, statistics.median(first), minimal, "s", STARTUP_TARGET, baseline_title, "",
                      {"runs": f"{runs}; app {_seconds(first)}; minimal app {_seconds(minimal_times)}",
                       "shown": "the operator's machine starting up; the fleet is built and started right after"},
                      ratios=tuple(a / m for a, m in zip(first, minimal_times, strict=True))))
    report.add(Figure("startup.ready", "Start-up: mfp-console until the panel is ready (the fleet runs, every "
                      "view is shown)", statistics.median(ready), minimal, "s", None, baseline_title, "",
                      {"runs": f"{runs}; app {_seconds(ready)}"},
                      ratios=tuple(a / m for a, m in zip(ready, minimal_times, strict=True))))


def _seconds(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times) + " s"


def _compile_package() -> None:
    """Writes the package's bytecode, as a first launch does where Python may write it: with
    ``PYTHONDONTWRITEBYTECODE`` set (some CI images) every timed launch would otherwise compile the whole
    package again while Textual, installed by pip, starts from its compiled files."""
    import compileall

    import mfp_console

    compileall.compile_dir(Path(mfp_console.__file__).parent, quiet=1)


def _walk(report: Report, root: Path, sizes: Sizes, say: Callable[[str], None]) -> None:
    from mfp_console.bench.panel import panel_available

    key = "walk"
    title = f"Panel responsiveness: {sizes.walk_screens} menu screens and back through the pilot"
    missing = panel_available()
    if missing:
        report.add(Figure.pending(key, title, missing, WALK_TARGET))
        return
    state = root / "panel-state"
    try:
        say("menu walk: the panel")
        app = run_child("walk-app", sizes.child_timeout, state_dir=str(state), screens=sizes.walk_screens)
        say("menu walk: the minimal app")
        minimal = run_child("walk-minimal", sizes.child_timeout, steps=app["steps"])
    except ChildFailed as exc:
        report.add(Figure(key, title, None, target=WALK_TARGET, note=f"failed: {exc}"))
        return
    touches = app["touches"]
    extra = {
        "per touch": f"{app['seconds'] / touches * 1000:.0f} ms vs {minimal['seconds'] / touches * 1000:.0f} ms "
                     f"({touches} touches)",
        "back at the top afterwards": str(app["back_at_top"]),
    }
    report.add(Figure(key, title, app["seconds"], minimal["seconds"], "s", WALK_TARGET,
                      "a minimal Textual app swapping in pages with the same widget counts, same touches",
                      "", extra))


def _scenarios(report: Report, sizes: Sizes, say: Callable[[str], None]) -> None:
    from mfp_console.bench.scenarios import default_library, runner_available

    key, title = "scenarios", "Scenario library, headless: median time per scenario"
    missing = runner_available()
    library = default_library()
    if missing or not library.is_dir():
        report.add(Figure.pending(key, title, missing or f"no scenario library at {library}", SCENARIO_TARGET_S))
        return
    say(f"scenario library ({library})")
    try:
        result = run_child("scenarios", sizes.child_timeout * 2, library=str(library), limit=sizes.scenario_limit)
    except ChildFailed as exc:
        report.add(Figure(key, title, None, target=SCENARIO_TARGET_S, note=f"failed: {exc}"))
        return
    rows = result["files"]
    extra: dict[str, Any] = {
        "scenarios": f"{len(rows)} played, {result['passed']} passed; total {result['total_s']:.1f} s, "
                     f"slowest {result['max_s'] or 0:.2f} s",
    }
    for row in rows:
        extra[row["file"]] = f"{row['seconds']:.2f} s {row['outcome']}"
    note = "quick run: the first few files only" if sizes.scenario_limit else ""
    report.add(Figure(key, title, result["median_s"], None, "s", SCENARIO_TARGET_S, "", note, extra))
