"""``mfp-console`` (no command) and ``mfp-console run``: the touch panel; ``mfp-console serve``: the same
panel in a web browser through textual-serve, bound to loopback by default."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from mfp_console.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, state_dir_for
from mfp_console.clock import Clock, VirtualClock, parse_clock_time
from mfp_console.errors import ConfigError

__all__ = ["add_panel_commands", "add_panel_options", "cmd_run", "cmd_serve", "parse_clock_option"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_VIRTUAL_START = "2026-11-20T09:00"


def add_panel_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """Adds ``--clock``, ``--machine``, ``--theme`` and ``--instructor`` (the panel's own options)."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--clock", metavar="SPEC", default=default,
        help="'real' (default), 'virtual' or 'virtual:2026-11-20T09:00' (machine time starts there and moves "
             "only when advanced: F9 jumps to the next scheduled event)",
    )
    parser.add_argument("--machine", metavar="NAME", default=default,
                        help="the machine whose panel opens first (default: the host)")
    parser.add_argument("--theme", choices=("dark", "light"), default=default, help="colour theme (default: dark)")
    parser.add_argument("--instructor", action="store_true", default=default,
                        help="instructor mode: the panel names the rules and the emulator's error codes "
                             "(UI-06; F10 switches it on the panel)")


def add_panel_commands(sub: argparse._SubParsersAction, add_options) -> None:  # type: ignore[type-arg]
    """Adds ``run`` (the panel, also what ``mfp-console`` alone opens) and ``serve``."""
    run = sub.add_parser("run", help="open the touch panel (the default when no command is given)")
    add_options(run)
    add_panel_options(run)
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="serve the touch panel to a web browser (needs the 'serve' extra)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; anything else must be asked for)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    add_options(serve)
    add_panel_options(serve)
    serve.set_defaults(func=cmd_serve)


def parse_clock_option(text: str | None, state_dir: Path | str | None = None) -> Clock | None:
    """Reads ``--clock``: ``real`` or nothing → None (the app then uses a real clock in the fleet's time
    zone); ``virtual`` → a :class:`VirtualClock` from 2026-11-20T09:00 UTC, or from where the last session
    in ``state_dir`` ended when that is later (its saved statuses and logs never lie in the future);
    ``virtual:<ISO time>`` → one from that time.

    Raises:
        ConfigError: The text is neither form.
    """
    if text is None or text.strip().lower() in ("", "real"):
        return None
    kind, _, when = text.strip().partition(":")
    if kind.lower() != "virtual":
        raise ConfigError(f"--clock {text!r}: use 'real', 'virtual' or 'virtual:2026-11-20T09:00'")
    try:
        start = parse_clock_time(when or DEFAULT_VIRTUAL_START)
    except ValueError:
        raise ConfigError(f"--clock {text!r}: {when!r} is not a date and time like 2026-11-20T09:00") from None
    from mfp_console.engine.fleet import (
        saved_machine_time,  # the engine is loaded only when a panel runs
    )

    saved = saved_machine_time(state_dir) if state_dir is not None and not when else None
    if saved is not None and saved > start:
        start = saved
    return VirtualClock(start)


def cmd_run(args: argparse.Namespace) -> int:
    """Opens the panel on the fleet in this terminal; returns the app's exit code."""
    from mfp_console.tui.app import create_app

    clock = parse_clock_option(getattr(args, "clock", None), state_dir_for(args))
    app = create_app(
        args.fleet,
        state_dir_for(args),
        clock,
        machine=getattr(args, "machine", None) or "host",
        theme=getattr(args, "theme", None),
        instructor=bool(getattr(args, "instructor", False)),
    )
    result = app.run()
    if app.return_code not in (None, 0):
        return int(app.return_code or EXIT_FAILED)
    return int(result or EXIT_OK)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serves the panel with textual-serve: each browser tab runs ``mfp-console run`` in its own process.

    The fleet's machines live in that process, so one browser tab at a time drives a given state directory.
    """
    try:
        from textual_serve.server import Server
    except ModuleNotFoundError:
        print("mfp-console serve needs textual-serve: pip install 'mfp-console[serve]'", file=sys.stderr)
        return EXIT_FAILED
    if args.host not in _LOOPBACK:
        print(f"warning: serving the panel on {args.host}: anyone who can reach it can drive the fleet",
              file=sys.stderr)
    parse_clock_option(getattr(args, "clock", None))  # refuse a bad --clock before serving
    command = [sys.executable, "-m", "mfp_console", "run", "--state-dir", str(Path(state_dir_for(args)).resolve())]
    if args.fleet:
        command += ["--fleet", str(Path(args.fleet).resolve())]
    for option in ("clock", "machine", "theme"):
        value = getattr(args, option, None)
        if value:
            command += [f"--{option}", value]
    if getattr(args, "instructor", False):
        command.append("--instructor")
    if not 0 < args.port < 65536:
        print(f"--port {args.port}: use 1-65535", file=sys.stderr)
        return EXIT_INVALID
    server = Server(shlex.join(command), host=args.host, port=args.port, title="mfp-console")
    print(f"serving the panel on http://{args.host}:{args.port} (Ctrl-C stops)", file=sys.stderr)
    server.serve()
    return EXIT_OK
