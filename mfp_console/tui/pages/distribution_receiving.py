"""``<Receiving Settings>`` on a client (DID-18..20): ``<Restrict Receiving Device Information>``,
``<Restrict Receiving for Each Function>`` (one switch per category) and ``<Restore Data>`` (pick categories →
``<Execute>`` → ``<Yes>``; one level only, so a second restore says there is nothing to restore)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Checkbox

from mfp_console.domain.device_info import Category
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.errors import RuleRefusal
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.dialogs import MessageBox, YesNoDialog
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.did_parts import CategoryToggles
from mfp_console.tui.widgets.touch import OnOffToggle, TickBox, TouchButton

__all__ = ["RestoreDataPage", "RestrictFunctionsPage", "RestrictModelPage"]


@register_page("did.receiving.restrict_model")
class RestrictModelPage(PanelPage):
    """``<On>`` refuses data from a host of another series (``NG E-MODEL``), ``<Off>`` accepts it (DID-18)."""

    BAR = frozenset({"back", "ok", "cancel"})

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        yield OnOffToggle("<Restrict Receiving Device Information>", True, id="restrict-model")
        series = self.fleet.spec.machine(self.machine).identity.series
        yield Static(Content(
            f"<On>: data from a host of another series than this machine's ({series}) is refused and the "
            "host reports NG E-MODEL. <Off>: it is accepted. <OK> stores the setting."
        ), classes="page-note")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        self.query_one("#restrict-model", OnOffToggle).value = self.fleet.distribution.receiving_settings(self.machine).restrict_model

    def bar_pressed(self, action: str) -> bool:
        if action == "ok":
            current = self.fleet.distribution.receiving_settings(self.machine)
            wanted = ReceivingSettings(self.query_one("#restrict-model", OnOffToggle).value,
                                       current.refused_categories)
            return not self.attempt(self.fleet.distribution.set_receiving_settings, self.machine, wanted)
        if action == "cancel":
            self.refresh_data()
        return False


@register_page("did.receiving.restrict_functions")
class RestrictFunctionsPage(PanelPage):
    """One switch per category: ``<On>`` (default) receives it, ``<Off>`` means it is not applied even when
    sent (DID-19, as the seed words it)."""

    BAR = frozenset({"back", "ok", "cancel"})

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        settings = self.fleet.distribution.receiving_settings(self.machine)
        yield CategoryToggles(settings.received_categories, network_question=False, id="restrict-toggles")
        yield Static(Content(
            "<Off>: the category is not applied even when a host sends it (the host still ends OK when it "
            "sends other categories; the log names the refused ones). <OK> stores."
        ), classes="page-note")

    def refresh_data(self) -> None:
        self.query_one(CategoryToggles).set_values(self.fleet.distribution.receiving_settings(self.machine).received_categories)

    def bar_pressed(self, action: str) -> bool:
        if action == "ok":
            current = self.fleet.distribution.receiving_settings(self.machine)
            wanted = ReceivingSettings.receiving(current.restrict_model, self.query_one(CategoryToggles).categories)
            return not self.attempt(self.fleet.distribution.set_receiving_settings, self.machine, wanted)
        if action == "cancel":
            self.refresh_data()
        return False


@register_page("did.receiving.restore")
class RestoreDataPage(PanelPage):
    """Pick categories → ``<Execute>`` → ``<Yes>``: each returns to its state just before the most recent
    update (DID-20; DID-17 for the inbox URL Send settings)."""

    DEFAULT_CSS = """
    RestoreDataPage #restore-boxes { height: auto; }
    RestoreDataPage #restore-boxes > Checkbox { margin: 0; }
    RestoreDataPage #restore-keys { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        yield Static(id="restore-state", classes="page-note")
        with Vertical(id="restore-boxes"):
            for category in Category:
                yield TickBox(Content(category.label), False, id=f"restore-{category.value}", compact=True)
        with Horizontal(id="restore-keys", classes="page-keys"):
            yield TouchButton("<Execute>", key="execute", variant="primary", id="restore-execute")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        restorable = self.fleet.distribution.restorable_categories(self.machine)
        if restorable:
            names = ", ".join(f"<{c.label}>" for c in Category if c in restorable)
            text = f"Can be restored to the data from just before the most recent update: {names}."
        else:
            text = "Nothing to restore: no update since the last restore (one level only)."
        self.query_one("#restore-state", Static).update(Content(text + " Pick categories, then <Execute>."))

    def _picked(self) -> list[Category]:
        return [c for c in Category if self.query_one(f"#restore-{c.value}", Checkbox).value]

    @on(Button.Pressed, "#restore-execute")
    def _execute(self) -> None:
        picked = self._picked()
        if not picked:
            self.attempt(self._refuse_empty)
            return
        names = ", ".join(f"<{c.label}>" for c in picked)

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            box: dict[str, Any] = {}

            def restore() -> None:
                box["done"] = self.fleet.distribution.restore_data(self.machine, picked)

            if self.attempt(restore):
                for category in Category:
                    self.query_one(f"#restore-{category.value}", Checkbox).value = False
                self.refresh_data()
                restored = ", ".join(f"<{c.label}>" for c in box["done"])
                self.app.push_screen(MessageBox("<Restore Data>", f"Restored {restored} to the data from before "
                                                                  "the most recent update."))

        self.app.push_screen(YesNoDialog(f"Restore {names} to the data from before the most recent update?"),
                             answered)

    @staticmethod
    def _refuse_empty() -> None:
        raise RuleRefusal("Pick at least one category to restore, then press <Execute>", "DID-20")
