"""``mfp-console distribute``: a manual distribution from the command line, or with ``--dry-run`` its pre-flight
check (what each destination would meet and what would change there), printed as JSON.

The command logs in at the host like an Administrator at its panel (DID-01): with ``--id``/``--pin``, or
the System Manager ID and PIN the fleet file gives that machine. Categories are named by panel label or
wire name (``"Address Book"``, ``address_book``), destinations by their registered names; without them,
every category and every registered destination.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mfp_console.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    print_table,
    run_async,
    state_dir_for,
)
from mfp_console.clock import RealClock
from mfp_console.domain.device_info import Category
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import ConfigError

__all__ = ["add_distribute_command", "cmd_distribute"]


def add_distribute_command(sub: argparse._SubParsersAction, add_options) -> None:  # type: ignore[type-arg]
    """Adds the ``distribute`` command."""
    parser = sub.add_parser(
        "distribute",
        help="run a manual distribution, or with --dry-run show its pre-flight check as JSON",
        description="Distributes the host's categories to its registered destinations (as <Start Manual "
                    "Distribution> does) and prints each destination's status. With --dry-run nothing is "
                    "distributed: each destination is asked what it would do (the emulator's pre-flight "
                    "check) and the forecast is printed as JSON. Exit status 1 when any destination ends "
                    "(or would end) NG.",
    )
    parser.add_argument("--host", default=None, help="the distributing machine (default: the fleet's host)")
    parser.add_argument("--id", dest="manager_id", default=None,
                        help="System Manager ID to log in with (default: the one the fleet file gives the host)")
    parser.add_argument("--pin", default=None,
                        help="System Manager PIN (default: the fleet file's; note that a PIN on the command "
                             "line is visible to other local users)")
    parser.add_argument("--category", action="append", default=None, metavar="CATEGORY",
                        help="a category to send, by label or name, e.g. 'Address Book' or address_book; "
                             "repeat for more (default: all five)")
    parser.add_argument("--to", action="append", default=None, metavar="DESTINATION",
                        help="a registered destination; repeat for more (default: every registered one)")
    parser.add_argument("--include-network", action="store_true",
                        help="<Network Settings>: <Include> (default <Exclude>, DID-03)")
    parser.add_argument("--dry-run", action="store_true",
                        help="distribute nothing: print what each destination would meet and change, as JSON")
    parser.add_argument("--json", action="store_true", help="print the real run's statuses as JSON too")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="run the other machines in N worker processes so the fan-out uses every core "
                             "(default 1: every machine in this process)")
    add_options(parser)
    parser.set_defaults(func=cmd_distribute)


def _categories(names: list[str] | None) -> list[Category]:
    if not names:
        return list(Category)
    chosen = []
    for name in names:
        try:
            chosen.append(Category.from_label(name))
        except ValueError:
            known = ", ".join(f"'{c.label}' ({c.value})" for c in Category)
            raise ConfigError(f"--category {name!r}: not a category; use one of {known}") from None
    return chosen


def cmd_distribute(args: argparse.Namespace) -> int:
    """Runs the distribution (or its pre-flight check) and prints the outcome."""
    categories = _categories(args.category)

    async def main() -> dict[str, Any]:
        fleet = Fleet.from_file(args.fleet, state_dir_for(args), RealClock())
        if args.workers <= 1:
            return await distribute(fleet)
        host = args.host or fleet.default_host()
        fleet.spec.machine(host)
        others = [name for name in fleet.spec.names if name != host]
        async with fleet.workers(args.fleet, others, args.workers):
            return await distribute(fleet)  # the machines running in the workers are dialled there

    async def distribute(fleet: Fleet) -> dict[str, Any]:
        async with fleet:
            host = args.host or fleet.default_host()
            spec = fleet.spec.machine(host)
            fleet.panel.login_admin(host, args.manager_id or spec.system_manager_id,
                                    args.pin or spec.system_manager_pin)
            names = args.to or list(fleet.distribution.destinations(host).names())
            summary: dict[str, Any] = {
                "host": host,
                "categories": [c.value for c in Category if c in categories],
                "include_network": args.include_network,
                "dry_run": args.dry_run,
            }
            if args.dry_run:
                forecasts = await fleet.distribution.forecast(host, categories, names, args.include_network)
                return summary | {"destinations": [f.to_json() for f in forecasts]}
            job = fleet.distribution.start_manual_distribution(host, categories, names, args.include_network)
            await fleet.settle()
            done = fleet.distribution.last_job(host) or job
            rows = [{"destination": name, "status": r.text, "code": r.code, "detail": r.detail}
                    for name, r in done.results.items()]
            return summary | {"job_id": done.job_id, "destinations": rows}

    outcome = run_async(main)
    rows = outcome["destinations"]
    if args.dry_run or args.json:
        print(json.dumps(outcome, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(f"#{outcome['job_id']} from {outcome['host']}: "
              + ", ".join(f"<{Category(c).label}>" for c in outcome["categories"]), file=sys.stdout)
        print_table(rows, [("destination", "DESTINATION"), ("status", "STATUS"), ("detail", "DETAIL")])
    return EXIT_OK if all(row["status"] == "OK" for row in rows) else EXIT_FAILED
