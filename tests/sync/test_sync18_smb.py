"""SYNC-18 backups to a real SMB server (Samba on loopback), through the fleet facade.

The manual: the server backs up its synchronization data "to the storage space on the server machine or an
SMB server", by hand or on a schedule, and restores it while every client is stopped. Over SMB that means:
the file arrives whole or not at all, each failure is an ``Error`` in the server's sync log with the SMB
server's reason, and the share's password is kept encrypted and never shown.
"""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from mfp_console.domain.sync_items import PersonalItem
from mfp_console.domain.sync_settings import BackupMode, BackupSchedule
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import RuleRefusal, ShareError
from mfp_console.smb import ShareCredentials, SmbShare
from mfp_console.smb import share as share_module
from tests.samba import (
    PASSWORD,
    USER,
    SambaServer,
    running_samba,
    samba_missing,
    samba_root,
)
from tests.sync.conftest import start_sync

pytestmark = pytest.mark.xdist_group("samba")  # one smbd per worker: keep its users on one worker

ACCOUNT = ShareCredentials(USER, PASSWORD)


async def with_data(fleet: Fleet, *users: str) -> None:
    """Starts the server and client-a, and gives each user a display language on the server."""
    await start_sync(fleet, ["client-a"])
    for user in users:
        fleet.users.login_user("client-a", user)
        fleet.users.set_personal_item("client-a", user, PersonalItem.DISPLAY_LANGUAGE, {"language": "Italian"})
    await fleet.settle()


async def stop_clients(fleet: Fleet) -> None:
    fleet.sync.stop_client("client-a")
    await fleet.settle()


def files(server: SambaServer, *folder: str, name: str = "backups") -> list[str]:
    path = server.shares[name].joinpath(*folder)
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def errors(fleet: Fleet) -> list[str]:
    return [e.message for e in fleet.sync.log_entries("host", "Error")]


@pytest.mark.rules("SYNC-18")
async def test_sync18_back_up_to_smb_list_and_restore(fleet: Fleet, samba: SambaServer) -> None:
    await with_data(fleet, "ned", "oli")
    target = samba.url("backups", "round-trip", "mfp")
    file = await fleet.sync_server.backup("host", target, credentials=ACCOUNT)
    assert file.location == f"{target}/{file.name}" and file.name.startswith("sync-host-")
    assert files(samba, "round-trip", "mfp") == [file.name]  # whole, under its name; no partial file
    dump = json.loads(samba.shares["backups"].joinpath("round-trip", "mfp", file.name).read_bytes())
    assert sorted(u["user"] for u in dump["users"]) == ["ned", "oli"]
    assert f"backed up to {target}: {file.name}" in fleet.sync.log_entries("host", "Info")[0].message
    await fleet.advance(5)
    second = await fleet.sync_server.backup("host", target, credentials=ACCOUNT)
    listed = await fleet.sync_server.backups("host", target, credentials=ACCOUNT)
    assert [(f.name, f.location) for f in listed] == [(second.name, second.location), (file.name, file.location)]
    assert listed[0].size == len(samba.shares["backups"].joinpath("round-trip", "mfp", second.name).read_bytes())
    # restore: refused while a client runs, then the chosen file from the share
    fleet.sync_server.delete_user_data("host", ["ned", "oli"])
    with pytest.raises(RuleRefusal, match="client-a"):
        await fleet.sync_server.restore("host", file, credentials=ACCOUNT)
    await stop_clients(fleet)
    assert await fleet.sync_server.restore("host", file.location, credentials=ACCOUNT) == 2
    assert sorted(fleet.sync_server.users("host")) == ["ned", "oli"]
    assert f"restored 2 users from {file.name}" in fleet.sync.log_entries("host", "Info")[0].message


