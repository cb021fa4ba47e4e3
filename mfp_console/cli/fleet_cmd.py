"""``mfp-console fleet status|ping|reset``: look at and manage the fleet without the panel."""

from __future__ import annotations

import argparse
import json
import sys

from mfp_console.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    print_table,
    run_async,
    state_dir_for,
)
from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet

__all__ = ["add_fleet_commands"]


def add_fleet_commands(sub: argparse._SubParsersAction, add_options) -> None:  # type: ignore[type-arg]
    """Adds the ``fleet`` command and its sub-commands."""
    fleet = sub.add_parser("fleet", help="fleet status, ping and reset")
    add_options(fleet)  # also between the group and its command: `fleet --state-dir D status`
    fleet_sub = fleet.add_subparsers(dest="fleet_command", required=True, metavar="{status,ping,reset}")
    status = fleet_sub.add_parser("status", help="every machine with model, address, functions and state")
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_options(status)
    status.set_defaults(func=cmd_status)
    ping = fleet_sub.add_parser("ping", help="a mutual-TLS handshake from the host to every other machine")
    ping.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ping.add_argument("--from", dest="source", default=None, help="the machine that dials (default: the host)")
    add_options(ping)
    ping.set_defaults(func=cmd_ping)
    reset = fleet_sub.add_parser("reset", help="put every machine back to its default data")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_options(reset)
    reset.set_defaults(func=cmd_reset)


def cmd_status(args: argparse.Namespace) -> int:
    """Prints every machine's status: the machines that run in a panel or their own process are asked there,
    the others run in this process for the command."""

    async def main() -> list[dict]:
        fleet = Fleet.from_file(args.fleet, state_dir_for(args), RealClock())
        async with fleet:
            return [row.to_json() for row in await fleet.status_everywhere()]

    rows = run_async(main)
    if args.json:
        print(json.dumps({"machines": rows}, indent=2, allow_nan=False))
        return EXIT_OK
    for row in rows:
        row["functions"] = ",".join(f.replace("distribution_", "did-").replace("sync_", "sync-") for f in row["functions"])
        row["fingerprint"] = row["fingerprint"][:23] + "…" if len(row["fingerprint"]) > 24 else row["fingerprint"]
        row["state"] = "/".join(x for x in (row["power"], row["activity"], row["error"]) if x)
    print_table(
        rows,
        [("name", "NAME"), ("model", "MODEL"), ("series", "SERIES"), ("address", "ADDRESS"),
         ("functions", "FUNCTIONS"), ("state", "STATE"), ("fingerprint", "CERT SHA-256")],
    )
    for row in rows:  # why an address is not the machine's own, where it runs, or who did not answer
        if row["note"]:
            print(f"{row['name']}: {row['note']}")
    return EXIT_OK


def cmd_ping(args: argparse.Namespace) -> int:
    """Pings every other machine from the host; exit 1 when any is unreachable."""

    async def main() -> list[dict]:
        fleet = Fleet.from_file(args.fleet, state_dir_for(args), RealClock())
        async with fleet:
            return [r.to_json() for r in await fleet.ping_all(args.source)]

    results = run_async(main)
    if args.json:
        print(json.dumps({"results": results}, indent=2, allow_nan=False))
    else:
        for r in results:
            r["outcome"] = (
                f"{r['tls_version']} {r['cipher']} {r['rtt_ms']:.1f} ms  {r['peer_subject']}"
                if r["ok"] else f"REFUSED {r['code']}: {r['reason']}"
            )
        print_table(results, [("source", "FROM"), ("target", "TO"), ("outcome", "RESULT")])
    return EXIT_OK if all(r["ok"] for r in results) else EXIT_FAILED


def cmd_reset(args: argparse.Namespace) -> int:
    """Resets every machine to the default data, after confirmation."""
    state_dir = state_dir_for(args)
    if not args.yes:
        if not sys.stdin.isatty():
            print("refusing to reset without confirmation: pass --yes", file=sys.stderr)
            return EXIT_FAILED
        answer = input(f"Reset every machine in {state_dir} to its default data? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return EXIT_OK

    async def main() -> None:
        fleet = Fleet.from_file(args.fleet, state_dir, RealClock())
        await fleet.reset()
        await fleet.stop()

    run_async(main)
    print(f"fleet reset to default data in {state_dir}")
    return EXIT_OK
