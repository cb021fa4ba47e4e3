"""The fleet PKI on disk: created once, reused, key files 0600, atomic writes, revocation kept (M-04, M-05)."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from mfp_console.errors import ConfigError, StoreError
from mfp_console.pki.ca import FleetCA, issue_identity
from mfp_console.pki.keystore import load_or_create_fleet_pki, write_atomically

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=30)
FLEET = ["host", "client-a", "client-b"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_creates_ca_and_one_identity_per_machine(tmp_path: Path) -> None:
    pki = load_or_create_fleet_pki(tmp_path / "pki", FLEET, NOW)
    assert sorted(pki.identities) == sorted(FLEET)
    for name in FLEET:
        identity = pki.identity(name)
        assert identity is not None and identity.machine_name == name
        assert pki.ca.signed(identity.certificate())
        assert identity.not_before == NOW
    assert pki.ca_pem == pki.ca.cert_pem
    assert pki.revoked_serials == set()


def test_key_files_are_0600_and_certificates_0644(tmp_path: Path) -> None:
    """Keys are private from the first byte written (created 0600, not chmodded later)."""
    old = os.umask(0o000)  # a permissive umask must not widen a key's mode
    try:
        load_or_create_fleet_pki(tmp_path / "pki", FLEET, NOW)
    finally:
        os.umask(old)
    root = tmp_path / "pki"
    assert mode(root) == 0o700
    assert mode(root / "ca.key") == 0o600
    assert mode(root / "ca.crt") == 0o644
    for name in FLEET:
        assert mode(root / "machines" / f"{name}.key") == 0o600
        assert mode(root / "machines" / f"{name}.crt") == 0o644
    assert not list(root.rglob("*.tmp")), "no temporary file is left behind"


def test_second_start_reuses_everything(tmp_path: Path) -> None:
    first = load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    second = load_or_create_fleet_pki(tmp_path, FLEET, LATER)
    assert second.ca.fingerprint == first.ca.fingerprint
    assert {n: i.fingerprint for n, i in second.identities.items()} == {
        n: i.fingerprint for n, i in first.identities.items()
    }
    assert second.identities == first.identities


def test_a_machine_added_to_the_fleet_gets_an_identity_others_keep_theirs(tmp_path: Path) -> None:
    first = load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    second = load_or_create_fleet_pki(tmp_path, [*FLEET, "client-c"], LATER)
    client_c = second.identity("client-c")
    assert client_c is not None and client_c.not_before == LATER
    assert second.identity("host") == first.identity("host")


def test_identities_of_machines_left_out_of_the_list_are_kept(tmp_path: Path) -> None:
    load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    smaller = load_or_create_fleet_pki(tmp_path, ["host"], LATER)
    assert smaller.has_identity("client-b")


@pytest.mark.rules("M-04", "M-05")
def test_revocation_list_survives_a_restart(tmp_path: Path) -> None:
    """M-05: a revoked certificate stays revoked after the program restarts (M-04)."""
    pki = load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    serial = pki.identities["client-a"].serial
    pki.revoke(serial)
    pki.revoke(serial)  # twice is harmless
    assert pki.is_revoked(serial)
    state = json.loads((tmp_path / "pki-state.json").read_text())
    assert state["revoked_serials"] == [serial]
    again = load_or_create_fleet_pki(tmp_path, FLEET, LATER)
    assert again.revoked_serials == {serial}
    again.revoked_serials.add(1)  # a copy: changing it changes nothing
    assert again.revoked_serials == {serial}


@pytest.mark.rules("DID-09")
def test_removed_identity_stays_removed_across_a_restart(tmp_path: Path) -> None:
    """DID-09 fault: a machine without TLS key and certificate is not silently re-issued one."""
    pki = load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    pki.remove_identity("client-a")
    assert pki.identity("client-a") is None
    assert not (tmp_path / "machines" / "client-a.key").exists()
    assert not (tmp_path / "machines" / "client-a.crt").exists()
    again = load_or_create_fleet_pki(tmp_path, FLEET, LATER)
    assert again.identity("client-a") is None and not again.has_identity("client-a")


def test_regenerate_issues_a_new_identity_and_revokes_the_old(tmp_path: Path) -> None:
    pki = load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    old = pki.identities["client-b"]
    new = pki.regenerate_identity("client-b", LATER)
    assert new.serial != old.serial and new.not_before == LATER
    assert pki.is_revoked(old.serial)
    again = load_or_create_fleet_pki(tmp_path, FLEET, LATER)
    assert again.identity("client-b") == new and again.is_revoked(old.serial)


def test_regenerate_after_removal_restores_the_machine(tmp_path: Path) -> None:
    pki = load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    pki.remove_identity("client-a")
    restored = pki.regenerate_identity("client-a", LATER)
    assert pki.identity("client-a") == restored
    assert load_or_create_fleet_pki(tmp_path, FLEET, LATER).identity("client-a") == restored
    kept = pki.regenerate_identity("host", LATER, revoke_previous=False)
    assert not pki.is_revoked(kept.serial) and len(pki.revoked_serials) == 0


def test_a_lone_key_left_by_a_crash_is_replaced(tmp_path: Path) -> None:
    """A kill between writing a key and its certificate leaves a lone key: the next start re-issues."""
    pki = load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    old = pki.identities["client-a"]
    (tmp_path / "machines" / "client-a.crt").unlink()
    again = load_or_create_fleet_pki(tmp_path, FLEET, LATER)
    assert again.identities["client-a"].serial != old.serial


def test_an_identity_from_another_ca_on_disk_is_replaced(tmp_path: Path) -> None:
    load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    rogue = issue_identity(FleetCA.create("rogue", NOW), "client-a", NOW)
    (tmp_path / "machines" / "client-a.crt").write_bytes(rogue.cert_pem)
    (tmp_path / "machines" / "client-a.key").write_bytes(rogue.key_pem)
    again = load_or_create_fleet_pki(tmp_path, FLEET, LATER)
    assert again.identities["client-a"].serial != rogue.serial
    assert again.ca.signed(again.identities["client-a"].certificate())


def test_a_corrupt_state_file_is_reported(tmp_path: Path) -> None:
    load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    (tmp_path / "pki-state.json").write_text("{not json")
    with pytest.raises(StoreError, match="pki-state.json"):
        load_or_create_fleet_pki(tmp_path, FLEET, NOW)


def test_write_atomically_replaces_whole_file_with_exact_mode(tmp_path: Path) -> None:
    target = tmp_path / "secret.key"
    target.write_bytes(b"old")
    target.chmod(0o644)
    write_atomically(target, b"new contents", 0o600)
    assert target.read_bytes() == b"new contents"
    assert mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


def test_write_atomically_reports_an_unwritable_place(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot write"):
        write_atomically(tmp_path / "missing-dir" / "x.crt", b"x", 0o644)


# --- issue 17, item 5: several processes on one new state folder ----------------------------------------


def _start_after(barrier: Any, directory: str, results: Any) -> None:
    """One process's start: wait until all are ready, then load or create the PKI and report what it got."""
    barrier.wait()
    pki = load_or_create_fleet_pki(directory, FLEET, NOW)
    results.put((pki.ca.fingerprint, {name: identity.fingerprint for name, identity in pki.identities.items()}))


