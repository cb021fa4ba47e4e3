"""The machine time a panel session ended at, kept in the fleet's state directory.

A virtual clock started without a time used to begin at 2026-11-20 09:00 every time, while the machines'
saved statuses and logs came from the session before (09:31): the event log ran backwards. The panel
writes the time it ended at; ``--clock virtual`` resumes from it (issue 14).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

__all__ = ["LAST_TIME_FILE", "read_last_time", "write_last_time"]

LAST_TIME_FILE = "last-machine-time"


def read_last_time(state_dir: Path | str) -> datetime | None:
    """The machine time the last session in ``state_dir`` ended at; None when unknown or unreadable."""
    try:
        text = (Path(state_dir) / LAST_TIME_FILE).read_text(encoding="utf-8").strip()
        moment = datetime.fromisoformat(text)
    except (OSError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def write_last_time(state_dir: Path | str, moment: datetime) -> None:
    """Records ``moment`` (timezone-aware) as the time the session ended at; a folder that cannot be
    written is left alone (the next session then starts at its default time)."""
    folder = Path(state_dir)
    try:
        if folder.is_dir():
            (folder / LAST_TIME_FILE).write_text(moment.isoformat() + "\n", encoding="utf-8")
    except OSError:
        pass
