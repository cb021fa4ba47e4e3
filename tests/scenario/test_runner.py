"""Playing scenarios: fresh fleet, virtual clock, expected versus actual, an SVG of the panel on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfp_console.scenario.loader import load_scenario_text
from mfp_console.scenario.report import failure_report, summary_line
from mfp_console.scenario.runner import FAILED, PASSED, SKIPPED, run_scenario


def scenario(tmp_path: Path, body: str, head: str = ""):  # noqa: ANN201 - Scenario
    path = tmp_path / "play.yaml"
    text = f"name: Under test\nclock: 2026-11-20T09:00\n{head}steps:\n{body}"
    path.write_text(text, encoding="utf-8")
    return load_scenario_text(text, str(path))


async def test_a_passing_run_reports_every_step_in_machine_time(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - distribute: {categories: [Address Book], to: [client-a]}\n"
        "  - wait: {until: distribution finished, within: 10m}\n"
        "  - advance: 90m\n"
        "  - expect: {status: {client-a: OK}, data: {machine: client-a, address_book: same as host}}\n"
    ))
    result = await run_scenario(played)
    assert result.passed and result.mode == "engine" and result.svg is None
    assert [o.status for o in result.outcomes] == [PASSED] * 4
    assert result.outcomes[-1].clock is not None and result.outcomes[-1].clock.strftime("%H:%M") == "10:30"
    data = result.to_json()
    assert data["passed"] is True and data["failed_at"] is None and len(data["steps"]) == 4
    assert summary_line(result).startswith("PASS  Under test  (")


async def test_a_failed_expectation_says_where_expected_versus_actual_and_saves_an_svg(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - world: {change_pin: {machine: client-b, pin: \"1111111\"}}\n"
        "  - distribute: {categories: [Address Book], to: [client-a, client-b]}\n"
        "  - expect:\n"
        "      status: {client-a: OK, client-b: OK}\n"
        "  - note: never reached\n"
    ))
    result = await run_scenario(played, artifacts=tmp_path / "svg")
    assert not result.passed
    failure = result.failure
    assert failure is not None and failure.step.index == 3 and failure.status == FAILED
    assert (failure.message, failure.expected, failure.actual) == (
        "<Status> on host differs", "client-b: OK", "client-b: NG E-AUTH")
    assert result.outcomes[-1].status == SKIPPED
    assert result.where(failure) == f"{tmp_path / 'play.yaml'}:6"
    assert result.svg == tmp_path / "svg" / "play-step3-line6.svg"
    assert result.svg.read_text(encoding="utf-8").lstrip().startswith("<svg")
    report = failure_report(result)
    assert report.splitlines() == [
        f"{tmp_path / 'play.yaml'}:6: step 3 (expect status) failed at 2026-11-20 09:00:00",
        "  6 |   - expect:",
        "  7 |       status: {client-a: OK, client-b: OK}",
        "  <Status> on host differs",
        "  expected: client-b: OK",
        "  actual:   client-b: NG E-AUTH",
        f"  panel at that moment: {result.svg}",
    ]


async def test_a_wait_spends_its_budget_in_machine_time_then_fails_clearly(tmp_path: Path) -> None:
    played = scenario(tmp_path, "  - wait: {until: client-a is Off, within: 10m}\n")
    result = await run_scenario(played, save_svg=False)
    failure = result.failure
    assert failure is not None
    assert failure.message == "still waiting after 10m of machine time: client-a is Off"
    assert (failure.expected, failure.actual) == ("client-a is Off", "client-a power On")
    assert failure.clock is not None and failure.clock.strftime("%H:%M") == "09:10"


async def test_a_wait_jumps_to_the_timer_that_makes_it_true(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - auto_distribution: {mode: Everyday, everyday: [\"2100\"], categories: [Paper Information], to: client-a}\n"
        "  - wait: {until: distribution finished, within: 1d}\n"
        "  - expect: {status: {client-a: OK}, log: {machine: host, kind: Delivered, count: 1}}\n"
    ))
    result = await run_scenario(played)
    assert result.passed, failure_report(result)
    assert result.outcomes[1].clock is not None and result.outcomes[1].clock.strftime("%H:%M") == "21:00"


async def test_a_refusal_fails_the_step_unless_the_next_step_expects_it(tmp_path: Path) -> None:
    body = "  - restore: {machine: client-a, categories: [Address Book]}\n"
    unexpected = await run_scenario(scenario(tmp_path, body), save_svg=False)
    assert unexpected.failure is not None
    assert unexpected.failure.message.startswith("refused: DID-20: There is nothing to restore:")
    expected = await run_scenario(scenario(tmp_path, body + "  - expect: {refused: {rule: DID-20}}\n"))
    assert expected.passed
    assert expected.outcomes[0].message.startswith("refused as expected: DID-20")
    wrong = await run_scenario(scenario(tmp_path, "  - advance: 1m\n  - expect: {refused: true}\n"), save_svg=False)
    assert wrong.failure is not None
    assert (wrong.failure.message, wrong.failure.actual) == ("the previous step was not refused", "it succeeded")


async def test_next_event_without_anything_scheduled_fails(tmp_path: Path) -> None:
    result = await run_scenario(scenario(tmp_path, "  - next_event\n"), save_svg=False)
    assert result.failure is not None
    assert result.failure.message == "nothing is scheduled: there is no next event to jump to"


async def test_goto_a_time_of_day_and_data_relations(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - goto: \"03:00\"\n"
        "  - expect: {data: {machine: client-a, address_book: unchanged, paper_types: different from host}}\n"
        "  - distribute: {categories: [Address Book, Paper Information], to: [client-a]}\n"
        "  - expect: {data: {machine: client-a, address_book: changed, inbox_url_send: cleared}}\n"
        "  - expect: {data: {machine: client-a, paper_types: {count: 5}}}\n"
    ))
    result = await run_scenario(played, save_svg=False)
    assert result.outcomes[0].clock is not None and result.outcomes[0].clock.isoformat() == "2026-11-21T03:00:00+00:00"
    failure = result.failure
    assert failure is not None and failure.step.index == 5
    assert failure.expected == "client-a's paper_types: 5 entries"
    assert failure.actual.startswith("client-a's paper_types: ") and failure.actual.endswith(" entries")


async def test_department_and_state_mismatches_name_both_sides(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - world: {power_off: client-c}\n"
        "  - expect: {state: {machine: client-c, power: \"On\", network: connected}}\n"
    ))
    failure = (await run_scenario(played, save_svg=False)).failure
    assert failure is not None
    assert (failure.message, failure.expected, failure.actual) == ("client-c's state differs", "power On", "power Off")
    played = scenario(tmp_path, "  - expect: {department: {machine: client-a, id: \"101\", counters: {total: 5}}}\n")
    failure = (await run_scenario(played, save_svg=False)).failure
    assert failure is not None
    assert failure.message == "Department ID 0000101 on client-a: counters differ"
    assert failure.expected == "counters total 5" and failure.actual.startswith("counters total ")


@pytest.mark.slow
async def test_panel_steps_run_through_the_app_and_a_panel_failure_saves_its_svg(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - at: client-b\n"
        "  - press: Power Off\n"
        "  - expect: {state: {machine: client-b, power: \"Off\"}, panel: Main power is off}\n"
        "  - expect: {panel: Something not on the screen}\n"
    ))
    result = await run_scenario(played, artifacts=tmp_path / "svg")
    assert result.mode == "headless"
    assert [o.status for o in result.outcomes] == [PASSED, PASSED, PASSED, FAILED]
    failure = result.failure
    assert failure is not None
    assert failure.message == "the panel text differs (not shown: ['Something not on the screen'])"
    assert failure.expected == "shows 'Something not on the screen'"
    assert failure.actual.startswith("the panel shows: client-b — touch panel")
    assert result.svg is not None and result.svg.is_file()


@pytest.mark.slow
async def test_a_missing_button_fails_with_what_is_on_screen(tmp_path: Path) -> None:
    result = await run_scenario(scenario(tmp_path, "  - press: Start Manual Distribution\n"), artifacts=tmp_path)
    failure = result.failure
    assert failure is not None
    assert failure.message.startswith("no button 'Start Manual Distribution' on screen; visible: ")


@pytest.mark.slow
async def test_live_play_runs_the_same_steps_paced_and_announced(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - note: Watch client-b.\n"
        "  - at: client-b\n"
        "  - world: {busy: client-b}\n"
        "  - expect: {panel: Printing}\n"
    ))
    result = await run_scenario(played, mode="live", speed=1000, keep_open=False, terminal=False)
    assert result.passed, failure_report(result)
    assert result.mode == "live"


LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.slow
async def test_live_play_of_an_engine_only_scenario_shows_each_step_on_the_panel(monkeypatch) -> None:
    """did-01, the path a trainer shows first, has no panel steps: played live, the panel still walks to
    the host's status list while it distributes and to each client whose data a check compares."""
    from mfp_console.scenario import panel as panel_module
    from mfp_console.scenario.loader import load_scenario

    seen: list[tuple[str, str]] = []
    show = panel_module.PanelSurface.show

    async def show_and_look(self, machine, key=None, **details):  # noqa: ANN001, ANN202 - the wrapped method
        shown = await show(self, machine, key, **details)
        seen.append((self.machine, self.text()))
        return shown

    monkeypatch.setattr(panel_module.PanelSurface, "show", show_and_look)
    played = load_scenario(LIBRARY / "distribution-happy-path.yaml")
    result = await run_scenario(played, mode="live", speed=1000, keep_open=False, terminal=False)
    assert result.passed, failure_report(result)
    machines = [machine for machine, _ in seen]
    assert machines[:3] == ["host", "host", "host"] and {"client-a", "client-b", "client-c", "client-d"} <= set(machines)
    distributing, finished = seen[0][1], seen[2][1]
    assert "<Manual Distribution> — 2/2" in distributing and "client-c" in distributing
    assert "#1 finished: 3 OK" in finished
    assert "Register Destinations" in seen[3][1] and "client-a" in seen[3][1]


@pytest.mark.slow
async def test_live_play_of_panel02_keeps_its_own_panel_steps_and_shows_the_ng_row() -> None:
    """Live play shows steps that act through the fleet, but never over the scenario's own panel steps:
    panel-02 plays the same live as headless, and its NG E-MODEL row is on screen at 80×24."""
    from mfp_console.scenario.loader import load_scenario

    played = load_scenario(LIBRARY / "panel-status-list-other-series.yaml")
    result = await run_scenario(played, mode="live", speed=1000, keep_open=False, terminal=False)
    assert result.passed, failure_report(result)
