"""``mfp-console identity export|import``: a machine's key, certificate and fleet CA for another computer;
the key file 0600 and never printed (issue 15, docs/multi-host.md)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mfp_console.cli.main import main

FLEET = """\
hosts: {lab-a: 192.0.2.10, lab-b: 192.0.2.20}
machines:
  - {name: host, model: m, series: s, runs_on: lab-a, functions: [distribution_sender]}
  - {name: client-a, model: m, series: s, runs_on: lab-b, functions: [distribution_receiver]}
  - {name: client-b, model: m, series: s, runs_on: lab-b, functions: [distribution_receiver]}
"""


def test_export_by_host_and_import_on_the_other_computer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(FLEET)
    out = tmp_path / "lab-b.identities"
    assert main(["identity", "export", "--host", "lab-b", "--out", str(out), "--fleet", str(fleet),
                 "--state-dir", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr()
    assert "client-a, client-b" in printed.out and "PRIVATE KEY" not in printed.out + printed.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert main(["identity", "import", str(out), "--fleet", str(fleet), "--state-dir", str(tmp_path / "b")]) == 0
    printed = capsys.readouterr()
    assert "imported the identities of client-a, client-b" in printed.out and "PRIVATE KEY" not in printed.out
    key = tmp_path / "b" / "pki" / "machines" / "client-b.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_mistakes_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(FLEET)
    state = ["--fleet", str(fleet), "--state-dir", str(tmp_path / "a")]
    assert main(["identity", "export", "--host", "lab-c", "--out", str(tmp_path / "x"), *state]) == 2
    assert "names no host 'lab-c'" in capsys.readouterr().err
    out = tmp_path / "one"
    assert main(["identity", "export", "--name", "client-a", "--out", str(out), *state]) == 0
    assert main(["identity", "export", "--name", "client-a", "--out", str(out), *state]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["identity", "import", str(out), "--state-dir", str(tmp_path / "c")]) == 0  # default fleet knows client-a
    (tmp_path / "junk").write_text("{}")
    assert main(["identity", "import", str(tmp_path / "junk"), *state]) == 2
    assert "is not an identity file" in capsys.readouterr().err
