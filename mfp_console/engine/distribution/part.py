"""Device Information Distribution as fleet-facade methods: destinations, runs, schedules, receiving, restore.

:class:`DistributionOperations` is mixed into :class:`~mfp_console.engine.fleet.Fleet`. Every method that
changes something checks DID-01 (an Administrator is logged in at that machine's panel) unless it is called
by the machine itself (a scheduled run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfp_console.domain.destinations import Destination, DestinationList, auto_search
from mfp_console.domain.device_info import Category
from mfp_console.domain.distribution_rules import restore_categories
from mfp_console.domain.machine import Activity, Function
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.domain.schedule import AutoDistribution
from mfp_console.engine.distribution.auto import AUTO_DISTRIBUTION_KEY, AutoDistributionTimer
from mfp_console.engine.distribution.job import Bundle, DistributionJob
from mfp_console.engine.distribution.receiver import RECEIVING_SETTINGS_KEY, receiving_settings, serve_distribution
from mfp_console.engine.events import DataChanged
from mfp_console.engine.facade_base import FacadeBase
from mfp_console.errors import MachineBusy, RuleRefusal
from mfp_console.protocol.messages import DEFAULT_CHUNK_CHARS
from mfp_console.store.communication_log import LogEntry

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = ["DESTINATIONS_KEY", "DistributionOperations", "attach_distribution"]

DESTINATIONS_KEY = "destinations"
STATUS_KEY = "destination_status"


def attach_distribution(fleet: Any, machine: Machine) -> None:
    """Gives a started machine its distribution functions (receiver responder, sender's timer)."""
    functions = machine.identity.functions
    if Function.DISTRIBUTION_RECEIVER in functions:
        machine.responders["distribution"] = lambda ch, hello, welcome: serve_distribution(machine, ch, hello, welcome)
    if Function.DISTRIBUTION_SENDER in functions:
        timer = AutoDistributionTimer(fleet, machine)
        machine.functions["auto_distribution"] = timer
        timer.rearm()


class DistributionOperations(FacadeBase):
    """Distribution actions of the fleet facade (mixed into ``Fleet``)."""

    chunk_chars: int = DEFAULT_CHUNK_CHARS

    # --- registered destinations (DID-02) -----------------------------------------------------------

    def destinations(self, host: str) -> DestinationList:
        """The host's registered destinations, in list order."""
        machine = self.machine(host)
        data = machine.store.get_config(DESTINATIONS_KEY)
        limit = self.spec.settings.destination_limit
        return DestinationList.from_json(data) if data else DestinationList(limit=limit)

    def _save_destinations(self, host: str, destinations: DestinationList, detail: str) -> None:
        self.machine(host).store.set_config(DESTINATIONS_KEY, destinations.to_json())
        self.bus.publish(DataChanged(at=self.clock.now(), machine=host, what="destinations", detail=detail))

    def register_destination(self, host: str, name: str, address: str, port: int = 0) -> Destination:
        """``<Register>``: adds a destination by hand (DID-02; Administrator only, DID-01)."""
        self.require_admin(host, "DID-01")
        destination = Destination(name, address, port)
        self._save_destinations(host, self.destinations(host).add(destination), f"registered {name}")
        return destination

    def search_destinations(self, host: str, depth: int, display_host_name: bool = True) -> list[Destination]:
        """``<Auto Search/Register>``: the machines within ``depth`` routers that could be registered."""
        self.require_admin(host, "DID-01")
        me = self.machine(host)
        candidates = [
            (spec.name, spec.name, abs(spec.identity.router_distance - me.identity.router_distance))
            for spec in self.spec.machines
            if spec.name != host and Function.DISTRIBUTION_RECEIVER in spec.identity.functions
        ]
        return auto_search(candidates, depth, display_host_name)

    def register_found(self, host: str, found: Iterable[Destination]) -> tuple[str, ...]:
        """Registers search results; returns the names that were skipped (already there or over the limit)."""
        self.require_admin(host, "DID-01")
        updated, skipped = self.destinations(host).add_found(found)
        self._save_destinations(host, updated, "registered from auto search")
        return skipped

    def delete_destination(self, host: str, name: str) -> None:
        """``<Delete>``: a deleted destination leaves every future run (DID-02)."""
        self.require_admin(host, "DID-01")
        self._save_destinations(host, self.destinations(host).delete(name), f"deleted {name}")
        statuses = self.destination_statuses(host)
        statuses.pop(name, None)
        self.machine(host).store.set_config(STATUS_KEY, statuses)
        timer = self.machine(host).functions.get("auto_distribution")
        if timer is not None:
            schedule = timer.schedule()
            if name in schedule.destinations:
                from dataclasses import replace

                kept = tuple(d for d in schedule.destinations if d != name)
                self.machine(host).store.set_config(AUTO_DISTRIBUTION_KEY, replace(schedule, destinations=kept).to_json())

    def destination_statuses(self, host: str) -> dict[str, str]:
        """The last ``<Status>`` of each destination (unselected ones keep theirs, DID-04)."""
        return dict(self.machine(host).store.get_config(STATUS_KEY) or {})

    def resolve_destination(self, destination: Destination) -> str:
        """The fleet machine a destination's address names, or empty when nothing answers there."""
        wanted = destination.address.casefold()
        for name in self.spec.names:
            if name.casefold() == wanted:
                return name
        return ""

    # --- running -------------------------------------------------------------------------------------

    def current_job(self, host: str) -> DistributionJob | None:
        """The host's running distribution, if any."""
        job = self.machine(host).functions.get("job")
        return job if job is not None and job.status.value == "running" else None

    def last_job(self, host: str) -> DistributionJob | None:
        """The host's most recent distribution (running or finished)."""
        return self.machine(host).functions.get("job")

    def start_manual_distribution(
        self,
        host: str,
        categories: Collection[Category],
        destinations: Collection[str],
        include_network: bool = False,
    ) -> DistributionJob:
        """``<Start Manual Distribution>`` (DID-04; Administrator only, DID-01)."""
        self.require_admin(host, "DID-01")
        return self.start_distribution_job(host, categories, destinations, include_network, "manual")

    def start_distribution_job(
        self,
        host: str,
        categories: Collection[Category],
        destinations: Collection[str],
        include_network: bool = False,
        trigger: str = "manual",
    ) -> DistributionJob:
        """Starts a distribution run (manual or scheduled) and returns it; it runs as an engine task."""
        machine = self.machine(host)
        machine.require_operable("a distribution")
        if Function.DISTRIBUTION_SENDER not in machine.identity.functions:
            raise RuleRefusal(f"{host} is not a distribution host", "DID-01")
        if self.current_job(host) is not None:
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
        bundle = Bundle.build(machine.device_info, list(categories), include_network, self.chunk_chars)
        job_id = int(machine.store.get_config("next_job_id", 1))
        machine.store.set_config("next_job_id", job_id + 1)
        job = DistributionJob(
            fleet=self,  # type: ignore[arg-type]
            host=machine,
            job_id=job_id,
            bundle=bundle,
            destinations=tuple(d.name for d in picked),
            targets={d.name: self.resolve_destination(d) for d in picked},
            concurrency=self.spec.settings.concurrency,
            trigger=trigger,
        )
        machine.functions["job"] = job

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

        self.spawn(run(), f"{host} distribution #{job_id}")
        return job

    def cancel_distribution(self, host: str) -> None:
        """``<Cancel>`` (DID-07; Administrator only, DID-01)."""
        self.require_admin(host, "DID-01")
        job = self.current_job(host)
        if job is None:
            raise RuleRefusal("no distribution is running", "DID-07")
        job.cancel()

    # --- auto distribution (DID-21, DID-22) ---------------------------------------------------------

    def auto_distribution(self, host: str) -> AutoDistribution:
        """The host's saved ``<Set Auto Distribution>``."""
        data = self.machine(host).store.get_config(AUTO_DISTRIBUTION_KEY)
        return AutoDistribution.from_json(data) if data else AutoDistribution()

    def set_auto_distribution(self, host: str, schedule: AutoDistribution) -> Any:
        """Saves a schedule after ``<OK>`` (DID-21) and sets the next timer; returns the next fire time."""
        self.require_admin(host, "DID-01")
        schedule.check_complete()
        unknown = set(schedule.destinations) - set(self.destinations(host).names())
        if unknown:
            raise RuleRefusal(f"not registered as destinations: {', '.join(sorted(unknown))}", "DID-21")
        machine = self.machine(host)
        machine.store.set_config(AUTO_DISTRIBUTION_KEY, schedule.to_json())
        self.bus.publish(DataChanged(at=self.clock.now(), machine=host, what="auto_distribution",
                                     detail=schedule.mode.value))
        timer = machine.functions.get("auto_distribution")
        return timer.rearm() if timer is not None else None

    def next_auto_distribution(self, host: str) -> Any:
        """When the host's next auto distribution is due (None when off)."""
        timer = self.machine(host).functions.get("auto_distribution")
        return timer.next_time if timer is not None else None

    # --- the client side (DID-18..20) ---------------------------------------------------------------

    def receiving_settings(self, name: str) -> ReceivingSettings:
        """The machine's ``<Receiving Settings>``."""
        return receiving_settings(self.machine(name))

    def set_receiving_settings(self, name: str, settings: ReceivingSettings) -> None:
        """Changes ``<Receiving Settings>`` (Administrator only, DID-01)."""
        self.require_admin(name, "DID-01")
        self.machine(name).store.set_config(RECEIVING_SETTINGS_KEY, settings.to_json())
        self.bus.publish(DataChanged(at=self.clock.now(), machine=name, what="receiving_settings"))

    def restorable_categories(self, name: str) -> set[Category]:
        """The categories ``<Restore Data>`` can bring back now."""
        return self.machine(name).store.restore_point_categories()

    def restore_data(self, name: str, categories: Collection[Category]) -> list[Category]:
        """``<Restore Data>`` › ``<Execute>`` › ``<Yes>`` (DID-20, DID-17); returns the restored categories.

        Raises:
            RuleRefusal: (DID-20) nothing picked, or a picked category has nothing to restore.
        """
        self.require_admin(name, "DID-01")
        machine = self.machine(name)
        machine.require_operable("restoring data")
        store = machine.store
        points = {c: store.restore_point_value(c) for c in store.restore_point_categories()}
        update = restore_categories(machine.device_info, points, store.restore_point_inbox(), categories)
        now = self.clock.now()
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
        self.bus.publish(DataChanged(at=now, machine=name, what="device_information",
                                     detail="restored " + ", ".join(f"<{label}>" for label in labels)))
        return sorted(outcome.restored, key=list(Category).index)

    # --- the communication log (DID-23) -------------------------------------------------------------

    def communication_log(self, name: str, kind: str | None = None, peer: str | None = None,
                          result: str | None = None, limit: int | None = None) -> list[LogEntry]:
        """The machine's communication log, newest first, optionally filtered."""
        return self.machine(name).store.read_log(kind=kind, peer=peer, result=result, limit=limit)

    def print_communication_log(self, name: str, path: Path, **filters: Any) -> Path:
        """``<Print List>`` of the communication log: renders it as a text report file."""
        from mfp_console.engine.distribution.reports import communication_log_report

        entries = self.communication_log(name, **filters)
        path = Path(path)
        path.write_text(communication_log_report(name, entries, self.clock.now()), encoding="utf-8")
        return path

    def print_destination_list(self, host: str, path: Path) -> Path:
        """``<Print List>`` of the registered destinations as a text report file."""
        from mfp_console.engine.distribution.reports import destination_list_report

        path = Path(path)
        path.write_text(destination_list_report(host, self.destinations(host), self.destination_statuses(host),
                                                self.clock.now()), encoding="utf-8")
        return path
