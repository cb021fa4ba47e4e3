"""Deliberately broken scenario files: every problem of a file is reported at once, each with its exact
``line:column``, a message a person can act on and, for a near miss, the nearest valid word; ``check``
prints them with the offending line and exits 2 without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mfp_console.cli.main import main
from mfp_console.errors import FileProblemsError
from mfp_console.scenario.loader import load_scenario, load_scenario_text

BROKEN = Path(__file__).resolve().parent / "broken"

EXPECTED: dict[str, list[str]] = {
    "01-yaml-syntax.yaml": [
        "4:13: YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping that starts on line 4, column 13) (close the '{' or separate items with ',')",
    ],
    "02-tabs.yaml": [
        '3:1: a tab is used for indentation; YAML needs spaces',
    ],
    "03-unknown-top-level-key.yaml": [
        "1:1: the scenario needs 'steps': a list of what happens, in order",
        "3:1: unknown key 'stpes' in the scenario (did you mean 'steps'?)",
    ],
    "04-missing-name.yaml": [
        "1:1: the scenario needs a 'name' (it names the test and the demo)",
    ],
    "05-empty-steps.yaml": [
        "2:1: 'steps' is empty; a scenario needs at least one step",
    ],
    "06-unknown-step.yaml": [
        "4:5: unknown step 'pres' (did you mean 'press'?)",
        "5:5: unknown step 'logot' (did you mean 'logout'?)",
    ],
    "07-unknown-world-action.yaml": [
        "3:13: unknown world action 'power_of' (did you mean 'power_off'?)",
    ],
    "08-unknown-expectation.yaml": [
        "3:14: unknown expectation 'stauts' (did you mean 'status'?)",
    ],
    "09-bad-durations.yaml": [
        "3:14: 'advance': the duration 90 has no unit; write e.g. '90s', '90m' or '90h'",
        "4:14: 'advance': cannot read the duration '10 minutes'; write a number and a unit: 90s, 10m, 2h, 1d (or 1h30m)",
        "5:50: 'within': cannot read the duration 'soon'; write a number and a unit: 90s, 10m, 2h, 1d (or 1h30m)",
    ],
    "10-bad-times.yaml": [
        "2:8: 'clock': cannot read the time '2026-13-45T09:00'; write an ISO date and time such as 2026-11-20T09:00",
        "4:11: 'goto': '25:00' is not a time of day (00:00 to 23:59)",
        "5:11: 'goto': cannot read the time 'next tuesday'; write an ISO date and time such as 2026-11-20T09:00 or a time of day such as '03:00'",
    ],
    "11-unknown-machine.yaml": [
        "3:9: no machine named 'clinet-a' in the fleet (did you mean 'client-a'?)",
        "4:24: no machine named 'client-x' in the fleet (did you mean 'client-d'?)",
    ],
    "12-unknown-category.yaml": [
        "3:31: unknown category 'Adress Book' in 'distribute' (did you mean 'Address Book'?)",
    ],
    "13-unknown-toggle.yaml": [
        "3:11: no toggle 'Adress Book' on the panel (did you mean 'Address Book'?)",
        "4:29: 'Network Settings' is Include or Exclude, got 'On'",
    ],
    "14-wrong-value-types.yaml": [
        '3:17: write the id in quotes so leading zeros are kept (e.g. id: "7654321")',
        "4:12: a button label must be text, got {'Next': True}",
        "5:11: 'note' must be text (quote it if it contains ': ')",
    ],
    "15-missing-required-keys.yaml": [
        "3:11: 'wait' needs 'within': the most machine time to wait, e.g. 10m",
        "4:20: 'data' needs 'machine' (a machine name)",
    ],
    "16-duplicate-keys.yaml": [
        "3:37: key 'client-a' is written twice in this mapping (first on line 3); YAML would keep only the last one (remove one, or make it a separate step)",
        "4:1: key 'name' is written twice in this mapping (first on line 1); YAML would keep only the last one (remove one, or make it a separate step)",
    ],
    "17-unknown-rule-ids.yaml": [
        "2:10: unknown rule ID 'DID-4' in 'covers' (did you mean 'DID-04'?)",
        "2:17: unknown rule ID 'DID-99' in 'covers' (did you mean 'DID-19'?)",
        "2:25: unknown rule ID 'did-08' in 'covers' (did you mean 'DID-08'?)",
    ],
    "18-two-keys-in-one-step.yaml": [
        "4:5: a step has exactly one key, but this one also has 'press' after 'at' (start each step with its own '- ')",
    ],
    "19-bad-status-value.yaml": [
        "3:33: status of client-a: 'NG E-AUHT' is not a <Status> value (OK, NG <code>, Waiting, Distributing, Canceled) (did you mean 'NG E-AUTH'?)",
        "3:54: status of client-b: 'Done' is not a <Status> value (OK, NG <code>, Waiting, Distributing, Canceled)",
    ],
    "20-bad-wait-condition.yaml": [
        "3:19: unknown machine state 'Offline' in 'until' (did you mean 'Off'?)",
        "4:19: cannot read the condition 'distribution done'; write one of 'distribution finished', 'distribution started', '<machine> is <On|Off|Sleep|Idle|Printing|…>', '<machine> is cut off', '<machine> shows <E-UPDATE|no error>', '<destination> status is <OK|NG E-AUTH|…>' (did you mean 'distribution finished'?)",
    ],
    "21-bad-menu-path.yaml": [
        "3:36: no button 'Managment Settings' under Settings/Registration (did you mean 'Management Settings'?)",
    ],
    "22-fleet-file-missing.yaml": [
        "2:8: fleet file 'fleets/nowhere.yaml' not found (looked for {here}/fleets/nowhere.yaml) (paths are relative to the scenario file; use 'default' for the built-in fleet)",
    ],
    "23-inline-fleet-invalid.yaml": [
        "7:19: unknown function 'distribution_sendr' for 'host' (did you mean 'distribution_sender'?)",
    ],
    "24-bad-settings.yaml": [
        "2:12: unknown key 'concurency' in 'settings' (did you mean 'concurrency'?)",
        "2:51: 'update_seconds_per_mib' must be a number of seconds from 0 to 86400, got -1",
    ],
    "25-empty-file.yaml": [
        "1:1: the file is empty; a scenario needs 'name' and 'steps'",
    ],
    "26-not-a-mapping.yaml": [
        "1:1: a scenario must be a mapping with 'name', 'fleet', 'clock' and 'steps'",
    ],
    "27-goto-before-start.yaml": [
        "4:11: 'goto' 2026-11-19T09:00 is before the scenario's start (2026-11-20T09:00); the clock only moves forward",
    ],
    "28-bad-start-time.yaml": [
        "3:52: 'everyday': Start time 2400: hours go from 00 to 23; enter exactly four digits, 0000 to 2359 (e.g. 0300 for 3:00 a.m.) (DID-21)",
        "3:60: 'everyday': Start time '705' has 3 digits; enter exactly four digits, 0000 to 2359 (e.g. 0300 for 3:00 a.m.) (did you mean 0705?) (DID-21)",
    ],
    "29-bad-pin.yaml": [
        '3:50: System Manager PIN must be 1 to 7 digits; got 8 (M-02)',
    ],
    "30-empty-step.yaml": [
        "4:4: empty step; write a step like '- press: Next'",
        "5:5: empty step; write a step like '- press: Next'",
    ],
    "31-unknown-data-item.yaml": [
        "3:40: unknown key 'adress_book' in 'data' (did you mean 'address_book'?)",
        "3:80: cannot read 'same like host' for 'paper_types'; write one of same as <machine>, different from <machine>, unchanged, changed, {count: n} (did you mean 'same as host'?)",
    ],
    # Issue 17: each of these hung `check`, or passed it and crashed `play`.
    "32-yaml-aliases.yaml": [
        "3:11: YAML anchor '&a' is not allowed in this file (anchors and aliases are not used in fleet or scenario files; write each value out)",
        "4:11: YAML anchor '&b' is not allowed in this file (anchors and aliases are not used in fleet or scenario files; write each value out)",
        "5:11: YAML anchor '&c' is not allowed in this file (anchors and aliases are not used in fleet or scenario files; write each value out)",
        "6:11: YAML anchor '&d' is not allowed in this file (anchors and aliases are not used in fleet or scenario files; write each value out)",
        "7:11: YAML anchor '&e' is not allowed in this file (anchors and aliases are not used in fleet or scenario files; write each value out)",
        "8:11: YAML anchor '&f' is not allowed in this file (anchors and aliases are not used in fleet or scenario files; write each value out)",
        "9:11: YAML anchor '&g' is not allowed in this file (anchors and aliases are not used in fleet or scenario files; write each value out)",
        "10:11: YAML anchor '&h' is not allowed in this file (anchors and aliases are not used in fleet or scenario files; write each value out)",
        "11:12: YAML alias '*h' is not allowed in this file (write the value out in full)",
    ],
    "33-unbounded-durations.yaml": [
        "2:36: 'update_seconds_per_mib' must be a number of seconds from 0 to 86400, got inf",
        "4:14: 'advance': the duration '99999999d' is longer than 366 days, the most one step may take; split it into several steps",
        "5:50: 'within': the duration '367d' is longer than 366 days, the most one step may take; split it into several steps",
    ],
    "34-clock-past-the-calendar.yaml": [
        "4:5: this step could move the clock past 9000-01-01, where machine time ends (the scenario starts at 8999-06-01); start earlier or move time less",
    ],
    # DID-19 turned round: the old key must not play with its meaning silently flipped.
    "35-old-restrict-key.yaml": [
        "3:36: 'restrict' of 'receiving' was replaced: its On meant refused, but on the machine <On> receives a category and <Off> refuses it (DID-19); write 'receive' with the switches as the panel shows them, e.g. receive: {Printer Settings: Off} for a refused category",
        "4:46: unknown category 'Printer Setings' in 'receive' (did you mean 'Printer Settings'?)",
    ],
}


def _problems(path: Path) -> list[str]:
    with pytest.raises(FileProblemsError) as info:
        load_scenario(path)
    prefix = f"{path}:"
    return [str(p).removeprefix(prefix).replace(str(path.parent), "{here}") for p in info.value.problems]


def test_there_are_at_least_twenty_kinds_of_broken_files() -> None:
    files = sorted(p.name for p in BROKEN.glob("*.yaml"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_file_reports_exactly_its_problems(name: str) -> None:
    assert _problems(BROKEN / name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_prints_line_numbered_problems_with_the_line_and_exits_2(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = BROKEN / name
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    first = EXPECTED[name][0]
    line, column = (int(n) for n in first.split(":")[:2])
    assert out.startswith(f"{path}:{line}:{column}: ")
    text = path.read_text(encoding="utf-8").splitlines()
    if line <= len(text):
        # the offending line follows, then a caret under the column
        shown = text[line - 1].replace("\t", "→")
        assert f"  {line} | {shown}".rstrip() in out
        assert "^" in out
    assert out.rstrip().endswith(f"{len(EXPECTED[name])} problem(s) in 1 of 1 file(s)")


def test_check_reports_every_problem_of_every_file_together(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(BROKEN.glob("*.yaml"))
    assert main(["check", *map(str, files)]) == 2
    out = capsys.readouterr().out
    total = sum(len(v) for v in EXPECTED.values())
    assert out.rstrip().endswith(f"{total} problem(s) in {len(files)} of {len(files)} file(s)")
    for path in files:
        assert str(path) in out


def test_check_as_a_process_exits_2_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mfp_console", "check", str(BROKEN / "06-unknown-step.yaml"),
         str(BROKEN / "01-yaml-syntax.yaml")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert "06-unknown-step.yaml:4:5: unknown step 'pres' (did you mean 'press'?)" in done.stdout
    assert "  4 |   - pres: Next" in done.stdout


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "absent.yaml")]) == 2
    out = capsys.readouterr().out
    assert f"{tmp_path / 'absent.yaml'}: cannot read file: No such file or directory" in out


def test_a_fleet_file_with_problems_is_reported_in_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "fleet.yaml").write_text("machines:\n  - name: host\n    modle: x\n", encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\nfleet: fleet.yaml\nsteps:\n  - at: host\n", encoding="utf-8")
    with pytest.raises(FileProblemsError) as info:
        load_scenario(scenario)
    shown = [str(p) for p in info.value.problems]
    assert shown[0] == f"{scenario}:2:8: the fleet file 'fleet.yaml' has 3 problem(s), listed below"
    assert f"{tmp_path / 'fleet.yaml'}:3:5: unknown key 'modle' in a machine (did you mean 'model'?)" in shown


def test_machine_names_are_checked_against_an_inline_fleet() -> None:
    text = (
        "name: x\n"
        "fleet:\n"
        "  machines:\n"
        "    - {name: alpha, model: m, series: s, functions: [distribution_sender]}\n"
        "    - {name: beta, model: m, series: s, functions: [distribution_receiver]}\n"
        "steps:\n"
        "  - distribute: {categories: all, to: [bta]}\n"
    )
    with pytest.raises(FileProblemsError) as info:
        load_scenario_text(text, "inline.yaml")
    assert [str(p) for p in info.value.problems] == [
        "inline.yaml:7:40: no machine named 'bta' in the fleet (did you mean 'beta'?)"
    ]


@pytest.mark.rules("DID-19")
def test_did19_the_old_restrict_key_is_an_error_naming_its_replacement() -> None:
    """DID-19 now reads as the seed says (<Off> refuses): the old key whose On meant refused is refused."""
    problems = _problems(BROKEN / "35-old-restrict-key.yaml")
    assert problems[0].startswith("3:36: 'restrict' of 'receiving' was replaced")
    assert "receive: {Printer Settings: Off}" in problems[0]
