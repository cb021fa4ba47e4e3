"""The event a playing scenario publishes on the fleet's bus, so the panel's event log shows each step.

Live play announces steps through the one event path every view already follows (architecture promise 6)
rather than through pop-up notifications, which would cover the very buttons the pilot is about to touch.
"""

from __future__ import annotations

from dataclasses import dataclass

from mfp_console.engine.events import EngineEvent

__all__ = ["ScenarioAnnounced"]


@dataclass(frozen=True, kw_only=True)
class ScenarioAnnounced(EngineEvent):
    """A scenario step about to run, or a presenter's note (``title`` names the scenario or says ``Note``)."""

    title: str
    text: str

    def summary(self) -> str:
        return f"▶ {self.title}: {self.text}" if self.title else f"▶ {self.text}"
