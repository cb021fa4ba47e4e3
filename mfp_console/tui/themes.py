"""The panel's light and dark themes (a Canon-like blue panel on a neutral ground)."""

from __future__ import annotations

from textual.theme import Theme

__all__ = ["DARK_THEME", "LIGHT_THEME", "THEMES", "theme_name"]

DARK_THEME = Theme(
    name="mfp-dark",
    primary="#2F7BD8",
    secondary="#5BA4E6",
    accent="#F0A030",
    warning="#E8B030",
    error="#E05050",
    success="#4CB870",
    background="#14181E",
    surface="#1D232B",
    panel="#262E38",
    dark=True,
)

LIGHT_THEME = Theme(
    name="mfp-light",
    primary="#1F5FB0",
    secondary="#3A7CC8",
    accent="#C87010",
    warning="#B07800",
    error="#C03030",
    success="#2E8A50",
    background="#EEF1F5",
    surface="#FFFFFF",
    panel="#DCE3EC",
    dark=False,
)

THEMES = (DARK_THEME, LIGHT_THEME)


def theme_name(wanted: str | None) -> str:
    """``dark``/``light``/None → the panel theme's name; any other name is a Textual theme kept as is."""
    if wanted in (None, "", "dark"):
        return DARK_THEME.name
    if wanted == "light":
        return LIGHT_THEME.name
    return wanted
