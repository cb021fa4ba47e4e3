"""The start-up figure: taken at the panel's first frame, in a child process, with the time until the
panel is ready beside it."""

from __future__ import annotations

import time
from pathlib import Path

from mfp_console.bench.child import run_child


def test_the_start_up_is_timed_to_the_first_frame_and_the_ready_panel_after_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    run_child("startup-app", 120, state_dir=str(state), spawned_at=time.time())  # prepares the default fleet
    spawned = time.time()
    run = run_child("startup-app", 120, state_dir=str(state), spawned_at=spawned)
    assert 0 < run["seconds"] < run["ready_seconds"] < time.time() - spawned
    assert run["widgets"] > 0
