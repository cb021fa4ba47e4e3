"""Recording (issue 16): an operator's session on the panel becomes a scenario that passes ``check`` and, played
headless on a fresh fleet, ends in the same state as the session did.

The session is driven through the pilot the way an operator works (``PanelDriver``: walks, the login keypad,
touches, toggles, ticks, the fault panel, the clock); the recorder only listens (docs/recording.md).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from mfp_console.clock import VirtualClock
from mfp_console.domain.credentials import PIN_PLACEHOLDER
from mfp_console.engine.fleet import Fleet
from mfp_console.fleet_file import load_fleet_file
from mfp_console.scenario.expectations import data_value
from mfp_console.scenario.loader import load_scenario
from mfp_console.scenario.runner import PASSED, run_scenario
from mfp_console.tui.app import create_app
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.recording import Recording, scenario_yaml
from mfp_console.tui.widgets.did_parts import TickTable
from tests.tui.conftest import SIZE

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
PIN = "7654321"
DID = ["Settings/Registration", "Management Settings", "Device Management",
       "Device Information Distribution Settings"]
EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "recorded-distribution-and-power-cut.yaml"
ITEMS = ("address_book", "department_ids", "printer_settings", "paper_types", "settings_values")


def end_state(fleet: Fleet) -> dict[str, Any]:
    """What a session leaves: machine time, each machine's state and login, its data, the hosts' statuses."""
    state: dict[str, Any] = {"clock": fleet.clock.now()}
    for name in fleet.running:
        view = fleet.view(name)
        info = fleet.data.device_info(name)
        state[name] = (view.state.power, view.state.activity, view.state.error_code, view.state.network_cut,
                       view.state.tls_configured, view.admin,
                       tuple(repr(data_value(info, item)) for item in ITEMS),
                       tuple(sorted(fleet.distribution.destination_statuses(name).items())))
    return state


async def record_session(tmp_path: Path, out: Path) -> dict[str, Any]:
    """Records a session on the default fleet (fresh, as a replay starts) and returns its end state."""
    fleet = Fleet(load_fleet_file(None), tmp_path / "recorded-state", VirtualClock(START))
    app = create_app(fleet=fleet, for_tests=True, screenshot_dir=tmp_path)
    app.recorder.path = out
    app.record_from_start = True
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.recorder.active, "the recording did not start")
        await driver.at("client-a")  # a walk that a later walk makes moot
        await driver.at("host")
        assert await driver.login(PIN, PIN)  # the <Log In> key and the keypad
        await driver.press_path([*DID, "Manual Distribution"])
        await driver.set_toggle("Address Book", True)
        await driver.set_toggle("Paper Information", True)
        await driver.press("Next")
        await driver.tick(["client-a", "client-b", "client-c"])
        table = app.screen.query_one(TickTable)  # a mis-tick taken back at once (space on its row)
        table.focus()
        table.move_cursor(row=table.row_index("client-c"), animate=False)
        await driver.key("space")
        assert not table.is_ticked("client-c")
        await driver.press("Start Manual Distribution")
        await fleet.settle()
        await driver.settle()
        await driver.at("client-c")
        await pilot.click("#fault-power")  # the fault panel: client-c loses power
        await driver.settle()
        await app.advance_clock(90 * 60)  # the clock's buttons, F9 and the palette all call this
        await driver.at("host")
        await driver.key("ctrl+p")  # the palette's "Recording: Expect this"
        await driver.paste("Recording: Expect this")
        await driver.key("enter")
        await driver.key("f4")  # F4 logs out (no button: the recorder reads it from the fleet)
        state = end_state(fleet)
        await driver.key("ctrl+r")  # stop and save
    return state


@pytest.mark.rules("UI-04", "DID-04")
@pytest.mark.slow
async def test_a_recorded_session_passes_check_and_replays_to_the_same_end_state(tmp_path: Path) -> None:
    out = tmp_path / "recorded-session.yaml"
    recorded = await record_session(tmp_path, out)
    text = out.read_text(encoding="utf-8")

    assert "  - at: host\n  - login: {id: \"7654321\", pin: \"<System Manager PIN>\"}\n" in text
    assert "  - press: [Settings/Registration, Management Settings, Device Management,\n" in text
    assert "  - set: {Address Book: \"On\", Paper Information: \"On\"}\n" in text
    assert "  - tick: [client-a, client-b]\n" in text  # client-c ticked and unticked: not there
    assert "  - world: {power_off: client-c}\n" in text
    assert "  - goto: \"2026-11-20T10:30\"\n" in text
    assert "client-a: OK, client-b: OK" in text and "  - logout\n" in text
    assert "at: client-a" not in text  # only walks that a panel step needed
    assert PIN not in text.replace('id: "7654321"', "")  # the PIN itself is never written
    example = [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if not line.startswith("covers:")]
    assert text.splitlines() == example  # the README's example is this very recording (plus its covers:)

    scenario = load_scenario(out)  # what `mfp-console check` runs: raises on any problem
    replayed: dict[str, Any] = {}
    result = await run_scenario(scenario, mode="headless", save_svg=False,
                                at_end=lambda fleet: replayed.update(end_state(fleet)))
    assert result.passed, [o.message for o in result.outcomes if o.status != PASSED]
    assert replayed == recorded


async def test_typed_fields_a_login_asked_for_by_a_menu_and_a_user_login_replay(tmp_path: Path) -> None:
    out = tmp_path / "typed.yaml"
    fleet = Fleet(load_fleet_file(None), tmp_path / "state", VirtualClock(START))
    app = create_app(fleet=fleet, for_tests=True, screenshot_dir=tmp_path)
    app.recorder.path = out
    app.record_from_start = True
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.recorder.active, "the recording did not start")
        await driver.press("Management Settings")  # asks for the login first (M-03)
        assert await driver.login(PIN, PIN)  # …then opens Management Settings
        await driver.press_path(["Management Settings", "Device Management",
                                 "Device Information Distribution Settings", "Register Destinations"])
        await driver.press("Register")
        await driver.type_into("Name", "branch-printer")
        await driver.type_into("Address", "192.0.2.15")
        await driver.press("OK")
        assert await driver.user_login("alice")  # F5: the personal settings open
        await driver.key("escape")
        await driver.press("Settings/Registration")
        state = end_state(fleet) | {"destinations": fleet.distribution.destinations("host").names(),
                                    "alice": fleet.users.logged_in_user("host")}
        app.action_record()
        await driver.settle()
    text = out.read_text(encoding="utf-8")
    steps = [line for line in text.splitlines() if line.startswith("  - ")]
    assert steps[:3] == ["  - at: host", '  - login: {id: "7654321", pin: "<System Manager PIN>"}',
                         "  - press: [Settings/Registration, Management Settings]"]
    assert '  - type: {Name: branch-printer, Address: "192.0.2.15"}' in steps
    assert "  - sync: {login: {machine: host, user: alice}}" in steps

    replayed: dict[str, Any] = {}
    result = await run_scenario(load_scenario(out), mode="headless", save_svg=False, at_end=lambda f: replayed.update(
        end_state(f) | {"destinations": f.distribution.destinations("host").names(),
                        "alice": f.users.logged_in_user("host")}))
    assert result.passed, [o.message for o in result.outcomes if o.status != PASSED]
    assert replayed == state and "branch-printer" in state["destinations"] and state["alice"] == "alice"


def test_keep_pins_writes_the_typed_pin_and_the_placeholder_is_the_documented_one() -> None:
    kept, hidden = Recording(), Recording()
    kept.login("7654321", "0001234", keep_pin=True, before_last=False)
    hidden.login("7654321", "0001234", keep_pin=False, before_last=False)
    assert 'pin: "0001234"' in scenario_yaml(kept, name="x", fleet="default", clock=START)
    assert f'pin: "{PIN_PLACEHOLDER}"' in scenario_yaml(hidden, name="x", fleet="default", clock=START)
    assert PIN_PLACEHOLDER in Path("docs/recording.md").read_text(encoding="utf-8")


def test_a_login_asked_for_by_a_press_is_written_before_that_press() -> None:
    recording = Recording()
    recording.press("Settings/Registration", menu=False)
    recording.press("Management Settings", menu=True)
    recording.login("7654321", "7654321", keep_pin=False, before_last=True)
    assert [step.key for step in recording.steps] == ["login", "press"]


def test_record_refuses_to_overwrite_a_file_and_keeps_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mfp_console.cli.main import main

    out = tmp_path / "rehearsal.yaml"
    out.write_text("mine\n", encoding="utf-8")
    assert main(["record", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert "exists" in capsys.readouterr().err


async def test_record_opens_a_fresh_fleet_file_on_a_virtual_clock_and_names_its_fleet_file(tmp_path: Path) -> None:
    from mfp_console.cli.main import build_parser
    from mfp_console.cli.record_cmd import recording_app

    fleet_file = Path(__file__).resolve().parents[2] / "scenarios" / "fleets" / "default-sync-stopped.yaml"
    out = tmp_path / "rehearsal.yaml"
    args = build_parser().parse_args(["record", str(out), "--fleet", str(fleet_file), "--start", "2026-12-01T08:30",
                                      "--keep-pins"])
    app = recording_app(args, tmp_path / "state")
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.recorder.active, "the recording did not start")
        assert app.fleet.clock.is_virtual
        assert await driver.login(PIN, PIN)
        await driver.key("ctrl+r")  # stop and save
        assert not app.recorder.active
    text = out.read_text(encoding="utf-8")
    assert 'clock: "2026-12-01T08:30"' in text and 'pin: "7654321"' in text  # --keep-pins
    assert (out.parent / yaml.safe_load(text)["fleet"]).resolve() == fleet_file  # relative to the scenario
    assert load_scenario(out).fleet.machines  # check reads that fleet
