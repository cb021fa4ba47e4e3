"""The ``mfp-console`` command line: the panel by default, plus fleet, machine, identity, distribute, check,
play, serve, bench."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from mfp_console import __version__
from mfp_console.cli.common import EXIT_INVALID, add_fleet_options, report_errors
from mfp_console.cli.distribute_cmd import add_distribute_command
from mfp_console.cli.fleet_cmd import add_fleet_commands
from mfp_console.cli.identity_cmd import add_identity_commands
from mfp_console.cli.machine_cmd import add_machine_command
from mfp_console.cli.panel_cmd import add_panel_commands, add_panel_options
from mfp_console.collector import tune_collector

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Builds the argument parser with every command."""
    parser = argparse.ArgumentParser(
        prog="mfp-console",
        description=(
            "A touch-panel emulator of Canon MFP fleet features (Device Information Distribution, "
            "Personalized Data Synchronization) over a simulated mutual-TLS fleet. "
            "With no command, opens the panel on the fleet."
        ),
    )
    parser.add_argument("--version", action="version", version=f"mfp-console {__version__}")
    add_fleet_options(parser, top_level=True)
    add_panel_options(parser, top_level=True)
    parser.set_defaults(func=_cmd_panel)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_fleet_commands(sub, add_fleet_options)
    add_machine_command(sub, add_fleet_options)
    add_distribute_command(sub, add_fleet_options)
    add_identity_commands(sub, add_fleet_options)
    add_panel_commands(sub, add_fleet_options)
    for extra in _optional_commands():
        extra(sub, add_fleet_options)
    return parser


def _optional_commands():  # noqa: ANN202 - list of adders
    """Commands whose modules may be absent in a partial build (scenarios, bench)."""
    adders = []
    for module_name, attr in (
        ("mfp_console.cli.scenario_cmd", "add_scenario_commands"),
        ("mfp_console.cli.bench_cmd", "add_bench_command"),
        ("mfp_console.cli.rules_cmd", "add_rules_command"),
        ("mfp_console.cli.record_cmd", "add_record_command"),
        ("mfp_console.cli.sync_preview_cmd", "add_sync_preview_command"),
    ):
        try:
            module = __import__(module_name, fromlist=[attr])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        adders.append(getattr(module, attr))
    return adders


def _cmd_panel(args: argparse.Namespace) -> int:
    from mfp_console.cli.panel_cmd import cmd_run

    return cmd_run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    tune_collector()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "fleet" and getattr(args, "fleet_command", None) is None:
        parser.print_help()
        return EXIT_INVALID
    try:
        return report_errors(lambda: args.func(args))
    except BrokenPipeError:
        # The reader went away (``mfp-console play … | head``): nothing more to say, and no traceback.
        # Python's advice: point stdout at devnull so the flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
