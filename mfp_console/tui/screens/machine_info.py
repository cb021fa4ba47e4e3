"""What the ``Status Monitor`` and ``Counter/Device Information`` keys show (issue 13): the machine's jobs and
state, and who the machine is. Both are read from the fleet facade when the key is pressed and shown in a
message box over the panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfp_console.domain.machine import Function
from mfp_console.tui.screens.dialogs import MessageBox

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["device_information_box", "device_information_lines", "status_monitor_box", "status_monitor_lines"]


def status_monitor_lines(fleet: Fleet, machine: str) -> list[str]:
    """The Status Monitor: the device's state, the distribution job on a host (DID-04, DID-25) and the
    synchronization functions (SYNC-01)."""
    view = fleet.view(machine)
    state = view.state
    lines = [f"Device: {state.power.value} · {state.activity.value}"
             + (f" · Error {state.error_code}" if state.error_code else "")]
    if state.network_cut:
        lines.append("Network: not connected")
    functions = view.identity.functions
    if Function.DISTRIBUTION_SENDER in functions:
        job = fleet.distribution.last_job(machine)
        if job is None:
            lines.append("Device information distribution: no job yet")
        else:
            when = f" {job.started_at:%Y-%m-%d %H:%M}" if job.started_at is not None else ""
            head = f"Device information distribution: job {job.job_id} ({job.trigger}){when}"
            if job.preparing_until is not None:
                head += f" · Preparing… until {job.preparing_until:%H:%M:%S}"
            elif job.running:
                head += " · Distributing"
            else:
                head += " · Finished" + (" (canceled)" if job.canceled else "")
            lines.append(head)
            for name in job.destinations:
                result = job.results.get(name)
                lines.append(f"  {name:<12} {result.text if result is not None else 'Waiting'}")
    if functions & {Function.SYNC_SERVER, Function.SYNC_CLIENT}:
        from mfp_console.tui.pages.sync import (
            sync_status_lines,  # the sync page words them the same way
        )

        server, client = sync_status_lines(fleet, machine)
        if Function.SYNC_SERVER in functions:
            lines.append(f"Synchronize Custom Settings (Server): {server}")
        lines.append(f"Synchronize Custom Settings (Client): {client}")
    return lines


def status_monitor_box(fleet: Fleet, machine: str) -> MessageBox:
    """The ``Status Monitor`` key's screen."""
    return MessageBox(f"Status Monitor — {machine}", "\n".join(status_monitor_lines(fleet, machine)))


def device_information_lines(fleet: Fleet, machine: str) -> list[str]:
    """Counter/Device Information: product name, serial number, firmware, location, address (M-01, M-09).
    The emulator keeps no page counters; the address note says when this computer moved the machine's port
    or address (placement)."""
    identity = fleet.view(machine).identity
    row = next((r for r in fleet.status() if r.name == machine), None)
    lines = [
        f"Product Name: {identity.model} ({identity.series})",
        f"Serial Number: {identity.serial}",
        f"Location: {identity.location}",
        f"Firmware Version: {identity.firmware}",
    ]
    if row is not None:
        lines.append(f"IPv4 Address: {row.ipv4}")
        lines.append(f"Host Name: {machine}")
        if row.note:
            lines.append(f"Note (this computer): {row.note}")
    lines.append("Counter: the emulator counts no pages.")
    return lines


def device_information_box(fleet: Fleet, machine: str) -> MessageBox:
    """The ``Counter/Device Information`` key's screen."""
    return MessageBox(f"Counter/Device Information — {machine}",
                      "\n".join(device_information_lines(fleet, machine)))
