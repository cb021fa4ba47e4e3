"""Pure rules of Personalized Data Synchronization (no sockets): addresses, joins, limits, procedure."""

from __future__ import annotations

import pytest

from mfp_console.domain.sync_items import (
    PersonalItem,
    check_item_value,
    firmware_below,
    keychain_targets,
)
from mfp_console.domain.sync_procedure import ChangeStep, ServerChange
from mfp_console.domain.sync_rules import (
    admission_problem,
    keychain_order_problem,
    sharing_change_problem,
    users_to_evict,
)
from mfp_console.domain.sync_settings import (
    AuthSettings,
    BackupMode,
    BackupSchedule,
    BackupTarget,
    ServerAddress,
    split_backup_file,
)
from mfp_console.errors import RuleRefusal


@pytest.mark.rules("SYNC-01")
@pytest.mark.parametrize("text, host", [
    ("", ""), ("192.168.18.138", "192.168.18.138"), ("v4.server.canon.com:8443", "v4.server.canon.com"),
    ("fe80::65f0:82cb:b3d6:e6bc", "fe80::65f0:82cb:b3d6:e6bc"), ("[fe80::65f0:82cb:b3d6:e6bc]:8443", "fe80::65f0:82cb:b3d6:e6bc"),
    ("localhost:8443", "localhost"),
])
def test_sync01_server_address_forms(text: str, host: str) -> None:
    address = ServerAddress.parse(text)
    assert address.host == host and address.port == 8443
    assert address.search == (text == "")
    assert address.is_localhost == (host == "localhost")


@pytest.mark.rules("SYNC-01")
@pytest.mark.parametrize("text", ["host:443", "[fe80::1]:80", "host:84430", "host:abc", "[fe80::1"])
def test_sync01_a_port_other_than_8443_is_refused(text: str) -> None:
    with pytest.raises(RuleRefusal) as info:
        ServerAddress.parse(text)
    assert info.value.rule_id == "SYNC-01"


@pytest.mark.rules("SYNC-02")
def test_sync02_ten_machines_including_the_server() -> None:
    nine = {f"c{i}" for i in range(9)}
    assert admission_problem("srv", nine - {"c8"}, "c8") == ""
    assert "at most 10 machines" in admission_problem("srv", nine, "c9")
    assert admission_problem("srv", nine, "c3") == ""  # already counted
    assert admission_problem("srv", nine, "srv") == ""  # the server's own client is the same machine


@pytest.mark.rules("SYNC-03")
def test_sync03_the_least_recently_logged_in_users_go_first() -> None:
    oldest_first = [f"u{i}" for i in range(1003)]
    assert users_to_evict(oldest_first, 1000) == ["u0", "u1", "u2"]
    assert users_to_evict(oldest_first, 1000, keep={"u1"}) == ["u0", "u2", "u3"]
    assert users_to_evict(oldest_first[:1000], 1000) == []


@pytest.mark.rules("SYNC-04")
def test_sync04_settings_digest_compares_department_ids_only_when_groups_are_department_ids() -> None:
    a = AuthSettings(True, True, False, ("0000101",))
    b = AuthSettings(True, True, False, ("0000777",))
    assert a.digest() == b.digest()
    assert AuthSettings(True, True, True, ("0000101",)).digest() != AuthSettings(True, True, True, ("0000777",)).digest()
    assert AuthSettings(False, True).digest() != AuthSettings(True, True).digest()


@pytest.mark.rules("SYNC-08")
def test_sync08_item_values_are_checked() -> None:
    check_item_value(PersonalItem.PERSONAL_ADDRESS_LIST, [{"name": "B", "address": "b@x", "type": "E-Mail"}])
    with pytest.raises(ValueError):
        check_item_value(PersonalItem.DISPLAY_LANGUAGE, {"language": "Klingon"})
    with pytest.raises(ValueError):
        check_item_value(PersonalItem.KEYCHAIN, [{"destination": 0, "account": "a"}])


@pytest.mark.rules("SYNC-10")
def test_sync10_sharing_changes_only_with_every_client_stopped() -> None:
    assert sharing_change_problem([]) == ""
    assert "client-a" in sharing_change_problem(["client-a"])


@pytest.mark.rules("SYNC-16")
def test_sync16_keychain_entries_follow_registration_numbers() -> None:
    keychain = [{"destination": 2, "account": "alice"}]
    assert keychain_targets(keychain, ["fs-a", "fs-b"]) == [(2, "alice", "fs-b")]
    assert keychain_targets(keychain, ["fs-b", "fs-a"]) == [(2, "alice", "fs-a")]
    assert "#1 reaches fs-b here but fs-a on host" in keychain_order_problem("host", ["fs-a", "fs-b"], ["fs-b", "fs-a"])
    assert keychain_order_problem("host", ["fs-a"], ["fs-a"]) == ""


@pytest.mark.rules("SYNC-17")
def test_sync17_firmware_comparison() -> None:
    assert firmware_below("88.12", "93.01") and not firmware_below("93.01", "93.01")
    assert not firmware_below("88.12", "")


@pytest.mark.rules("SYNC-18")
def test_sync18_backup_targets_and_schedules() -> None:
    assert not BackupTarget.parse("").is_smb and str(BackupTarget.parse("device")) == "device"
    smb = BackupTarget.parse("smb://nas/backups/mfp")
    assert (smb.host, smb.port, smb.share, smb.folder) == ("nas", 445, "backups", ("mfp",))
    assert str(smb) == "smb://nas/backups/mfp" and smb.share_url() == "smb://nas/backups"
    other = BackupTarget.parse("smb://127.0.0.2:4455/b/x/y")
    assert (other.host, other.port, other.share, other.folder) == ("127.0.0.2", 4455, "b", ("x", "y"))
    assert str(other) == "smb://127.0.0.2:4455/b/x/y" and other.file_url("f.json") == "smb://127.0.0.2:4455/b/x/y/f.json"
    v6 = BackupTarget.parse("smb://[::1]:4455/b")
    assert (v6.host, v6.port, str(v6)) == ("::1", 4455, "smb://[::1]:4455/b")
    assert split_backup_file("smb://nas:99/s/f/sync-h-1.json") == (BackupTarget("smb", "nas", "s", ("f",), 99),
                                                                   "sync-h-1.json")
    for bad in ("smb://nas", "ftp://x/y", "smb://nas/../etc", "smb://nas:0/s", "smb://nas:x/s", "smb://::1/s",
                "smb://nas/s/a:b", "smb://nas/s/a*b", "smb://[::1/s"):
        with pytest.raises(RuleRefusal):
            BackupTarget.parse(bad)
    assert BackupSchedule(BackupMode.WEEKLY, "0230", "Mon").cron_fields() == {"hour": 2, "minute": 30, "day_of_week": "mon"}
    with pytest.raises(RuleRefusal):
        BackupSchedule(BackupMode.DAILY, "2400")


@pytest.mark.rules("SYNC-19")
def test_sync19_steps_out_of_order_name_the_missing_step() -> None:
    change = ServerChange("host", "client-a")
    with pytest.raises(RuleRefusal) as info:
        change.require(ChangeStep.STOP_SERVER)
    assert info.value.rule_id == "SYNC-19"
    assert 'step 1 "stop synchronization on every client"' in info.value.reason
    change = change.complete(ChangeStep.STOP_CLIENTS).complete(ChangeStep.BACK_UP, "b.json")
    change.require(ChangeStep.STOP_SERVER)
    with pytest.raises(RuleRefusal, match="step 3"):
        change.require(ChangeStep.RESTORE)
    assert ServerChange.from_json(change.to_json()) == change
