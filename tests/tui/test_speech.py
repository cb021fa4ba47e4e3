"""UI-06: the machine speaks like a machine. Outside instructor mode no rule ID (``DID-21``, ``SYNC-15``,
``M-03``) and no emulator-only error code appears in what the panel shows; in instructor mode they do; the
event log keeps them either way.

The walk is the UI-07 walker's (``test_reach.py``): every node of the menu tree, the steps of the multi-step
pages, every dialog and every Remote UI page, read as plain text with the side column and the bottom views
(the emulator's own frame) hidden.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.widget import Widget

from mfp_console.tui.driver import PanelDriver, screen_text
from mfp_console.tui.speech import MACHINE_CODES, machine_words
from tests.tui.test_reach import Walker, _start_sync, _walk_everything

RULE_ID = re.compile(r"\b[A-Z]+-\d\d\b")
CODE = re.compile(r"\bE-[A-Z]+\b")
SIZE = (120, 36)


class TextWalker(Walker):
    """Reads every screen the UI-07 walk shows instead of focusing its controls."""

    def __init__(self, driver: PanelDriver) -> None:
        super().__init__(driver, "text")
        self.rule_ids: dict[str, set[str]] = {}
        self.codes: dict[str, set[str]] = {}

    async def walk(self, where: str, within: Widget | None = None) -> None:
        await self.driver.settle()
        self.screens += 1
        text = screen_text(self.app)
        if ids := set(RULE_ID.findall(text)):
            self.rule_ids[where] = ids
        if codes := set(CODE.findall(text)) - MACHINE_CODES:
            self.codes[where] = codes


async def _walk(make_app: Any, *, instructor: bool, menu: bool = True) -> TextWalker:
    app = make_app(instructor=instructor)
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        app.query_one("#side").display = False  # the emulator's frame, not the machine's panel
        app.query_one("#bottom").display = False
        walker = TextWalker(driver)
        await _start_sync(driver)
        await _walk_everything(walker, menu=menu)
        assert walker.screens > (60 if menu else 15)
    return walker


@pytest.mark.rules("UI-06")
@pytest.mark.slow
async def test_ui06_no_rule_ids_or_emulator_codes_on_any_screen_outside_instructor_mode(make_app) -> None:
    walker = await _walk(make_app, instructor=False)
    found = [f"{where}: {sorted(ids)}" for where, ids in walker.rule_ids.items()]
    found += [f"{where}: {sorted(codes)}" for where, codes in walker.codes.items()]
    assert not found, "rule IDs or emulator codes on the panel:\n" + "\n".join(found)


@pytest.mark.rules("UI-06")
@pytest.mark.slow
async def test_ui06_instructor_mode_shows_the_rule_ids(make_app) -> None:
    # The dialogs and Remote UI pages carry the rule IDs; the menu pages were read with the mode off.
    walker = await _walk(make_app, instructor=True, menu=False)
    every = set().union(*walker.rule_ids.values())
    assert {"DID-04", "SYNC-15", "SYNC-19"} <= every  # a refusal's title, Remote UI pages' rules lines
    assert len(walker.rule_ids) > 10


@pytest.mark.rules("UI-06")
async def test_ui06_f10_switches_instructor_mode_on_an_open_screen_and_the_event_log_keeps_ids(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        await driver.login("7654321", "7654321")
        await driver.press_path(["Management Settings", "Device Management",
                                 "Device Information Distribution Settings", "Manual Distribution"])
        await driver.press("Next")
        assert "Set at least one category to <On>" in driver.visible_text()
        assert "DID-04" not in driver.visible_text()
        await driver.key("f10")
        assert app.instructor
        assert "Refused (DID-04)" in driver.visible_text()
        await driver.key("f10")
        assert "DID-04" not in driver.visible_text()


@pytest.mark.rules("UI-06")
@pytest.mark.parametrize(("text", "machine"), [
    ("Refused (DID-21)", "Refused"),
    ("Number in the list: 2 (served in this order, DID-06)", "Number in the list: 2 (served in this order)"),
    ("Leads to (SYNC-08: the same on every synchronized machine)", "Leads to (the same on every synchronized machine)"),
    ("SYNC-15 connected devices · SYNC-16 keychain order", "connected devices · keychain order"),
    ("It cannot be changed (SYNC-03).", "It cannot be changed."),
    ("the server refused this machine (E-NOSERVER)", "the server refused this machine"),
    ("client-d ended NG E-MODEL (E-MODEL)", "client-d ended NG E-MODEL (E-MODEL)"),
    ("Error E-UPDATE", "Error E-UPDATE"),
    ("iR-ADV C5560 on 2026-11-20", "iR-ADV C5560 on 2026-11-20"),
])
def test_ui06_machine_words_cut_rule_ids_and_emulator_codes_only(text: str, machine: str) -> None:
    assert machine_words(text) == machine
    assert machine_words(text, instructor=True) == text


@pytest.mark.rules("UI-06", "DID-12", "SYNC-16")
async def test_ui06_the_error_screen_keeps_its_code_and_a_table_heading_speaks_too(make_app) -> None:
    from mfp_console.domain.sync_items import PersonalItem
    from mfp_console.tui.pages.personal import PersonalDataScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        await _start_sync(driver)
        await driver.at("client-a")
        screen = PersonalDataScreen(app.fleet, "client-a")
        await app.push_screen(screen)
        await driver.settle()
        screen.show_item(PersonalItem.KEYCHAIN)
        await driver.settle()
        assert "Leads to on this machine" in driver.visible_text()
        assert not RULE_ID.search(driver.visible_text().split("Event log")[0])
        app.pop_screen()
        await driver.settle()
        app.fleet.live_machine("client-b").set_error("E-UPDATE")  # DID-12: the error screen
        await driver.at("client-b")
        text = driver.visible_text()
        assert "Error E-UPDATE" in text and "Call your service representative" in text
        assert "DID-12" not in text.split("Event log")[0]  # the event log below may name it


async def test_ui06_the_command_palette_names_rules_only_in_instructor_mode(make_app) -> None:
    """The palette's help lines are panel text too: a trainer's Ctrl+P shows no rule IDs until F10."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        plain = [help_line for _, _, help_line in app.palette_commands()]
        assert not [line for line in plain if RULE_ID.search(line)]
        assert any(line.startswith("as the panel shows it") for line in plain)
        await driver.key("f10")
        ruled = [help_line for _, _, help_line in app.palette_commands()]
        assert {"UI-02", "UI-04", "UI-05", "UI-06", "SYNC-08"} <= {m for line in ruled for m in RULE_ID.findall(line)}
