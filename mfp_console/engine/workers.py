"""Machines in N worker processes, each holding a shard of the fleet, so a fan-out uses every core (issue 18).

A worker is ``mfp-console machine --name …`` for its shard (:mod:`mfp_console.cli.machine_cmd`): it takes
each machine's lock and publishes each machine's address in the state folder's run files, exactly as a
machine run as its own process does, so the process that dials them (the panel's fleet, a host) finds
them by name with nothing new (``engine/addresses.py``). :class:`Workers` starts the shards, waits until
each says its machines listen, and ends them.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from mfp_console.errors import ConfigError

__all__ = ["Workers", "shards"]


def shards(names: Sequence[str], workers: int) -> list[list[str]]:
    """``names`` dealt round-robin into ``workers`` shards (none empty when there are enough names)."""
    count = max(1, min(workers, len(names)))
    return [list(names[k::count]) for k in range(count)]


class Workers:
    """N worker processes running the machines of their shards.

    Args:
        fleet_file: The fleet file every worker loads (the same fleet as the dialling process); None: the
            built-in default fleet.
        state_dir: The fleet's state folder.
        names: The machines to run in workers (dealt into shards).
        workers: How many processes.
    """

    def __init__(self, fleet_file: Path | str | None, state_dir: Path, names: Sequence[str], workers: int) -> None:
        self._fleet_file = fleet_file
        self._state_dir = state_dir
        self.shards = shards(names, workers)
        self._processes: list[asyncio.subprocess.Process] = []

    async def start(self, timeout: float = 600.0) -> None:
        """Starts every worker and waits until each says its machines listen.

        Raises:
            ConfigError: A worker ended or said nothing within ``timeout`` (its last words are quoted).
        """
        logs = self._state_dir / "workers"
        logs.mkdir(parents=True, exist_ok=True)
        for k, shard in enumerate(self.shards):
            command = [sys.executable, "-m", "mfp_console", "machine", "--state-dir", str(self._state_dir)]
            if self._fleet_file is not None:
                command += ["--fleet", str(self._fleet_file)]
            for name in shard:
                command += ["--name", name]
            # The log goes to a file: a pipe nobody reads would stop a busy worker once it filled.
            with open(logs / f"worker-{k}.log", "ab") as log:
                self._processes.append(await asyncio.create_subprocess_exec(
                    *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=log))
        for k, process in enumerate(self._processes):
            assert process.stdout is not None
            try:
                async with asyncio.timeout(timeout):
                    line = await process.stdout.readline()
            except TimeoutError:
                line = b""
            if b"listening" not in line:
                await self.stop()
                said = (logs / f"worker-{k}.log").read_text(errors="replace").strip().splitlines()
                raise ConfigError(f"worker {k} did not start its machines: {said[-1] if said else '(nothing said)'}")

    async def stop(self) -> None:
        """Ends every worker (SIGTERM: each closes its machines and removes its run files) and waits."""
        for process in self._processes:
            if process.returncode is None:
                process.terminate()
        for process in self._processes:
            try:
                async with asyncio.timeout(60):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        self._processes = []

    async def __aenter__(self) -> Workers:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