@pytest.mark.rules("SYNC-18")
async def test_sync18_scheduled_smb_backup_with_the_saved_account(fleet: Fleet, samba: SambaServer) -> None:
    await with_data(fleet, "pia")
    target = samba.url("backups", "nightly")
    nxt = fleet.sync_server.set_backup_schedule("host", BackupSchedule(BackupMode.DAILY, "0300", target=target),
                                         credentials=ACCOUNT)
    assert nxt == (fleet.clock.now() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    saved = fleet.live_machine("host").store.get_config("sync_backup_schedule")
    assert saved["credentials_for"] == samba.url("backups") and PASSWORD not in json.dumps(saved)
    key = fleet.state_dir / "secrets" / "smb.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    await fleet.advance(24 * 3600)
    await fleet.settle()  # the scheduled backup runs in a worker thread
    written = files(samba, "nightly")
    assert len(written) == 1 and written[0].startswith("sync-host-")
    assert any(f"scheduled backup written to {target}" in e.message for e in fleet.sync.log_entries("host", "Info"))
    # by hand, without typing them again: the saved account of that share
    await fleet.advance(5)
    await fleet.sync_server.backup("host", samba.url("backups", "by-hand"))
    assert len(files(samba, "by-hand")) == 1
    # a schedule saved again for the same share keeps them; for another share they are not used
    fleet.sync_server.set_backup_schedule("host", BackupSchedule(BackupMode.WEEKLY, "0300", "Mon", target=target))
    assert len(await fleet.sync_server.backups("host", target)) == 1
    with pytest.raises(RuleRefusal, match="user name and password"):
        await fleet.sync_server.backups("host", samba.url("full"))
    with pytest.raises(RuleRefusal, match="user name and password"):  # a schedule that could never run
        fleet.sync_server.set_backup_schedule("host", BackupSchedule(BackupMode.DAILY, "0300", target=samba.url("full")))
    assert fleet.sync_server.backup_schedule("host").mode is BackupMode.WEEKLY  # the saved one stays


@pytest.mark.rules("SYNC-18")
@pytest.mark.parametrize("case", ["wrong password", "missing share", "full share"])
async def test_sync18_smb_failures_are_errors_with_the_servers_reason(fleet: Fleet, samba: SambaServer,
                                                                     case: str) -> None:
    await with_data(fleet, "quinn")
    target, account, reason = {
        "wrong password": (samba.url("backups", "failures"), ShareCredentials(USER, "wrong-Pa55"),
                           "STATUS_LOGON_FAILURE"),
        "missing share": (samba.url("no-such-share", "mfp"), ACCOUNT, "STATUS_BAD_NETWORK_NAME"),
        "full share": (samba.url("full"), ACCOUNT, "STATUS_DISK_FULL"),
    }[case]
    filler = samba.shares["full"] / "filler.bin"
    if case == "full share":
        if not samba.mounted:
            pytest.skip("no tmpfs could be mounted for the full share here")
        with pytest.raises(OSError), open(filler, "wb") as handle:  # fill the share's disk to the last byte
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
    try:
        with pytest.raises(ShareError) as info:
            await fleet.sync_server.backup("host", target, credentials=account)
        assert info.value.reason == reason
        logged = errors(fleet)
        assert len(logged) == 1 and logged[0].startswith(f"backup to {target} failed") and reason in logged[0]
        left = files(samba, "failures") + files(samba, name="full")
        assert [f for f in left if f.startswith(("sync-", ".sync-"))] == []  # no file, not even a partial one
    finally:
        filler.unlink(missing_ok=True)
    assert fleet.live_machine("host").store.get_config("sync_last_backup") is None  # nothing to restore from


@pytest.mark.rules("SYNC-18")
async def test_sync18_server_stopped_mid_write(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    why = samba_missing()
    if why:
        pytest.skip(why)
    await with_data(fleet, "ray", "sam")
    monkeypatch.setattr(share_module, "CHUNK", 256)  # a small backup still takes several SMB2 WRITEs
    with samba_root() as root, running_samba(root) as server:
        write = SmbShare.write_atomically

        def stopping_after_the_first_chunk(share: SmbShare, name: str, data: bytes, **kwargs) -> None:
            return write(share, name, data, on_chunk=lambda written: server.kill() if written == 256 else None,
                         **kwargs)

        monkeypatch.setattr(SmbShare, "write_atomically", stopping_after_the_first_chunk)
        with pytest.raises(ShareError) as info:
            await fleet.sync_server.backup("host", server.url("backups", "mid"), credentials=ACCOUNT)
        assert info.value.kind == "lost"
        left = files(server, "mid")
        assert not [f for f in left if not f.endswith(".mfp-partial")]  # nothing under a final name
        assert any("was lost during write" in m for m in errors(fleet))


@pytest.mark.rules("SYNC-18")
async def test_sync18_a_server_without_encryption_is_refused(fleet: Fleet) -> None:
    why = samba_missing()
    if why:
        pytest.skip(why)
    await with_data(fleet, "tia")
    with samba_root() as root, running_samba(root, **{"server smb encrypt": "off"}) as server:
        with pytest.raises(ShareError) as info:
            await fleet.sync_server.backup("host", server.url("backups", "plain"), credentials=ACCOUNT)
        assert info.value.kind == "encryption"
        assert files(server, "plain") == []
        assert any("does not offer SMB 3 encryption" in m for m in errors(fleet))


@pytest.mark.rules("SYNC-18")
async def test_sync18_the_smb_password_is_never_shown(fleet: Fleet, samba: SambaServer,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """Not in the sync log, the bus's events, a repr, an error, the log output, nor any file of the state folder."""
    secret = "Unseen-9f3c-Pa55"
    caplog.set_level("DEBUG")
    await with_data(fleet, "uma")
    target = samba.url("backups", "secret")
    wrong = ShareCredentials(USER, secret)
    shown: list[str] = []
    with pytest.raises(ShareError) as info:
        await fleet.sync_server.backup("host", target, credentials=wrong)
    shown += [str(info.value), repr(info.value), repr(wrong), str(wrong)]
    fleet.sync_server.set_backup_schedule("host", BackupSchedule(BackupMode.DAILY, "0300", target=target), credentials=wrong)
    shown.append(repr(fleet.sync_server.backup_schedule("host")))
    with pytest.raises(ShareError) as info:
        await fleet.sync_server.backups("host", target)  # with the saved (wrong) account
    shown += [str(info.value), repr(info.value)]
    await fleet.advance(24 * 3600)
    await fleet.settle()
    shown += [f"{e.level} {e.message} {e.peer}" for e in fleet.sync.log_entries("host")]
    shown += [repr(event) for event in fleet.bus.history_of(object)]  # type: ignore[type-abstract]
    shown.append(caplog.text)
    assert any("STATUS_LOGON_FAILURE" in text for text in shown)  # the failures were recorded…
    assert not [text for text in shown if secret in text]  # …without the password
    for path in Path(fleet.state_dir).rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
