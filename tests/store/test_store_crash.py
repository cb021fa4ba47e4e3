"""Crash consistency under real SIGKILLs (M-04, DID-12, DID-20, DID-23; architecture promise 5).

A child process applies whole-machine updates in a loop, each generation tagging every entry of every
category. The parent kills it with SIGKILL a random 5–80 ms after it reports it is running, then reopens
the store and checks that what survived is one whole generation: every category and the inbox settings
from the same generation ``g``, the restore point wholly from ``g - 1``, exactly ``g`` log entries the
newest of which reports ``g``, at most a marker for ``g + 1``, and a sound database file.
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.limits import COMMUNICATION_LOG_ENTRIES
from mfp_console.store import MachineStore

from .sample_data import info_generations, make_info

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 30
STARTUP_TIMEOUT_S = 15.0

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def start_child(path: Path) -> subprocess.Popen[str]:
    """Starts the child and waits (on its stdout, with a deadline) until it says it is running."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert child.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        ready = selector.select(STARTUP_TIMEOUT_S)
    line = child.stdout.readline().strip() if ready else ""
    if line != "running":
        child.kill()
        _, err = child.communicate()
        pytest.fail(f"crash child did not start (got {line!r}): {err}")
    return child


def check_whole_generation(path: Path) -> tuple[int, bool]:
    """Asserts the store holds exactly one whole generation; returns it and whether a marker was left."""
    with MachineStore.open(path) as store:
        assert store.check_integrity() == []
        found = info_generations(store.load_device_info())
        (generation,) = found["address_book"]
        assert all(gens == {generation} for gens in found.values()), found

        log = store.read_log()
        # one entry per applied update, never one without its data (the log keeps the newest 2,000)
        assert len(log) == min(generation, COMMUNICATION_LOG_ENTRIES)
        if generation:
            assert log[0].detail == f"gen={generation}"
            assert store.restore_point_categories() == set(Category)
            inbox = store.restore_point_inbox()
            assert inbox is not None
            restore_point = replace(make_info(0), inbox_url_send=inbox)  # every part replaced below
            for category in Category:
                restore_point = restore_point.with_category(category, store.restore_point_value(category))
            previous = info_generations(restore_point)
            assert all(gens == {generation - 1} for gens in previous.values()), previous
        else:
            assert store.restore_point_categories() == set()

        marker = store.update_marker()
        assert marker in (None, {"generation": generation + 1})
        return generation, marker is not None


@pytest.mark.rules("M-04")
@pytest.mark.slow
def test_sigkill_during_updates_leaves_one_whole_generation(tmp_path: Path) -> None:
    """M-04: at least 20 SIGKILLs at random moments never leave a mix of two updates."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    path = tmp_path / "state" / "machines" / "client-a.sqlite3"
    last_generation = 0
    markers_left = 0
    for kill in range(KILLS):
        child = start_child(path)
        try:
            child.wait(timeout=rng.uniform(0.005, 0.080))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            _, err = child.communicate()
        else:
            _, err = child.communicate()
            pytest.fail(f"crash child exited by itself (seed {seed}, kill {kill}): {err}")
        assert child.returncode == -signal.SIGKILL, err
        generation, marker = check_whole_generation(path)
        assert generation >= last_generation, f"committed updates were lost (seed {seed})"
        last_generation = generation
        markers_left += marker
    assert last_generation > KILLS, f"the child hardly updated (seed {seed})"
    print(f"crash test: seed {seed}, {KILLS} kills, {last_generation} updates, {markers_left} markers left")
