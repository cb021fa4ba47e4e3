"""What the audience sees during live play of a step that does not drive the panel itself.

An engine step (``distribute``, ``receiving``, ``restore`` …), a world change or an expectation about a
machine's data acts through the fleet, not through the panel. Played live, the runner still walks to the
machine the step is about and opens the screen a person would look at there: the host's distribution
status list while it distributes, a client's ``<Restore Data>``, the address book a check compares. This
module only decides *what* to show (a machine and a menu key, plus what a page should preset); the panel
adaptor shows it. Steps that drive the panel (``at``, ``press`` … and ``expect: {panel: …}``) are never
shown over: the panel stays exactly where those steps leave it, as in a headless run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mfp_console.scenario import model as m

__all__ = ["Showing", "showing_for"]

_DATA_PAGES = {
    "address_book": "address_book",
    "department_ids": "department_ids",
    "printer_settings": "printer_settings",
    "paper_types": "paper_types",
    "settings_values": "settings_values",
    "network_settings": "settings_values",
}
"""The page that shows a data item of ``expect: {data: …}`` (menu keys of ``domain.menu``)."""

MANUAL = "did.manual"


@dataclass(frozen=True)
class Showing:
    """A machine's panel at a menu node, and what the page should preset (e.g. a distribution's categories
    and destinations, so its status list shows before the run starts)."""

    machine: str
    key: str | None = None
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def showing_for(step: m.Step, host: str) -> Showing | None:
    """What to show for ``step`` (None: leave the panel as it is). ``host`` is the last distributing host."""
    if step.is_panel_step:
        return None
    a = step.action
    if isinstance(a, m.Distribute):
        return Showing(a.host, MANUAL, {"categories": list(a.categories), "destinations": list(a.to),
                                        "include_network": a.include_network})
    if isinstance(a, (m.Cancel, m.Wait)):
        return Showing(getattr(a, "host", "") or host, MANUAL)
    if isinstance(a, m.Receiving):
        key = "did.receiving.restrict_model" if a.restrict_model is not None else "did.receiving.restrict_functions"
        return Showing(a.machine, key)
    if isinstance(a, m.Restore):
        return Showing(a.machine, "did.receiving.restore")
    if isinstance(a, m.AutoDistributionStep):
        return Showing(a.host, "did.auto")
    if isinstance(a, m.Destinations):
        return Showing(a.host, "did.destinations")
    if isinstance(a, m.World) and a.actions:
        return Showing(a.actions[0].machine)
    if isinstance(a, m.SyncStep) and a.actions:
        first = a.actions[0]
        where = first.get("machine") or first.get("server") or first.get("old")
        return Showing(str(where), "sync") if where else None
    if isinstance(a, m.Expect) and a.checks:
        return _for_check(a.checks[0], host)
    return None


def _for_check(check: m.Check, host: str) -> Showing | None:
    if isinstance(check, m.StatusCheck):
        return Showing(check.host or host, MANUAL)
    if isinstance(check, m.DataCheck):
        key = next((_DATA_PAGES[item] for item, _ in check.items if item in _DATA_PAGES), None)
        return Showing(check.machine, key)
    if isinstance(check, m.DepartmentCheck):
        return Showing(check.machine, "department_ids")
    if isinstance(check, m.LogCheck):
        return Showing(check.machine, "did.log")
    if isinstance(check, m.RestorableCheck):
        return Showing(check.machine, "did.receiving.restore")
    if isinstance(check, m.DestinationsCheck):
        return Showing(check.host or host, "did.destinations")
    if isinstance(check, m.StateCheck):
        return Showing(check.machine)
    if isinstance(check, m.SyncCheck):
        where = check.get("machine") or check.get("server")
        return Showing(str(where), "sync") if where else None
    return None
