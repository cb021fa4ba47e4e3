"""The panel apps of one process share their parsed CSS (``mfp_console.tui.stylesheet``), and only when the
CSS and the theme's variables are the same."""

from __future__ import annotations

from textual.color import Color

from mfp_console.tui.stylesheet import SharedStylesheet

CSS = "Button { background: $accent; }"


def _background(sheet: SharedStylesheet) -> Color:
    rules = sheet._parse_rules(CSS, ("test", "Button"))
    return rules[0].styles.background


def test_two_apps_with_the_same_theme_parse_the_css_once() -> None:
    first = SharedStylesheet(variables={"accent": "#ff0000"})
    second = SharedStylesheet(variables={"accent": "#ff0000"})
    assert first._parse_rules(CSS, ("test", "Button")) is second._parse_rules(CSS, ("test", "Button"))


def test_other_variables_parse_anew_and_a_theme_switch_takes_effect() -> None:
    sheet = SharedStylesheet(variables={"accent": "#ff0000"})
    assert _background(sheet) == Color.parse("#ff0000")
    assert _background(SharedStylesheet(variables={"accent": "#00ff00"})) == Color.parse("#00ff00")
    sheet.set_variables({"accent": "#0000ff"})
    assert _background(sheet) == Color.parse("#0000ff")


def test_the_panel_app_uses_it(make_app) -> None:
    assert isinstance(make_app().stylesheet, SharedStylesheet)
