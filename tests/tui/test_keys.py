"""Issue 14, the keyboard: arrow keys move the focus on every screen (UI-07), keys that arrive in one burst
act in order, and the function keys a presenter needs work over dialogs."""

from __future__ import annotations

from textual import events
from textual.geometry import Region

from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.pages.personal import PersonalDataScreen
from mfp_console.tui.pages.sync_remote import DeviceListScreen
from mfp_console.tui.screens.help import HelpScreen
from mfp_console.tui.widgets.footer import KeysFooter
from mfp_console.tui.widgets.touch import OnOffToggle, TouchButton
from tests.tui.conftest import SIZE, SMALL

PIN = "7654321"


def _fully_visible(widget) -> bool:
    geometry = widget.screen.find_widget(widget)
    return geometry.region.intersection(geometry.clip) == geometry.region


async def _started(app, pilot) -> PanelDriver:
    driver = PanelDriver(app, pilot)
    await driver.wait_until(lambda: app.started, "the panel did not start")
    return driver


async def test_ui07_down_moves_the_focus_on_an_overflowing_menu_page_at_80x24(make_app) -> None:
    """F4, log in, Management Settings › Device Management, Down: the focus goes to the button below (it
    used to stay while the page scrolled a line)."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        driver = await _started(app, pilot)
        await driver.key("f4")
        assert await driver.login(PIN, PIN)
        await driver.press_path(["Management Settings", "Device Management"])
        keys = list(app.current_panel.page.query(".menu-key").results(TouchButton))
        assert app.focused is keys[0]
        below = min((k for k in keys if k.region.x == keys[0].region.x and k.region.y > keys[0].region.y),
                    key=lambda k: k.region.y)
        await driver.key("down")
        assert app.focused is below and _fully_visible(below)
        await driver.key("up")
        assert app.focused is keys[0]
        for key in keys[1:]:  # Right goes along the row, then on to the next row: every entry, scrolled to
            await driver.key("right")
            assert app.focused is key and _fully_visible(key)
        await driver.key("down")
        assert app.focused.id.startswith("hard-"), "from the last row to the keys beside the screen"
        await driver.key("down")
        assert app.focused.id == "bar-back" or app.focused.id == "bar-next", "then to the bar"


async def test_ui07_down_moves_between_rows_of_on_off_toggles(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = await _started(app, pilot)
        assert await driver.login(PIN, PIN)
        await driver.press_path(["Management Settings", "Device Management",
                                 "Device Information Distribution Settings", "Manual Distribution"])
        toggles = list(app.current_panel.page.query(OnOffToggle))
        toggles[0].query_one(".toggle-on").focus()
        await driver.key("down")
        assert app.focused is toggles[1].query_one(".toggle-on")
        await driver.key("right", "down")
        assert app.focused is toggles[2].query_one(".toggle-off")
        await driver.key("up", "up", "left")
        assert app.focused is toggles[0].query_one(".toggle-on")


async def test_ui07_keys_in_one_burst_act_in_order(make_app) -> None:
    """"Right Enter" arriving together presses what Right moved to, not what was focused before."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = await _started(app, pilot)
        first, second = list(app.current_panel.page.query(".menu-key").results(TouchButton))[:2]
        first.focus()
        await driver.settle()
        app.post_message(events.Key("right", None))
        app.post_message(events.Key("enter", "\r"))
        await driver.settle()
        assert app.current_panel.path[-1] == second.key
        await driver.key("escape")
        app.current_panel.page.query(".menu-key").first().focus()
        await driver.settle()
        app.post_message(events.Key("tab", None))
        app.post_message(events.Key("enter", "\r"))
        await driver.settle()
        assert app.current_panel.path[-1] == second.key, "Tab to the second entry, then Enter"


async def test_function_keys_work_over_dialogs_and_their_footer_says_which(make_app, tmp_path) -> None:
    """F12 (screenshot), F8, F6 and F1 over the help screen, a Remote UI window and a user's personal
    settings; each dialog's own footer lists what works there, and not the panel keys that do not (F3)."""
    app = make_app(screenshot_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        driver = await _started(app, pilot)
        fleet = app.fleet
        fleet.panel.login_admin("host", PIN, PIN)
        fleet.sync.start_server("host")
        await fleet.settle()
        await driver.key("f1")
        dialogs = [HelpScreen, DeviceListScreen, PersonalDataScreen]
        assert isinstance(app.screen, HelpScreen)
        for number, kind in enumerate(dialogs):
            if kind is DeviceListScreen:
                await app.push_screen(DeviceListScreen(fleet, "host"))
            elif kind is PersonalDataScreen:
                await driver.at("client-a")
                assert await driver.user_login("alice")
            await driver.settle()
            assert isinstance(app.screen, kind)
            footer = app.screen.query_one(KeysFooter)
            shown = {key for key, _, _ in footer.keys}
            assert {"f1", "f6", "f7", "f8", "f12", "escape"} <= shown and not shown & {"f2", "f3", "f4", "f5"}
            assert "F12 SVG" in driver.visible_text().splitlines()[-1] + driver.visible_text().splitlines()[-2]
            await driver.key("f12")
            assert len(list(tmp_path.glob("mfp-console-*.svg"))) == number + 1
            theme = app.theme
            await driver.key("f8")
            assert app.theme != theme
            side = app.query_one("#side").display
            await driver.key("f6")
            assert app.query_one("#side").display is not side
            if kind is not HelpScreen:
                await driver.key("f1")
                assert isinstance(app.screen, HelpScreen), "F1 opens the help over the dialog"
            await driver.key("f1")
            assert isinstance(app.screen, kind) or kind is HelpScreen, "F1 again closes the help"
            if kind is not HelpScreen:
                await driver.key("escape")
            assert len(app.screen_stack) == 1


async def test_footer_shows_every_key_at_80_columns(make_app) -> None:
    """At 80×24 the footer used to drop F5, F8 and F12 and end in "f6 S": now it takes two lines."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await _started(app, pilot)
        footer = app.query_one(KeysFooter)
        text = " ".join(strip.text for strip in footer.render_lines(Region(0, 0, *footer.size)))
        for key, shown, label in footer.keys:
            assert f"{shown} {label}" in text
        assert {"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f12", "escape"} <= {k for k, _, _ in footer.keys}
        assert footer.size.height == 2 and footer.region.bottom == SMALL[1]


async def test_breadcrumb_stays_on_one_line_and_help_is_wrapped_once(make_app) -> None:
    """The breadcrumb used to wrap to four lines at the deepest screens, and the help text was wrapped by
    hand and again by the screen (short lines in the middle of sentences)."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        driver = await _started(app, pilot)
        app.fleet.panel.login_admin("host", PIN, PIN)
        await app.current_panel.go_to("did.receiving.restore")
        await driver.settle()
        crumb = app.current_panel.query_one("#breadcrumb")
        shown = crumb.render_lines(Region(0, 0, crumb.size.width, crumb.size.height))
        assert crumb.size.height == 1 and shown[0].text.strip() == "… › <Receiving Settings> › <Restore Data>"
        await driver.key("f1")
        for paragraph in app.screen.query(".dialog-text"):
            width = paragraph.content_region.width
            lines = [strip.text.rstrip() for strip in paragraph.render_lines(Region(0, 0, *paragraph.size))]
            lines = [line for line in lines if line]
            longest_word = max(len(word) for word in " ".join(lines).split())
            for line in lines[:-1]:  # a line ends early only where the next word would not fit
                assert len(line) + 1 + longest_word > width, f"wrapped early: {line!r}"
