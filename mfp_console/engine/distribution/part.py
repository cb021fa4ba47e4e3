"""``fleet.distribution``: Device Information Distribution: destinations, runs, schedules, receiving, restore.

Every method that changes something checks DID-01 (an Administrator is logged in at that machine's panel)
unless the machine itself calls it (a scheduled run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from mfp_console.domain.addressing import MACHINE_PORT, TypedAddress
from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.destinations import Destination, DestinationList, auto_search
from mfp_console.domain.device_info import Category
from mfp_console.domain.distribution_forecast import DestinationForecast
from mfp_console.domain.distribution_rules import restore_categories
from mfp_console.domain.machine import Activity, Function
from mfp_console.domain.receiving import NO_SEND_OPTION_REASON, ReceivingSettings
from mfp_console.domain.schedule import AutoDistribution
from mfp_console.engine.addresses import Resolution
from mfp_console.engine.distribution.auto import AUTO_DISTRIBUTION_KEY
from mfp_console.engine.distribution.forecast import forecast_destinations
from mfp_console.engine.distribution.functions import (
    DistributionReceiver,
    DistributionSender,
)
from mfp_console.engine.distribution.job import Bundle, DistributionJob
from mfp_console.engine.distribution.receiver import (
    RECEIVING_SETTINGS_KEY,
    receiving_settings,
)
from mfp_console.engine.events import DataChanged
from mfp_console.engine.machine import Machine, MachineRoster
from mfp_console.engine.panel import PanelPart
from mfp_console.engine.runtime import Runtime
from mfp_console.engine.views import JobView, RestorePointView
from mfp_console.errors import MachineBusy, MfpError, RuleRefusal
from mfp_console.protocol import Purpose
from mfp_console.protocol.messages import DEFAULT_CHUNK_BYTES

__all__ = ["DESTINATIONS_KEY", "DistributionPart"]

DESTINATIONS_KEY = "destinations"
STATUS_KEY = "destination_status"


class DistributionPart:
    """Distribution on every machine of the fleet.

    Args:
        runtime: The fleet's clock, bus, work tracker and settings.
        machines: Finds a running machine by name.
        panel: Who is logged in (DID-01).
    """

    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    """Bytes of bundle text per attachment frame."""

    def __init__(self, runtime: Runtime, machines: MachineRoster, panel: PanelPart) -> None:
        self._runtime = runtime
        self._machines = machines
        self._panel = panel

    def attach(self, machine: Machine) -> None:
        """Gives a machine its distribution functions (before it starts)."""
        functions = machine.identity.functions
        if Function.DISTRIBUTION_RECEIVER in functions:
            machine.functions.add(DistributionReceiver(machine))
        if Function.DISTRIBUTION_SENDER in functions:
            name = machine.name
            machine.functions.add(DistributionSender(self._runtime, machine, lambda saved: self._start_auto(name, saved)))

    def _sender(self, host: str) -> DistributionSender | None:
        return self._machines(host).functions.get(DistributionSender)

    # --- registered destinations (DID-02) -----------------------------------------------------------

    def destinations(self, host: str) -> DestinationList:
        """The host's registered destinations, in list order."""
        machine = self._machines(host)
        data = machine.store.get_config(DESTINATIONS_KEY)
        limit = self._runtime.spec.settings.destination_limit
        return DestinationList.from_json(data) if data else DestinationList(limit=limit)

    def _save_destinations(self, host: str, destinations: DestinationList, detail: str) -> None:
        self._machines(host).store.set_config(DESTINATIONS_KEY, destinations.to_json())
        self._runtime.bus.publish(DataChanged(at=self._runtime.clock.now(), machine=host, what="destinations", detail=detail))

    def register_destination(self, host: str, name: str, address: str, port: int = 0) -> Destination:
        """``<Register>``: adds a destination by hand (DID-02; Administrator only, DID-01).

        ``address`` is an IPv4 address, a host name or ``localhost``, with ``:port`` when the destination does
        not listen on the fleet's port (M-09). The same machine cannot be registered twice, whichever way
        its address is written.

        Raises:
            RuleRefusal: (M-09) not an address; (DID-02) a duplicate, or the list is full.
        """
        self._panel.require_admin(host, "DID-01")
        if not name.strip():
            Destination(name, address or "-")  # "Enter a name" first, as the screen asks for it first
        typed = TypedAddress.parse(address)
        if typed.port is not None and port and typed.port != port:
            raise RuleRefusal(f"{address!r} names port {typed.port} but the port given is {port}", "M-09")
        destination = Destination(name, str(TypedAddress(typed.host, None, typed.kind)), typed.port or port)
        registered = self.destinations(host)
        updated = registered.add(destination)  # the same address written the same way, a name twice, a full list
        target = self._resolution(host, destination).machine
        if target:
            for existing in registered:
                if self._resolution(host, existing).machine == target:
                    raise RuleRefusal(f"Address {address!r} is already registered as {existing.name!r} "
                                      f"(both reach {target})", "DID-02")
        self._save_destinations(host, updated, f"registered {name}")
        return destination

    def search_destinations(self, host: str, depth: int, display_host_name: bool = True) -> list[Destination]:
        """``<Auto Search/Register>``: the machines within ``depth`` routers that could be registered."""
        self._panel.require_admin(host, "DID-01")
        me = self._machines(host)
        addresses = self._runtime.addresses
        candidates = [
            (spec.name, _search_address(addresses.plan(spec.name).ipv4, addresses.plan(spec.name).port),
             abs(spec.identity.router_distance - me.identity.router_distance))
            for spec in self._runtime.spec.machines
            if spec.name != host and Function.DISTRIBUTION_RECEIVER in spec.identity.functions
        ]
        found = auto_search(candidates, depth, display_host_name)
        return [_split_port(d) for d in found]

    def register_found(self, host: str, found: Iterable[Destination]) -> tuple[str, ...]:
        """Registers search results; returns the names that were skipped (already there or over the limit)."""
        self._panel.require_admin(host, "DID-01")
        registered = self.destinations(host)
        reached = {self._resolution(host, d).machine: d.name for d in registered}
        fresh, skipped = [], []
        for destination in found:
            target = self._resolution(host, destination).machine
            if target and target in reached:  # the same machine under another name or address
                skipped.append(f"{destination.name} is already registered as {reached[target]!r}")
                continue
            reached[target] = destination.name
            fresh.append(destination)
        updated, refused = registered.add_found(fresh)
        self._save_destinations(host, updated, "registered from auto search")
        return (*skipped, *refused)

    def delete_destination(self, host: str, name: str) -> None:
        """``<Delete>``: a deleted destination leaves every future run (DID-02)."""
        self._panel.require_admin(host, "DID-01")
        self._save_destinations(host, self.destinations(host).delete(name), f"deleted {name}")
        statuses = self.destination_statuses(host)
        statuses.pop(name, None)
        self._machines(host).store.set_config(STATUS_KEY, statuses)
        if self._sender(host) is not None:
            schedule = self.auto_distribution(host)
            if name in schedule.destinations:
                kept = tuple(d for d in schedule.destinations if d != name)
                self._machines(host).store.set_config(AUTO_DISTRIBUTION_KEY, replace(schedule, destinations=kept).to_json())

    def destination_statuses(self, host: str) -> dict[str, str]:
        """The last ``<Status>`` of each destination (unselected ones keep theirs, DID-04)."""
        return dict(self._machines(host).store.get_config(STATUS_KEY) or {})

    def resolve_destination(self, destination: Destination, host: str = "") -> str:
        """The fleet machine a destination's address names (typed on ``host``), or empty when none does."""
        return self._resolution(host, destination).machine

    def _resolution(self, host: str, destination: Destination) -> Resolution:
        address = destination.address
        if destination.port:
            address = f"[{address}]:{destination.port}" if ":" in address else f"{address}:{destination.port}"
        return self._runtime.resolve(address, host, MACHINE_PORT)

    # --- running -------------------------------------------------------------------------------------

    def current_job(self, host: str) -> JobView | None:
        """The host's running distribution, if any."""
        sender = self._sender(host)
        job = sender.current_job if sender is not None else None
        return job.view() if job is not None else None

    def last_job(self, host: str) -> JobView | None:
        """The host's most recent distribution (running or finished)."""
        sender = self._sender(host)
        return sender.job.view() if sender is not None and sender.job is not None else None

    def start_manual_distribution(
        self,
        host: str,
        categories: Collection[Category],
        destinations: Collection[str],
        include_network: bool = False,
    ) -> JobView:
        """``<Start Manual Distribution>`` (DID-04; Administrator only, DID-01); the run goes on as engine work."""
        self._panel.require_admin(host, "DID-01")
        return self._start_job(host, categories, destinations, include_network, "manual").view()

    def _start_auto(self, host: str, schedule: AutoDistribution) -> None:
        try:
            self._start_job(host, schedule.categories, schedule.destinations, schedule.include_network, "auto")
        except MfpError as exc:  # e.g. only <Address Book> saved on a host without fax board (DID-28)
            now = self._runtime.clock.now()
            self._machines(host).store.append_log(
                LogEntry(now, now, "Auto", "", tuple(c.label for c in schedule.categories), "NG", "",
                         f"auto distribution not started: {getattr(exc, 'reason', str(exc))}"))

    def _plan(
        self,
        host: str,
        categories: Collection[Category],
        destinations: Collection[str],
        include_network: bool,
        what: str,
    ) -> _Plan:
        """Checks that the host may distribute now and builds what it would send: the bundle and where the
        picked destinations are, in list order. A run and a pre-flight check go through the same checks, so
        a pre-flight check is refused where the run would be."""
        machine = self._machines(host)
        machine.require_operable(what)
        sender = self._sender(host)
        if sender is None:
            raise RuleRefusal(f"{host} is not a distribution host", "DID-01")
        if sender.current_job is not None:
            raise MachineBusy("a distribution is already running on this machine", "DID-22")
        if machine.state.activity is Activity.IMPORT_EXPORT:
            raise MachineBusy("import/export is running: distribution must wait until it ends", "DID-24")
        if not categories:
            raise RuleRefusal("Set at least one category to <On>", "DID-04")
        registered = self.destinations(host)
        picked = [d for d in registered if d.name in set(destinations)]
        unknown = sorted(set(destinations) - {d.name for d in picked})
        if unknown:
            raise RuleRefusal(f"not registered as destinations: {', '.join(unknown)}", "DID-02")
        if not picked:
            raise RuleRefusal("Select at least one destination", "DID-04")
        resolutions = {d.name: self._resolution(host, d) for d in picked}
        withheld = []
        if Category.ADDRESS_BOOK in set(categories) and not machine.identity.options.handles_address_book:
            withheld.append((Category.ADDRESS_BOOK, NO_SEND_OPTION_REASON))  # DID-28: not sent
            if set(categories) <= {Category.ADDRESS_BOOK}:
                raise RuleRefusal(f"<Address Book> cannot be sent: {NO_SEND_OPTION_REASON}", "DID-28")
        return _Plan(machine, self._bundle(machine, categories, include_network, withheld), resolutions)

    def _bundle(self, machine: Machine, categories: Collection[Category], include_network: bool,
                withheld: list[tuple[Category, str]]) -> Bundle:
        """The host's bundle from the texts its store keeps: only the settings values, which are filtered,
        are decoded (the address book of thousands of entries would cost more than the rest of a start)."""
        sent = Bundle.sent(categories, withheld)
        filtered = [c for c in sent if c is Category.SETTINGS_VALUES]
        stored = machine.store.load_category_texts(sent, decoded=filtered)
        return Bundle.from_texts(stored.texts, include_network, self.chunk_bytes, withheld,
                                 stored.values.get(Category.SETTINGS_VALUES))

    async def forecast(
        self,
        host: str,
        categories: Collection[Category],
        destinations: Collection[str],
        include_network: bool = False,
    ) -> list[DestinationForecast]:
        """The pre-flight check (the emulator's aid, no Canon screen): for each picked destination, in list
        order, what ``<Start Manual Distribution>`` with these categories would meet and change now.

        Each client is asked over the same mutual-TLS conversation a run uses and changes nothing (see
        :mod:`~mfp_console.engine.distribution.forecast`). Administrator only (DID-01); refused where the
        run would be refused.
        """
        self._panel.require_admin(host, "DID-01")
        plan = self._plan(host, categories, destinations, include_network, "a pre-flight check")
        return await forecast_destinations(self._runtime, plan.machine, plan.bundle, plan.targets,
                                           plan.unreachable)

    def _start_job(
        self,
        host: str,
        categories: Collection[Category],
        destinations: Collection[str],
        include_network: bool,
        trigger: str,
    ) -> DistributionJob:
        plan = self._plan(host, categories, destinations, include_network, "a distribution")
        machine, bundle = plan.machine, plan.bundle
        sender = self._sender(host)
        assert sender is not None  # _plan checked it
        job_id = int(machine.store.get_config("next_job_id", 1))
        machine.store.set_config("next_job_id", job_id + 1)
        job = DistributionJob(
            runtime=self._runtime,
            host=machine,
            job_id=job_id,
            bundle=bundle,
            destinations=tuple(plan.targets),
            targets=plan.targets,
            unreachable=plan.unreachable,
            concurrency=self._runtime.spec.settings.concurrency,
            trigger=trigger,
            prepare_seconds=self._runtime.settings.prepare_seconds_per_mib * bundle.size / (1024 * 1024),
        )
        sender.job = job

        def save_statuses(finished: DistributionJob) -> None:
            try:
                statuses = dict(machine.store.get_config(STATUS_KEY) or {})
                statuses.update({n: r.text for n, r in finished.results.items()})
                machine.store.set_config(STATUS_KEY, statuses)
            except Exception:  # the host may be going down; the statuses were published anyway
                pass

        job.on_finished = save_statuses

        async def run() -> None:
            try:
                await job.run()
            except asyncio.CancelledError:
                save_statuses(job)  # a stopped fleet still remembers how far the run got
                raise

        self._runtime.work.spawn(run(), f"{host} distribution #{job_id}")
        return job

    def cancel_distribution(self, host: str) -> None:
        """``<Cancel>`` (DID-07; Administrator only, DID-01)."""
        self._panel.require_admin(host, "DID-01")
        sender = self._sender(host)
        job = sender.current_job if sender is not None else None
        if job is None:
            raise RuleRefusal("no distribution is running", "DID-07")
        job.cancel()

    def busy_reason(self, name: str) -> str:
        """Why import/export must wait on ``name`` because of distribution (DID-24); empty when it need not."""
        machine = self._machines(name)
        sender = self._sender(name)
        if sender is not None and sender.current_job is not None:
            return "a distribution is running on this machine: import/export must wait"
        if Purpose.DISTRIBUTION.value in machine.conversations.values():  # not a sync session, nor a forecast
            return "this machine is receiving a distribution: import/export must wait"
        return ""

    # --- auto distribution (DID-21, DID-22) ---------------------------------------------------------

    def auto_distribution(self, host: str) -> AutoDistribution:
        """The host's saved ``<Set Auto Distribution>``."""
        data = self._machines(host).store.get_config(AUTO_DISTRIBUTION_KEY)
        return AutoDistribution.from_json(data) if data else AutoDistribution()

    def set_auto_distribution(self, host: str, schedule: AutoDistribution) -> datetime | None:
        """Saves a schedule after ``<OK>`` (DID-21) and sets the next timer; returns the next fire time."""
        self._panel.require_admin(host, "DID-01")
        schedule.check_complete()
        unknown = set(schedule.destinations) - set(self.destinations(host).names())
        if unknown:
            raise RuleRefusal(f"not registered as destinations: {', '.join(sorted(unknown))}", "DID-21")
        machine = self._machines(host)
        machine.store.set_config(AUTO_DISTRIBUTION_KEY, schedule.to_json())
        self._runtime.bus.publish(DataChanged(at=self._runtime.clock.now(), machine=host, what="auto_distribution",
                                     detail=schedule.mode.value))
        sender = self._sender(host)
        return sender.timer.rearm() if sender is not None else None

    def next_auto_distribution(self, host: str) -> datetime | None:
        """When the host's next auto distribution is due (None when off)."""
        sender = self._sender(host)
        return sender.timer.next_time if sender is not None else None

    # --- the client side (DID-18..20) ---------------------------------------------------------------

    def receiving_settings(self, name: str) -> ReceivingSettings:
        """The machine's ``<Receiving Settings>``."""
        return receiving_settings(self._machines(name))

    def set_receiving_settings(self, name: str, settings: ReceivingSettings) -> None:
        """Changes ``<Receiving Settings>`` (Administrator only, DID-01)."""
        self._panel.require_admin(name, "DID-01")
        self._machines(name).store.set_config(RECEIVING_SETTINGS_KEY, settings.to_json())
        self._runtime.bus.publish(DataChanged(at=self._runtime.clock.now(), machine=name, what="receiving_settings"))

    def restorable_categories(self, name: str) -> set[Category]:
        """The categories ``<Restore Data>`` can bring back now (those the most recent update changed)."""
        return self._machines(name).store.restore_point_categories()

    def restore_point(self, name: str) -> RestorePointView:
        """The client's one restore point (DID-20): its categories, when and from which host it came."""
        store = self._machines(name).store
        made = store.restore_point_made()
        categories = tuple(c for c in Category if c in store.restore_point_categories())
        if made is None or not categories:
            return RestorePointView()
        return RestorePointView(categories, datetime.fromisoformat(made.saved_at), made.peer,
                                store.restore_point_inbox() is not None)

    def restore_data(self, name: str, categories: Collection[Category]) -> list[Category]:
        """``<Restore Data>`` › ``<Execute>`` › ``<Yes>`` (DID-20, DID-17); returns the restored categories.

        The restore point is used up whole, whatever was picked; a restore makes no restore point.

        Raises:
            RuleRefusal: (DID-20) nothing picked, nothing to restore, or a picked category is not in the
                restore point.
        """
        self._panel.require_admin(name, "DID-01")
        machine = self._machines(name)
        machine.require_operable("restoring data")
        store = machine.store
        points = {c: store.restore_point_value(c) for c in store.restore_point_categories()}
        update = restore_categories(machine.device_info, points, store.restore_point_inbox(), categories)
        now = self._runtime.clock.now()
        labels = tuple(c.label for c in update.outcomes)
        entry = LogEntry(now, now, "Restore", "", labels, "OK", "", "restored to the data from before the update")
        pair = {Category.ADDRESS_BOOK, Category.SETTINGS_VALUES}
        both = pair <= set(update.outcomes)
        inbox_kwargs: dict[str, Any] = {}
        if update.inbox_changed:
            if both:
                inbox_kwargs["restore_inbox"] = True
            else:
                inbox_kwargs["set_inbox"] = update.info.inbox_url_send
        outcome = store.restore(list(update.outcomes), entry, **inbox_kwargs)
        self._runtime.bus.publish(DataChanged(at=now, machine=name, what="device_information",
                                     detail="restored " + ", ".join(f"<{label}>" for label in labels)))
        return sorted(outcome.restored, key=list(Category).index)

    # --- the communication log (DID-23) -------------------------------------------------------------

    def communication_log(self, name: str, kind: str | None = None, peer: str | None = None,
                          result: str | None = None, limit: int | None = None) -> list[LogEntry]:
        """The machine's communication log, newest first, optionally filtered."""
        return self._machines(name).store.read_log(kind=kind, peer=peer, result=result, limit=limit)

    def print_communication_log(self, name: str, path: Path, **filters: Any) -> Path:
        """``<Print List>`` of the communication log: renders it as a text report file."""
        from mfp_console.engine.distribution.reports import communication_log_report

        entries = self.communication_log(name, **filters)
        path = Path(path)
        path.write_text(communication_log_report(name, entries, self._runtime.clock.now()), encoding="utf-8")
        return path

    def print_destination_list(self, host: str, path: Path) -> Path:
        """``<Print List>`` of the registered destinations as a text report file."""
        from mfp_console.engine.distribution.reports import destination_list_report

        path = Path(path)
        path.write_text(destination_list_report(host, self.destinations(host), self.destination_statuses(host),
                                                self._runtime.clock.now()), encoding="utf-8")
        return path


@dataclass(frozen=True)
class _Plan:
    """What a run (or its pre-flight check) sends, from where, and where each picked destination is."""

    machine: Machine
    bundle: Bundle
    resolutions: dict[str, Resolution]
    """Each picked destination's resolved address, in list order."""

    @property
    def targets(self) -> dict[str, str]:
        """What to dial for each destination, in list order (empty when nothing answers there)."""
        return {name: found.target for name, found in self.resolutions.items()}

    @property
    def unreachable(self) -> dict[str, str]:
        """Why a destination without a target is not dialled (M-07, M-09)."""
        return {name: found.reason for name, found in self.resolutions.items() if not found.target}


def _search_address(ipv4: str, port: int) -> str:
    """How auto search writes a machine it found: its address, with the port when not the fleet's."""
    return ipv4 if port == MACHINE_PORT else f"{ipv4}:{port}"


def _split_port(found: Destination) -> Destination:
    typed = TypedAddress.parse(found.address)
    return found if typed.port is None else replace(found, address=typed.host, port=typed.port)
