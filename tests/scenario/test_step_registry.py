"""The step registry is the one table of step kinds: complete, and what the validator and runner use."""

from __future__ import annotations

import typing

from mfp_console.scenario import model as m
from mfp_console.scenario.steps import STEPS, StepGroup, kind_of


def test_every_payload_of_the_model_has_exactly_one_step_kind() -> None:
    payloads = set(typing.get_args(m.Action))
    assert payloads == {kind.payload for kind in STEPS.values()}
    assert len(STEPS) == len(payloads)


def test_a_payload_finds_its_kind_and_the_kind_describes_it() -> None:
    press = m.Press(("Settings/Registration", "Management Settings"))
    assert kind_of(press) is STEPS["press"]
    assert STEPS["press"].describe(press) == "press Settings/Registration › Management Settings"
    assert STEPS["press"].needs_panel and not STEPS["advance"].needs_panel
    assert {k for k, kind in STEPS.items() if kind.bare} == {"logout", "next_event"}
    assert {k for k, kind in STEPS.items() if kind.group is StepGroup.TIME} == {"advance", "goto", "next_event", "wait"}
