"""Fleet files: the default fleet, and every mistake reported at once with file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfp_console.domain.machine import Function
from mfp_console.errors import FileProblemsError
from mfp_console.fleet_file import load_fleet_file


def test_default_fleet_has_a_host_that_is_also_the_sync_server_and_four_clients() -> None:
    spec = load_fleet_file(None)
    assert spec.names == ("host", "client-a", "client-b", "client-c", "client-d")
    host = spec.machine("host")
    assert {Function.DISTRIBUTION_SENDER, Function.SYNC_SERVER} <= host.identity.functions
    same_series = [m for m in spec.machines[1:] if m.identity.series == host.identity.series]
    other_series = [m for m in spec.machines[1:] if m.identity.series != host.identity.series]
    assert len(same_series) == 3 and len(other_series) == 1
    assert all(Function.DISTRIBUTION_RECEIVER in m.identity.functions for m in spec.machines[1:])


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "fleet.yaml"
    path.write_text(text)
    with pytest.raises(FileProblemsError) as info:
        load_fleet_file(path)
    return [str(p) for p in info.value.problems]


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "machines:\n  - name: host\n    model: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'fleet.yaml'}:4:")
    assert "YAML syntax error" in problems[0]


def test_every_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    text = (
        "fleet:\n"
        "  concurency: 2\n"  # line 2: typo
        "machines:\n"
        "  - name: host\n"
        "    model: iR-ADV C5560\n"
        "    series: iR-ADV C5500\n"
        "    functions: [distribution_sendr]\n"  # line 7
        "    system_manager: {id: \"12345678\", pin: \"7654321\"}\n"  # line 8: too long
        "  - name: host\n"  # line 9: duplicate
        "    model: x\n"
        "    series: y\n"
    )
    problems = _problems(tmp_path, text)
    joined = "\n".join(problems)
    assert ":2:3: unknown key 'concurency'" in joined and "did you mean 'concurrency'?" in joined
    assert ":7:" in joined and "unknown function 'distribution_sendr'" in joined
    assert "did you mean 'distribution_sender'?" in joined
    assert ":8:" in joined and "1 to 7 digits" in joined
    assert ":9:" in joined and "used twice" in joined
    assert len(problems) == 4


@pytest.mark.rules("M-02")
def test_unquoted_pin_is_refused_because_leading_zeros_would_be_lost(tmp_path: Path) -> None:
    """M-02: IDs and PINs are digit strings; YAML would turn 0000321 into 321 silently."""
    problems = _problems(
        tmp_path, "machines:\n  - name: host\n    model: m\n    series: s\n    system_manager: {id: 321, pin: \"1\"}\n"
    )
    assert any(":5:" in p and "quotes" in p for p in problems)


def test_not_a_mapping_and_empty_machines(tmp_path: Path) -> None:
    assert "must be a mapping" in _problems(tmp_path, "- just\n- a list\n")[0]
    assert "non-empty list" in _problems(tmp_path, "machines: []\n")[0]


def test_missing_file_is_a_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(FileProblemsError) as info:
        load_fleet_file(tmp_path / "nope.yaml")
    assert "cannot read file" in str(info.value)


def test_generate_adds_many_lookalike_clients(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(
        "fleet: {destination_limit: 1000, concurrency: 8}\n"
        "machines:\n  - {name: host, model: m, series: s, functions: [distribution_sender], seed: host}\n"
        "generate:\n  count: 1000\n  name_format: 'rx-{n:04d}'\n"
        "  template: {model: m, series: s, functions: [distribution_receiver], seed: empty}\n"
    )
    spec = load_fleet_file(path)
    assert len(spec.machines) == 1001
    assert spec.machines[-1].name == "rx-1000"
    assert spec.settings.destination_limit == 1000 and spec.settings.concurrency == 8


@pytest.mark.rules("SYNC-01")
def test_the_default_fleet_starts_synchronizing_and_a_wrong_sync_start_is_refused(tmp_path: Path) -> None:
    spec = load_fleet_file(None)
    started = {m.name: (m.sync.server, m.sync.client) for m in spec.machines}
    assert started == {"host": (True, True), "client-a": (False, True), "client-b": (False, True),
                       "client-c": (False, True), "client-d": (False, False)}
    problems = _problems(tmp_path, (
        "machines:\n"
        "  - {name: a, model: m, series: s, functions: [sync_client], sync: {server: true}}\n"
        "  - {name: b, model: m, series: s, functions: [], sync: {client: yes please}}\n"
        "  - {name: c, model: m, series: s, functions: [sync_client], sync: {clients: true}}\n"
    ))
    text = "\n".join(problems)
    assert "'a' has no sync_server function to start" in text
    assert "'client' must be true or false" in text
    assert "unknown key 'clients'" in text or "clients" in text
