"""How the machine speaks (UI-06): its panel carries no emulator vocabulary outside instructor mode.

Texts all over the panel name the rule that explains them ("Refused (DID-21)", "… cannot be changed
(SYNC-03).") and some engine texts carry the emulator's own error codes ("the server refused this machine
(E-NOSERVER)"). A real machine shows neither. Rather than keep two wordings of every sentence, the panel's
text widgets (:class:`PanelText`, :class:`~mfp_console.tui.widgets.touch.TouchButton`), its message boxes
and its notifications pass what they show through :func:`machine_words` here, the one place that knows the
mode: with instructor mode off the rule IDs and the emulator-only codes are cut out, with it on the text is
shown as written. The event log, the fleet view, the fault panel, the pre-flight check (the emulator's own
screens) and every report keep them: they do not use :class:`PanelText`.

What stays: the ``<Status>`` values of DID-05 (``NG E-AUTH`` …, a real machine shows an error code or error
information there) and the error codes a machine shows on its error screen (``E-UPDATE``, ``E-SYNC``).
"""

from __future__ import annotations

import re
from typing import Any

from textual.content import Content
from textual.widgets import Static

__all__ = ["MACHINE_CODES", "PanelText", "Static", "instructor_mode", "machine_content", "machine_words"]

RULE_ID = r"\b(?:M|DID|SYNC|UI)-\d{2}\b"
"""A rule ID of rules.md (``M-03``, ``DID-21``, ``SYNC-15``, ``UI-06``)."""

MACHINE_CODES = frozenset({
    "E-UNREACH", "E-TLS", "E-AUTH", "E-MODEL", "E-BUSY", "E-REFUSED", "E-INTERRUPTED", "E-PROTOCOL",  # DID-05
    "E-UPDATE", "E-SYNC",  # the error screen (DID-12, SYNC-11)
})
"""Error codes the machine itself shows; every other ``E-…`` code is the emulator's."""

_IDS = rf"{RULE_ID}(?:\s*(?:,|/|and)\s*{RULE_ID})*"
_CUTS = re.compile("|".join((
    rf"\s*\({_IDS}\)",            # "Refused (DID-21)", "… changed (SYNC-03)."
    rf"[,;]\s*{_IDS}(?=\))",      # "(served in this order, DID-06)"
    rf"{_IDS}:\s*",               # "(SYNC-08: the same on every synchronized machine)"
    rf"{_IDS}\s+(?=\S)",          # "SYNC-15 connected devices"
    rf"\s*{_IDS}",                # a rule ID at the end of a text
    r"\s*\((?:E-[A-Z]+)\)",       # "(E-NOSERVER)": only the emulator's codes, see _cut_wanted
)))


def _cut_wanted(match: re.Match[str]) -> bool:
    code = match.group(0).strip().strip("()")
    return not (code.startswith("E-") and code in MACHINE_CODES)


def _cuts(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CUTS.finditer(text) if _cut_wanted(m)]


def machine_words(text: str, *, instructor: bool = False) -> str:
    """``text`` as the machine shows it: without rule IDs and emulator-only error codes unless ``instructor``.

    >>> machine_words("Refused (DID-21)")
    'Refused'
    >>> machine_words("Number in the list: 2 (served in this order, DID-06)")
    'Number in the list: 2 (served in this order)'
    """
    if instructor:
        return text
    out, start = [], 0
    for begin, end in _cuts(text):
        out.append(text[start:begin])
        start = end
    out.append(text[start:])
    return "".join(out)


def machine_content(content: Content, *, instructor: bool = False) -> Content:
    """:func:`machine_words` for styled text: the cut pieces keep their styles."""
    if instructor:
        return content
    cuts = _cuts(content.plain)
    if not cuts:
        return content
    pieces, start = [], 0
    for begin, end in cuts:
        pieces.append(content[start:begin])
        start = end
    pieces.append(content[start:])
    return Content("").join(pieces)


def instructor_mode(widget: Any) -> bool:
    """The mode of the app ``widget`` belongs to (True, i.e. words as written, outside the panel app)."""
    try:
        app = widget.app
    except Exception:  # not mounted in an app (yet): leave the text alone
        return True
    return bool(getattr(app, "instructor", True))


class PanelText(Static):
    """A :class:`~textual.widgets.Static` of the machine's panel: it shows its text as the machine speaks
    (:func:`machine_words`), so a page writes its sentences once, rule IDs included, for instructor mode."""

    def render(self) -> Any:
        visual = super().render()
        if isinstance(visual, Content) and not instructor_mode(self):
            return machine_content(visual)
        return visual


Static = PanelText
"""What the panel's modules import as ``Static`` (``from mfp_console.tui.speech import Static``): every text
of the machine's screens then speaks as the machine, with no change to the sentences themselves."""
