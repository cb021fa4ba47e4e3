"""UI-06: ``--instructor`` opens the panel in instructor mode, from ``run`` (or no command) and through
``serve`` (which starts ``mfp-console run`` for each browser tab)."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from mfp_console.cli import panel_cmd
from mfp_console.cli.main import build_parser


class _App:
    return_code = 0

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def run(self) -> int:
        return 0


@pytest.mark.rules("UI-06")
@pytest.mark.parametrize(("argv", "wanted"), [
    (["run", "--instructor"], True),
    (["--instructor", "run"], True),
    (["run"], False),
])
def test_ui06_run_passes_instructor_to_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path, argv, wanted) -> None:
    made: list[_App] = []

    def fake_create_app(*args: Any, **kwargs: Any) -> _App:
        made.append(_App(**kwargs))
        return made[-1]

    import mfp_console.tui.app as tui_app

    monkeypatch.setattr(tui_app, "create_app", fake_create_app)
    args = build_parser().parse_args([*argv, "--state-dir", str(tmp_path)])
    assert panel_cmd.cmd_run(args) == 0
    assert made[0].kwargs["instructor"] is wanted


@pytest.mark.rules("UI-06")
def test_ui06_serve_hands_instructor_to_each_tabs_run(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    started: list[str] = []

    class _Server:
        def __init__(self, command: str, **kwargs: Any) -> None:
            started.append(command)

        def serve(self) -> None:
            return None

    pytest.importorskip("textual_serve")
    import textual_serve.server

    monkeypatch.setattr(textual_serve.server, "Server", _Server)
    args = build_parser().parse_args(["serve", "--instructor", "--state-dir", str(tmp_path)])
    assert isinstance(args, argparse.Namespace)
    assert panel_cmd.cmd_serve(args) == 0
    assert started and started[0].endswith("--instructor")
