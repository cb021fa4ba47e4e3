"""Backing up, restoring and replicating the server's synchronization data (SYNC-18).

A backup is one JSON file (see :meth:`ServerData.dump`) written atomically, so a reader or a crash sees the
old file or the new one, never half of one. Targets:

* the server's own storage, ``<state>/sync-backup/<server>/``: a temporary file in that folder, flushed to
  disk, then renamed;
* a folder on an SMB share, ``smb://host[:port]/share/folder``: the same over SMB 3 with encryption
  (:mod:`mfp_console.smb`), in a worker thread bounded by :data:`SHARE_TIMEOUT`. The share's user name
  and password are given with the call or saved, Fernet-encrypted, with the backup schedule. A failure is
  an ``Error`` in the sync log with the server's reason, and no file appears under the final name.

Scheduled backups use APScheduler's cron maths with the fleet's clock, like ``<Set Auto Distribution>``.
A replica is the same data sent over a mutual-TLS ``sync`` conversation to another server-capable machine
whose server function is stopped; it can take over as server later.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mfp_console.domain.machine import PowerState
from mfp_console.domain.sync_settings import (
    BackupFile,
    BackupMode,
    BackupSchedule,
    BackupTarget,
    split_backup_file,
)
from mfp_console.engine.cron_timer import CronTimer, next_cron_time
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.engine.sync.link import record
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.proof import join_proof
from mfp_console.errors import MfpError, RuleRefusal, ShareError, TransportError
from mfp_console.protocol.messages import (
    SyncAck,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPush,
    split_text,
)
from mfp_console.smb import CredentialVault, ShareCredentials
from mfp_console.strict_json import loads_strict

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine
    from mfp_console.engine.runtime import Runtime
    from mfp_console.engine.sync.server import SyncServer
    from mfp_console.smb.share import SmbShare

__all__ = [
    "BackupTimer",
    "backup_folder",
    "list_backups",
    "load_backup",
    "next_backup_time",
    "replicate",
    "save_schedule",
    "share_credentials",
    "write_backup",
]

SCHEDULE_KEY = "sync_backup_schedule"
LAST_BACKUP_KEY = "sync_last_backup"
SHARE_TIMEOUT = 30.0
"""Seconds one SMB operation may take (connect, log on, write or read, close)."""
_REPLICA_PIECE = 128 * 1024
_T = TypeVar("_T")


def backup_folder(state_dir: Path, server: str) -> Path:
    """The folder of ``server``'s own storage where its backups go."""
    return Path(state_dir) / "sync-backup" / server


def _prefix(server: str) -> str:
    return f"sync-{server}-"


# --- the SMB user name and password (saved with the schedule, encrypted) ---------------------------------


def save_schedule(runtime: Runtime, machine: Machine, schedule: BackupSchedule,
                  credentials: ShareCredentials | None) -> None:
    """Saves the schedule; for an SMB target also its user name and password, encrypted (``credentials``
    None keeps those saved for the same share).

    Raises:
        RuleRefusal: (SYNC-18) a scheduled backup to a share with no user name and password given or saved.
    """
    data: dict[str, Any] = schedule.to_json()
    target = BackupTarget.parse(schedule.target)
    old = machine.store.get_config(SCHEDULE_KEY) or {}
    if target.is_smb:
        if credentials is not None:
            data["credentials"] = CredentialVault(runtime.state_dir).seal(credentials)
            data["credentials_for"] = target.share_url()
        elif old.get("credentials") and old.get("credentials_for") == target.share_url():
            data["credentials"], data["credentials_for"] = old["credentials"], old["credentials_for"]
        elif schedule.mode is not BackupMode.OFF:
            raise RuleRefusal(f"a scheduled backup to {target.share_url()} needs the SMB server's user name and "
                              "password", "SYNC-18")
    machine.store.set_config(SCHEDULE_KEY, data)


def _saved_credentials(runtime: Runtime, machine: Machine, target: BackupTarget) -> ShareCredentials | None:
    data = machine.store.get_config(SCHEDULE_KEY) or {}
    if not data.get("credentials") or data.get("credentials_for") != target.share_url():
        return None
    return CredentialVault(runtime.state_dir).open(str(data["credentials"]))


def share_credentials(runtime: Runtime, machines: list[Machine], target: BackupTarget,
                      given: ShareCredentials | None) -> ShareCredentials:
    """The credentials for ``target``: ``given``, else the first saved for its share on ``machines``.

    Raises:
        RuleRefusal: (SYNC-18) none given and none saved.
        ConfigError: The saved ones cannot be decrypted with this state folder's key.
    """
    if given is not None:
        return given
    for machine in machines:
        saved = _saved_credentials(runtime, machine, target)
        if saved is not None:
            return saved
    raise RuleRefusal(f"{target.share_url()} needs the SMB server's user name and password", "SYNC-18")


