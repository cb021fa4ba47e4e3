"""The ``sync`` step and ``expect: {sync: …}``: reading, checking, playing on real TLS links."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfp_console.errors import FileProblemsError
from mfp_console.scenario import model as m
from mfp_console.scenario.loader import load_scenario_text
from mfp_console.scenario.runner import (
    FAILED,
    PASSED,
    SKIPPED,
    describe_step,
    run_scenario,
)


def scenario(tmp_path: Path, body: str, head: str = ""):  # noqa: ANN201 - Scenario
    path = tmp_path / "sync.yaml"
    text = f"name: Sync under test\nclock: 2026-11-20T09:00\n{head}steps:\n{body}"
    path.write_text(text, encoding="utf-8")
    return load_scenario_text(text, str(path))


def problems(tmp_path: Path, body: str) -> str:
    with pytest.raises(FileProblemsError) as info:
        scenario(tmp_path, body)
    return str(info.value)


def test_sync_actions_read_in_written_order_with_shorthands(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - sync: {start_server: host, start_client: [client-a, client-b]}\n"
        "  - sync: {login: {machine: client-a, user: alice}, add_address: {machine: client-a, name: Bob,"
        " address: bob@example.com, type: fax}}\n"
        "  - sync: {sharing: {server: host, item: Personal Buttons, range: \"[Device-Specific (Not Shared)]\"}}\n"
        "  - sync: {schedule: {server: host, mode: Daily, start: \"0300\"}}\n"
    ))
    first = played.steps[0].action
    assert isinstance(first, m.SyncStep)
    assert [(a.action, a.get("machine")) for a in first.actions] == [
        ("start_server", "host"), ("start_client", "client-a"), ("start_client", "client-b")]
    address = played.steps[1].action.actions[1]
    assert address.get("type") == "Fax"
    sharing = played.steps[2].action.actions[0]
    assert (sharing.get("item"), sharing.get("range")) == ("personal_buttons", "device_specific")
    assert not played.needs_panel
    assert describe_step(played.steps[0]).startswith("sync: start server (machine=host)")


def test_sync_problems_name_the_place_and_the_nearest_word(tmp_path: Path) -> None:
    text = problems(tmp_path, (
        "  - sync: {start_sever: host}\n"
        "  - sync: {login: {machine: client-z, user: alice}}\n"
        "  - sync: {sharing: {server: host, item: keychian, range: shared}}\n"
        "  - sync: {schedule: {server: host, mode: Daily, start: \"2599\"}}\n"
        "  - sync: {add_address: {machine: client-a, name: Bob}}\n"
        "  - expect: {sync: {machine: client-a, addresses: [Bob]}}\n"
        "  - expect: {sync: {machine: client-a, server: host}}\n"
        "  - expect: {sync: {machine: client-a, log: {level: Warn}}}\n"
    ))
    assert "unknown sync action 'start_sever'" in text and "start_server" in text
    assert "no machine named 'client-z'" in text
    assert "unknown personal item 'keychian'" in text and "keychain" in text
    assert "2599" in text or "start time" in text.lower()
    assert "needs 'address'" in text
    assert "personal data expectations need 'user'" in text
    assert "either 'machine' or 'server'" in text
    assert "Info, Warning or Error" in text


@pytest.mark.rules("SYNC-08", "SYNC-14")
async def test_sync08_sync14_played_on_real_links_with_expectations(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - sync: {start_server: host, start_client: [client-a, client-b]}\n"
        "  - sync: {login: {machine: client-a, user: alice}, add_button: {machine: client-a, label: Mine}}\n"
        "  - expect: {sync: {machine: client-b, user: alice, buttons: [Mine]}}\n"
        "  - expect: {sync: {server: host, users: [alice], devices: [client-a, client-b, client-c, host],"
        " device_state: {client-a: Synchronized}}}\n"
        "  - expect: {sync: {machine: client-a, logged_in: alice, log: {level: Info, contains: synchronized}}}\n"
        "  - sync: {stop_client: client-a}\n"
        "  - expect: {sync: {machine: client-a, logged_in: alice, client_function: stopped}}\n"
    ))
    result = await run_scenario(played)
    assert result.passed, [o.message for o in result.outcomes]


async def test_sync_expectation_failure_says_expected_and_actual(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - sync: {start_server: host, start_client: client-a}\n"
        "  - expect: {sync: {server: host, devices: [client-a, client-b]}}\n"
        "  - note: never reached\n"
    ))
    result = await run_scenario(played, save_svg=False)
    assert [o.status for o in result.outcomes] == [PASSED, FAILED, SKIPPED]
    failed = result.outcomes[1]
    assert failed.expected == "[client-a, client-b]"
    assert failed.actual == "[client-a, client-b, client-c, host]"  # the default fleet synchronizes out of the box
    assert "devices on host differs" in failed.message


async def test_sync_refusal_is_expected_with_its_rule(tmp_path: Path) -> None:
    played = scenario(tmp_path, (
        "  - sync: {client_settings: {machine: client-a, address: \"host:9000\"}}\n"
        "  - expect: {refused: {rule: SYNC-01, contains: \"8443\"}}\n"
        "  - sync: {add_button: {machine: client-a, label: Nobody}}\n"
    ))
    result = await run_scenario(played, save_svg=False)
    assert [o.status for o in result.outcomes] == [PASSED, PASSED, FAILED]
    assert "nobody is logged in at client-a" in result.outcomes[2].message
