"""Process resources a benchmark reads or needs: resident memory, its peak, and the open-file limit."""

from __future__ import annotations

from mfp_console.engine.fleet import raise_open_file_limit

__all__ = ["peak_rss_mib", "raise_open_file_limit", "rss_mib"]


def _status_kib(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def rss_mib() -> float:
    """This process's resident memory now, in MiB (0 where /proc is not available)."""
    kib = _status_kib("VmRSS")
    return (kib or 0.0) / 1024


def peak_rss_mib() -> float:
    """The highest resident memory this process has had, in MiB (``VmHWM``, else ``ru_maxrss``)."""
    kib = _status_kib("VmHWM")
    if kib is None:
        import resource

        kib = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return kib / 1024
