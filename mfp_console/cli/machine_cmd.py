"""``mfp-console machine --name NAME``: run one machine of the fleet as its own process."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from mfp_console.cli.common import EXIT_OK, run_async, state_dir_for
from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet

__all__ = ["add_machine_command"]


def add_machine_command(sub: argparse._SubParsersAction, add_options) -> None:  # type: ignore[type-arg]
    """Adds the ``machine`` command."""
    machine = sub.add_parser("machine", help="run one machine of the fleet as its own process")
    machine.add_argument("--name", required=True, help="the machine to run")
    add_options(machine)
    machine.set_defaults(func=cmd_machine)


def cmd_machine(args: argparse.Namespace) -> int:
    """Runs one machine until SIGTERM or Ctrl-C; prints its address once it listens, then logs to stderr."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")

    async def main() -> None:
        fleet = Fleet.from_file(args.fleet, state_dir_for(args), RealClock())
        fleet.spec.machine(args.name)  # unknown names fail with a hint before anything starts
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, stop.set)
            except NotImplementedError:  # pragma: no cover - Windows
                pass
        await fleet.start(only=[args.name])
        host, port = fleet.address_of(args.name)
        print(f"{args.name} listening on {host}:{port}", flush=True)
        note = next((row.note for row in fleet.status() if row.name == args.name), "")
        if note:  # a taken port or a mapped address: say so where the person looks
            print(f"{args.name}: {note}", file=sys.stderr, flush=True)
        try:
            await stop.wait()
        finally:
            await fleet.stop()

    try:
        run_async(main)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    return EXIT_OK
