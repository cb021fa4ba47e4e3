"""The host side of Device Information Distribution: one manual or scheduled run to many destinations.

A :class:`DistributionJob` encodes the host's bundle once (UTF-8 JSON text, its raw attachment frames and
digest), prepares
for machine time proportional to the data (DID-25: the host's activity is ``Preparing``; a host switched
off then sends nothing and ends every destination ``NG E-INTERRUPTED``), then serves its destinations in
list order, one at a time or ``concurrency`` at once (DID-06). Each destination's
``<Status>`` moves ``Waiting`` → ``Distributing`` → ``OK`` / ``NG <code>`` / ``Canceled`` (DID-04, DID-05) and
every change is published on the bus. ``cancel()`` leaves destinations already transferring to finish with
their real result and marks the others ``Canceled`` (DID-07).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.destination_status import DestinationResult, StatusKind
from mfp_console.domain.device_info import Category, DeviceInformation, SettingValue
from mfp_console.domain.device_info_json import category_text, compact_json
from mfp_console.domain.inboxes import without_protected
from mfp_console.domain.machine import Activity
from mfp_console.engine.distribution.offer import converse
from mfp_console.engine.events import (
    DestinationStatusChanged,
    DistributionFinished,
    DistributionPreparing,
    DistributionStarted,
)
from mfp_console.engine.net.channel import Channel
from mfp_console.engine.runtime import Runtime
from mfp_console.engine.views import JobStatus, JobView
from mfp_console.errors import LocalProtocolError, TransportError
from mfp_console.protocol import encode_raw_frame
from mfp_console.protocol.messages import (
    Apply,
    Attachment,
    Bye,
    OfferReply,
    Result,
    split_bytes,
)

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = ["Bundle", "DistributionJob", "JobStatus"]

_log = logging.getLogger(__name__)

SWITCHED_OFF_WHILE_PREPARING = "the host was switched off while preparing the distribution; nothing was sent"
"""The detail of every destination of a job whose host was switched off while preparing (DID-25)."""


@dataclass(frozen=True)
class Bundle:
    """The host's data for one job, encoded once for every destination.

    Attributes:
        categories: The categories sent.
        include_network: ``<Network Settings>`` ``<Include>``.
        data: The UTF-8 JSON text of the categories.
        frames: The raw attachment frames that carry ``data``, encoded once (no JSON inside JSON).
        digest: SHA-256 of ``data``.
        not_sent: What the host keeps back and why, one phrase each (DID-27, DID-28), for the log.
    """

    categories: tuple[Category, ...]
    include_network: bool
    data: bytes
    frames: tuple[bytes, ...]
    digest: str
    not_sent: tuple[str, ...] = ()

    @classmethod
    def build(cls, info: DeviceInformation, categories: Sequence[Category], include_network: bool,
              chunk_bytes: int, withheld: Sequence[tuple[Category, str]] = ()) -> Bundle:
        """The bundle of ``info``'s categories: each encoded to its compact JSON text, then as
        :meth:`from_texts` (for a caller holding decoded values, such as the bench)."""
        with _encoding_errors():
            texts = {c: category_text(c, info.category(c)) for c in cls.sent(categories, withheld)}
        return cls.from_texts(texts, include_network, chunk_bytes, withheld, info.settings_values)

    @classmethod
    def from_texts(cls, texts: Mapping[Category, str], include_network: bool, chunk_bytes: int,
                   withheld: Sequence[tuple[Category, str]] = (),
                   settings_values: Sequence[SettingValue] | None = None) -> Bundle:
        """The bundle spliced from each category's JSON text, as the host's store keeps it: an address book
        of thousands of entries goes out without being decoded and encoded again.

        Only ``<Settings/Registration Value>`` is filtered item by item: network settings only with
        ``<Include>`` (DID-03), nothing of an inbox protected by a password (DID-27). Its text is sent as
        it is when the filter drops nothing, else ``settings_values`` (the decoded value of that text)
        filtered are encoded. ``withheld`` categories are left out with their reason (DID-28).

        Args:
            texts: The JSON text of each category to send; the bundle holds them in :class:`Category`
                order, compact texts giving exactly the bytes :func:`json.dumps` of the values would.
            settings_values: The value of ``texts[Category.SETTINGS_VALUES]``, when that is sent.

        Raises:
            ValueError: The settings values are sent without their value (they could not be filtered).
            LocalProtocolError: The text cannot be UTF-8 (it holds a lone surrogate).
        """
        ordered = cls.sent(texts, withheld)
        if Category.SETTINGS_VALUES in ordered and settings_values is None:
            raise ValueError("the settings values are filtered before they are sent: their value is needed")
        not_sent = [f"<{c.label}> ({why})" for c, why in withheld]
        members = []
        with _encoding_errors():
            for category in ordered:
                text = texts[category]
                if category is Category.SETTINGS_VALUES:
                    text, protected = _filtered_settings(text, tuple(settings_values or ()), include_network)
                    if protected:
                        not_sent.append(f"{', '.join(protected)} (protected by a password)")
                members.append(f"{compact_json(category.value)}:{text}")
            raw = ("{" + ",".join(members) + "}").encode("utf-8")
        frames = tuple(encode_raw_frame(piece) for piece in split_bytes(raw, chunk_bytes))
        return cls(ordered, include_network, raw, frames, hashlib.sha256(raw).hexdigest(), tuple(not_sent))

    @staticmethod
    def sent(categories: Collection[Category],
             withheld: Sequence[tuple[Category, str]] = ()) -> tuple[Category, ...]:
        """The categories a bundle of ``categories`` holds, in :class:`Category` order: ``withheld`` ones
        left out."""
        asked, kept_back = set(categories), {c for c, _ in withheld}
        return tuple(c for c in Category if c in asked and c not in kept_back)

    @property
    def size(self) -> int:
        """Bytes of the encoded text."""
        return len(self.data)

    @property
    def wire_bytes(self) -> int:
        """Bytes of the frames that carry it."""
        return sum(len(frame) for frame in self.frames)


def _filtered_settings(text: str, values: tuple[SettingValue, ...],
                       include_network: bool) -> tuple[str, tuple[str, ...]]:
    """The text of the settings values a host sends, and the inboxes kept back for their password: network
    items only with ``<Include>`` (DID-03), no item of a protected inbox (DID-27)."""
    sent = values if include_network else tuple(s for s in values if not s.network)
    sent, protected = without_protected(sent)
    if len(sent) == len(values):
        return text, protected  # nothing dropped: the text is that of the values sent
    return category_text(Category.SETTINGS_VALUES, sent), protected


@contextmanager
def _encoding_errors() -> Iterator[None]:
    """A value JSON or UTF-8 cannot carry (NaN, a lone surrogate) becomes a :class:`LocalProtocolError`."""
    try:
        yield
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise LocalProtocolError(f"cannot encode the bundle: {exc}") from exc


@dataclass
class DistributionJob:
    """One distribution run from ``host`` to ``destinations`` (names of registered destinations)."""

    runtime: Runtime
    host: Machine
    job_id: int
    bundle: Bundle
    destinations: tuple[str, ...]
    targets: dict[str, str]
    concurrency: int = 1
    unreachable: dict[str, str] = field(default_factory=dict)
    """Why a destination without a target is not dialled (M-07, M-09), by destination name."""
    trigger: str = "manual"
    prepare_seconds: float = 0.0
    """Machine time the host prepares before the first destination (DID-25)."""
    results: dict[str, DestinationResult] = field(default_factory=dict)
    status: JobStatus = JobStatus.RUNNING
    started_at: datetime | None = None
    preparing_until: datetime | None = None
    on_finished: Callable[[DistributionJob], None] | None = None
    _canceled: bool = False
    _switched_off: bool = False
    _preparation: asyncio.Future[None] | None = None

    def __post_init__(self) -> None:
        for name in self.destinations:
            self.results[name] = DestinationResult(name, StatusKind.WAITING)

    @property
    def canceled(self) -> bool:
        """True once ``<Cancel>`` was pressed."""
        return self._canceled

    @property
    def progress(self) -> tuple[int, int]:
        """(destinations done, destinations in all)."""
        return sum(1 for r in self.results.values() if r.kind.final), len(self.results)

    def view(self) -> JobView:
        """The job as it stands now."""
        bundle = self.bundle
        return JobView(self.host.name, self.job_id, self.trigger, self.status, bundle.categories,
                       bundle.include_network, self.destinations, dict(self.results), self._canceled,
                       bundle.size, bundle.wire_bytes, self.started_at,
                       self.preparing_until if self.status is JobStatus.PREPARING else None, bundle.not_sent)

    def cancel(self) -> None:
        """``<Cancel>`` (DID-07): destinations not yet started end ``Canceled``; running ones finish.

        Pressed while preparing, no destination has started: the preparation stops and all end ``Canceled``.
        """
        self._canceled = True
        self._stop_preparing()

    def host_switched_off(self) -> None:
        """The host lost power. While preparing (DID-25) the job ends at once and sends nothing; once
        destinations are served, a power cut is the destinations' business (their links end)."""
        if self.status is JobStatus.PREPARING:
            self._switched_off = True
            self._stop_preparing()

    def _stop_preparing(self) -> None:
        if self._preparation is not None and not self._preparation.done():
            self._preparation.cancel()

    async def run(self) -> dict[str, DestinationResult]:
        """Serves every destination and returns the final statuses."""
        runtime = self.runtime
        self.started_at = runtime.clock.now()
        runtime.bus.publish(
            DistributionStarted(
                at=self.started_at,
                machine=self.host.name,
                job_id=self.job_id,
                destinations=self.destinations,
                categories=tuple(c.label for c in self.bundle.categories),
                trigger=self.trigger,
            )
        )
        await self._prepare()
        queue = list(self.destinations)
        queue.reverse()

        async def worker() -> None:
            while queue:
                name = queue.pop()
                if self._switched_off:
                    self._finish(name, self.started_at or runtime.clock.now(), DestinationResult(
                        name, StatusKind.NG, "E-INTERRUPTED", SWITCHED_OFF_WHILE_PREPARING))
                    continue
                if self._canceled:
                    self._set(DestinationResult(name, StatusKind.CANCELED, detail="canceled before it started"))
                    continue
                await self._serve(name)

        workers = max(1, min(self.concurrency, len(self.destinations) or 1))
        await asyncio.gather(*(worker() for _ in range(workers)))
        self.status = JobStatus.FINISHED
        if self.on_finished is not None:
            self.on_finished(self)  # e.g. the host saves the statuses before anyone hears it finished
        runtime.bus.publish(
            DistributionFinished(
                at=runtime.clock.now(),
                machine=self.host.name,
                job_id=self.job_id,
                results=tuple((n, self.results[n].text) for n in self.destinations),
            )
        )
        return self.results

    async def _prepare(self) -> None:
        """DID-25: the host prepares for ``prepare_seconds`` of machine time before the first destination;
        its activity is ``Preparing`` meanwhile (when it was idle). Switching the host off or ``<Cancel>``
        ends the preparation at once."""
        if self.prepare_seconds <= 0 or self._canceled:
            return
        runtime, host = self.runtime, self.host
        self.status = JobStatus.PREPARING
        self.preparing_until = runtime.clock.now() + timedelta(seconds=self.prepare_seconds)
        runtime.bus.publish(DistributionPreparing(at=runtime.clock.now(), machine=host.name, job_id=self.job_id,
                                                  until=self.preparing_until))
        marked = host.state.activity is Activity.IDLE
        if marked:
            host.set_activity(Activity.PREPARING)
        self._preparation = asyncio.ensure_future(runtime.clock.sleep(self.prepare_seconds))
        try:
            await self._preparation
        except asyncio.CancelledError:
            if not (self._switched_off or self._canceled):
                raise  # the job itself was cancelled (the fleet stops)
        finally:
            self._preparation = None
            if marked and host.state.activity is Activity.PREPARING:
                host.set_activity(Activity.IDLE)
            self.status = JobStatus.RUNNING

    def _set(self, result: DestinationResult) -> None:
        self.results[result.destination] = result
        self.runtime.bus.publish(
            DestinationStatusChanged(
                at=self.runtime.clock.now(),
                machine=self.host.name,
                job_id=self.job_id,
                destination=result.destination,
                status=result.text,
                detail=result.detail,
            )
        )

    async def _serve(self, name: str) -> None:
        start = self.runtime.clock.now()
        self._set(DestinationResult(name, StatusKind.DISTRIBUTING))
        try:
            result = await self._converse(name, self.targets.get(name, ""))
        except asyncio.CancelledError:
            result = DestinationResult(name, StatusKind.NG, "E-INTERRUPTED", "the host stopped")
            self._finish(name, start, result)
            raise
        except OSError as exc:  # a link error no layer below classified: this destination ends, not the job
            result = DestinationResult(name, StatusKind.NG, "E-INTERRUPTED", f"link lost: {exc}")
        except Exception as exc:  # a bug must not leave every later destination "Distributing" for ever
            _log.exception("distribution to %s failed", name)
            result = DestinationResult(name, StatusKind.NG, "E-INTERRUPTED", f"internal error: {exc!r}")
        self._finish(name, start, result)

    def _finish(self, name: str, start: datetime, result: DestinationResult) -> None:
        self._set(result)
        detail = result.detail
        if self.bundle.not_sent and result.kind is not StatusKind.CANCELED:
            detail = "; ".join([*([detail] if detail else []), "not sent: " + "; ".join(self.bundle.not_sent)])
        entry = LogEntry(
            start,
            self.runtime.clock.now(),
            "Delivered",
            name,
            tuple(c.label for c in self.bundle.categories),
            "OK" if result.kind is StatusKind.OK else "NG",
            result.code if result.kind is StatusKind.NG else "",
            detail,
        )
        try:
            self.host.store.append_log(entry)
        except Exception:  # the host may have been powered off mid-run; the status is still reported
            pass

    async def _converse(self, name: str, target: str) -> DestinationResult:
        """One conversation with one client; never raises for the client's refusal, it reports it."""
        return await converse(self.runtime, self.host, self.bundle, name, target, purpose="distribution",
                              job_id=self.job_id, finish=partial(self._transfer, name),
                              unreachable=self.unreachable.get(name, ""))

    async def _transfer(self, name: str, channel: Channel, reply: OfferReply) -> DestinationResult:
        """The client accepted: the chunks, ``Apply``, the client's result, ``Bye``."""
        bundle = self.bundle
        for frame in bundle.frames:
            await channel.send_encoded(Attachment, frame)
        await channel.send(Apply(sha256=bundle.digest))
        result = await channel.expect(Result)
        try:
            await channel.send(Bye())
        except TransportError:
            pass  # the client leaves once its result is sent: the outcome is in, whether Bye reaches it or not
        if result.code == "OK":
            return DestinationResult(name, StatusKind.OK, "", result.detail)
        return DestinationResult(name, StatusKind.NG, result.error or "E-PROTOCOL", result.detail)
