"""``mfp-console bench [--quick] [--json]``: the measured figures of docs/performance.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mfp_console.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK

__all__ = ["add_bench_command", "cmd_bench"]


def add_bench_command(sub: argparse._SubParsersAction, add_options) -> None:  # type: ignore[type-arg]
    """Adds the ``bench`` command."""
    from mfp_console.bench.suite import PARTS

    bench = sub.add_parser(
        "bench",
        help="measure fan-out, memory, start-up, panel and scenario speed against same-run baselines",
        description=(
            "Runs the benchmark suite. Every figure is a ratio against a baseline measured in the same run "
            "(absolute times are printed too). Measurements run one at a time in child processes on "
            "loopback. A full run takes about ten minutes on two cores (preparing the 10,000-machine fleet alone "
            "takes about two; --work-dir keeps prepared fleets for the next run); --quick shrinks every size."
        ),
    )
    bench.add_argument("--quick", action="store_true", help="small sizes (20/100 clients, 1,000 machines): a few minutes")
    bench.add_argument("--json", action="store_true", help="print the report as JSON")
    bench.add_argument(
        "--only", metavar="PARTS", default=",".join(PARTS),
        help=f"comma-separated parts to run (default: all): {', '.join(PARTS)}",
    )
    bench.add_argument("--work-dir", metavar="DIR", type=Path, default=None,
                       help="keep prepared fleets here and reuse them (default: --state-dir, else a temporary "
                            "folder, removed)")
    bench.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    bench.add_argument("--markdown", metavar="FILE", type=Path, default=None,
                       help="also write docs/performance.md (generated from this run's figures) to FILE")
    bench.add_argument("--steps", metavar="FILE", type=Path, default=None,
                       help="with --markdown: the measured steps of the work to show (docs/performance-steps.json)")
    bench.add_argument("--from-json", metavar="RUN", type=Path, default=None,
                       help="measure nothing: read a saved --json run (for --markdown and --strict)")
    add_options(
        bench,
        fleet_help="not used: the suite builds its own fleets of every size (a warning says so)",
        state_dir_help="where the prepared fleets are kept and reused (the same as --work-dir)",
    )
    bench.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """Runs the suite and prints the report."""
    from mfp_console.bench.suite import PARTS, run_suite

    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        print(f"error: unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return EXIT_INVALID

    def progress(line: str) -> None:
        print(f"bench: {line}", file=sys.stderr, flush=True)

    if getattr(args, "fleet", None):
        progress(f"--fleet {args.fleet} is not used: the suite builds its own fleets of every size")
    if args.from_json is not None:
        from mfp_console.strict_json import loads_strict

        try:
            run = loads_strict(args.from_json.read_text(encoding="utf-8"))
            missed = [f["key"] for f in run["figures"] if f["status"] == "missed"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"error: {args.from_json}: not a bench --json run: {exc}", file=sys.stderr)
            return EXIT_INVALID
    else:
        work_dir = args.work_dir if args.work_dir is not None else getattr(args, "state_dir", None)
        report = run_suite(args.quick, parts, work_dir, progress)
        if args.json:
            report.write_json(sys.stdout)
        else:
            report.write_text(sys.stdout)
        run = report.to_json() if args.markdown is not None else {}
        missed = [f.key for f in report.missed] if report.missed else []
    if args.markdown is not None:
        from mfp_console.bench.document import render_performance
        from mfp_console.strict_json import loads_strict

        steps = loads_strict(args.steps.read_text(encoding="utf-8")) if args.steps is not None else None
        args.markdown.write_text(render_performance(run, steps), encoding="utf-8")
        progress(f"wrote {args.markdown}")
    if args.strict and missed:
        progress(f"--strict: missed {', '.join(missed)}")
        return EXIT_FAILED
    return EXIT_OK
