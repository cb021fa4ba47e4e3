"""``<Set Auto Distribution>`` (DID-21, DID-22): ``<Off>``, ``<Everyday>`` or ``<Specify Days>`` (``<Sun>``–``<Sat>``)
with five four-digit start times each, then the categories, then the destinations, then ``<OK>``.

The destinations step opens the emulator's pre-flight check (:mod:`~mfp_console.tui.screens.preflight`) of
the categories and destinations being saved, as if the run came now. Start times are checked the way the
machine checks them (``0000``–``2359``, exactly four digits): a refusal
names DID-21, the slot and the reason. After ``<OK>`` the page shows when the next auto distribution is due.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button

from mfp_console.domain.schedule import (
    MAX_SLOTS,
    WEEKDAYS,
    AutoDistribution,
    ScheduleMode,
    parse_start_time,
)
from mfp_console.engine.events import (
    DataChanged,
    DistributionFinished,
    DistributionStarted,
    ScheduleFired,
)
from mfp_console.errors import RuleRefusal
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.dialogs import MessageBox, refusal_box
from mfp_console.tui.screens.preflight import PREFLIGHT_LABEL, PreflightScreen
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.did_parts import CategoryToggles, DestinationStatusTable
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

__all__ = ["AutoDistributionPage", "format_next_time"]

_STEPS = ("schedule", "categories", "destinations")
_MODE_KEYS = {ScheduleMode.OFF: "off", ScheduleMode.EVERYDAY: "everyday", ScheduleMode.SPECIFY_DAYS: "days"}


def format_next_time(moment: datetime | None) -> str:
    """``Sat 2026-11-21 03:00``, or a sentence when nothing is scheduled."""
    if moment is None:
        return "none (auto distribution is <Off>)"
    return f"{moment:%a %Y-%m-%d %H:%M}"


@register_page("did.auto")
class AutoDistributionPage(PanelPage):
    """Three steps: the schedule, the categories, the destinations; ``<OK>`` saves (Administrator, DID-01)."""

    DEFAULT_CSS = """
    AutoDistributionPage .auto-step { height: 1fr; overflow-y: auto; display: none; }
    AutoDistributionPage.-schedule #auto-schedule { display: block; }
    AutoDistributionPage.-categories #auto-categories { display: block; }
    AutoDistributionPage.-destinations #auto-destinations { display: block; }
    AutoDistributionPage #auto-modes, AutoDistributionPage #auto-days { height: auto; }
    AutoDistributionPage #auto-modes > TouchButton { margin: 0 1 0 0; }
    AutoDistributionPage #auto-days > TouchButton { margin: 0 1 0 0; min-width: 7; }
    AutoDistributionPage #auto-slots { grid-size: 6; grid-columns: 6 1fr 1fr 1fr 1fr 1fr; grid-gutter: 0 1;
        height: auto; }
    AutoDistributionPage #auto-slots-label { height: 3; content-align: left middle; }
    AutoDistributionPage .auto-line { height: auto; }
    AutoDistributionPage #auto-next { text-style: bold; }
    """

    BAR = frozenset({"back", "next"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = self.fleet.distribution.auto_distribution(self.machine)
        self.saved = saved
        self.mode = saved.mode
        self.everyday = _five(saved.everyday)
        self.days = {day: _five(slots) for day, slots in zip(WEEKDAYS, saved.days)}
        self.day = "Mon"

    def compose(self) -> ComposeResult:
        with Vertical(id="auto-schedule", classes="auto-step"):
            yield Static(Content(f"{self.node.panel_label} — 1/3: when"), classes="page-title")
            with Horizontal(id="auto-modes"):
                for mode, key in _MODE_KEYS.items():
                    yield TouchButton(f"<{mode.value}>", key=key, id=f"mode-{key}", classes="auto-mode")
            with Horizontal(id="auto-days"):
                for day in WEEKDAYS:
                    yield TouchButton(f"<{day}>", key=day, id=f"day-{day}", classes="auto-day", compact=True)
            with Grid(id="auto-slots"):
                yield Static(Content("Start\nTime"), id="auto-slots-label")
                for slot in range(1, MAX_SLOTS + 1):
                    field = PanelInput(f"Start Time {slot}", id=f"slot-{slot}", placeholder="HHMM")
                    field.border_title = f"Slot {slot}"  # the driver still finds it as "Start Time {slot}"
                    yield field
            yield Static(id="auto-summary", classes="auto-line page-note")
            yield Static(id="auto-next", classes="auto-line")
        with Vertical(id="auto-categories", classes="auto-step"):
            yield Static(Content(f"{self.node.panel_label} — 2/3: categories to send"), classes="page-title")
            yield CategoryToggles(self.saved.categories, self.saved.include_network, id="auto-toggles")
        with Vertical(id="auto-destinations", classes="auto-step"):
            yield Static(Content(f"{self.node.panel_label} — 3/3: destinations, then <OK>"), classes="page-title")
            yield DestinationStatusTable(id="auto-table")
            with Horizontal(classes="page-keys"):
                yield TouchButton("<Select All>", key="all", id="auto-all")
                yield TouchButton("<Clear Selection>", key="none", id="auto-none")
                yield TouchButton(PREFLIGHT_LABEL, key="preflight", id="auto-preflight")

    def on_mount(self) -> None:
        self.query_one(DestinationStatusTable).show(
            self.fleet.distribution.destinations(self.machine), self.fleet.distribution.destination_statuses(self.machine),
            self.saved.destinations,
        )
        self._go("schedule")

    # --- steps --------------------------------------------------------------------------------------

    @property
    def step(self) -> str:
        """``schedule``, ``categories`` or ``destinations``."""
        return next((s for s in _STEPS if self.has_class(f"-{s}")), "schedule")

    def _go(self, step: str) -> None:
        for name in _STEPS:
            self.set_class(name == step, f"-{name}")
        if step == "schedule":
            self._paint_schedule()
        elif step == "categories":
            self.set_bar(frozenset({"back", "next"}))
        else:
            self.set_bar(frozenset({"back", "ok"}))
            self.query_one(DestinationStatusTable).focus()

    def step_back(self) -> bool:
        index = _STEPS.index(self.step)
        if index == 0:
            return False
        self._go(_STEPS[index - 1])
        return True

    def bar_pressed(self, action: str) -> bool:
        step = self.step
        if step == "schedule":
            if not self._keep_fields():
                return True
            if action == "ok" and self.mode is ScheduleMode.OFF:
                self._save(replace(self.saved, mode=ScheduleMode.OFF))
            elif action == "next":
                if self.mode is not ScheduleMode.OFF and not self._has_times():
                    self._refuse(f"<{self.mode.value}> needs at least one start time")
                else:
                    self._go("categories")
            return True
        if step == "categories" and action == "next":
            if not self.query_one(CategoryToggles).categories:
                self._refuse("Set at least one category to <On> for auto distribution")
            else:
                self._go("destinations")
            return True
        if step == "destinations" and action == "ok":
            self._save(self._schedule())
            return True
        return False

    # --- the schedule step --------------------------------------------------------------------------

    @on(Button.Pressed, ".auto-mode")
    def _mode(self, event: Button.Pressed) -> None:
        event.stop()
        if not self._keep_fields():
            return
        key = event.button.key if isinstance(event.button, TouchButton) else "off"
        self.mode = next(m for m, k in _MODE_KEYS.items() if k == key)
        self._paint_schedule()

    @on(Button.Pressed, ".auto-day")
    def _day(self, event: Button.Pressed) -> None:
        event.stop()
        if not self._keep_fields():
            return
        self.day = event.button.key if isinstance(event.button, TouchButton) else "Mon"
        self._paint_schedule()

    def _slots(self) -> list[str]:
        return self.everyday if self.mode is ScheduleMode.EVERYDAY else self.days[self.day]

    def _keep_fields(self) -> bool:
        """Reads the five fields into the slots being edited; refuses (DID-21) a malformed start time."""
        if self.mode is ScheduleMode.OFF:
            return True
        values = [self.query_one(f"#slot-{n}", PanelInput).value.strip() for n in range(1, MAX_SLOTS + 1)]
        where = "<Everyday>" if self.mode is ScheduleMode.EVERYDAY else f"<{self.day}>"
        for number, text in enumerate(values, 1):
            if not text:
                continue
            try:
                parse_start_time(text)
            except RuleRefusal as exc:
                self.app.push_screen(refusal_box(RuleRefusal(f"{where} Start Time {number}: {exc.reason}",
                                                             exc.rule_id or "DID-21")))
                self.query_one(f"#slot-{number}", PanelInput).focus()
                return False
        target = self._slots()
        target[:] = values
        return True

    def _has_times(self) -> bool:
        if self.mode is ScheduleMode.EVERYDAY:
            return any(self.everyday)
        return any(any(slots) for slots in self.days.values())

    def _paint_schedule(self) -> None:
        for mode, key in _MODE_KEYS.items():
            self.query_one(f"#mode-{key}", TouchButton).variant = "primary" if mode is self.mode else "default"
        self.query_one("#auto-days").display = self.mode is ScheduleMode.SPECIFY_DAYS
        self.query_one("#auto-slots").display = self.mode is not ScheduleMode.OFF
        for day in WEEKDAYS:
            self.query_one(f"#day-{day}", TouchButton).variant = "primary" if day == self.day else "default"
        if self.mode is not ScheduleMode.OFF:
            for number, text in enumerate(self._slots(), 1):
                self.query_one(f"#slot-{number}", PanelInput).value = text
        self.query_one("#auto-summary", Static).update(Content(self._summary()))
        self._paint_next()
        self.set_bar(frozenset({"back", "ok"}) if self.mode is ScheduleMode.OFF else frozenset({"back", "next"}))

    def _paint_next(self) -> None:
        self.query_one("#auto-next", Static).update(Content(
            f"Next auto distribution: {format_next_time(self.fleet.distribution.next_auto_distribution(self.machine))}"
        ))

    def engine_event(self, event: Any) -> None:
        # A run that started or ended, a schedule saved elsewhere (a scenario, the palette): "Next" moves on.
        if isinstance(event, (DistributionStarted, DistributionFinished, DataChanged, ScheduleFired)):
            self._paint_next()

    def time_moved(self) -> None:
        self._paint_next()

    def _summary(self) -> str:
        if self.mode is ScheduleMode.OFF:
            return "<Off>: no auto distribution. <OK> saves."
        if self.mode is ScheduleMode.EVERYDAY:
            times = " ".join(t for t in self.everyday if t) or "no start time yet"
            return f"<Everyday> (editing): {times}. Four digits 0000–2359 (DID-21), then <Next>."
        parts = [f"{day} {' '.join(t for t in self.days[day] if t)}" for day in WEEKDAYS if any(self.days[day])]
        return f"<Specify Days> (editing <{self.day}>): {' · '.join(parts) or 'no start time yet'}. Then <Next>."

    # --- saving -------------------------------------------------------------------------------------

    def _schedule(self) -> AutoDistribution:
        toggles = self.query_one(CategoryToggles)
        table = self.query_one(DestinationStatusTable)
        everyday = tuple(self.everyday) if self.mode is ScheduleMode.EVERYDAY else ()
        days = tuple(tuple(self.days[d]) for d in WEEKDAYS) if self.mode is ScheduleMode.SPECIFY_DAYS else ((),) * 7
        return AutoDistribution(self.mode, everyday, days, frozenset(toggles.categories), toggles.include_network,
                                tuple(table.ticked_in_order()))

    def _save(self, schedule: AutoDistribution) -> None:
        box: dict[str, Any] = {}

        def save() -> None:
            box["next"] = self.fleet.distribution.set_auto_distribution(self.machine, schedule)

        if self.attempt(save):
            self.saved = schedule
            when = format_next_time(box.get("next"))
            self._go("schedule")
            self.app.push_screen(MessageBox("<Set Auto Distribution> saved",
                                            f"<{schedule.mode.value}>. Next auto distribution: {when}"))

    def _refuse(self, reason: str) -> None:
        self.app.push_screen(refusal_box(RuleRefusal(reason, "DID-21")))

    @on(Button.Pressed, "#auto-all")
    def _all(self) -> None:
        self.query_one(DestinationStatusTable).set_all(True)

    @on(Button.Pressed, "#auto-none")
    def _none(self) -> None:
        self.query_one(DestinationStatusTable).set_all(False)

    @on(Button.Pressed, "#auto-preflight")
    def _preflight(self) -> None:
        """The emulator's pre-flight check of the schedule's categories and destinations, as if it ran now."""
        schedule = self._schedule()
        if not schedule.destinations:
            self._refuse("Tick at least one destination")
            return
        self.app.push_screen(PreflightScreen(self.fleet, self.machine, tuple(schedule.categories),
                                             schedule.destinations, schedule.include_network,
                                             "This auto distribution, run now, would send"))


def _five(slots: tuple[str, ...]) -> list[str]:
    return [*slots, *([""] * (MAX_SLOTS - len(slots)))][:MAX_SLOTS]
