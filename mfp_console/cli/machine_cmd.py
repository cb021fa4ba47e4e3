"""``mfp-console machine --name NAME [--name NAME …] | --shard K/N``: run machines of the fleet in this process.

One name is the classic "a machine as its own process". Several names, or ``--shard K/N`` (every machine
whose place in the fleet file is K modulo N), make this process a *worker* holding a shard of the fleet:
``--workers N`` elsewhere (:mod:`mfp_console.engine.workers`) starts N of them so a fan-out uses every
core. Each machine holds its lock and publishes its address in the run files as always, so the other
processes dial it wherever it runs.
"""

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
    machine = sub.add_parser("machine", help="run one machine (or a shard) of the fleet as its own process")
    machine.add_argument("--name", action="append", default=[], help="a machine to run (repeat for several)")
    machine.add_argument("--shard", metavar="K/N", default=None,
                         help="run every machine whose place in the fleet file is K modulo N (0 <= K < N)")
    add_options(machine)
    machine.set_defaults(func=cmd_machine)


def cmd_machine(args: argparse.Namespace) -> int:
    """Runs one machine until SIGTERM or Ctrl-C; prints its address once it listens, then logs to stderr."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")

    async def main() -> None:
        fleet = Fleet.from_file(args.fleet, state_dir_for(args), RealClock())
        names = _chosen(args, fleet.spec.names)
        for name in names:
            fleet.spec.machine(name)  # unknown names fail with a hint before anything starts
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, stop.set)
            except NotImplementedError:  # pragma: no cover - Windows
                pass
        await fleet.start(only=names)
        if len(names) == 1:
            host, port = fleet.address_of(names[0])
            print(f"{names[0]} listening on {host}:{port}", flush=True)
        else:
            print(f"{len(fleet.running)} machines listening", flush=True)
        for row in fleet.status():
            if row.name in names and row.note:  # a taken port or a mapped address: say so where one looks
                print(f"{row.name}: {row.note}", file=sys.stderr, flush=True)
        try:
            await stop.wait()
        finally:
            await fleet.stop()

    try:
        run_async(main)
    except (KeyError, ValueError) as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    return EXIT_OK


def _chosen(args: argparse.Namespace, names: tuple[str, ...] | list[str]) -> list[str]:
    """The machines ``--name`` and ``--shard`` choose, in fleet-file order."""
    chosen = list(args.name)
    if args.shard is not None:
        try:
            k_text, n_text = args.shard.split("/")
            k, n = int(k_text), int(n_text)
        except ValueError:
            raise ValueError(f"--shard {args.shard!r}: write K/N, e.g. 0/2") from None
        if not 0 <= k < n:
            raise ValueError(f"--shard {args.shard!r}: K must be at least 0 and less than N")
        chosen += [name for i, name in enumerate(names) if i % n == k and name not in chosen]
    if not chosen:
        raise ValueError("name a machine with --name, or a shard with --shard K/N")
    return chosen
