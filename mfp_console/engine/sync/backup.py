"""Backing up, restoring and replicating the server's synchronization data (SYNC-18).

A backup is one JSON file (see :meth:`ServerData.dump`) written atomically — to a temporary file in the
target folder, flushed to disk, then renamed — so a reader or a crash sees the old file or the new one,
never half of one. The server's own storage is ``<state>/sync-backup/<server>/``; an SMB share
``smb://host/share/folder`` is emulated by ``<state>/smb/host/share/folder/`` (docs/sync.md says what a
real SMB client would need). Scheduled backups use APScheduler's cron maths with the fleet's clock, like
``<Set Auto Distribution>``. A replica is the same data sent over a mutual-TLS ``sync`` conversation to
another server-capable machine whose server function is stopped; it can take over as server later.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfp_console.domain.machine import PowerState
from mfp_console.domain.sync_settings import BackupSchedule, BackupTarget
from mfp_console.engine.cron_timer import CronTimer, next_cron_time
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.engine.sync.link import record
from mfp_console.engine.sync.log import sync_log
from mfp_console.engine.sync.proof import join_proof
from mfp_console.errors import RuleRefusal, TransportError
from mfp_console.protocol.messages import SyncAck, SyncJoin, SyncJoinReply, SyncLeave, SyncPush, split_text

if TYPE_CHECKING:
    from mfp_console.engine.runtime import Runtime
    from mfp_console.engine.sync.server import SyncServer

__all__ = ["BackupTimer", "backup_folder", "next_backup_time", "replicate", "write_backup"]

SCHEDULE_KEY = "sync_backup_schedule"
_REPLICA_PIECE = 128 * 1024


def backup_folder(state_dir: Path, server: str, target: BackupTarget) -> Path:
    """The folder a backup of ``server`` goes to."""
    if target.is_smb:
        return Path(state_dir).joinpath(*target.path_parts())
    return Path(state_dir) / "sync-backup" / server


def write_backup(runtime: Runtime, server: SyncServer, target: BackupTarget) -> Path:
    """Writes the server's data to ``target`` atomically and returns the file."""
    now = runtime.clock.now()
    folder = backup_folder(runtime.state_dir, server.machine.name, target)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sync-{server.machine.name}-{now:%Y%m%d-%H%M%S}.json"
    text = json.dumps(server.data.dump(server.machine.name, now), ensure_ascii=False, indent=1)
    tmp = folder / f".{path.name}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    server.machine.store.set_config("sync_last_backup", {"path": str(path), "at": now.isoformat(),
                                                         "target": str(target)})
    return path


def read_backup(path: Path) -> dict[str, Any]:
    """Reads a backup file.

    Raises:
        RuleRefusal: (SYNC-18) the file cannot be read or is not a backup.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleRefusal(f"cannot read the backup {path}: {exc}", "SYNC-18") from None
    if not isinstance(data, dict) or "users" not in data:
        raise RuleRefusal(f"{path} is not a synchronization data backup", "SYNC-18")
    return data


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
            try:
                path = write_backup(self.runtime, server, BackupTarget.parse(schedule.target))
                sync_log(self.machine, "Info", f"scheduled backup written to {schedule.target}: {path.name}")
            except OSError as exc:
                sync_log(self.machine, "Error", f"scheduled backup to {schedule.target} failed: {exc}")
            replica = (self.machine.store.get_config("sync_replica_target") or {}).get("machine", "")
            if replica:
                self.runtime.work.spawn(replicate(self.runtime, server, replica), f"{self.machine.name} replication")


async def replicate(runtime: Runtime, server: SyncServer, replica: str) -> int:
    """Sends the server's data to ``replica`` over mutual TLS; returns the number of users sent.

    Raises:
        RuleRefusal: (SYNC-18) the replica refused (e.g. it runs its own server function).
        TransportError: The replica cannot be reached.
    """
    me = server.machine
    dump = server.data.dump(me.name, runtime.clock.now())
    text = json.dumps(dump, ensure_ascii=False, separators=(",", ":"))
    opened = await open_conversation(runtime, me, replica, "sync")
    channel = opened.channel
    try:
        host, port = runtime.addresses.address_of(me.name)
        proof = join_proof(me, opened.welcome.challenge, replica, "replica")
        await channel.send(SyncJoin(me.name, me.identity.model, me.identity.location, f"{host}:{port}",
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
