"""The SMB share client against a real Samba: atomic writes, reads, listings, and each failure as a ShareError.

SYNC-18 backs up to an SMB server; these tests hold the client itself to what a backup needs: a file
appears under its final name whole or not at all, and every refusal carries the server's own reason.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from mfp_console.errors import ConfigError, ShareError
from mfp_console.smb import CredentialVault, ShareCredentials, ShareLocation, SmbShare
from mfp_console.smb import share as share_module
from tests.samba import (
    PASSWORD,
    USER,
    SambaServer,
    running_samba,
    samba_missing,
    samba_root,
)

pytestmark = pytest.mark.xdist_group("samba")  # one smbd per worker: keep its users on one worker


def share(server: SambaServer, *folder: str, name: str = "backups", password: str = PASSWORD,
          timeout: float = 10.0) -> SmbShare:
    return SmbShare(ShareLocation(server.host, name, folder, server.port), ShareCredentials(USER, password), timeout)


def on_disk(server: SambaServer, *folder: str, name: str = "backups") -> list[str]:
    path = server.shares[name].joinpath(*folder)
    return sorted(os.listdir(path)) if path.is_dir() else []


@pytest.mark.rules("SYNC-18")
def test_sync18_write_is_atomic_and_reads_back(samba: SambaServer) -> None:
    folder = ("share-client", "atomic")
    target = share(samba, *folder)
    data = os.urandom(3 * share_module.CHUNK + 17)  # several SMB2 WRITEs
    target.write_atomically("sync-host-1.json", data, stale_prefix="sync-host-")
    assert on_disk(samba, *folder) == ["sync-host-1.json"]  # the folder was made; no partial file left
    assert (samba.shares["backups"].joinpath(*folder, "sync-host-1.json")).read_bytes() == data
    assert target.read("sync-host-1.json") == data
    target.write_atomically("sync-host-1.json", b"replaced", stale_prefix="sync-host-")  # rename over
    assert target.read("sync-host-1.json") == b"replaced"
    target.write_atomically("sync-host-2.json", b"{}")
    target.write_atomically("other.txt", b"x")
    found = target.list("sync-host-", ".json")
    assert [(f.name, f.size) for f in found] == [("sync-host-1.json", 8), ("sync-host-2.json", 2)]


@pytest.mark.rules("SYNC-18")
def test_sync18_a_missing_folder_lists_nothing_and_a_missing_file_says_so(samba: SambaServer) -> None:
    assert share(samba, "share-client", "never-written").list() == []
    with pytest.raises(ShareError) as info:
        share(samba, "share-client").read("nothing-here.json")
    assert info.value.kind == "missing" and info.value.reason == "STATUS_OBJECT_NAME_NOT_FOUND"


@pytest.mark.rules("SYNC-18")
def test_sync18_wrong_password_and_missing_share_carry_the_servers_reason(samba: SambaServer) -> None:
    with pytest.raises(ShareError) as info:
        share(samba, "share-client", password="not-the-password").list()
    assert info.value.kind == "logon" and info.value.reason == "STATUS_LOGON_FAILURE"
    assert "refused the user name or password" in str(info.value) and "not-the-password" not in str(info.value)
    with pytest.raises(ShareError) as info:
        share(samba, name="no-such-share").write_atomically("a.json", b"{}")
    assert info.value.kind == "share" and info.value.reason == "STATUS_BAD_NETWORK_NAME"
    assert "no share 'no-such-share'" in str(info.value)


@pytest.mark.rules("SYNC-18")
def test_sync18_a_full_share_leaves_nothing_behind(samba: SambaServer) -> None:
    if not samba.mounted:
        pytest.skip("no tmpfs could be mounted for the full share here")
    with pytest.raises(ShareError) as info:
        share(samba, name="full").write_atomically("sync-host-big.json", os.urandom(256 * 1024))
    assert info.value.kind == "full" and info.value.reason == "STATUS_DISK_FULL"
    assert on_disk(samba, name="full") == []  # neither the final name nor the partial file


@pytest.fixture
def own_root() -> Iterator[Path]:
    """A folder for a server of the test's own (one it stops, or one set up differently)."""
    why = samba_missing()
    if why:
        pytest.skip(why)
    with samba_root() as root:
        yield root


