"""Identities for another computer: exported to a new 0600 file, checked before anything is imported, and a
second computer's PKI that checks peers with the fleet CA but never issues (docs/multi-host.md)."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mfp_console.errors import ConfigError
from mfp_console.pki.keystore import load_or_create_fleet_pki
from mfp_console.pki.transfer import export_identities, import_identities, read_bundle

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
FLEET = ["host", "client-a", "client-b"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_export_is_a_new_file_of_mode_0600_and_never_overwrites(tmp_path: Path) -> None:
    pki = load_or_create_fleet_pki(tmp_path / "a" / "pki", FLEET, NOW)
    out = tmp_path / "lab-b.identities"
    assert export_identities(pki, ["client-a", "client-b"], out) == ["client-a", "client-b"]
    assert mode(out) == 0o600
    with pytest.raises(ConfigError, match="exists already"):
        export_identities(pki, ["client-a"], out)
    with pytest.raises(ConfigError, match="no TLS key and certificate in this state folder for: nobody"):
        export_identities(pki, ["nobody"], tmp_path / "other")


def test_an_import_writes_keys_0600_and_a_ca_without_its_key(tmp_path: Path) -> None:
    home = load_or_create_fleet_pki(tmp_path / "a" / "pki", FLEET, NOW)
    home.revoke(12345)
    out = tmp_path / "lab-b.identities"
    export_identities(home, ["client-a"], out)
    there = tmp_path / "b" / "pki"
    assert import_identities(there, read_bundle(out)) == ["client-a"]
    assert mode(there / "machines" / "client-a.key") == 0o600
    assert not (there / "ca.key").exists() and (there / "ca.key.elsewhere").exists()

    pki = load_or_create_fleet_pki(there, FLEET, NOW)  # a second computer loads, and issues nothing
    assert sorted(pki.identities) == ["client-a"] and not pki.ca.can_issue
    assert pki.ca.fingerprint == home.ca.fingerprint and pki.is_revoked(12345)
    assert pki.identity("client-a").fingerprint == home.identity("client-a").fingerprint  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="the fleet CA key is on another computer"):
        pki.regenerate_identity("client-b", NOW)
    assert import_identities(there, read_bundle(out)) == ["client-a"]  # importing again changes nothing


def test_a_folder_of_another_fleet_refuses_the_import(tmp_path: Path) -> None:
    home = load_or_create_fleet_pki(tmp_path / "a" / "pki", FLEET, NOW)
    load_or_create_fleet_pki(tmp_path / "b" / "pki", FLEET, NOW)  # its own CA
    out = tmp_path / "lab-b.identities"
    export_identities(home, ["client-a"], out)
    before = (tmp_path / "b" / "pki" / "machines" / "client-a.key").read_bytes()
    with pytest.raises(ConfigError, match="already belongs to another fleet CA"):
        import_identities(tmp_path / "b" / "pki", read_bundle(out))
    assert (tmp_path / "b" / "pki" / "machines" / "client-a.key").read_bytes() == before


@pytest.mark.parametrize("tamper, words", [
    (lambda d: d.update(kind="something else"), "not an identity file"),
    (lambda d: d.update(version=2), "version 2"),
    (lambda d: d["machines"].update({"client-b": d["machines"].pop("client-a")}), "names 'client-a'"),
    (lambda d: d["machines"]["client-a"].update(key=d["machines"]["host"]["key"]), "does not belong"),
    (lambda d: d.update(revoked=["1"]), "serial numbers"),
])
def test_a_tampered_file_is_refused_before_anything_is_written(tmp_path: Path, tamper, words: str) -> None:
    home = load_or_create_fleet_pki(tmp_path / "a" / "pki", FLEET, NOW)
    out = tmp_path / "lab-b.identities"
    export_identities(home, ["client-a", "host"], out)
    document = json.loads(out.read_text())
    tamper(document)
    out.write_text(json.dumps(document))
    with pytest.raises(ConfigError, match=words):
        read_bundle(out)


def test_a_certificate_from_another_ca_is_refused(tmp_path: Path) -> None:
    home = load_or_create_fleet_pki(tmp_path / "a" / "pki", FLEET, NOW)
    stranger = load_or_create_fleet_pki(tmp_path / "x" / "pki", FLEET, NOW)
    out = tmp_path / "lab-b.identities"
    export_identities(home, ["client-a"], out)
    document = json.loads(out.read_text())
    document["machines"]["client-a"] = {"cert": stranger.identity("client-a").cert_pem.decode(),  # type: ignore[union-attr]
                                        "key": stranger.identity("client-a").key_pem.decode()}  # type: ignore[union-attr]
    out.write_text(json.dumps(document))
    with pytest.raises(ConfigError, match="not issued by the CA in the file"):
        read_bundle(out)
