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


async def test_a_widget_is_styled_when_it_is_mounted_not_while_it_is_built(make_app) -> None:
    """Building a button on a running panel restyles nothing (Textual's Button asks three times); mounted,
    it has the styles its classes give it, and a class changed afterwards restyles it."""
    from mfp_console.tui.driver import PanelDriver
    from mfp_console.tui.widgets.touch import TouchButton

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        restyled: list[object] = []
        update_nodes = app.stylesheet.update_nodes
        app.stylesheet.update_nodes = lambda nodes, animate=False: (restyled.append(nodes),  # type: ignore[method-assign]
                                                                     update_nodes(nodes, animate=animate))
        button = TouchButton("<Apply>", variant="primary", compact=True)
        assert restyled == []
        await app.screen.mount(button)
        await driver.settle()
        assert button.has_class("-primary") and button.styles.min_width is not None
        assert button.styles.min_width.value == 6  # TouchButton's own CSS
        assert button.styles.height.value == 1  # Textual's compact button
        button.variant = "error"
        assert restyled and button.styles.height.value == 1
