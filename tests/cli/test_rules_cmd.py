"""``mfp-console rules``: what proves each rule, read from the tests' markers and the scenarios' covers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfp_console.cli.main import main
from mfp_console.cli.rules_cmd import rule_coverage, rules_markdown
from mfp_console.domain.rules import RULES

ROOT = Path(__file__).resolve().parents[2]


def test_docs_rules_md_is_the_generated_table() -> None:
    """docs/rules.md cannot fall behind: it must be exactly what the command prints."""
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_markdown(rule_coverage(ROOT)), \
        "docs/rules.md is out of date: run  mfp-console rules --markdown > docs/rules.md"


def test_a_rule_lists_its_marked_tests_and_its_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--root", str(ROOT), "--json", "DID-14"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["rule"] == "DID-14" and row["title"] == RULES["DID-14"]
    assert "tests/engine/test_distribution.py::test_did14_department_ids_merge_and_keep_client_counters" \
        in row["tests"]
    assert "scenarios/distribution-department-merge.yaml" in row["scenarios"]


def test_a_marker_and_a_covers_entry_are_found_in_a_small_checkout(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        "import pytest\n\nclass TestA:\n    @pytest.mark.rules('UI-07', 'M-02')\n    def test_one(self):\n        pass\n")
    (tmp_path / "scenarios" / "walk.yaml").write_text("name: walk\ncovers: [UI-02]\nsteps: []\n")
    rows = {r.rule: r for r in rule_coverage(tmp_path)}
    assert rows["UI-07"].tests == ["tests/test_x.py::TestA::test_one"] == rows["M-02"].tests
    assert rows["UI-02"].scenarios == ["scenarios/walk.yaml"]
    assert not rows["DID-01"].tests and not rows["DID-01"].scenarios


def test_an_unknown_rule_id_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--root", str(ROOT), "DID-99"]) == 2
    assert "unknown rule ID DID-99" in capsys.readouterr().out


def test_a_reader_that_goes_away_ends_the_output_without_a_traceback() -> None:
    """``mfp-console rules --json | head -1``: a closed pipe is the reader's choice, not an error to print.

    The output is larger than a pipe holds (64 KiB), so the writer is still writing when the reader leaves.
    """
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "mfp_console", "rules", "--json", "--root", str(ROOT)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
