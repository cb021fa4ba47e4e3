"""The benchmark suite behind ``mfp-console bench``: measured figures, each against a baseline of the same run.

Every figure is a ratio: the product's time (or memory) divided by a baseline measured on the same machine
in the same run, so a noisy, shared box still gives comparable numbers; absolute values are printed too.
Heavy measurements run in child processes (:mod:`mfp_console.bench.child`) so each has a fresh heap and its
own peak-memory reading. See ``docs/performance.md`` for the figures and how to reproduce them.
"""

from __future__ import annotations

from mfp_console.bench.figures import Figure, Report, Status

__all__ = ["Figure", "Report", "Status"]
