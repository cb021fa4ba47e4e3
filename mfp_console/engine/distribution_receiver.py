"""The client side of Device Information Distribution: check the host, decide, receive, apply, log.

The client decides what it accepts; the host only reports. One conversation runs: the host's
challenge–response proof of the System Manager ID/PIN (DID-08), the offer and the client's answer from its
``<Receiving Settings>`` (DID-10, DID-18, DID-19), the chunked bundle, then the update. While applying, the
client's activity is ``Updating`` and its panel is locked (DID-11); the new data, its restore point and the
log entry are written in one transaction (M-04, DID-13…17, DID-20, DID-23). A power cut before that
transaction leaves the old data and a durable marker, shown as ``E-UPDATE`` (DID-12).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfp_console.domain.device_info import Category, category_from_json
from mfp_console.domain.distribution_rules import apply_received
from mfp_console.domain.machine import Activity
from mfp_console.domain.receiving import ReceivingSettings, decide_offer
from mfp_console.engine.channel import Channel
from mfp_console.engine.events import DataChanged
from mfp_console.errors import RemoteProtocolError
from mfp_console.protocol import check_proof
from mfp_console.protocol.messages import (
    Apply,
    Auth,
    AuthResult,
    Bye,
    Chunk,
    Hello,
    Offer,
    OfferReply,
    Result,
    Welcome,
    bundle_digest,
)
from mfp_console.store.communication_log import LogEntry

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = ["RECEIVING_SETTINGS_KEY", "decode_bundle", "receiving_settings", "serve_distribution"]

RECEIVING_SETTINGS_KEY = "receiving_settings"


def receiving_settings(machine: Machine) -> ReceivingSettings:
    """The machine's ``<Receiving Settings>`` (DID-18 default ``<On>``, DID-19 default all ``<Off>``)."""
    data = machine.store.get_config(RECEIVING_SETTINGS_KEY)
    return ReceivingSettings.from_json(data) if data else ReceivingSettings()


def decode_bundle(text: str, categories: list[Category]) -> dict[Category, Any]:
    """Decodes a received bundle's JSON text into category values.

    Raises:
        RemoteProtocolError: The text is not the JSON of exactly the offered categories.
    """
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict) or set(raw) != {c.value for c in categories}:
            raise ValueError("the bundle does not hold exactly the offered categories")
        return {c: category_from_json(c, raw[c.value]) for c in categories}
    except (ValueError, TypeError, KeyError) as exc:
        raise RemoteProtocolError(f"bad distribution bundle: {exc}") from None


async def serve_distribution(machine: Machine, channel: Channel, hello: Hello, welcome: Welcome) -> None:
    """Serves one distribution from a host (the responder of purpose ``distribution``)."""
    fleet = machine.fleet
    started = fleet.clock.now()
    host = hello.machine

    def log(result: str, code: str, contents: tuple[str, ...], detail: str) -> LogEntry:
        return LogEntry(started, fleet.clock.now(), "Received", host, contents, result, code, detail)

    auth = await channel.expect(Auth)
    if not check_proof(machine.secret.auth_key, welcome.challenge, host, machine.name, auth.proof):
        reason = "the host's System Manager ID/PIN differ from this machine's"
        await channel.send(AuthResult(ok=False, code="E-AUTH", reason=reason))
        machine.store.append_log(log("NG", "E-AUTH", (), reason))
        return
    await channel.send(AuthResult(ok=True, code="", reason=""))

    offer = await channel.expect(Offer)
    offered = [Category(v) for v in offer.categories]
    labels = tuple(c.label for c in offered)
    decision = decide_offer(
        host_series=hello.series,
        client_series=machine.identity.series,
        offered=offered,
        settings=receiving_settings(machine),
        client_activity=machine.state.activity,
    )
    await channel.send(
        OfferReply(
            accepted=tuple(c.value for c in decision.accepted),
            refused={c.value: why for c, why in decision.refused},
            code=decision.code,
            reason=decision.reason,
        )
    )
    if not decision.ok:
        machine.store.append_log(log("NG", decision.code, labels, decision.reason))
        return

    pieces: list[str] = []
    for _ in range(offer.chunk_count):
        pieces.append((await channel.expect(Chunk)).text)
    apply = await channel.expect(Apply)
    text = "".join(pieces)
    if bundle_digest(text) != apply.sha256:
        raise RemoteProtocolError("the bundle's SHA-256 does not match the apply message")
    bundle = decode_bundle(text, offered)

    outcomes = await _apply(machine, offer, hello, bundle, decision.accepted, len(text.encode()), log, labels,
                            decision.refused)
    await channel.send(Result(code="OK", error="", outcomes=outcomes, detail=decision.log_text()))
    try:
        await channel.expect(Bye)
    except Exception:  # the host may hang up right after the result; the update is already stored
        pass


async def _apply(
    machine: Machine,
    offer: Offer,
    hello: Hello,
    bundle: Mapping[Category, Any],
    accepted: tuple[Category, ...],
    size: int,
    log: Any,
    labels: tuple[str, ...],
    refused: tuple[tuple[Category, str], ...],
) -> dict[str, str]:
    """Applies the accepted categories as one update; returns the per-category outcomes for the result."""
    fleet = machine.fleet
    machine.set_activity(Activity.UPDATING)
    machine.store.mark_update_started({"job_id": offer.job_id, "host": hello.machine, "categories": list(labels)})
    try:
        seconds = fleet.spec.settings.update_seconds_per_mib * size / (1024 * 1024)
        await fleet.clock.sleep(seconds)  # DID-11: applying takes machine time; a power cut may come now
        update = apply_received(
            machine.device_info,
            bundle,
            accepted,
            include_network=offer.include_network,
            card_reader_mismatch=offer.card_reader != machine.identity.options.card_reader,
        )
        outcomes = {c.value: "applied" for c in update.outcomes}
        outcomes.update({c.value: f"refused: {why}" for c, why in refused})
        detail = "; ".join(f"<{c.label}>: {text}" for c, text in update.outcomes.items())
        if refused:
            detail += "; refused " + ", ".join(f"<{c.label}> ({why})" for c, why in refused)
        machine.store.apply_update(update.info, set(update.outcomes), update.inbox_changed, log("OK", "", labels, detail))
    finally:
        if machine.state.activity is Activity.UPDATING:
            machine.set_activity(Activity.IDLE)
    fleet.bus.publish(
        DataChanged(
            at=fleet.clock.now(),
            machine=machine.name,
            what="device_information",
            detail="received " + ", ".join(f"<{c.label}>" for c in update.outcomes),
        )
    )
    return outcomes


def _now_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
