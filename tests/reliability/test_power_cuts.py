"""Power cuts (M-04, DID-12, DID-20, DID-23): client machines in their own processes are SIGKILLed at random
moments of a distribution, 56 times, and each time their data is wholly old or wholly new.

See :mod:`tests.reliability.power_cut_rig` for what is checked after every kill. Most kills hit clients
forked from the test process (:mod:`tests.reliability.forked_machines`: the same engine in its own
process, restarted in milliseconds); a few hit real ``python -m mfp_console machine`` processes, so the
command a person runs is cut too. The soak version is ``python tools/soak_power_cuts.py`` (1,000 kills),
and a bounded run of that script is in ``test_soak_power_cuts.py``.
"""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import pytest

from tests.reliability.power_cut_rig import PowerCutRig

FORKED_CYCLES = 26  # two clients each: 52 kills
PROCESS_CYCLES = 2  # two clients each: 4 kills of `mfp-console machine`
BOUND_S = 75.0

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
    pytest.mark.slow,
]


async def _run(root: Path, seed: int, cycles: int, fork: bool) -> dict:
    async with PowerCutRig(root, clients=2, seed=seed, fork=fork) as rig:
        await rig.calibrate()  # kills fall within 1.3 x an uninterrupted distribution, however loaded the box
        for _ in range(cycles):
            await rig.cycle()
        final = await rig.final_distribution()
        summary = rig.summary()
    assert final == {"client-a": "OK", "client-b": "OK"}, f"after the kills (seed {seed})"
    return summary


async def test_sigkill_during_distribution_leaves_old_or_new_data_never_a_mix(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    async with asyncio.timeout(BOUND_S):
        forked = await _run(tmp_path / "forked", seed, FORKED_CYCLES, fork=True)
        real = await _run(tmp_path / "processes", seed, PROCESS_CYCLES, fork=False)
    print(f"power cuts: forked {forked}, processes {real}")
    assert forked["kills"] + real["kills"] >= 56
    left = forked["left"]
    # The random moments must really have landed on both sides of the commit, and inside the update.
    assert sum(n for k, n in left.items() if k.startswith("new")) >= 3, f"seed {seed}: {left}"
    assert sum(n for k, n in left.items() if k.startswith("old")) >= 3, f"seed {seed}: {left}"
    assert left.get("old (marker, E-UPDATE)", 0) >= 1, f"seed {seed}: no kill landed inside an update: {left}"
