"""The pre-flight check screen: what a distribution would meet and change at each ticked destination.

A real Canon panel has no such screen: it is the emulator's aid for rehearsals, opened from the destination
list of ``<Manual Distribution>`` and ``<Set Auto Distribution>``. So it is labelled plainly and is allowed
what the machine's own screens are not (UI-06): it shows the emulator's error codes (``NG E-AUTH``) and the
rule a refusal comes from. It asks the engine (``fleet.distribution.forecast``), which asks every client
over the same mutual-TLS conversation a run uses; nothing changes anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mfp_console.domain.device_info import Category
from mfp_console.domain.distribution_forecast import Change, DestinationForecast
from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.tui.screens.base import FocusShownAfterLayout, report_css
from mfp_console.tui.widgets.touch import TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["PREFLIGHT_LABEL", "PreflightScreen", "forecast_lines"]

PREFLIGHT_LABEL = "Pre-flight check"
"""The button that opens the screen: plain words, not a ``<…>`` label of the machine."""

_NAMES_SHOWN = 6


def forecast_lines(forecasts: Sequence[DestinationForecast]) -> list[str]:
    """The screen's text: per destination its predicted status and why, then per category what changes."""
    lines: list[str] = []
    if forecasts and forecasts[0].not_sent:
        lines += ["Not sent by the host: " + "; ".join(forecasts[0].not_sent), ""]
    counts: dict[str, int] = {}
    for forecast in forecasts:
        counts[forecast.text] = counts.get(forecast.text, 0) + 1
    lines += ["Would end: " + ", ".join(f"{n} {text}" for text, n in counts.items()), ""]
    for forecast in forecasts:
        if forecast.code:
            lines.append(f"{forecast.destination}: {forecast.text} — {forecast.reason}")
            continue
        lines.append(f"{forecast.destination}: {forecast.text}")
        for category, why in forecast.refused:
            lines.append(f"  <{category.label}>: refused — {why}")
        for category in forecast.accepted:
            changes = forecast.changes_of(category)
            lines.append(f"  <{category.label}>: {forecast.summaries.get(category, 'applied')}")
            lines += [f"    {_change_line(change)}" for change in changes] or ["    no change"]
        lines.append("")
    return lines


def _change_line(change: Change) -> str:
    line = f"{change.count} {change.kind.value}"
    shown = change.names[:_NAMES_SHOWN]
    if shown:
        more = change.count - len(shown)
        line += ": " + ", ".join(shown) + (f", … ({more} more)" if more else "")
    return line


class PreflightScreen(FocusShownAfterLayout, ModalScreen[None]):
    """The forecast of one distribution, destination by destination; ``Close`` (Escape) returns.

    Args:
        fleet: The fleet facade.
        host: The distributing machine.
        categories: The categories switched ``<On>``.
        destinations: The ticked destinations.
        include_network: ``<Network Settings>`` ``<Include>``.
        lead: What the forecast is of, as the start of a sentence, e.g. ``<Start Manual Distribution> now
            would send``.
    """

    DEFAULT_CSS = report_css("PreflightScreen", "preflight", "90%")
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, fleet: Fleet, host: str, categories: Sequence[Category], destinations: Sequence[str],
                 include_network: bool, lead: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.host = host
        self.categories = tuple(c for c in Category if c in set(categories))
        self.destinations = tuple(destinations)
        self.include_network = include_network
        self.lead = lead
        self.forecasts: list[DestinationForecast] | None = None
        """The last forecast shown (None until the clients answered)."""

    def compose(self) -> ComposeResult:
        sent = ", ".join(f"<{c.label}>" for c in self.categories)
        if Category.SETTINGS_VALUES in self.categories:
            sent += " (<Network Settings>: " + ("<Include>)" if self.include_network else "<Exclude>)")
        with Vertical():
            yield Static(Content(f"{PREFLIGHT_LABEL} (emulator aid, not a screen of the machine)"),
                         id="preflight-title")
            yield Static(Content(f"{self.lead} {sent} from {self.host} to {len(self.destinations)} "
                                 "destination(s). Each client is asked over its real connection; nothing is "
                                 "changed."), id="preflight-what")
            with VerticalScroll(id="preflight-scroll"):
                yield Static(Content("Asking the destinations…"), id="preflight-body")
            with Horizontal(id="preflight-keys"):
                yield TouchButton("Check again", key="again", id="preflight-again")
                yield TouchButton("Close", key="close", variant="primary", id="preflight-close")

    def on_mount(self) -> None:
        self.query_one("#preflight-close").focus()
        self._ask()

    @work(exclusive=True, group="preflight")
    async def _ask(self) -> None:
        body = self.query_one("#preflight-body", Static)
        body.update(Content("Asking the destinations…"))
        try:
            self.forecasts = await self.fleet.distribution.forecast(self.host, self.categories, self.destinations,
                                                                    self.include_network)
        except RuleRefusal as exc:
            rule = f" ({exc.rule_id})" if exc.rule_id else ""
            body.update(Content(f"Refused{rule}: {exc.reason}"))
            return
        except MfpError as exc:
            body.update(Content(f"Error: {exc}"))
            return
        body.update(Content("\n".join(forecast_lines(self.forecasts))))

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        key = event.button.key if isinstance(event.button, TouchButton) else ""
        if key == "again":
            self._ask()
        else:
            self.dismiss(None)
