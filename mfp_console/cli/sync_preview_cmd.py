"""``mfp-console sync-preview MACHINE``: what ``<Start>`` of a client's synchronization would do to each of its
users, asked from its server over a read-only sync conversation (docs/panel.md, "Join preview")."""

from __future__ import annotations

import argparse
import json
from typing import Any

from mfp_console.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    print_table,
    run_async,
    state_dir_for,
)
from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet

__all__ = ["add_sync_preview_command", "cmd_sync_preview"]


def add_sync_preview_command(sub: argparse._SubParsersAction, add_options) -> None:  # type: ignore[type-arg]
    """Adds ``sync-preview``."""
    parser = sub.add_parser(
        "sync-preview", help="show what starting a client's synchronization would do to its users",
        description="Asks the sync server (as <Start> would find it) what a join of MACHINE's client function "
                    "would do now, and changes nothing: for each user on MACHINE whether its data is replaced "
                    "by the server's (SYNC-05), registered as the server's (SYNC-06/07) or kept on the machine, "
                    "how many users the server would then hold and whom it would delete (SYNC-03). Exit status "
                    "1 when the server would refuse the join or cannot be reached.",
    )
    parser.add_argument("machine", metavar="MACHINE", help="the client machine")
    parser.add_argument("--json", action="store_true", help="print the preview as JSON")
    add_options(parser)
    parser.set_defaults(func=cmd_sync_preview)


def cmd_sync_preview(args: argparse.Namespace) -> int:
    """Prints the join preview of ``args.machine``."""

    async def main() -> dict[str, Any]:
        fleet = Fleet.from_file(args.fleet, state_dir_for(args), RealClock())
        async with fleet:
            fleet.spec.machine(args.machine)
            await fleet.settle()  # sessions that resume on start are open before the server is asked
            preview = await fleet.sync.preview_join(args.machine)
            running = fleet.sync.status(args.machine).client_running
            return preview.to_json() | {"client_running": running}

    out = run_async(main)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False))
    elif out["refused"]:
        print(f"{out['client']}: {out['refused']}")
    else:
        print(f"{out['client']} joining {out['server']}"
              + (" (its client function runs already: <Start> does nothing until it is stopped)"
                 if out["client_running"] else ""))
        print_table(out["users"], [("user", "USER"), ("fate", "DATA"), ("rule", "RULE"), ("evicted", "DELETED")])
        print(f"the server holds {out['server_users_before']} users, then {out['server_users_after']} "
              f"(at most {out['user_limit']}); deleted: {', '.join(out['evicted']) or 'none'}; "
              f"{out['users_only_on_server']} users come from the server")
    return EXIT_FAILED if out["refused"] else EXIT_OK
