"""``mfp-console record OUT.yaml``: the panel on a fresh fleet and a virtual clock, recording what the operator
does as a scenario (docs/recording.md)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from mfp_console.cli.common import EXIT_FAILED, EXIT_OK
from mfp_console.clock import VirtualClock
from mfp_console.errors import ConfigError

if TYPE_CHECKING:
    from mfp_console.tui.app import MfpConsoleApp

__all__ = ["add_record_command", "cmd_record", "recording_app"]

DEFAULT_START = "2026-11-20T09:00"
"""Where machine time starts: the scenarios' default ``clock``."""


def add_record_command(sub: argparse._SubParsersAction, add_options) -> None:  # type: ignore[type-arg]
    """Adds ``record``: a recording always starts from a fresh fleet, as its replay does; ``--state-dir`` only
    says where that fresh fleet lives (a new folder under it, kept), as for ``play``."""
    record = sub.add_parser(
        "record", help="open the panel on a fresh fleet and record what you do as a scenario",
        description=("Opens the touch panel on a fresh fleet (the default one, or --fleet) with a virtual clock, "
                     "and records walks, logins, presses, toggles, ticks, typed fields, faults and clock jumps as "
                     "a scenario. ctrl+r stops and saves (quitting saves too); the palette's 'Recording: Expect "
                     "this' adds the current machine's facts as an expect step."),
    )
    record.add_argument("out", metavar="OUT.yaml", type=Path, help="the scenario file to write")
    record.add_argument("--keep-pins", action="store_true",
                        help="write the PINs typed at logins (default: the placeholder \"<System Manager PIN>\")")
    record.add_argument("--start", metavar="TIME", default=DEFAULT_START,
                        help=f"machine time at the start, ISO (default {DEFAULT_START}, in the fleet's time zone)")
    record.add_argument("--force", action="store_true", help="replace OUT.yaml when it exists")
    # Like every command's options these may stand before the command's name too (the top level's win then).
    record.add_argument("--machine", default=argparse.SUPPRESS, help="the machine whose panel opens first")
    record.add_argument("--theme", default=argparse.SUPPRESS, help="dark (default) or light")
    add_options(record, state_dir_help="keep the recording's fresh fleet in a new folder under DIR "
                                       "(default: a temporary folder, removed at the end)")
    record.set_defaults(func=cmd_record)


def cmd_record(args: argparse.Namespace) -> int:
    """Runs the panel while recording; returns its exit code."""
    out: Path = args.out
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists: choose another name or add --force to replace it")
    if not out.parent.exists():
        raise ConfigError(f"{out.parent} is not a folder")
    # A replay starts from a fresh fleet, so the recording does too (its state folder is thrown away).
    kept: Path | None = getattr(args, "state_dir", None)
    with tempfile.TemporaryDirectory(prefix="mfp-record-") as tmp:
        if kept is not None:
            kept.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="record-", dir=kept)) / "state"
        else:
            folder = Path(tmp) / "state"
        app = recording_app(args, folder)
        result = app.run()
    if app.recorder.error:
        print(f"error: the recording could not be saved: {app.recorder.error}", file=sys.stderr)
        return EXIT_FAILED
    if out.exists():
        print(f"recorded {out}: check it with 'mfp-console check {out}', replay it with "
              f"'mfp-console play --headless {out}'", file=sys.stderr)
    if app.return_code not in (None, 0):
        return int(app.return_code or EXIT_FAILED)
    return int(result or EXIT_OK)


def recording_app(args: argparse.Namespace, state_dir: Path) -> MfpConsoleApp:
    """The app ``record`` runs: a fresh fleet in ``state_dir`` on a virtual clock, recording from the start."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from mfp_console.engine.fleet import Fleet
    from mfp_console.fleet_file import load_fleet_file
    from mfp_console.tui.app import create_app

    fleet_file = getattr(args, "fleet", None)
    spec = load_fleet_file(fleet_file)
    try:
        start = datetime.fromisoformat(args.start)
    except ValueError:
        raise ConfigError(f"--start {args.start!r} is not a date and time like {DEFAULT_START}") from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(spec.settings.timezone))
    fleet = Fleet(spec, state_dir, VirtualClock(start))
    app = create_app(fleet_file, fleet=fleet, machine=getattr(args, "machine", None) or "host",
                     theme=getattr(args, "theme", None))
    app.recorder.path = args.out
    app.recorder.keep_pins = args.keep_pins
    app.record_from_start = True
    return app
