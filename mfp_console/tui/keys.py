"""Which keys the footers and the help list: every key on the panel, and over a dialog its own keys and the
function keys that work over dialogs (the app's priority bindings)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.binding import Binding, BindingType

from mfp_console.tui.widgets.footer import FooterKey

__all__ = ["OVER_DIALOGS", "PANEL_KEYS", "footer_keys", "help_keys"]

KEY_NAMES = {"escape": "Esc", "ctrl+q": "^Q", "ctrl+p": "^P", "ctrl+r": "^R", "tab": "Tab",
             "shift+tab": "Shift+Tab"}
KEY_NAMES |= {f"f{n}": f"F{n}" for n in range(1, 13)}
MOVE_KEYS = frozenset({"up", "down", "left", "right", "tab", "shift+tab"})

PANEL_KEYS: tuple[FooterKey, ...] = (
    ("f1", "F1", "Help"), ("escape", "Esc", "Back"), ("f2", "F2", "Settings"), ("f3", "F3", "Machine"),
    ("f4", "F4", "Login"), ("f5", "F5", "User"), ("f6", "F6", "Side"), ("f7", "F7", "Log"), ("f8", "F8", "Theme"),
    ("f9", "F9", "Next"), ("f10", "F10", "Instr"), ("f12", "F12", "SVG"), ("ctrl+p", "^P", "Palette"),
    ("ctrl+q", "^Q", "Quit"),
)
"""The footer of the panel: every key, short enough for one line at 120 columns (two at 80)."""

OVER_DIALOGS = frozenset({"f1", "f6", "f7", "f8", "f9", "f10", "f12", "ctrl+q"})
"""The keys that work while a dialog is open (the app binds them with priority)."""


def footer_keys(dialog_bindings: Iterable[BindingType] | None, *, virtual_clock: bool) -> list[FooterKey]:
    """The keys a footer lists: the panel's (``dialog_bindings`` None), or a dialog's own shown bindings
    followed by the keys that work over dialogs. F9 only under a virtual clock."""
    panel = [k for k in PANEL_KEYS if virtual_clock or k[0] != "f9"]
    if dialog_bindings is None:
        return panel
    own = []
    for binding in dialog_bindings:
        if isinstance(binding, Binding) and binding.show:
            key = binding.key.split(",")[0]
            own.append((key, KEY_NAMES.get(key, key), binding.description))
    return own + [k for k in panel if k[0] in OVER_DIALOGS]


def help_keys(bindings: Sequence[BindingType]) -> list[tuple[str, str]]:
    """The help screen's list of keys: the app's bindings with what they do, then the moving keys."""
    keys = [(KEY_NAMES.get(b.key, b.key).replace("^", "Ctrl+"), b.tooltip or b.description)
            for b in bindings if isinstance(b, Binding) and b.key not in MOVE_KEYS]
    return keys + [
        ("Ctrl+P", "Command palette: go to a machine, open any menu path, inject a fault"),
        ("Tab/Shift+Tab", "Next/previous control"),
        ("Arrows", "Move to the nearest control that way (in lists: the rows)"),
        ("Enter", "Touch the focused button"),
    ]
