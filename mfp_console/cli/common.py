"""What every CLI command shares: the fleet and state-directory options, error reporting, exit codes."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

from mfp_console.engine.fleet import default_state_dir, prepare_state_dir
from mfp_console.errors import (
    ConfigError,
    FileProblemsError,
    MfpError,
    RuleRefusal,
    StoreError,
)

__all__ = [
    "EXIT_FAILED",
    "EXIT_INVALID",
    "EXIT_OK",
    "add_fleet_options",
    "default_state_dir",
    "report_errors",
    "state_dir_for",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2

T = TypeVar("T")


def add_fleet_options(
    parser: argparse.ArgumentParser,
    *,
    top_level: bool = False,
    fleet_help: str = "fleet file (YAML); the built-in default fleet when omitted",
    state_dir_help: str = (
        "where machine databases and certificates live (default: a folder per fleet in the user data dir)"
    ),
) -> None:
    """Adds ``--fleet`` and ``--state-dir``: every command and command group has them, so they may stand
    before or after the command's name (``mfp-console --state-dir D fleet status`` is
    ``mfp-console fleet status --state-dir D``).

    Only the top-level parser has defaults; the others suppress theirs, so an option given before the
    command's name is kept and, when it is given twice, the later one wins.
    """
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument("--fleet", metavar="FILE", default=default, help=fleet_help)
    parser.add_argument("--state-dir", metavar="DIR", type=Path, default=default, help=state_dir_help)


def state_dir_for(args: argparse.Namespace) -> Path:
    """The state directory for parsed arguments, created when missing and checked to be writable.

    Raises:
        ConfigError: The folder is a file, lies under a file, or cannot be created or written (exit 2).
    """
    return prepare_state_dir(args.state_dir if args.state_dir is not None else default_state_dir(args.fleet))


def report_errors(run: Callable[[], int], err: TextIO | None = None) -> int:
    """Runs a command and turns project errors into a message and an exit code (never a traceback).

    Returns:
        The command's exit code: 2 for invalid files, settings or state (a bad fleet or scenario file, a
        ``--state-dir`` that cannot be used, a damaged machine database), 1 for refusals and other
        failures, 130 on Ctrl-C.
    """
    err = err or sys.stderr
    try:
        return run()
    except FileProblemsError as exc:
        for problem in exc.problems:
            print(str(problem), file=err)
        return EXIT_INVALID
    except RuleRefusal as exc:
        print(f"refused: {exc}", file=err)
        return EXIT_FAILED
    except (ConfigError, StoreError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except MfpError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130


def run_async(main: Callable[[], Awaitable[T]]) -> T:
    """Runs a coroutine function to completion on a fresh event loop."""
    return asyncio.run(main())  # type: ignore[arg-type]


def print_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], out: TextIO | None = None) -> None:
    """Prints rows as an aligned plain-text table."""
    out = out or sys.stdout
    widths = [max(len(title), *(len(str(r.get(key, ""))) for r in rows)) if rows else len(title)
              for key, title in columns]
    print("  ".join(title.ljust(w) for (_, title), w in zip(columns, widths)).rstrip(), file=out)
    for row in rows:
        print("  ".join(str(row.get(key, "")).ljust(w) for (key, _), w in zip(columns, widths)).rstrip(), file=out)