@pytest.mark.rules("SYNC-18")
def test_sync18_server_stopping_mid_write_leaves_no_file_under_the_final_name(own_root: Path) -> None:
    with running_samba(own_root) as server:
        killed: list[int] = []

        def stop_the_server(written: int) -> None:
            if not killed:
                killed.append(written)
                server.kill()  # returns once smbd and its children are gone

        with pytest.raises(ShareError) as info:
            share(server, "f").write_atomically("sync-host-1.json", os.urandom(8 * share_module.CHUNK),
                                                stale_prefix="sync-host-", on_chunk=stop_the_server)
        assert killed == [share_module.CHUNK] and info.value.kind == "lost"
        left = on_disk(server, "f")
        assert "sync-host-1.json" not in left
        assert len(left) == 1 and left[0].startswith(".sync-host-1.json.") and left[0].endswith(".mfp-partial")
    # the same share served again: the next write of that writer sweeps its old partial file
    with running_samba(own_root) as server:
        share(server, "f").write_atomically("sync-host-2.json", b"{}", stale_prefix="sync-host-")
        assert on_disk(server, "f") == ["sync-host-2.json"]


@pytest.mark.rules("SYNC-18")
def test_sync18_a_server_without_smb3_encryption_is_refused(own_root: Path) -> None:
    with running_samba(own_root, **{"server smb encrypt": "off", "server signing": "disabled"}) as server:
        with pytest.raises(ShareError) as info:
            share(server, "f").write_atomically("a.json", b"{}")
        assert info.value.kind == "encryption" and "SMB 3 encryption" in str(info.value)
        assert on_disk(server, "f") == []


@pytest.mark.rules("SYNC-18")
def test_sync18_a_silent_server_times_out() -> None:
    """A peer that accepts and never answers: the watchdog ends the call (bounded: about one second)."""
    with closing(socket.socket()) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        silent = SmbShare(ShareLocation("127.0.0.1", "backups", (), listener.getsockname()[1]),
                          ShareCredentials(USER, PASSWORD), timeout=0.2)
        with pytest.raises(ShareError) as info:
            silent.list()
    assert info.value.kind == "timeout" and "did not answer within 0.2 s" in str(info.value)


@pytest.mark.rules("SYNC-18")
def test_sync18_nothing_listens_is_unreachable() -> None:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(ShareError) as info:
            SmbShare(ShareLocation("127.0.0.1", "backups", (), port), ShareCredentials(USER, PASSWORD), 2).list()
    assert info.value.kind == "unreachable"


# --- credentials at rest ---------------------------------------------------------------------------------


@pytest.mark.rules("SYNC-18")
def test_sync18_credentials_are_encrypted_at_rest_with_a_private_key(tmp_path: Path) -> None:
    vault = CredentialVault(tmp_path / "state")
    account = ShareCredentials("backup", "s3cret-Pa55", "OFFICE")
    token = vault.seal(account)
    assert "s3cret-Pa55" not in token and "backup" not in token
    assert vault.open(token) == account
    key = tmp_path / "state" / "secrets" / "smb.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert CredentialVault(tmp_path / "state").open(token) == account  # the same key next time
    with pytest.raises(ConfigError, match="enter them again"):
        CredentialVault(tmp_path / "other-state").open(token)  # another state folder's key


@pytest.mark.rules("SYNC-18")
def test_sync18_the_password_never_shows_in_repr_or_str() -> None:
    account = ShareCredentials.parse("OFFICE\\backup", "s3cret-Pa55")
    assert (account.domain, account.user, account.account) == ("OFFICE", "backup", "OFFICE\\backup")
    target = SmbShare(ShareLocation("nas", "b"), account)
    for text in (repr(account), str(account), repr(target)):
        assert "s3cret-Pa55" not in text
    with pytest.raises(ConfigError):
        ShareCredentials.parse("  ", "s3cret-Pa55")
