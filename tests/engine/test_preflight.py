"""The pre-flight check against the real run: the same outcome for every error code, and nothing changed.

For each destination the forecast is taken first, on the same state the real run then meets; the test
asserts that the forecast changed nothing on any machine (data, restore point, update marker, log, power,
activity, the host's statuses and job numbers), then that each destination's real ``<Status>`` is the one
forecast, with the same detail, and that what the forecast said would change is what changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import Category, InboxUrlSend
from mfp_console.domain.distribution_forecast import ChangeKind, changes_between
from mfp_console.domain.inboxes import protected_inboxes
from mfp_console.domain.machine import Activity, PowerState
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import AuthError, MachineBusy, RuleRefusal

ADMIN = ("7654321", "7654321")
ALL = tuple(Category)


def _machine(name: str, series: str = "iR-ADV C5500", fax: bool = True, reader: bool = False,
             seed: str = "client", functions: str = "[distribution_receiver]") -> str:
    model = "iR-ADV C3530" if series == "iR-ADV C3500" else "iR-ADV C5535"
    return f"""
  - name: {name}
    model: {model}
    series: {series}
    serial: S-{name}
    location: Lab
    firmware: "93.01"
    options: {{card_reader: {str(reader).lower()}, fax_board: {str(fax).lower()}, universal_send_kit: false}}
    system_manager: {{id: "7654321", pin: "7654321"}}
    functions: {functions}
    router_distance: 1
    seed: {seed}
