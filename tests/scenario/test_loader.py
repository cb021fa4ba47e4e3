"""Valid scenario files become frozen values with located, typed steps."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.scenario import model as m
from mfp_console.scenario.loader import (
    load_scenario,
    load_scenario_text,
    looks_like_scenario,
)

ISSUE_EXAMPLE = """\
name: A client with another PIN is skipped
covers: [DID-04, DID-08]
fleet: default
clock: 2026-11-20T09:00
steps:
  - world: {change_pin: {machine: client-b, pin: "1111111"}}
  - at: host
  - login: {id: "7654321", pin: "7654321"}
  - press: [Settings/Registration, Management Settings, Device Management,
            Device Information Distribution Settings, Manual Distribution]
  - set: {Address Book: On}
  - press: Next
  - tick: [client-a, client-b]
  - press: Start Manual Distribution
  - wait: {until: distribution finished, within: 10m}
  - expect: {status: {client-a: OK, client-b: NG E-AUTH}}
  - expect: {data: {machine: client-a, address_book: same as host}}
"""


def test_the_issue_example_is_expressible() -> None:
    scenario = load_scenario_text(ISSUE_EXAMPLE, "example.yaml")
    assert scenario.name == "A client with another PIN is skipped"
    assert scenario.covers == ("DID-04", "DID-08")
    assert scenario.clock == datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert scenario.fleet_source == "default"
    assert [s.kind for s in scenario.steps] == [
        "world", "at", "login", "press", "set", "press", "tick", "press", "wait", "expect", "expect",
    ]
    assert scenario.steps[0].action == m.World((m.WorldAction("change_pin", "client-b", pin="1111111"),))
    assert scenario.steps[3].action == m.Press((
        "Settings/Registration", "Management Settings", "Device Management",
        "Device Information Distribution Settings", "Manual Distribution"))
    assert scenario.steps[4].action == m.SetToggles((("Address Book", "On"),))
    assert scenario.steps[8].action == m.Wait(m.Condition("distribution_finished", text="distribution finished"), 600)
    assert scenario.steps[9].action == m.Expect((m.StatusCheck((("client-a", "OK"), ("client-b", "NG E-AUTH"))),))
    assert scenario.needs_panel


def test_steps_know_their_first_and_last_lines() -> None:
    scenario = load_scenario_text(ISSUE_EXAMPLE, "example.yaml")
    press = scenario.steps[3]
    assert (press.index, press.line, press.column, press.end_line) == (4, 9, 5, 10)
    assert [n for n, _ in scenario.step_text(press)] == [9, 10]
    last = scenario.steps[-1]
    assert (last.line, last.end_line) == (17, 17)


def test_a_block_step_spans_its_lines_without_trailing_comments() -> None:
    text = (
        "name: x\n"
        "steps:\n"
        "  - distribute:\n"
        "      categories: [Address Book]\n"
        "      to: [client-a]\n"
        "\n"
        "  # the next step\n"
        "  - expect:\n"
        "      status: {client-a: OK}\n"
    )
    scenario = load_scenario_text(text, "x.yaml")
    assert [(s.line, s.end_line) for s in scenario.steps] == [(3, 5), (8, 9)]
    assert scenario.steps[0].action == m.Distribute("host", (Category.ADDRESS_BOOK,), ("client-a",))
    assert not scenario.needs_panel


def test_bare_word_steps_and_yaml_booleans_for_on_off() -> None:
    text = (
        "name: x\nsteps:\n  - logout\n  - next_event\n  - set: {Network Settings: Include, Printer Settings: Off}\n"
        "  - expect: {state: {machine: client-a, power: On}}\n"
    )
    steps = load_scenario_text(text, "x.yaml").steps
    assert [type(s.action) for s in steps[:2]] == [m.Logout, m.NextEvent]
    assert steps[2].action == m.SetToggles((("Network Settings", "Include"), ("Printer Settings", "Off")))
    assert steps[3].action == m.Expect((m.StateCheck("client-a", (("power", "On"),)),))


def test_times_and_start_times_are_read_as_written() -> None:
    text = (
        "name: x\nclock: 2026-11-20 22:30:00\nsteps:\n  - goto: 21:00\n  - goto: \"03:00\"\n"
        "  - auto_distribution: {mode: Everyday, everyday: [0300, \"2100\"], categories: all, to: client-a}\n"
        "  - type: {Start Time: 0300}\n"
    )
    scenario = load_scenario_text(text, "x.yaml")
    assert scenario.clock == datetime(2026, 11, 20, 22, 30, tzinfo=timezone.utc)
    assert str(scenario.steps[0].action.moment) == "21:00"  # type: ignore[union-attr]
    auto = scenario.steps[2].action
    assert isinstance(auto, m.AutoDistributionStep)
    assert auto.everyday == ("0300", "2100") and auto.to == ("client-a",) and len(auto.categories) == 5
    assert scenario.steps[3].action == m.TypeText((("Start Time", "0300"),))


def test_settings_override_the_fleet_settings() -> None:
    text = "name: x\nsettings: {update_seconds_per_mib: 600, concurrency: 3}\nsteps:\n  - advance: 1h\n"
    fleet = load_scenario_text(text, "x.yaml").fleet
    assert (fleet.settings.update_seconds_per_mib, fleet.settings.concurrency) == (600.0, 3)


def test_a_fleet_file_is_found_next_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "fleets").mkdir()
    (tmp_path / "fleets" / "two.yaml").write_text(
        "machines:\n"
        "  - {name: alpha, model: m, series: s, functions: [distribution_sender]}\n"
        "  - {name: beta, model: m, series: s, functions: [distribution_receiver]}\n",
        encoding="utf-8",
    )
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nfleet: fleets/two.yaml\nsteps:\n  - distribute: {categories: all, to: beta}\n",
                    encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.fleet.names == ("alpha", "beta")
    assert scenario.steps[0].action.host == "alpha"  # type: ignore[union-attr]


def test_every_expectation_kind_reads() -> None:
    text = """\
