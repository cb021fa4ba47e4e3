"""Crash-test child: applies updates to one store in a loop until it is killed (M-04, DID-12).

Run as ``python crash_child.py <database>``. It clears any marker left by a previous kill (as the service
would after E-UPDATE), seeds generation 0 when the store is new, prints ``running`` once it is about to
update, then forever: marks update ``n`` as started and applies generation ``n`` (every category and the
inbox settings, with its log entry and restore point) in one transaction.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sample_data import (  # this directory is sys.path[0]
    info_generations,
    machine_time,
    make_info,
)

from mfp_console.domain.communication_log import RECEIVED, LogEntry
from mfp_console.domain.device_info import Category
from mfp_console.store import MachineStore


def main(path: Path) -> None:
    """Updates the store at ``path`` until killed."""
    labels = tuple(c.label for c in Category)
    with MachineStore.open(path) as store:
        store.clear_update_marker()
        if not store.has_device_info():
            store.seed(make_info(0))
        (generation,) = info_generations(store.load_device_info())["address_book"]
        print("running", flush=True)
        while True:
            generation += 1
            store.mark_update_started({"generation": generation})
            entry = LogEntry(
                machine_time(generation), machine_time(generation, 1), RECEIVED, "host", labels, "OK", "",
                f"gen={generation}",
            )
            store.apply_update(make_info(generation), list(Category), True, entry)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
