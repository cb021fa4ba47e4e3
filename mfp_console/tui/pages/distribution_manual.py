"""``<Manual Distribution>`` (DID-03..07): categories → ``<Next>`` → tick destinations →
``<Start Manual Distribution>``; each destination's ``<Status>`` cell follows the engine's events live, a
progress bar counts the destinations done, and ``<Cancel>`` lets the destination(s) already transferring
finish while the others end ``Canceled`` (DID-07). Destinations not ticked keep their old status (DID-04).
The emulator's pre-flight check (:mod:`~mfp_console.tui.screens.preflight`) opens from the destination list.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, ProgressBar

from mfp_console.domain.device_info import Category
from mfp_console.engine.events import (
    DestinationStatusChanged,
    DistributionFinished,
    DistributionPreparing,
    DistributionStarted,
)
from mfp_console.errors import RuleRefusal
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.dialogs import MessageBox, refusal_box
from mfp_console.tui.screens.preflight import PREFLIGHT_LABEL, PreflightScreen
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.did_parts import CategoryToggles, DestinationStatusTable
from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["ManualDistributionPage"]

_CATEGORIES_BAR = frozenset({"back", "next"})
_DESTINATIONS_BAR = frozenset({"back"})
_RUNNING_BAR = frozenset({"back", "cancel"})


@register_page("did.manual")
class ManualDistributionPage(PanelPage):
    """Two steps on one page: the categories, then the destinations with their live statuses."""

    DEFAULT_CSS = """
    ManualDistributionPage #manual-categories, ManualDistributionPage #manual-destinations {
        height: 1fr; overflow-y: auto; }
    ManualDistributionPage #manual-destinations { display: none; }
    ManualDistributionPage.-destinations #manual-categories { display: none; }
    ManualDistributionPage.-destinations #manual-destinations { display: block; }
    ManualDistributionPage #manual-sending-row { height: auto; }
    ManualDistributionPage #manual-sending { height: auto; width: 1fr; color: $text-muted; }
    ManualDistributionPage #manual-progress-row { height: auto; }
    ManualDistributionPage #manual-details { margin: 0 1 0 0; }
    ManualDistributionPage #manual-progress { width: auto; }
    ManualDistributionPage #manual-progress Bar { width: 24; }
    ManualDistributionPage #manual-run-line { width: 1fr; height: auto; padding: 0 0 0 1; }
    ManualDistributionPage #manual-keys > TouchButton { margin: 0 1 0 0; }
    ManualDistributionPage #manual-keys { height: auto; }
    """

    BAR = _CATEGORIES_BAR

    def compose(self) -> ComposeResult:
        with Vertical(id="manual-categories"):
            yield Static(Content(f"{self.node.panel_label} — 1/2: set the categories to send"),
                         classes="page-title")
            yield CategoryToggles(id="manual-toggles")
            yield Static(Content("Then <Next> to choose the destinations."), classes="page-note")
        with Vertical(id="manual-destinations"):
            yield Static(id="manual-dest-title", classes="page-title")
            yield DestinationStatusTable(id="manual-table")
            with Horizontal(id="manual-sending-row"):
                yield Static(id="manual-sending")
                yield TouchButton("<Details>", key="details", id="manual-details", compact=True)
                yield TouchButton(PREFLIGHT_LABEL, key="preflight", id="manual-preflight", compact=True)
            with Horizontal(id="manual-progress-row"):
                yield ProgressBar(total=1, show_eta=False, id="manual-progress")
                yield Static(id="manual-run-line")
            with Horizontal(id="manual-keys"):
                yield TouchButton("<Select All>", key="all", id="manual-all")
                yield TouchButton("<Clear Selection>", key="none", id="manual-none")
                yield TouchButton("<Start Manual Distribution>", key="start", variant="primary", id="manual-start")

    def on_mount(self) -> None:
        running = self.fleet.distribution.current_job(self.machine)
        if running is not None:  # the operator comes back to a run in progress: show it
            self.query_one(CategoryToggles).set_values(running.categories, running.include_network)
            self._show_destinations(ticked=running.destinations)
        else:
            self.set_bar(_CATEGORIES_BAR)

    # --- steps --------------------------------------------------------------------------------------

    @property
    def step(self) -> str:
        """``categories`` or ``destinations``."""
        return "destinations" if self.has_class("-destinations") else "categories"

    def bar_pressed(self, action: str) -> bool:
        if action == "next" and self.step == "categories":
            if not self.query_one(CategoryToggles).categories:
                self.app.push_screen(refusal_box(RuleRefusal("Set at least one category to <On>", "DID-04")))
                return True
            self._show_destinations()
            return True
        if action == "cancel":
            if self.attempt(self.fleet.distribution.cancel_distribution, self.machine):
                self._paint_run()
            return True
        return False

    def step_back(self) -> bool:
        if self.step == "destinations":
            self.remove_class("-destinations")
            self.set_bar(_CATEGORIES_BAR)
            toggles = self.query("#manual-toggles OnOffToggle TouchButton")
            if toggles:
                toggles.first().focus()
            return True
        return False

    def _show_destinations(self, ticked: Any = None, *, from_the_top: bool = False) -> None:
        table = self.query_one(DestinationStatusTable)
        keep = table.ticked if ticked is None else set(ticked)
        table.show(self.fleet.distribution.destinations(self.machine), self._statuses(), keep)
        self.add_class("-destinations")
        self._paint_run()
        if from_the_top:
            # An audience reads the list from its title down; the focus must not scroll the title away
            # (the focus lands later than this call, after a layout that depends on the machine's load).
            table.focus(scroll_visible=False)
            for box in (self, self.query_one("#manual-destinations")):
                box.scroll_home(animate=False, immediate=True)
        else:
            table.focus()

    def present(self, **details: Any) -> None:
        """The status list: the categories and destinations a scenario step is about to send (so the
        audience watches each ``<Status>`` change), or else those of the last run."""
        toggles = self.query_one(CategoryToggles)
        if "categories" in details:
            toggles.set_values(details["categories"], bool(details.get("include_network")))
            self._show_destinations(ticked=details.get("destinations", ()), from_the_top=True)
        elif self.step != "destinations":
            job = self.fleet.distribution.current_job(self.machine) or self.fleet.distribution.last_job(self.machine)
            if job is not None:
                toggles.set_values(job.bundle.categories, job.bundle.include_network)
            self._show_destinations(ticked=job.destinations if job is not None else (), from_the_top=True)

    def refresh_data(self) -> None:
        if self.step == "destinations":
            table = self.query_one(DestinationStatusTable)
            table.show(self.fleet.distribution.destinations(self.machine), self._statuses(), table.ticked)
            self._paint_run()

    # --- the run ------------------------------------------------------------------------------------

    def _statuses(self) -> dict[str, str]:
        """The last status of every destination: the stored ones, then the most recent run's (DID-04)."""
        statuses = self.fleet.distribution.destination_statuses(self.machine)
        job = self.fleet.distribution.last_job(self.machine)
        if job is not None:
            statuses.update({name: result.text for name, result in job.results.items()})
        return statuses

    @on(DestinationStatusTable.Changed)
    def _ticked(self) -> None:
        self._paint_run()

    @on(Button.Pressed, "#manual-all")
    def _all(self) -> None:
        self.query_one(DestinationStatusTable).set_all(True)

    @on(Button.Pressed, "#manual-none")
    def _none(self) -> None:
        self.query_one(DestinationStatusTable).set_all(False)

    @on(Button.Pressed, "#manual-details")
    def _details(self) -> None:
        """The highlighted destination's last result in full: what the ``<Status>`` cell cannot hold, e.g.
        the settings values a client of another series skipped (DID-26) or a host switched off while
        preparing (DID-25)."""
        table = self.query_one(DestinationStatusTable)
        name = table.highlighted_key()
        if name is None:
            return
        self.app.push_screen(MessageBox(f"<Details> — {name}", "\n".join(self._detail_lines(name))))

    def _detail_lines(self, name: str) -> list[str]:
        lines = [f"<Status>: {self._statuses().get(name) or '-'}"]
        job = self.fleet.distribution.current_job(self.machine) or self.fleet.distribution.last_job(self.machine)
        result = job.results.get(name) if job is not None else None
        if job is None or result is None:
            lines.append("Not in the last distribution.")
            return lines
        lines.append(f"Distribution #{job.job_id}: " + ", ".join(f"<{c.label}>" for c in job.categories))
        if result.detail:
            lines.extend(part.strip() for part in result.detail.split(";") if part.strip())
        for note in job.not_sent:
            lines.append(f"Not sent by this machine: {note}")
        return lines

    @on(Button.Pressed, "#manual-preflight")
    def _preflight(self) -> None:
        """The emulator's pre-flight check of what <Start Manual Distribution> would do now."""
        toggles = self.query_one(CategoryToggles)
        picked = self.query_one(DestinationStatusTable).ticked_in_order()
        if not picked:
            self.app.push_screen(refusal_box(RuleRefusal("Tick at least one destination", "DID-04")))
            return
        self.app.push_screen(PreflightScreen(self.fleet, self.machine, toggles.categories, picked,
                                             toggles.include_network, "<Start Manual Distribution> now would send"))

    @on(Button.Pressed, "#manual-start")
    def _start(self) -> None:
        toggles = self.query_one(CategoryToggles)
        table = self.query_one(DestinationStatusTable)
        picked = table.ticked_in_order()
        if not picked:
            self.app.push_screen(refusal_box(RuleRefusal("Tick at least one destination", "DID-04")))
            return
        if self.attempt(self.fleet.distribution.start_manual_distribution, self.machine, toggles.categories, picked,
                        toggles.include_network):
            job = self.fleet.distribution.current_job(self.machine)
            if job is not None:
                for name, result in job.results.items():
                    table.set_status(name, result.text)
            self._paint_run()

    def engine_event(self, event: Any) -> None:
        if self.step != "destinations":
            return
        table = self.query_one(DestinationStatusTable)
        if isinstance(event, DestinationStatusChanged):
            table.set_status(event.destination, event.status)
            self._paint_run()
        elif isinstance(event, DistributionStarted):
            for name in event.destinations:
                table.set_status(name, "Waiting")
            self._paint_run()
        elif isinstance(event, DistributionFinished):
            for name, status in event.results:
                table.set_status(name, status)
            self._paint_run()
        elif isinstance(event, DistributionPreparing):
            self._paint_run()

    def time_moved(self) -> None:
        if self.step == "destinations":
            self._paint_run()  # the time left to prepare (DID-25)

    def _paint_run(self) -> None:
        """Progress bar, the line under the list, the title and which keys work, from the engine's job."""
        running = self.fleet.distribution.current_job(self.machine)
        job = running or self.fleet.distribution.last_job(self.machine)
        table = self.query_one(DestinationStatusTable)
        bar = self.query_one("#manual-progress", ProgressBar)
        toggles = self.query_one(CategoryToggles)
        sent, include = toggles.categories, toggles.include_network
        if running is not None:  # what is being sent, whatever the switches say now
            sent, include = list(running.categories), running.include_network
        categories = ", ".join(f"<{c.label}>" for c in sent)
        if Category.SETTINGS_VALUES in sent:
            categories += " (<Network Settings>: " + ("<Include>)" if include else "<Exclude>)")
        self.query_one("#manual-dest-title", Static).update(Content(
            f"{self.node.panel_label} — 2/2: tick the destinations"
        ))
        self.query_one("#manual-sending", Static).update(Content(
            f"Sending {categories} · {len(table.ticked)} of {table.row_count} ticked"
        ))
        if job is None:
            bar.update(total=1, progress=0)
            line = "Nothing distributed yet."
        else:
            done, total = job.progress
            bar.update(total=max(total, 1), progress=done)
            counts: dict[str, int] = {}
            for result in job.results.values():
                word = result.kind.value
                counts[word] = counts.get(word, 0) + 1
            summary = ", ".join(f"{n} {word}" for word, n in counts.items())
            if running is not None and running.preparing and running.preparing_until is not None:
                left = max(0, int((running.preparing_until - self.fleet.clock.now()).total_seconds()))
                line = (f"#{job.job_id} Preparing the distribution: until {running.preparing_until:%H:%M:%S} "
                        f"({left // 60}:{left % 60:02d} left). Do not turn off the machine.")
            elif running is not None:
                verb = "canceling" if job.canceled else "distributing"
                line = f"#{job.job_id} {verb}: {done}/{total} done ({summary})"
            else:
                line = f"#{job.job_id} finished: {summary}"
        self.query_one("#manual-run-line", Static).update(Content(line))
        self.query_one("#manual-start", TouchButton).disabled = running is not None
        self.set_bar(_RUNNING_BAR if running is not None and not running.canceled else _DESTINATIONS_BAR)
