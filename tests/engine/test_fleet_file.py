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


# --- M-07, M-09: addresses, named hosts -------------------------------------------------------------------


def _fleet(tmp_path: Path, text: str):  # noqa: ANN202 - a FleetSpec
    path = tmp_path / "fleet.yaml"
    path.write_text(text)
    return load_fleet_file(path)


TWO_HOSTS = (
    "fleet: {first_address: 127.31.0.11}\n"
    "hosts:\n  lab-a: 192.0.2.10\n  lab-b: 192.0.2.20\n"
    "machines:\n"
    "  - {name: host, model: m, series: s, runs_on: lab-a}\n"
    "  - {name: client-a, model: m, series: s, runs_on: lab-b}\n"
    "  - {name: client-b, model: m, series: s, runs_on: lab-b}\n"
    "  - {name: client-c, model: m, series: s, address: 192.0.2.21}\n"
    "  - {name: local, model: m, series: s}\n"
)


@pytest.mark.rules("M-07", "M-09")
def test_m09_named_hosts_give_their_machines_real_addresses_and_ports_from_8443(tmp_path: Path) -> None:
    from mfp_console.engine.addresses import plan_addresses

    spec = _fleet(tmp_path, TWO_HOSTS)
    assert spec.hosts == (("lab-a", "192.0.2.10"), ("lab-b", "192.0.2.20"))
    assert spec.machine("client-a").runs_on == "lab-b"
    plan = plan_addresses(spec)
    assert {name: str(p) for name, p in plan.items()} == {
        "host": "192.0.2.10:8443", "client-a": "192.0.2.20:8443", "client-b": "192.0.2.20:8444",
        "client-c": "192.0.2.21:8443",
        "local": "127.31.0.15:8443",  # by position in the file, from the fleet's first address
    }
    assert plan["client-c"].opted_in and plan["client-a"].opted_in and not plan["local"].opted_in


@pytest.mark.rules("M-07")
def test_m07_bad_hosts_and_addresses_are_reported_at_their_lines(tmp_path: Path) -> None:
    problems = _problems(tmp_path, (
        "fleet: {first_address: 10.0.0.1}\n"
        "hosts:\n  lab-a: 192.0.2.10:22\n  Lab_B: 192.0.2.20\n"
        "machines:\n"
        "  - {name: host, model: m, series: s, runs_on: lab-c}\n"
        "  - {name: client-a, model: m, series: s, address: 'http://x'}\n"
    ))
    text = "\n".join(problems)
    assert ":1:" in text and "127.0.0.0/8" in text
    assert ":3:" in text and "without a port" in text
    assert ":4:" in text and "lowercase" in text
    assert ":6:" in text and "'lab-c'" in text
    assert ":7:" in text and "without a scheme" in text


def test_two_machines_on_one_address_are_refused_when_the_fleet_is_built(tmp_path: Path) -> None:
    from mfp_console.engine.addresses import plan_addresses
    from mfp_console.errors import ConfigError

    spec = _fleet(tmp_path, "machines:\n  - {name: host, model: m, series: s}\n"
                            "  - {name: client-a, model: m, series: s, address: '127.20.0.11:8443'}\n")
    with pytest.raises(ConfigError, match="host and client-a would both listen on 127.20.0.11:8443"):
        plan_addresses(spec)


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
