"""Modal dialogs typed by their result: a message box, a yes/no question and a one-value editor.

Each is a ``PanelDialog[T]`` (a modal screen with its own key footer) closed with ``dismiss(value)``; Escape is ``<Cancel>`` (or ``<OK>`` for a message).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button

from mfp_console.errors import RuleRefusal
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import OnOffToggle, PanelInput, TouchButton

__all__ = ["MessageBox", "ValueDialog", "YesNoDialog", "refusal_box"]

DIALOG_CSS = """
{cls} {{ align: center middle; }}
{cls} > Vertical {{
    width: 70; max-width: 95%; height: auto; max-height: 95%;
    border: thick $primary; background: $surface; padding: 0 1; overflow-y: auto;
}}
{cls} .dialog-title {{ text-style: bold; width: 100%; padding: 0 0 1 0; }}
{cls} .dialog-text {{ width: 100%; padding: 0 0 1 0; }}
{cls} .dialog-keys {{ height: auto; align: right middle; dock: bottom; }}
{cls} .dialog-keys > TouchButton {{ margin: 0 0 0 1; min-width: 12; }}
"""


class MessageBox(PanelDialog[None]):
    """A message on the panel, e.g. a refusal naming its rule; ``<OK>`` closes it.

    Args:
        title: The first line, e.g. ``Refused (M-03)``.
        text: What happened and what to do.
    """

    DEFAULT_CSS = DIALOG_CSS.format(cls="MessageBox")
    BINDINGS = [Binding("escape", "close", "OK")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), classes="dialog-title")
            yield Static(Content(self.text), classes="dialog-text")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="message-ok")

    def on_mount(self) -> None:
        self.query_one("#message-ok").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)


def refusal_box(error: RuleRefusal) -> MessageBox:
    """The message box for a refusal: its rule ID in the title, its reason as the text."""
    title = f"Refused ({error.rule_id})" if error.rule_id else "Refused"
    return MessageBox(title, error.reason)


class YesNoDialog(PanelDialog[bool]):
    """A question answered ``<Yes>`` (True) or ``<No>`` (False), with optional detail lines and a prompt."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="YesNoDialog")
    BINDINGS = [Binding("escape", "answer(False)", "No")]

    def __init__(self, question: str, details: Sequence[str] = (), prompt: str = "") -> None:
        super().__init__()
        self.question = question
        self.details = tuple(details)
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.question), classes="dialog-title")
            if self.details:
                yield Static(Content("\n".join(self.details)), classes="dialog-text")
            if self.prompt:
                yield Static(Content(self.prompt), classes="dialog-text")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<Yes>", key="yes", variant="primary", id="answer-yes")
                yield TouchButton("<No>", key="no", id="answer-no")

    def on_mount(self) -> None:
        self.query_one("#answer-no").focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _answer(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(isinstance(event.button, TouchButton) and event.button.key == "yes")


class ValueDialog(PanelDialog[str | None]):
    """Edits one setting: ``<On>``/``<Off>`` when those are its values, touch choices when it has a few,
    a text field otherwise. Returns the new value, or None on ``<Cancel>``.

    Args:
        title: The setting's name (its menu path).
        value: The current value.
        choices: The values the machine offers (may be empty).
    """

    DEFAULT_CSS = DIALOG_CSS.format(cls="ValueDialog") + """
    ValueDialog .choices { height: auto; grid-size: 2; grid-gutter: 0 1; padding: 0 0 1 0; }
    ValueDialog .choices > TouchButton { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str, choices: Sequence[str] = ()) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.choices = tuple(dict.fromkeys(choices))

    @property
    def _is_on_off(self) -> bool:
        return set(self.choices) == {"On", "Off"}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), classes="dialog-title")
            if self._is_on_off:
                yield OnOffToggle(self.title_text.rsplit("/", 1)[-1], self.value == "On", id="value-toggle")
            else:
                if 1 < len(self.choices) <= 8:
                    with Grid(classes="choices"):
                        for choice in self.choices:
                            variant = "primary" if choice == self.value else "default"
                            yield TouchButton(choice or "(blank)", key=choice, variant=variant, classes="choice")
                yield PanelInput("Value", self.value, id="value-input")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="value-ok")
                yield TouchButton("<Cancel>", key="cancel", id="value-cancel")

    def on_mount(self) -> None:
        target = self.query("#value-input") or self.query("#value-toggle TouchButton")
        if target:
            target.first().focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(PanelInput.Submitted)
    def _submitted(self) -> None:
        self._finish()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if not isinstance(button, TouchButton):
            return
        event.stop()
        if button.has_class("choice"):
            self.query_one("#value-input", PanelInput).value = button.key
            for other in self.query(".choice").results(TouchButton):
                other.variant = "primary" if other is button else "default"
        elif button.key == "ok":
            self._finish()
        elif button.key == "cancel":
            self.dismiss(None)

    def _finish(self) -> None:
        if self._is_on_off:
            self.dismiss("On" if self.query_one(OnOffToggle).value else "Off")
        else:
            self.dismiss(self.query_one("#value-input", PanelInput).value)
