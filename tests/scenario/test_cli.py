"""``mfp-console check`` and ``mfp-console play``: exit codes 0/1/2, output, JSON, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfp_console.cli.main import main

PASSING = """\
name: Passing
covers: [DID-08]
steps:
  - world: {change_pin: {machine: client-b, pin: "1111111"}}
  - distribute: {categories: [Address Book], to: [client-a, client-b]}
  - expect: {status: {client-a: OK, client-b: NG E-AUTH}}
"""

FAILING = """\
name: Failing
steps:
  - distribute: {categories: [Address Book], to: [client-a]}
  - expect: {data: {machine: client-a, address_book: unchanged}}
"""

INVALID = """\
name: Invalid
steps:
  - distribute: {categories: [Address Book], to: [client-q]}
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("passing", PASSING), ("failing", FAILING), ("invalid", INVALID)):
        out[name] = tmp_path / f"{name}.yaml"
        out[name].write_text(text, encoding="utf-8")
    return out


def test_check_valid_files_exits_0_and_lists_them(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(files["passing"]), str(files["failing"])]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"ok    {files['passing']}: 'Passing' (3 steps, covers DID-08)",
        f"ok    {files['failing']}: 'Failing' (2 steps)",
    ]


def test_check_an_invalid_file_exits_2(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(files["passing"]), str(files["invalid"])]) == 2
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [
        f"{files['invalid']}:3:51: no machine named 'client-q' in the fleet (did you mean 'client-d'?)",
        "  3 |   - distribute: {categories: [Address Book], to: [client-q]}",
        "    |                                                   ^",
    ]
    assert out.rstrip().endswith("1 problem(s) in 1 of 2 file(s)")


def test_play_headless_exits_0_when_every_expectation_holds(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["play", "--headless", str(files["passing"])]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"PASS  Passing  ({files['passing']}, 3 steps, engine, ")


def test_play_exits_1_naming_the_step_expected_actual_and_the_svg(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svg_dir = tmp_path / "svg"
    code = main(["play", "--headless", "--svg-dir", str(svg_dir), str(files["passing"]), str(files["failing"])])
    assert code == 1
    out = capsys.readouterr().out
    assert f"{files['failing']}:4: step 2 (expect data) failed at 2026-11-20 09:00:00" in out
    assert "  4 |   - expect: {data: {machine: client-a, address_book: unchanged}}" in out
    assert "  expected: client-a's address_book: unchanged" in out
    assert "  actual:   now: 60 entries, at the start: 16 entries; only on now: " in out
    assert f"  panel at that moment: {svg_dir / 'failing-step2-line4.svg'}" in out
    assert (svg_dir / "failing-step2-line4.svg").is_file()
    assert out.rstrip().endswith("1 passed, 1 failed")


def test_play_exits_2_for_an_invalid_file_and_plays_nothing(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["play", "--headless", str(files["passing"]), str(files["invalid"])]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{files['invalid']}:3:51: no machine named 'client-q'" in captured.err
    assert "Traceback" not in captured.err


def test_play_json(files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["play", "--headless", "--json", "--svg-dir", str(tmp_path), str(files["failing"])])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is False
    (only,) = data["scenarios"]
    assert only["name"] == "Failing" and only["failed_at"] == f"{files['failing']}:4"
    assert [s["status"] for s in only["steps"]] == ["passed", "failed"]
    assert only["steps"][1]["expected"] == "client-a's address_book: unchanged"


def test_play_without_a_terminal_plays_headless(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", "--speed", "4", str(files["passing"])]) == 0
    captured = capsys.readouterr()
    assert "not a terminal: playing headless" in captured.err
    assert captured.out.startswith("PASS  Passing")


def test_play_refuses_a_speed_of_zero(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["play", "--speed", "0", str(files["passing"])])
    assert info.value.code == 2
    assert "--speed must be more than 0" in capsys.readouterr().err