async def _on_share(call: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Runs a blocking share call in a worker thread; the share's own watchdog ends it after
    :data:`SHARE_TIMEOUT`, and this bound is the backstop."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(call, *args, **kwargs), SHARE_TIMEOUT + 5.0)
    except TimeoutError:
        raise ShareError(f"the SMB server did not answer within {SHARE_TIMEOUT:g} s", "timeout",
                         "no answer") from None


def _share(runtime: Runtime, target: BackupTarget, credentials: ShareCredentials) -> SmbShare:
    """The share client for ``target``; its server is dialled only on loopback or where the fleet file names
    it (M-07), never as an Administrator typed it."""
    from mfp_console.smb.share import (
        ShareLocation,  # loads smbprotocol: only when a share is used
    )

    client = globals().get("SmbShare") or __getattr__("SmbShare")  # a test may stand one in
    host = runtime.addresses.server_address(target.host)
    if not host:
        raise ShareError(f"the SMB server {target.host} is not dialled: only loopback addresses and hosts the "
                         "fleet file names are (M-07)", "unreachable", "not dialled")
    return client(ShareLocation(host, target.share, target.folder, target.port), credentials, SHARE_TIMEOUT)  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    """``SmbShare``, imported on first use (smbprotocol is not loaded with the engine, issue 18)."""
    if name == "SmbShare":
        from mfp_console.smb.share import SmbShare

        return SmbShare
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- writing, listing, reading ----------------------------------------------------------------------------


def _backup_text(runtime: Runtime, server: SyncServer, now: datetime) -> tuple[str, bytes]:
    name = f"{_prefix(server.machine.name)}{now:%Y%m%d-%H%M%S}.json"
    text = json.dumps(server.data.dump(server.machine.name, now), ensure_ascii=False, indent=1,
                      allow_nan=False)
    return name, text.encode("utf-8")


def write_device_backup(runtime: Runtime, server: SyncServer) -> BackupFile:
    """Writes the server's data to its own storage atomically (local files: no worker thread needed)."""
    now = runtime.clock.now()
    name, data = _backup_text(runtime, server, now)
    folder = backup_folder(runtime.state_dir, server.machine.name)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tmp = folder / f".{name}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return _written(server, BackupFile(name, str(path), len(data)), BackupTarget(), now)


async def write_backup(runtime: Runtime, server: SyncServer, target: BackupTarget,
                       credentials: ShareCredentials | None = None) -> BackupFile:
    """Writes the server's data to ``target`` atomically and returns the file.

    Raises:
        ShareError: The SMB server refused or failed; nothing is left under the file's name.
        RuleRefusal: (SYNC-18) an SMB target without a user name and password.
    """
    if not target.is_smb:
        return write_device_backup(runtime, server)
    account = share_credentials(runtime, [server.machine], target, credentials)
    now = runtime.clock.now()
    name, data = _backup_text(runtime, server, now)
    await _on_share(_share(runtime, target, account).write_atomically, name, data, stale_prefix=_prefix(server.machine.name))
    return _written(server, BackupFile(name, target.file_url(name), len(data)), target, now)


def _written(server: SyncServer, file: BackupFile, target: BackupTarget, now: datetime) -> BackupFile:
    server.machine.store.set_config(LAST_BACKUP_KEY, {"path": file.location, "at": now.isoformat(),
                                                      "target": str(target)})
    return file


def device_backups(state_dir: Path, server: str) -> list[BackupFile]:
    """``server``'s backups on its own storage, newest first."""
    folder = backup_folder(state_dir, server)
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob(f"{_prefix(server)}*.json"), reverse=True)
    return [BackupFile(p.name, str(p), p.stat().st_size) for p in paths]


async def list_backups(runtime: Runtime, machine: Machine, target: BackupTarget,
                       credentials: ShareCredentials | None = None) -> list[BackupFile]:
    """``machine``'s backups at ``target``, newest first."""
    if not target.is_smb:
        return device_backups(runtime.state_dir, machine.name)
    account = share_credentials(runtime, [machine], target, credentials)
    found = await _on_share(_share(runtime, target, account).list, _prefix(machine.name), ".json")
    return [BackupFile(f.name, target.file_url(f.name), f.size) for f in reversed(found)]


async def load_backup(runtime: Runtime, location: str, holders: list[Machine],
                      credentials: ShareCredentials | None = None) -> dict[str, Any]:
    """Reads the backup at ``location`` (a file path or ``smb://…/file.json``); ``holders`` are the
    machines whose saved SMB credentials may be used.

    Raises:
        RuleRefusal: (SYNC-18) the file cannot be read or is not a backup.
        ShareError: The SMB server refused or failed.
    """
    if location.lower().startswith("smb://"):
        target, name = split_backup_file(location)
        account = share_credentials(runtime, holders, target, credentials)
        data = await _on_share(_share(runtime, target, account).read, name)
        return parse_backup(data, location)
    try:
        return parse_backup(Path(location).read_bytes(), location)
    except OSError as exc:
        raise RuleRefusal(f"cannot read the backup {location}: {exc.strerror or exc}", "SYNC-18") from None