"""


CLIENTS = {
    # name: (machine, the status both the forecast and the run must show)
    "ok-full": (_machine("ok-full"), "OK"),
    "ok-partial": (_machine("ok-partial", fax=False), "OK"),  # DID-28 and DID-19 refusals
    "other-open": (_machine("other-open", series="iR-ADV C3500"), "OK"),  # DID-26 skips
    "reader": (_machine("reader", reader=True), "OK"),  # DID-14: only the System Manager information
    "sleeping": (_machine("sleeping"), "OK"),
    "other-closed": (_machine("other-closed", series="iR-ADV C3500"), "NG E-MODEL"),
    "busy": (_machine("busy"), "NG E-BUSY"),
    "refuses-all": (_machine("refuses-all"), "NG E-REFUSED"),
    "other-pin": (_machine("other-pin"), "NG E-AUTH"),
    "no-key": (_machine("no-key"), "NG E-TLS"),
    "switched-off": (_machine("switched-off"), "NG E-UNREACH"),
    "cut": (_machine("cut"), "NG E-UNREACH"),
}
EXPECTED = {name: status for name, (_, status) in CLIENTS.items()} | {"ghost": "NG E-UNREACH"}

FLEET = "fleet:\n  name: Pre-flight lab\n  timezone: UTC\n  destination_limit: 100\n  concurrency: 1\nmachines:" + _machine(
    "host", seed="host", functions="[distribution_sender, distribution_receiver]").replace("router_distance: 1",
                                                                                              "router_distance: 0"
) + "".join(machine for machine, _ in CLIENTS.values())


@pytest.fixture
async def lab(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Fleet]:
    path = tmp_path / "lab.yaml"
    path.write_text(FLEET, encoding="utf-8")
    fleet = Fleet.from_file(path, tmp_path / "state", clock, handshake_timeout=2.0, conversation_timeout=10.0)
    await fleet.start()
    try:
        yield fleet
    finally:
        await fleet.stop()


def set_the_stage(fleet: Fleet) -> None:
    """Puts each client in the state its name says; registers ``ghost``, an address no machine has."""
    faults, distribution = fleet.faults, fleet.distribution
    for name, settings in {
        "ok-partial": ReceivingSettings().with_reception(Category.PRINTER_SETTINGS, False),
        "other-open": ReceivingSettings(restrict_model=False),
        "refuses-all": ReceivingSettings.receiving(True, ()),
    }.items():
        fleet.panel.login_admin(name, *ADMIN)
        distribution.set_receiving_settings(name, settings)
        fleet.panel.logout_admin(name)
    faults.power("sleeping", PowerState.SLEEP)
    faults.set_activity("busy", Activity.PRINTING)
    faults.change_pin("other-pin", "1111111")
    faults.remove_tls_key("no-key")
    faults.power("switched-off", PowerState.OFF)
    faults.cut_network("cut")
    fleet.panel.login_admin("host", *ADMIN)
    distribution.register_destination("host", "ghost", "10.250.0.9")


def everything_about(fleet: Fleet, name: str) -> dict[str, Any]:
    """All a forecast must leave as it was on one machine (a machine that is off is read from its store)."""
    machine = fleet.live_machine(name)
    store = machine.store
    return {
        "data": machine.device_info,
        "restore point": (store.restore_point_made(), store.restore_point_categories()),
        "update marker": store.update_marker(),
        "log": store.read_log(),
        "state": machine.state,
        "configs": {key: store.get_config(key) for key in ("destination_status", "next_job_id")},
    }


async def real_run(fleet: Fleet, destinations: list[str], categories=ALL) -> dict[str, Any]:
    fleet.distribution.start_manual_distribution("host", categories, destinations)
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None and not job.running
    return dict(job.results)


PROTECTED = re.compile(r"inboxes protected by a password kept \(([^)]*)\)")


def count_names(match: re.Match[str]) -> str:
    return f"{len(match.group(1).split(', '))} inboxes protected by a password kept"


@pytest.mark.rules("DID-05", "DID-08", "DID-09", "DID-10", "DID-14", "DID-18", "DID-19", "DID-26", "DID-28",
                   "M-06", "M-09")
async def test_the_forecast_is_what_the_real_run_meets_for_every_code_and_changes_nothing(lab: Fleet) -> None:
    set_the_stage(lab)
    names = list(lab.distribution.destinations("host").names())
    machines = ["host", *CLIENTS]
    before = {name: everything_about(lab, name) for name in machines}

    forecasts = await lab.distribution.forecast("host", ALL, names)

    seen = {f.destination: f for f in forecasts}
    assert [f.destination for f in forecasts] == names  # list order
    assert {name: f.text for name, f in seen.items()} == EXPECTED
    after = {name: everything_about(lab, name) for name in machines}
    for name in machines:
        if name == "other-pin":  # a wrong proof is logged, forecast or not (docs/security.md)
            new = after[name].pop("log")[: -len(before[name]["log"]) or None]
            old_log = before[name].pop("log")
            assert [(e.kind, e.result, e.code, e.peer) for e in new] == [("Received", "NG", "E-AUTH", "host")]
            assert after[name]["data"] == before[name]["data"]
            assert len(old_log) + 1 == len(lab.distribution.communication_log(name))
        assert after[name] == before[name], f"the pre-flight check changed {name}"
    assert lab.view("sleeping").power is PowerState.SLEEP  # answered asleep, not woken

    results = await real_run(lab, names)

    assert {name: r.text for name, r in results.items()} == EXPECTED
    for name, result in results.items():
        assert seen[name].reason == result.detail, name
    for name in ("ok-full", "ok-partial", "other-open", "reader", "sleeping"):
        forecast, was = seen[name], before[name]["data"]
        now = lab.data.device_info(name)
        skipped = forecast.change(Category.SETTINGS_VALUES, ChangeKind.SETTINGS_SKIPPED)
        assert forecast.changes == changes_between(
            was, now, forecast.accepted, skipped_settings=skipped.names if skipped else (),
            card_reader_mismatch=name == "reader"), name
        entry = lab.distribution.communication_log(name)[0]
        for category, text in forecast.summaries.items():  # the log's sentence, the inboxes' names counted
            assert f"<{category.label}>: {text}" in PROTECTED.sub(count_names, entry.detail), (name, category)
        assert lab.distribution.restore_point(name).categories == tuple(
            c for c in Category if c in forecast.accepted and was.category(c) != now.category(c))
    assert seen["ok-partial"].refused == (
        (Category.ADDRESS_BOOK, "this machine has neither the fax board nor the Universal Send Kit"),
        (Category.PRINTER_SETTINGS, "set to <Off> under <Restrict Receiving for Each Function>"),
    )
    skipped = seen["other-open"].change(Category.SETTINGS_VALUES, ChangeKind.SETTINGS_SKIPPED)
    assert skipped is not None and "Management Settings/Security Settings/Use McAfee Embedded Control" in skipped.names
    assert seen["reader"].change(Category.DEPARTMENT_ID, ChangeKind.DEPARTMENTS_UNTOUCHED) is not None
    assert lab.view("sleeping").power is PowerState.ON  # the real run wakes it (M-06)


@pytest.mark.rules("DID-17", "DID-20")
async def test_did17_the_forecast_names_the_url_send_erasure_and_the_run_does_it(fleet: Fleet) -> None:
    urls = InboxUrlSend(True, (("Confidential Fax Inbox 01", "finance@example.com"),
                               ("Confidential Fax Inbox 02", "legal@example.com")))
    fleet.panel.login_admin("client-a", *ADMIN)
    fleet.data.set_inbox_url_send("client-a", urls)
    fleet.panel.login_admin("host", *ADMIN)

    (alone,) = await fleet.distribution.forecast("host", [Category.ADDRESS_BOOK], ["client-a"])
    (both,) = await fleet.distribution.forecast("host", [Category.ADDRESS_BOOK, Category.SETTINGS_VALUES],
                                                ["client-a"])

    erased = alone.change(Category.ADDRESS_BOOK, ChangeKind.URL_SEND_ERASED)
    assert erased is not None and erased.count == 3 and erased.names == ()  # the switch and two pairs
    assert not any(c.kind is ChangeKind.URL_SEND_ERASED for c in both.changes)
    assert fleet.data.inbox_url_send("client-a") == urls
    assert fleet.distribution.restore_point("client-a").empty
    assert "finance@example.com" not in repr(alone)
    results = await real_run(fleet, ["client-a"], [Category.ADDRESS_BOOK])
    assert results["client-a"].text == alone.text == "OK"
    assert fleet.data.inbox_url_send("client-a").is_clear


@pytest.mark.rules("DID-01", "DID-04", "DID-24")
async def test_the_forecast_is_refused_where_the_run_would_be(fleet: Fleet) -> None:
    with pytest.raises(AuthError):
        await fleet.distribution.forecast("host", ALL, ["client-a"])
    fleet.panel.login_admin("host", *ADMIN)
    with pytest.raises(RuleRefusal, match="at least one category"):
        await fleet.distribution.forecast("host", [], ["client-a"])
    with pytest.raises(RuleRefusal, match="not registered"):
        await fleet.distribution.forecast("host", ALL, ["nobody"])
    fleet.faults.set_activity("host", Activity.IMPORT_EXPORT)
    with pytest.raises(MachineBusy):
        await fleet.distribution.forecast("host", ALL, ["client-a"])


async def test_a_forecast_names_only_what_the_host_has(fleet: Fleet) -> None:
    """What the answer discloses (docs/security.md): no client-only name, no Department ID password."""
    fleet.panel.login_admin("host", *ADMIN)
    client = fleet.data.device_info("client-a")
    host = fleet.data.device_info("host")
    (seen,) = await fleet.distribution.forecast("host", ALL, ["client-a"])
    host_names = ({e.name for e in host.address_book.entries} | {d.dept_id for d in host.department_ids.departments}
                  | {k for k, _ in host.printer_settings} | {p.name for p in host.paper_types}
                  | {s.key for s in host.settings_values} | {f.name for f in host.address_book.forwarding}
                  | {f.name for f in host.address_book.favourites})
    named = {name for change in seen.changes for name in change.names}
    assert named and named <= host_names
    told = json.dumps(seen.to_json(), ensure_ascii=False)
    secrets = {d.password_hash for d in client.department_ids.departments}
    assert secrets and not any(secret in told for secret in secrets)
    own = protected_inboxes(client.settings_values) - protected_inboxes(host.settings_values)
    assert own and not any(inbox in told for inbox in own)  # DID-27: which inboxes it protects stays its own
    assert f"{len(protected_inboxes(client.settings_values))} inboxes protected by a password kept" in told