name: x
steps:
  - expect:
      status: {client-a: ok, from: host}
      data: {machine: client-a, address_book: same as host, inbox_url_send: cleared, paper_types: {count: 3}}
      department: {machine: client-a, id: "101", counters: {total: 0}, limits: same as host}
      log: {machine: host, kind: Delivered, peer: client-a, result: NG, code: E-BUSY, count: 1}
      panel: {shows: [Updating], hides: E-UPDATE}
      state: {machine: client-a, power: Off, activity: updating, error: none, network: cut, tls: removed}
      restorable: {machine: client-a, categories: []}
      refused: DID-20
"""
    checks = load_scenario_text(text, "x.yaml").steps[0].action.checks  # type: ignore[union-attr]
    assert checks == (
        m.StatusCheck((("client-a", "OK"),), "host"),
        m.DataCheck("client-a", (
            ("address_book", m.DataExpectation("same", "host")),
            ("paper_types", m.DataExpectation("count", count=3)),
            ("inbox_url_send", m.DataExpectation("cleared")),
        )),
        m.DepartmentCheck("client-a", "101", True, (("total", 0),), "same as host"),
        m.LogCheck("host", "Delivered", "client-a", "NG", "E-BUSY", "", 1),
        m.PanelCheck(("Updating",), ("E-UPDATE",)),
        m.StateCheck("client-a", (("power", "Off"), ("activity", "Updating"), ("error", "none"),
                                  ("network", "cut"), ("tls", "removed"))),
        m.RestorableCheck("client-a", ()),
        m.RefusedCheck(rule="DID-20"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("name: x\nsteps:\n  - at: host\n", True), ("machines:\n  - name: host\n", False),
     ("name: x\n  steps: []\n", False)],
)
def test_scenario_files_are_told_from_fleet_files(text: str, expected: bool) -> None:
    assert looks_like_scenario(text) is expected
