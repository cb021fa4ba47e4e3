"""The scenario library: every file is valid, names its rules, and together they walk every DID rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfp_console.scenario.loader import load_scenario
from mfp_console.scenario.vocabulary import KNOWN_RULE_IDS

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
RULES = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def _files() -> list[Path]:
    return sorted(LIBRARY.glob("*.yaml"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_each_library_scenario_is_valid_and_names_its_rules(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.covers, f"{path.name} has no covers:"
    assert set(scenario.covers) <= KNOWN_RULE_IDS


def test_the_library_walks_every_did_rule() -> None:
    covered = {rule for path in _files() for rule in load_scenario(path).covers}
    missing = sorted(f"DID-{n:02d}" for n in range(1, 25) if f"DID-{n:02d}" not in covered)
    assert missing == []


def test_the_known_rule_ids_match_the_numbering_of_the_rules() -> None:
    assert {"M-01", "M-10", "DID-01", "DID-28", "SYNC-01", "SYNC-23", "UI-01", "UI-07"} <= KNOWN_RULE_IDS
    assert not {"M-11", "DID-29", "SYNC-24", "UI-08", "DID-00"} & KNOWN_RULE_IDS
    assert len(KNOWN_RULE_IDS) == 10 + 28 + 23 + 7


def test_every_library_file_is_listed_in_the_docs() -> None:
    text = RULES.read_text(encoding="utf-8")
    for path in _files():
        assert path.stem in text, f"docs/scenarios.md does not list {path.stem}"


def test_every_step_and_expectation_is_documented() -> None:
    from mfp_console.scenario.steps import STEPS
    from mfp_console.scenario.vocabulary import EXPECT_KINDS, WORLD_ACTIONS

    text = RULES.read_text(encoding="utf-8")
    for word in (*STEPS, *EXPECT_KINDS, *WORLD_ACTIONS):
        assert f"`{word}`" in text, f"docs/scenarios.md does not document {word!r}"
