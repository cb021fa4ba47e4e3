"""The garbage collector's thresholds for a process that runs the panel, the fleet or the tests.

The panel builds and drops widgets in reference cycles (parent and child, message pumps and their tasks),
the fleet conversations and records. With CPython's default thresholds (700, 10, 10) the collector ran
about 10,000 times per test worker and went through the whole heap about 60 times, 17-21 s of a worker's
100-110 s of CPU. Fewer, larger collections free the same cycles for a little more memory (about 50 MB
more at the peak of a test worker).
"""

from __future__ import annotations

import gc

__all__ = ["THRESHOLDS", "tune_collector"]

THRESHOLDS = (50_000, 20, 10)
"""Objects allocated before a young collection; young collections before a middle one; middle before a full."""


def tune_collector() -> None:
    """Sets :data:`THRESHOLDS` for this process."""
    gc.set_threshold(*THRESHOLDS)