def parse_backup(data: bytes, where: str) -> dict[str, Any]:
    """The backup document in ``data``.

    Raises:
        RuleRefusal: (SYNC-18) not JSON, or not a backup.
    """
    try:
        dump = loads_strict(data.decode("utf-8"))
    except ValueError as exc:
        raise RuleRefusal(f"cannot read the backup {where}: {exc}", "SYNC-18") from None
    if not isinstance(dump, dict) or "users" not in dump:
        raise RuleRefusal(f"{where} is not a synchronization data backup", "SYNC-18")
    return dump


def next_backup_time(schedule: BackupSchedule, after: datetime) -> datetime | None:
    """The first scheduled backup strictly after ``after`` (None when Off)."""
    fields = schedule.cron_fields()
    if fields is None:
        return None
    return next_cron_time([fields], after)


class BackupTimer(CronTimer):
    """Keeps one pending clock timer for a server's scheduled backup (and replication, when set)."""

    def __init__(self, runtime: Runtime, server: SyncServer) -> None:
        super().__init__(runtime.clock, f"{server.machine.name} sync backup")
        self.runtime = runtime
        self.server = server
        self.machine = server.machine

    def schedule(self) -> BackupSchedule:
        """The saved schedule (Off when none)."""
        data = self.machine.store.get_config(SCHEDULE_KEY)
        return BackupSchedule.from_json(data) if data else BackupSchedule()

    def next_after(self, after: datetime) -> datetime | None:
        return next_backup_time(self.schedule(), after)

    def fire(self, when: datetime) -> None:
        server = self.server
        if self.machine.state.power is PowerState.OFF:
            sync_log(self.machine, "Warning", f"scheduled backup at {when:%H:%M} skipped: the machine is off")
        else:
            schedule = self.schedule()
            target = BackupTarget.parse(schedule.target)
            if target.is_smb:  # over the network: in a worker thread, logged when done
                self.runtime.work.spawn(self._to_share(server, target), f"{self.machine.name} scheduled backup")
            else:
                try:
                    file = write_device_backup(self.runtime, server)
                    sync_log(self.machine, "Info", f"scheduled backup written to {target}: {file.name}")
                except OSError as exc:
                    sync_log(self.machine, "Error", f"scheduled backup to {target} failed: {exc}")
            replica = (self.machine.store.get_config("sync_replica_target") or {}).get("machine", "")
            if replica:
                self.runtime.work.spawn(replicate(self.runtime, server, replica), f"{self.machine.name} replication")

    async def _to_share(self, server: SyncServer, target: BackupTarget) -> None:
        try:
            file = await write_backup(self.runtime, server, target)
        except (MfpError, OSError) as exc:
            sync_log(self.machine, "Error", f"scheduled backup to {target} failed: {exc}")
        else:
            sync_log(self.machine, "Info", f"scheduled backup written to {target}: {file.name}")


async def replicate(runtime: Runtime, server: SyncServer, replica: str) -> int:
    """Sends the server's data to ``replica`` over mutual TLS; returns the number of users sent.

    Raises:
        RuleRefusal: (SYNC-18) the replica refused (e.g. it runs its own server function).
        TransportError: The replica cannot be reached.
    """
    me = server.machine
    dump = server.data.dump(me.name, runtime.clock.now())
    text = json.dumps(dump, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    opened = await open_conversation(runtime, me, replica, "sync")
    channel = opened.channel
    try:
        plan = runtime.addresses.plan(me.name)
        proof = join_proof(me, opened.welcome.challenge, replica, "replica")
        await channel.send(SyncJoin(me.name, me.identity.model, me.identity.location, str(plan),
                                    me.identity.firmware, proof, "replica"))
        reply = await channel.expect(SyncJoinReply)
        if not reply.ok:
            sync_log(me, "Error", f"replication to {replica} refused: {reply.reason}", replica)
            raise RuleRefusal(f"{replica} refused the replica: {reply.reason}", "SYNC-18")
        for seq, piece in enumerate(split_text(text, _REPLICA_PIECE)):
            await channel.send(SyncPush(records=(record("", "@replica", piece, seq),)))
            ack = await channel.expect(SyncAck)
            if ack.refused:
                sync_log(me, "Error", f"replication to {replica} refused: {ack.refused}", replica)
                raise RuleRefusal(f"{replica} refused the replica: {ack.refused}", "SYNC-18")
        await channel.send(SyncLeave(reason="replica complete"))
    except TransportError as exc:
        sync_log(me, "Error", f"replication to {replica} failed: {exc}", replica)
        raise
    finally:
        await channel.close()
    me.store.set_config("sync_last_replication", {"machine": replica, "at": runtime.clock.now().isoformat(),
                                                  "users": len(dump["users"])})
    sync_log(me, "Info", f"replicated {len(dump['users'])} users to {replica}", replica)
    return len(dump["users"])
