"""``mfp-console distribute``: the pre-flight check as JSON (``--dry-run``) and the real run, from the shell."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from mfp_console.cli.main import main
from mfp_console.clock import RealClock
from mfp_console.engine.fleet import Fleet


def in_fleet(state: Path, action) -> object:  # noqa: ANN001 - a callable taking the fleet
    async def run() -> object:
        fleet = Fleet.from_file(None, state, RealClock())
        async with fleet:
            return action(fleet)

    return asyncio.run(run())


@pytest.mark.rules("DID-05", "DID-08", "DID-18")
def test_dry_run_prints_the_forecast_and_the_real_run_then_meets_it(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    in_fleet(tmp_path, lambda fleet: fleet.faults.change_pin("client-b", "1111111"))
    before = in_fleet(tmp_path, lambda fleet: {n: fleet.data.device_info(n) for n in ("client-a", "client-c")})

    assert main(["--state-dir", str(tmp_path), "distribute", "--dry-run", "--category", "Printer Settings",
                 "--category", "paper_information"]) == 1
    forecast = json.loads(capsys.readouterr().out)
    assert forecast["dry_run"] is True and forecast["categories"] == ["printer_settings", "paper_information"]
    statuses = {d["destination"]: d["status"] for d in forecast["destinations"]}
    assert statuses == {"client-a": "OK", "client-b": "NG E-AUTH", "client-c": "OK", "client-d": "NG E-MODEL"}
    changes = forecast["destinations"][0]["categories"]["paper_information"]["changes"]
    assert changes and all(c["category"] == "paper_information" and c["count"] > 0 for c in changes)
    assert in_fleet(tmp_path, lambda fleet: {n: fleet.data.device_info(n) for n in ("client-a", "client-c")}) \
        == before  # the dry run changed nothing

    assert main(["distribute", "--category", "Printer Settings", "--category", "paper_information", "--json",
                 "--state-dir", str(tmp_path)]) == 1
    real = json.loads(capsys.readouterr().out)
    assert {d["destination"]: d["status"] for d in real["destinations"]} == statuses
    assert real["dry_run"] is False and real["job_id"] == 1


def test_only_the_named_destinations_and_a_table_without_json(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["distribute", "--state-dir", str(tmp_path), "--dry-run", "--to", "client-a"]) == 0
    assert [d["destination"] for d in json.loads(capsys.readouterr().out)["destinations"]] == ["client-a"]
    assert main(["distribute", "--state-dir", str(tmp_path), "--to", "client-a", "--category", "address_book"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("#1 from host: <Address Book>") and "client-a     OK" in out


@pytest.mark.rules("DID-01", "M-02")
def test_wrong_pin_unknown_category_or_destination_are_refused_with_a_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["distribute", "--state-dir", str(tmp_path), "--dry-run", "--pin", "1234"]) == 1
    assert "refused: M-02" in capsys.readouterr().err
    assert main(["distribute", "--state-dir", str(tmp_path), "--dry-run", "--category", "fax"]) == 2
    assert "not a category" in capsys.readouterr().err
    assert main(["distribute", "--state-dir", str(tmp_path), "--dry-run", "--to", "nobody"]) == 1
    assert "not registered as destinations: nobody" in capsys.readouterr().err
