"""Power cuts (M-04, DID-12, DID-20, DID-23): client machines in their own processes are SIGKILLed at random
moments of a distribution, 52 times, and each time their data is wholly old or wholly new.

See :mod:`tests.reliability.power_cut_rig` for what is checked after every kill. The soak version is
``python tools/soak_power_cuts.py --kills 5000``.
"""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import pytest

from tests.reliability.power_cut_rig import PowerCutRig

CYCLES = 26  # two clients each: 52 kills
BOUND_S = 75.0

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
    pytest.mark.slow,
]


async def test_sigkill_during_distribution_leaves_old_or_new_data_never_a_mix(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    async with asyncio.timeout(BOUND_S), PowerCutRig(tmp_path / "rig", clients=2, seed=seed) as rig:
        for _ in range(CYCLES):
            await rig.cycle()
        final = await rig.final_distribution()
        summary = rig.summary()
    print(f"power cuts: {summary}")
    assert summary["kills"] >= 50
    assert final == {"client-a": "OK", "client-b": "OK"}, f"after the kills (seed {seed})"
    left = summary["left"]
    # The random moments must really have landed on both sides of the commit, and inside the update.
    assert sum(n for k, n in left.items() if k.startswith("new")) >= 3, f"seed {seed}: {left}"
    assert sum(n for k, n in left.items() if k.startswith("old")) >= 3, f"seed {seed}: {left}"
