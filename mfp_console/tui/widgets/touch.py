"""Touch controls: buttons labelled like the manual, ``<On>``/``<Off>`` toggles, text fields.

Labels are plain text, never Textual markup: a label such as ``[Shared across All Devices]`` must show its
brackets. When the app runs for tests (``app.still``) the press highlight and the cursor blink are off so
that snapshots do not depend on timing.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, Input, Label

from mfp_console.domain.menu import normalize_label

__all__ = ["OnOffToggle", "PanelInput", "TickBox", "TouchButton", "bracketed", "same_label"]


def bracketed(label: str) -> str:
    """Returns ``<label>`` as the panel prints it (a label already in brackets is kept)."""
    text = label.strip()
    return text if text.startswith(("<", "[")) else f"<{text}>"


def same_label(a: str, b: str) -> bool:
    """True when two labels name the same control (brackets, blanks and case ignored)."""
    return normalize_label(a) == normalize_label(b)


def _still(widget: object) -> bool:
    app = getattr(widget, "app", None)
    return bool(getattr(app, "still", False))


class TouchButton(Button):
    """A panel button: a touch (click) or Enter presses it.

    Args:
        label: Plain text shown on the button, e.g. ``<Management Settings>``.
        note: An optional second line, e.g. ``not built yet``.
        key: What the button stands for (a menu key, a digit, a bar action); carried in messages.
    """

    DEFAULT_CSS = """
    TouchButton { min-width: 6; }
    """

    def __init__(
        self,
        label: str,
        *,
        note: str = "",
        key: str = "",
        variant: str = "default",
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        compact: bool = False,
        tooltip: str | None = None,
    ) -> None:
        text = Content(label) if not note else Content.assemble(label, "\n", (note, "italic"))
        super().__init__(
            text, variant, id=id, classes=classes, disabled=disabled, compact=compact,  # type: ignore[arg-type]
            tooltip=tooltip,
        )
        self.plain_label = label
        """The label without the note, for lookups by label."""
        self.note = note
        self.key = key

    def on_mount(self) -> None:
        if _still(self):
            # Snapshots must not depend on timing: no press highlight, no tooltip popping up under the mouse.
            self.active_effect_duration = 0
            self.tooltip = None


class PanelInput(Input):
    """A text field of a panel form; its ``border_title`` is its label (the driver finds it by that)."""

    DEFAULT_CSS = """
    PanelInput { border-title-color: $text-muted; }
    """

    def __init__(self, label: str, value: str = "", **kwargs: object) -> None:
        super().__init__(value, **kwargs)  # type: ignore[arg-type]
        self.border_title = label
        self.field_label = label

    def on_mount(self) -> None:
        if _still(self):
            self.cursor_blink = False


class OnOffToggle(Horizontal):
    """A setting with an ``<On>`` and an ``<Off>`` button, the chosen one lit (the panel's toggle).

    Args:
        label: What the setting is called.
        value: True for On.
        on_label: The first choice's label (``<Include>`` for ``<Network Settings>``, DID-03).
        off_label: The second choice's label (``<Exclude>``).
        compact: One line high (buttons without borders), for pages with many toggles.
    """

    DEFAULT_CSS = """
    OnOffToggle { height: auto; width: 1fr; }
    OnOffToggle > Label { width: 1fr; padding: 0 1; content-align: left middle; height: 3; }
    OnOffToggle > TouchButton { width: 10; }
    OnOffToggle.-compact > Label { height: 1; }
    OnOffToggle.-compact > TouchButton { width: 11; margin: 0 0 0 1; }
    """

    value: reactive[bool] = reactive(False, init=False)
    """True when ``<On>`` is chosen."""

    class Changed(Message):
        """The toggle was switched."""

        def __init__(self, toggle: OnOffToggle, value: bool) -> None:
            super().__init__()
            self.toggle = toggle
            self.value = value

        @property
        def control(self) -> OnOffToggle:
            return self.toggle

    class Chosen(Message):
        """An operator touched one of the two buttons (a value set by code posts only ``Changed``);
        ``changed`` is False when the touched one was chosen already."""

        def __init__(self, toggle: OnOffToggle, value: bool, changed: bool) -> None:
            super().__init__()
            self.toggle = toggle
            self.value = value
            self.changed = changed

        @property
        def control(self) -> OnOffToggle:
            return self.toggle

    def __init__(
        self,
        label: str,
        value: bool = False,
        *,
        id: str | None = None,
        on_label: str = "<On>",
        off_label: str = "<Off>",
        compact: bool = False,
    ) -> None:
        super().__init__(id=id, classes="-compact" if compact else None)
        self.label = label
        self.on_label = on_label
        """The label of the first choice (``<On>``, or e.g. ``<Include>``); choosing it sets ``value``."""
        self.off_label = off_label
        self.compact = compact
        self.set_reactive(OnOffToggle.value, value)

    def compose(self) -> ComposeResult:
        yield Label(Content(self.label))
        yield TouchButton(self.on_label, key="on", classes="toggle-on", compact=self.compact)
        yield TouchButton(self.off_label, key="off", classes="toggle-off", compact=self.compact)

    def on_mount(self) -> None:
        self._paint()

    def watch_value(self, value: bool) -> None:
        self._paint()
        self.post_message(self.Changed(self, value))

    def _paint(self) -> None:
        for button in self.query(TouchButton):
            chosen = (button.key == "on") == self.value
            button.variant = "primary" if chosen else "default"
            button.set_class(chosen, "-chosen")

    @on(Button.Pressed)
    def _choose(self, event: Button.Pressed) -> None:
        event.stop()
        if isinstance(event.button, TouchButton):
            before = self.value
            self.value = event.button.key == "on"
            self.post_message(self.Chosen(self, self.value, self.value != before))


class TickBox(Checkbox):
    """A check box whose mark differs by shape, not only by colour: ``✔`` when ticked, blank when not."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual's name for the mark inside the box
        return "✔" if self.value else " "
