#!/usr/bin/env python3
"""Times one received update's store write (``MachineStore.apply_update``) on bench-sized data.

    .venv/bin/python tools/time_apply_update.py [--updates 40] [--profile bench]

A store is seeded with the ``bench`` profile (the five categories weigh more than 1.1 MiB of JSON), then
``--updates`` updates alternate between two machines' data, each changing every category and the inbox
URL Send settings, as a received distribution of everything does. Only the store call is timed: the
payload text is encoded beforehand and passed as ``encoded`` (the receiver stores a category taken whole
as the text it came in), so the figure is SQLite's share: the restore point (DID-20), the new rows, the
log entry and the marker's removal in one WAL commit. It prints the median, the spread and the database
size; issue 18 quotes it before and after the restore point stopped being a copy. No test depends on it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mfp_console.domain.communication_log import LogEntry  # noqa: E402
from mfp_console.domain.device_info import Category, category_to_json  # noqa: E402
from mfp_console.domain.seed import bundle_size_bytes, seed_device_information  # noqa: E402
from mfp_console.store import MachineStore  # noqa: E402
from mfp_console.store.device_info_rows import dumps  # noqa: E402

_BASE = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--profile", default="bench")
    args = parser.parse_args()

    infos = [seed_device_information(args.profile, name, seed=1) for name in ("host", "client-a")]
    encoded = [{c: dumps(category_to_json(c, info.category(c))) for c in Category} for info in infos]
    timings: list[float] = []
    with tempfile.TemporaryDirectory(prefix="mfp-apply-") as tmp:
        path = Path(tmp) / "client-a.sqlite3"
        with MachineStore.open(path) as store:
            store.seed(infos[1])
            for n in range(args.updates):
                which = n % 2
                at = _BASE + timedelta(minutes=n)
                entry = LogEntry(at, at + timedelta(seconds=3), "Received", "host",
                                 tuple(c.label for c in Category), "OK", "", f"update {n}")
                store.mark_update_started({"job_id": n})
                started = time.perf_counter()
                store.apply_update(infos[which], set(Category), True, entry, encoded=encoded[which])
                timings.append(time.perf_counter() - started)
            size = path.stat().st_size
    ms = sorted(t * 1000 for t in timings[2:])  # the first two grow the file from nothing
    print(f"profile {args.profile}: {bundle_size_bytes(infos[0]) / 1024 / 1024:.2f} MiB of categories, "
          f"{args.updates} updates")
    print(f"apply_update: median {statistics.median(ms):.2f} ms, min {ms[0]:.2f} ms, "
          f"p90 {ms[int(len(ms) * 0.9)]:.2f} ms, max {ms[-1]:.2f} ms; database {size / 1024 / 1024:.2f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
