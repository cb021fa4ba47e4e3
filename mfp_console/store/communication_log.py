"""How a machine's ``<Communication Log>`` entries (DID-23) are stored.

An entry is written in the same transaction as the change it reports (an update's log entry goes with the
update), so :func:`insert_log_entry` takes the open connection rather than opening its own transaction.
Times are stored as ISO 8601 strings exactly as the caller's ``datetime`` gives them (with its offset when
it has one); "newest first" means most recently written first.

The log keeps the newest :data:`~mfp_console.limits.COMMUNICATION_LOG_ENTRIES` entries (2,000) and
drops the oldest as new ones come, as a real machine's log does not grow for ever (its report prints once
100 unprinted entries build up). Without the cap a peer guessing System Manager proofs would add one
``NG E-AUTH`` entry per guess to the client's database without end.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from mfp_console.domain.communication_log import LogEntry
from mfp_console.limits import COMMUNICATION_LOG_ENTRIES
from mfp_console.strict_json import loads_strict

__all__ = ["insert_log_entry", "select_log_entries"]


def insert_log_entry(connection: sqlite3.Connection, entry: LogEntry, keep: int = COMMUNICATION_LOG_ENTRIES) -> None:
    """Appends ``entry`` and drops the entries older than the newest ``keep``.

    The caller owns the transaction; without one, the append and the trim commit one after the other (a
    kill between them leaves one entry too many, trimmed by the next append).
    """
    connection.execute(
        "INSERT INTO communication_log (started_at, ended_at, kind, peer, contents, result, code, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.start.isoformat(),
            entry.end.isoformat(),
            entry.kind,
            entry.peer,
            json.dumps(list(entry.contents), ensure_ascii=False, allow_nan=False),
            entry.result,
            entry.code,
            entry.detail,
        ),
    )
    # ids only grow (AUTOINCREMENT), so "older than the newest keep" is "id at or below the keep+1-th newest".
    connection.execute(
        "DELETE FROM communication_log WHERE id <= (SELECT id FROM communication_log ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (keep,),
    )


def select_log_entries(
    connection: sqlite3.Connection,
    *,
    kind: str | None = None,
    peer: str | None = None,
    result: str | None = None,
    limit: int | None = None,
) -> list[LogEntry]:
    """Returns the entries matching every given filter, newest first.

    Raises:
        ValueError: A stored row cannot be decoded (the caller reports it as a store error).
    """
    clauses: list[str] = []
    params: list[object] = []
    for column, value in (("kind", kind), ("peer", peer), ("result", result)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    sql = "SELECT started_at, ended_at, kind, peer, contents, result, code, detail FROM communication_log"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(max(0, int(limit)))
    return [_decode(row) for row in connection.execute(sql, params)]


def _decode(row: tuple[str, str, str, str, str, str, str, str]) -> LogEntry:
    started, ended, kind, peer, contents, result, code, detail = row
    decoded = loads_strict(contents)
    if not isinstance(decoded, list):
        raise ValueError(f"log contents must be a list, not {type(decoded).__name__}")
    return LogEntry(
        start=datetime.fromisoformat(started),
        end=datetime.fromisoformat(ended),
        kind=kind,
        peer=peer,
        contents=tuple(str(c) for c in decoded),
        result=result,
        code=code,
        detail=detail,
    )
