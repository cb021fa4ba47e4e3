"""``fleet status`` rows, and one fleet for every command: rows and pings from whichever process runs a machine.

A row made here (:func:`status_row`) reads the live machine when it runs in this process. For a machine that
runs in another process of the same state folder (a panel, a ``machine`` process), :func:`gather_status` asks
that process over its control socket (:mod:`mfp_console.engine.net.control`) for the row it makes itself, so
``fleet status --json`` gives the same machines, addresses and TLS facts whichever way the fleet runs. The
answers of each process are asked for once, however many machines it runs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import replace

from mfp_console.engine.machine import Machine
from mfp_console.engine.net.control import ControlError, ask
from mfp_console.engine.net.ping import PingResult
from mfp_console.engine.runtime import Runtime
from mfp_console.engine.views import MachineStatus
from mfp_console.fleet_file import MachineSpec

__all__ = ["ask_ping", "gather_status", "status_row"]


def status_row(runtime: Runtime, spec: MachineSpec, machine: Machine | None) -> MachineStatus:
    """Machine ``spec``'s row as this process sees it (``?`` for state it cannot see)."""
    addresses = runtime.addresses
    plan = addresses.plan(spec.name)
    identity = runtime.pki.identity(spec.name)
    here = addresses.here(spec.name)
    elsewhere = None if here is not None else addresses.elsewhere(spec.name)
    if here is not None:
        address, note = f"{here.host}:{here.port}", here.note
    elif elsewhere is not None:
        address, note = f"{elsewhere[0]}:{elsewhere[1]}", addresses.note_elsewhere(spec.name)
    else:
        address = str(plan)
        note = (f"runs on {plan.runs_on or 'another computer'}" if plan.remote_capable else "not running")
    control = addresses.control_of(spec.name) if elsewhere is not None else None
    state = machine.state if machine is not None else None
    return MachineStatus(
        name=spec.name,
        model=spec.identity.model,
        series=spec.identity.series,
        address=address,
        ipv4=plan.ipv4,
        functions=tuple(sorted(f.value for f in spec.identity.functions)),
        power=state.power.value if state else "?",
        activity=state.activity.value if state else "?",
        error=(state.error_code if state else "") or "",
        network=("cut" if state.network_cut else "connected") if state else "?",
        tls=("configured" if state.tls_configured else "removed") if state else "?",
        fingerprint=identity.fingerprint if identity else "-",
        running_here=machine is not None,
        pid=os.getpid() if machine is not None else (control[1] if control else 0),
        note=note,
    )


async def gather_status(runtime: Runtime, local: list[MachineStatus],
                        running_here: Callable[[str], bool]) -> list[MachineStatus]:
    """``local`` with the rows of machines running elsewhere replaced by what their processes say.

    A process that does not answer leaves its machines' rows as this process sees them, with the reason in
    the note.
    """
    addresses = runtime.addresses
    asked: dict[str, list[str]] = {}
    for row in local:
        if running_here(row.name):
            continue
        control = addresses.control_of(row.name)
        if control is not None:
            asked.setdefault(control[0], []).append(row.name)
    if not asked:
        return local
    paths = list(asked)
    answers = await asyncio.gather(*(ask(path, {"op": "status"}) for path in paths), return_exceptions=True)
    remote: dict[str, MachineStatus] = {}
    silent: dict[str, str] = {}
    for path, answer in zip(paths, answers, strict=True):
        if isinstance(answer, BaseException):
            for name in asked[path]:
                silent[name] = str(answer) if isinstance(answer, ControlError) else repr(answer)
            continue
        for data in answer.get("machines", []):
            try:
                row = MachineStatus.from_json(data)
            except (ValueError, TypeError):
                continue
            if row.name in asked[path]:
                remote[row.name] = _as_seen_from_here(row)
    out = []
    for row in local:
        if row.name in remote:
            out.append(remote[row.name])
        elif row.name in silent:
            out.append(_with_note(row, f"its process does not answer: {silent[row.name]}"))
        else:
            out.append(row)
    return out


def _as_seen_from_here(row: MachineStatus) -> MachineStatus:
    return replace(row, running_here=False)


def _with_note(row: MachineStatus, note: str) -> MachineStatus:
    return replace(row, note=f"{row.note}; {note}" if row.note else note)


async def ask_ping(runtime: Runtime, source: str, target: str) -> PingResult:
    """Asks the process that runs ``source`` to ping ``target`` from it; a refusal when none can be asked."""
    control = runtime.addresses.control_of(source)
    if control is None:
        return PingResult(source, target, False, code="E-UNREACH",
                          reason=f"{source} is not running here nor in another process of this state folder")
    try:
        answer = await ask(control[0], {"op": "ping", "source": source, "target": target})
        data = answer["result"]
        return PingResult(**{key: data[key] for key in PingResult.__dataclass_fields__})
    except ControlError as exc:
        return PingResult(source, target, False, code="E-UNREACH", reason=f"{source}'s process: {exc}")
    except (KeyError, TypeError):
        return PingResult(source, target, False, code="E-PROTOCOL",
                          reason=f"{source}'s process answered something unreadable")