def test_processes_starting_together_on_a_new_folder_share_one_ca(tmp_path: Path) -> None:
    """Six real processes start at the same instant: one CA and one identity per machine, the same for all.

    Without the lock each found no CA and made its own; a later start then met a ca.key that need not
    belong to ca.crt and failed until the folder was deleted by hand.
    """
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    processes = 6
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_start_after, args=(barrier, str(tmp_path), results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    seen = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert len({ca for ca, _ in seen}) == 1, "every process must end with the same CA"
    assert all(identities == seen[0][1] for _, identities in seen), "and the same machine identities"
    again = load_or_create_fleet_pki(tmp_path, FLEET, LATER)  # the files on disk form that same PKI
    assert (again.ca.fingerprint, {n: i.fingerprint for n, i in again.identities.items()}) == seen[0]


def test_a_ca_key_that_does_not_belong_to_its_certificate_is_a_clear_error(tmp_path: Path) -> None:
    load_or_create_fleet_pki(tmp_path, FLEET, NOW)
    (tmp_path / "ca.key").write_bytes(FleetCA.create("another", NOW).to_pem()[1])
    with pytest.raises(ConfigError) as info:
        load_or_create_fleet_pki(tmp_path, FLEET, LATER)
    message = str(info.value)
    assert f"{tmp_path / 'ca.crt'} and {tmp_path / 'ca.key'} do not form a CA" in message
    assert "does not belong" in message and f"delete the folder {tmp_path}" in message
