"""``tools/soak_power_cuts.py`` bounded to a few kills: the script a person runs for 1,000 kills works, cuts both
a distribution and a sync push, and reports 0 mixed (M-04, DID-12; issue 17: a push is applied whole or not
at all)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


@pytest.mark.rules("M-04", "DID-12")
def test_the_soak_script_cuts_distributions_and_pushes_and_finds_nothing_mixed() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "soak_power_cuts.py"), "--kills", "8", "--seconds", "60",
         "--seed", "17", "--push-share", "0.5"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout[done.stdout.index("{"):])
    assert report["kills"] >= 8 and report["mixed"] == 0 and "broken" not in report
    assert report["distribution"]["kills"] >= 2 and report["sync_push"]["kills"] >= 2, report
    assert report["final_distribution"] == {"client-a": "OK", "client-b": "OK"}
