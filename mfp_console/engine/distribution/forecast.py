"""The pre-flight check: what a distribution would meet and change at each destination, asked, never applied.

A real Canon machine has none; it is the emulator's aid for rehearsals (docs/panel.md). The host asks
each client over the same mutual-TLS conversation a run uses, under the purpose ``forecast``:

* **host** (:func:`forecast_destinations`): the same dial, DID-08 proof and offer as a run
  (:func:`~mfp_console.engine.distribution.offer.converse`), the same attachment frames, then ``ForecastAsk``
  instead of ``Apply``. A refusal comes back exactly as the run would show it.
* **client** (:func:`serve_forecast`): the same proof check and offer decision as a run
  (:func:`~mfp_console.engine.distribution.receiver.receive_offer`), the same bundle checks, then the
  same merge (:func:`~mfp_console.domain.distribution_rules.apply_received`) on a copy of its data in
  memory; it answers what would change (:func:`~mfp_console.domain.distribution_forecast.changes_between`)
  and writes nothing: no data, no restore point, no update marker, no activity change, no wake-up from
  Sleep, and no log entry, except that a wrong proof is logged as it always is (docs/security.md).

Destinations are asked :data:`FORECAST_CONCURRENCY` at a time (D): a forecast changes nothing, so the
list order of DID-06 does not matter, and asking in parallel keeps the screen quick on a large fleet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from mfp_console.domain.destination_status import DestinationResult, StatusKind
from mfp_console.domain.device_info import Category, DeviceInformation
from mfp_console.domain.distribution_forecast import (
    Change,
    DestinationForecast,
    changes_between,
    clip_text,
)
from mfp_console.domain.distribution_rules import apply_received, protected_kept_phrase
from mfp_console.domain.inboxes import protected_inboxes
from mfp_console.engine.distribution.offer import converse
from mfp_console.engine.distribution.receiver import (
    receive_bundle,
    receive_offer,
    received_log,
    result_detail,
)
from mfp_console.engine.net.channel import Channel
from mfp_console.engine.runtime import Runtime
from mfp_console.protocol.messages import (
    Attachment,
    Bye,
    ForecastAnswer,
    ForecastAsk,
    Hello,
    OfferReply,
    Purpose,
    Welcome,
)

if TYPE_CHECKING:
    from mfp_console.engine.distribution.job import Bundle
    from mfp_console.engine.machine import Machine

__all__ = ["FORECAST_CONCURRENCY", "forecast_destinations", "serve_forecast"]

FORECAST_CONCURRENCY = 8
"""(D) Destinations asked at once by one pre-flight check."""

_log = logging.getLogger(__name__)


async def forecast_destinations(runtime: Runtime, host: Machine, bundle: Bundle, targets: Mapping[str, str],
                                unreachable: Mapping[str, str]) -> list[DestinationForecast]:
    """Asks every destination of ``targets`` (name → what to dial, in list order; empty when nothing
    answers there, ``unreachable`` says why) what the distribution of ``bundle`` would do there."""
    gate = asyncio.Semaphore(FORECAST_CONCURRENCY)

    async def one(name: str, target: str) -> DestinationForecast:
        async with gate:
            return await _forecast_one(runtime, host, bundle, name, target, unreachable.get(name, ""))

    return list(await asyncio.gather(*(one(name, target) for name, target in targets.items())))


async def _forecast_one(runtime: Runtime, host: Machine, bundle: Bundle, name: str, target: str,
                        unreachable: str) -> DestinationForecast:
    try:
        seen = await converse(runtime, host, bundle, name, target, purpose=Purpose.FORECAST.value, job_id=0,
                              finish=partial(_ask, name, bundle), unreachable=unreachable)
    except OSError as exc:  # as DistributionJob._serve: a link error no layer below classified
        seen = DestinationResult(name, StatusKind.NG, "E-INTERRUPTED", f"link lost: {exc}")
    except Exception as exc:  # a bug must not hide the other destinations' forecasts
        _log.exception("pre-flight check of %s failed", name)
        seen = DestinationResult(name, StatusKind.NG, "E-INTERRUPTED", f"internal error: {exc!r}")
    if isinstance(seen, DestinationResult):
        return DestinationForecast(name, seen.kind, seen.code, seen.detail, not_sent=bundle.not_sent)
    return seen


async def _ask(name: str, bundle: Bundle, channel: Channel, reply: OfferReply) -> DestinationForecast:
    """The client accepted: the same attachment frames as a run, then the question instead of ``Apply``."""
    for frame in bundle.frames:
        await channel.send_encoded(Attachment, frame)
    await channel.send(ForecastAsk(sha256=bundle.digest))
    answer = await channel.expect(ForecastAnswer)
    await channel.send(Bye())
    accepted = tuple(c for c in Category if answer.outcomes.get(c.value) == "applied")
    refused = tuple((c, why) for c in Category if (why := reply.refused.get(c.value)) is not None)
    return DestinationForecast(
        name,
        StatusKind.OK,
        reason=answer.detail,
        accepted=accepted,
        refused=refused,
        summaries={Category(c): text for c, text in answer.summaries.items()},
        changes=tuple(Change.from_json(record) for record in answer.changes),
        not_sent=bundle.not_sent,
    )


def _told(category: Category, sentence: str, before: DeviceInformation) -> str:
    """A category's log sentence as a forecast may tell it to the host: the names of this machine's own
    inboxes protected by a password (DID-27) become a count (docs/security.md)."""
    mine = protected_inboxes(before.settings_values)
    if category is not Category.SETTINGS_VALUES or not mine:
        return sentence
    return sentence.replace(protected_kept_phrase(mine), f", {len(mine)} inboxes protected by a password kept")


async def serve_forecast(machine: Machine, channel: Channel, hello: Hello, welcome: Welcome) -> None:
    """Answers one pre-flight check from a host (the responder of purpose ``forecast``); changes nothing."""
    taken = await receive_offer(machine, channel, hello, welcome, received_log(machine, hello),
                                log_refused_offer=False)
    if taken is None:
        return
    bundle = await receive_bundle(channel, taken, ForecastAsk)
    offer, decision = taken.offer, taken.decision
    card_reader_mismatch = offer.card_reader != machine.identity.options.card_reader
    before = machine.device_info
    update = apply_received(  # the run's own merge, on values in memory: the store is not touched
        before,
        bundle.values,
        decision.accepted,
        include_network=offer.include_network,
        card_reader_mismatch=card_reader_mismatch,
        client_series=machine.identity.series,
    )
    changes = changes_between(before, update.info, list(update.outcomes), skipped_settings=update.skipped_settings,
                              card_reader_mismatch=card_reader_mismatch)
    outcomes = {c.value: "applied" for c in update.outcomes}
    outcomes.update({c.value: clip_text(f"refused: {why}") for c, why in decision.refused})
    summaries = {c.value: clip_text(_told(c, text, before)) for c, text in update.outcomes.items()}
    await channel.send(ForecastAnswer(
        outcomes=outcomes,
        summaries=summaries,
        changes=tuple(change.to_json() for change in changes),
        detail=clip_text(result_detail(decision, update.skipped_settings)),
    ))
    try:
        await channel.expect(Bye)
    except Exception:  # the host may hang up right after the answer; nothing was changed either way
        pass
