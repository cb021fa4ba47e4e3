"""Runs one measurement in a fresh process and prints its result as one JSON line.

``python -m mfp_console.bench.child MODE JSON_ARGUMENTS``; the parent (:func:`run_child`) reads the last
line of standard output. A fresh process per measurement gives each its own heap, so its peak resident
memory belongs to it alone.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["ChildFailed", "run_child"]


class ChildFailed(RuntimeError):
    """A measurement's process failed or overran its time bound."""


def run_child(mode: str, timeout: float, **arguments: Any) -> dict[str, Any]:
    """Runs ``mode`` with ``arguments`` in a child process and returns what it printed."""
    command = [sys.executable, "-m", "mfp_console.bench.child", mode, json.dumps(arguments)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ChildFailed(f"{mode} did not finish within {timeout:g} s") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        raise ChildFailed(f"{mode} failed (exit {done.returncode}): {tail}")
    return json.loads(lines[-1])


def _main(mode: str, arguments: dict[str, Any]) -> dict[str, Any]:
    if mode == "prepare":
        from mfp_console.bench.recipe import prepare_template

        return {"template": str(prepare_template(Path(arguments["root"]), arguments["clients"]))}
    if mode == "fanout":
        from mfp_console.bench.fanout import run_fanout

        return asyncio.run(run_fanout(Path(arguments["state_dir"]), arguments["clients"],
                                      arguments["concurrency"], arguments.get("profile", ""),
                                      arguments.get("trace", False)))
    if mode == "fanout-pairs":
        from mfp_console.bench.fanout import run_fanout_pairs

        return asyncio.run(run_fanout_pairs(Path(arguments["template"]), Path(arguments["work"]),
                                            arguments["clients"], arguments["concurrency"],
                                            arguments.get("pairs", 3), arguments.get("workers", 1)))
    if mode == "floor-shard":
        from mfp_console.bench.fanout import run_floor_shard

        asyncio.run(run_floor_shard(Path(arguments["pki_dir"]), arguments["names"], Path(arguments["floor_dir"]),
                                    arguments["size"]))
        return {}
    if mode == "bare":
        from mfp_console.bench.fanout import run_bare_tls

        return asyncio.run(run_bare_tls(Path(arguments["state_dir"]), arguments["clients"],
                                        arguments["concurrency"]))
    if mode == "sync":
        from mfp_console.bench.sync import run_sync_round

        return asyncio.run(run_sync_round(Path(arguments["state_dir"]), arguments["users"], arguments["clients"],
                                          arguments["changes"]))
    if mode == "idle":
        from mfp_console.bench.fanout import run_idle

        return asyncio.run(run_idle(Path(arguments["state_dir"]), arguments["clients"],
                                    arguments.get("trace", False)))
    if mode == "scenarios":
        from mfp_console.bench.scenarios import run_library

        return run_library(Path(arguments["library"]), arguments.get("limit", 0))
    if mode in ("startup-app", "startup-minimal", "walk-app", "walk-minimal"):
        from mfp_console.bench import panel

        return asyncio.run(panel.run_in_child(mode, arguments))
    raise SystemExit(f"unknown measurement {mode!r}")


if __name__ == "__main__":
    from mfp_console.collector import tune_collector

    tune_collector()  # as the command line does: a measurement runs the product as it runs
    result = _main(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
    print(json.dumps(result), flush=True)
