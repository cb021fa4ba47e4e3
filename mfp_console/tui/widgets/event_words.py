"""The event log's words: an engine event as the operator would say it.

The engine names what changed by its storage key (``communication_log``, ``device_information``,
``personal_data``); the log says it with the panel's labels (``<Address Book>``, ``<Communication Log>``,
personal settings). Events that already read well keep the engine's own summary.
"""

from __future__ import annotations

from datetime import datetime

from mfp_console.domain.device_info import Category
from mfp_console.engine.events import DataChanged, EngineEvent, MachineStarted

__all__ = ["event_text", "event_stamp"]

_CATEGORY_LABELS = {category.value: f"<{category.label}>" for category in Category}

_WHAT = {
    "system_manager": "System Manager information",
    "destinations": "destination list",
    "auto_distribution": "<Set Auto Distribution>",
    "receiving_settings": "<Receiving Settings>",
    "communication_log": "<Communication Log>",
    "device_information": "device information",
    "personal_data": "personal settings",
    "sync": "<Synchronize Custom Settings>",
}


def event_stamp(event: EngineEvent) -> str:
    """The machine time of ``event``, ``HH:MM:SS``."""
    return event.at.strftime("%H:%M:%S") if isinstance(event.at, datetime) else "--:--:--"


def event_text(event: EngineEvent) -> str:
    """What happened, in the operator's words (without the time)."""
    if isinstance(event, MachineStarted):
        return f"{event.machine} started"  # its listener's port changes at every start: no news to anyone
    if isinstance(event, DataChanged):
        return f"{event.machine}: {_data_changed(event.what, event.detail)}"
    return event.summary()


def _data_changed(what: str, detail: str) -> str:
    if what in ("device_information", "communication_log") and detail:
        if what == "communication_log" and detail.startswith("refused "):
            peer, _, code = detail.removeprefix("refused ").partition(": ")
            return f"refused device information from {peer}" + (f" ({code})" if code else "")
        return detail  # "received <Address Book>, …", "restored …", "imported …"
    if what == "personal_data":
        user, _, item = detail.partition(": ")
        if detail.startswith("from the sync server"):
            return f"personal settings arrived {detail}"
        return f"{user}'s {item or 'personal settings'} changed" if user else "personal settings changed"
    if what == "sync":
        return f"<Synchronize Custom Settings>: {detail}" if detail else "<Synchronize Custom Settings> changed"
    if what == "auto_distribution":
        return f"<Set Auto Distribution> saved: <{detail}>" if detail else "<Set Auto Distribution> saved"
    name = _CATEGORY_LABELS.get(what) or _WHAT.get(what) or what.replace("_", " ")
    return f"{name} changed" + (f": {detail}" if detail else "")
