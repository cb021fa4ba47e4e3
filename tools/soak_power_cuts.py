#!/usr/bin/env python3
"""Soak test of power cuts: SIGKILLs of machine processes while they apply a distribution or a sync push.

    .venv/bin/python tools/soak_power_cuts.py [--kills 1000] [--seconds 900] [--seed N] [--push-share 1/3]

Two kinds of kill, interleaved:

* **distribution** (:mod:`tests.reliability.power_cut_rig`): a host in this process tags its five categories
  with a new generation and distributes them to two client machines, each its own process; each client is
  SIGKILLed at a random moment (before the handshake, during the transfer, during the update, after the
  commit) and its database is checked at rest: one whole generation (old or new, never a mix), new data
  whenever the host was told OK, a restore point and log that agree, the E-UPDATE marker only with old data,
  never left ``Updating`` (no later ``E-BUSY``); then it is restarted and checked again;
* **sync push** (:mod:`tests.reliability.push_cut_rig`): a fleet member pushes one change of every item of
  100 users to a sync server process, which is SIGKILLed at a random moment; its server data must hold the
  old or the new generation whole, the new one whenever it answered, versions that moved with the data.

To make a kill cheap, the killed machines are forked from this process, which has imported everything
once (:mod:`tests.reliability.forked_machines`): a restart costs milliseconds instead of a second of
imports. One state folder and one small bundle serve the whole run. Stops at ``--kills`` or ``--seconds``,
prints progress every 100 kills and a JSON summary (kills, mixed, what the kills left, wall time), and exits
1 on the first broken promise, with the seed to replay it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.power_cut_rig import PowerCutRig, Violation  # noqa: E402
from tests.reliability.push_cut_rig import PushCutRig  # noqa: E402


async def soak(kills: int, seconds: float, seed: int, push_share: float, window: float | None) -> dict:
    """Runs kills until ``kills`` or ``seconds``; returns the summary (``broken`` says what failed, if anything)."""
    started = time.monotonic()
    deadline = started + seconds
    report: dict = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "seed": seed}
    with tempfile.TemporaryDirectory(prefix="mfp-soak-") as tmp:
        async with PowerCutRig(Path(tmp) / "distribution", clients=2, seed=seed, kill_window_s=window or 0.2,
                               fork=True) as dist, PushCutRig(Path(tmp) / "push", seed=seed) as push:
            if window is None:
                took = await dist.calibrate()
                report["kill_window_s"] = round(dist.kill_window_s, 3)
                print(f"an uninterrupted distribution took {took:.3f} s: kills within {dist.kill_window_s:.3f} s",
                      flush=True)
            def done() -> int:
                return len(dist.outcomes) + len(push.outcomes)

            try:
                next_report = 100
                while done() < kills and time.monotonic() < deadline:
                    if len(push.outcomes) < push_share * (done() + 1):  # keeps the share at every moment
                        await push.cycle()
                    else:
                        await dist.cycle()
                    if done() >= next_report:
                        print(f"{done()} kills in {time.monotonic() - started:.0f} s: distribution "
                              f"{dist.summary()['left']}, push {push.summary()['left']}", flush=True)
                        next_report += 100
                final = await dist.final_distribution()
            except Violation as exc:
                report["broken"] = f"after {done()} kills: {exc}"
                final = {}
            report.update({
                "kills": done(),
                "mixed": 0 if "broken" not in report else "see broken",
                "distribution": dist.summary()["left"] | {"kills": len(dist.outcomes)},
                "sync_push": push.summary()["left"] | {"kills": len(push.outcomes)},
                "final_distribution": final,
                "wall_seconds": round(time.monotonic() - started, 1),
            })
    if "broken" not in report and any(result != "OK" for result in final.values()):
        report["broken"] = f"the final uninterrupted distribution did not end OK everywhere: {final}"
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=1000, help="stop after this many kills (default 1000)")
    parser.add_argument("--seconds", type=float, default=900.0, help="stop after this long in any case (default 900)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed; replays a run's choices)")
    parser.add_argument("--push-share", type=float, default=1 / 3,
                        help="share of the kills that cut a sync push rather than a distribution (default 1/3)")
    parser.add_argument("--window", type=float, default=None,
                        help="distribution kills fall within this many seconds of its start (default: 1.3 times "
                             "an uninterrupted distribution, timed at the start)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"soak: up to {args.kills} kills or {args.seconds:g} s, seed {seed}", flush=True)
    report = asyncio.run(soak(args.kills, args.seconds, seed, args.push_share, args.window))
    print(json.dumps(report, indent=2))
    if "broken" in report:
        print(f"BROKEN (seed {seed}): {report['broken']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
