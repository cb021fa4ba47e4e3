"""``--fleet`` and ``--state-dir`` in one place: every command takes them before or after its name (the README's
promise), the later one wins, and ``play`` / ``check`` / ``bench`` give them a meaning of their own."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mfp_console.cli.main import build_parser, main

# Every command with the fewest arguments it needs; the walk below proves no command is missing here.
COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("run",): [],
    ("fleet", "status"): [],
    ("fleet", "ping"): [],
    ("fleet", "reset"): [],
    ("machine",): ["--name", "host"],
    ("distribute",): ["--dry-run"],
    ("check",): ["s.yaml"],
    ("play",): ["--headless", "s.yaml"],
    ("serve",): [],
    ("bench",): ["--quick"],
    ("rules",): [],
    ("identity", "export"): ["--name", "host", "--out", "x.json"],
    ("identity", "import"): ["x.json"],
    ("record",): ["out.yaml"],
    ("sync-preview",): ["client-a"],
}


def _leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {prefix}
    out: set[tuple[str, ...]] = set()
    for name, child in subs[0].choices.items():
        out |= _leaf_commands(child, (*prefix, name))
    return out


def _func(args: argparse.Namespace) -> str:
    return args.func.__name__


def test_the_table_names_every_command() -> None:
    assert _leaf_commands(build_parser()) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=" ".join)
def test_fleet_and_state_dir_are_taken_before_and_after_the_command_name(command: tuple[str, ...]) -> None:
    parser = build_parser()
    rest = COMMANDS[command]
    options = ["--fleet", "f.yaml", "--state-dir", "D"]
    after = parser.parse_args([*command, *rest, *options])
    before = parser.parse_args([*options, *command, *rest])
    for args in (after, before):
        assert (args.fleet, args.state_dir) == ("f.yaml", Path("D"))
    assert _func(after) == _func(before)
    if len(command) == 2:  # between a group and its command: `fleet --state-dir D status`
        between = parser.parse_args([command[0], *options, command[1], *rest])
        assert (between.fleet, between.state_dir) == ("f.yaml", Path("D"))


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=" ".join)
def test_the_later_option_wins_and_an_absent_one_stays_unset(command: tuple[str, ...]) -> None:
    parser = build_parser()
    rest = COMMANDS[command]
    args = parser.parse_args(["--state-dir", "first", *command, *rest, "--state-dir", "second"])
    assert args.state_dir == Path("second") and args.fleet is None
    bare = parser.parse_args([*command, *rest])
    assert (bare.fleet, bare.state_dir) == (None, None)


def test_play_headless_with_state_dir_after_the_name_plays_and_keeps_the_fleet(tmp_path: Path) -> None:
    """Was: exit 2 'unrecognized arguments: --state-dir'. Each file plays in its own fresh folder, kept."""
    scenario = tmp_path / "login.yaml"
    scenario.write_text(
        "name: Log in at the host\nsteps:\n  - distribute: {categories: [Address Book], to: [client-a]}\n"
        "  - expect: {status: {client-a: OK}}\n",
        encoding="utf-8",
    )
    state = tmp_path / "state"
    result = subprocess.run(
        [sys.executable, "-m", "mfp_console", "play", "--headless", "--state-dir", str(state), str(scenario)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"fleet state kept in {state / 'login'}" in result.stdout
    assert (state / "login" / "machines" / "client-a.sqlite3").is_file()
    assert (state / "login" / "pki" / "ca.crt").is_file()


def test_play_refuses_a_state_folder_that_already_holds_a_fleet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\nsteps:\n  - advance: 1m\n", encoding="utf-8")
    (tmp_path / "state" / "s").mkdir(parents=True)
    (tmp_path / "state" / "s" / "left-over").write_text("x")
    assert main(["play", "--headless", "--state-dir", str(tmp_path / "state"), str(scenario)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'state' / 's'} is not empty" in err and "fresh fleet" in err


def test_fleet_option_is_the_fleet_of_scenarios_that_name_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = tmp_path / "two.yaml"
    fleet.write_text(
        "machines:\n"
        "  - {name: alpha, model: m, series: s, functions: [distribution_sender]}\n"
        "  - {name: beta, model: m, series: s, functions: [distribution_receiver]}\n",
        encoding="utf-8",
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\nsteps:\n  - distribute: {categories: all, to: beta}\n", encoding="utf-8")
    assert main(["check", str(scenario)]) == 2  # the built-in fleet has no 'beta'
    assert "no machine named 'beta'" in capsys.readouterr().out
    assert main(["check", str(scenario), "--fleet", str(fleet)]) == 0
    assert main(["--fleet", str(fleet), "play", "--headless", "--json", str(scenario)]) == 0
    out = capsys.readouterr().out
    played = json.loads(out[out.index("{"):])
    assert played["passed"]


def test_a_bad_fleet_option_for_check_is_reported_once_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = tmp_path / "bad.yaml"
    fleet.write_text("machines:\n  - name: host\n    modle: x\n", encoding="utf-8")
    files = []
    for name in ("a", "b"):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text("name: x\nsteps:\n  - advance: 1m\n", encoding="utf-8")
    assert main(["check", "--fleet", str(fleet), *map(str, files)]) == 2
    err = capsys.readouterr().err
    assert err.count(f"{fleet}:3:5:") == 1, err


def test_bench_keeps_its_fleets_in_state_dir_and_says_fleet_is_not_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import mfp_console.bench.suite as suite

    seen: dict[str, object] = {}

    class Report:
        missed = False

        def write_text(self, out: object) -> None:
            print("report", file=out)  # type: ignore[call-overload]

    def fake_run_suite(quick: bool, parts: object, work_dir: Path | None, progress: object) -> Report:
        seen["work_dir"] = work_dir
        return Report()

    monkeypatch.setattr(suite, "run_suite", fake_run_suite)
    assert main(["--fleet", "f.yaml", "bench", "--quick", "--state-dir", str(tmp_path)]) == 0
    assert seen["work_dir"] == tmp_path
    assert "--fleet f.yaml is not used" in capsys.readouterr().err
    assert main(["bench", "--quick", "--state-dir", str(tmp_path), "--work-dir", str(tmp_path / "w")]) == 0
    assert seen["work_dir"] == tmp_path / "w"  # --work-dir, when given, wins
